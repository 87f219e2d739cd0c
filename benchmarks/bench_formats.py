"""ELAN import against the peer a user would pick (pympi), and bulk imports of overlapping rows.

Run: ``.venv/bin/python -m benchmarks.bench_formats`` (or ``python -m benchmarks.run_all --only
bench_formats``, which also rewrites ``benchmarks/RESULTS.md``). pympi-ling is one of the app's own
dependencies (export writes through it), so it runs in this process, not in ``.venv-bench``.
The load average is printed beside every figure (shared machine).

1. **ELAN read, ours vs pympi** (one file of 10,000 annotations on one tier, written by our
   export): ``eaf_read.read_eaf`` (one streaming expat pass over the XML, then tiers, times with
   unaligned-slot interpolation and references, integer ms -> frame math) against
   ``pympi.Elan.Eaf(path)`` (pympi's ElementTree parse into its dictionaries), interleaved, one
   warm-up each, 7 repetitions, medians and their ratio.
2. **Whole import vs pympi's parse**: ``import_eaf`` into a fresh project (read, the import plan's
   checks, then one transaction in the project store: 10,000 segment rows, their R*Tree rows, one
   audit row per segment, one undo step, fsync), 7 times interleaved with pympi's parse again.
   pympi has no store, so this row is not the same work on both sides: it says what the whole
   import costs in units of a bare parse. The split of our side (read, plan, store) is printed.
   Both rows go to ``benchmarks/RESULTS.md``.
3. **Overlapping rows**: a CSV of n rows on one tier, each overlapping the next two, every row
   written twice (2n rows; they fan out over '(overlap N)' tiers), for n = 1,000 and 25,000: the
   import plan's time (the part that was O(n^2)), the whole import, the tiers it made and a second
   import of the same file (adds nothing). Per-row times at both sizes show the scaling.
"""

from __future__ import annotations

import importlib.metadata
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.results import record, row
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.eaf import export_eaf, import_eaf
from mgstudio.formats.eaf_read import read_eaf
from mgstudio.formats.segments_csv import import_csv, read_csv
from mgstudio.formats.tracks import ImportPlan

N = 10_000
PYMPI = importlib.metadata.version("pympi-ling")
FPS = 30000 / 1001
REPS = 7


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def elan_vs_pympi(tmp: Path) -> list[dict]:
    from pympi.Elan import Eaf

    frames = N * 40
    with Project.create(tmp / "src.mgproj", annotator="alice") as src:
        labels = src.taxonomy.names
        src.add_skeleton_item("session", SkeletonSequence.empty(CANONICAL, frames, FPS))
        item = src.item_by_name("session")
        tier = src.ensure_tier("alice", annotator="alice")
        src.add_segments([Segment(item.id, tier.id, 40 * k, 40 * k + 5 + k % 30, labels[k % len(labels)])
                          for k in range(N)], "bench")
        t0 = time.perf_counter()
        export_eaf(src, tmp / "s.eaf", item.id)
        t_export = time.perf_counter() - t0
    path = tmp / "s.eaf"
    ours, peer = [], []
    read_eaf(path, FPS)  # warm-up, both sides
    Eaf(str(path))
    for _ in range(REPS):  # interleaved
        t0 = time.perf_counter()
        tracks = read_eaf(path, FPS)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        Eaf(str(path))
        peer.append(time.perf_counter() - t0)
    assert sum(len(t.rows) for t in tracks) == N
    full, full_peer = [], []
    for k in range(REPS):  # the whole import, interleaved with pympi's parse again
        with Project.create(tmp / f"dst{k}.mgproj", annotator="alice") as dst:
            dst.add_skeleton_item("session", SkeletonSequence.empty(CANONICAL, frames, FPS))
            t0 = time.perf_counter()
            rep = import_eaf(dst, path, dst.item_by_name("session").id)
            full.append(time.perf_counter() - t0)
            assert rep.imported == N
        t0 = time.perf_counter()
        Eaf(str(path))
        full_peer.append(time.perf_counter() - t0)
    split = {"read": [], "plan": [], "store": []}  # our side's parts, the same calls import_eaf makes
    for k in range(3):
        with Project.create(tmp / f"split{k}.mgproj", annotator="alice") as dst:
            dst.add_skeleton_item("session", SkeletonSequence.empty(CANONICAL, frames, FPS))
            item_id = dst.item_by_name("session").id
            t0 = time.perf_counter()
            tracks = read_eaf(path, FPS)
            t1 = time.perf_counter()
            plan = ImportPlan(dst, None, None, path.name)
            plan.add(item_id, tracks)
            t2 = time.perf_counter()
            plan.commit(f"Import {path.name}")
            t3 = time.perf_counter()
        split["read"].append(t1 - t0)
        split["plan"].append(t2 - t1)
        split["store"].append(t3 - t2)
    m_ours, m_peer = statistics.median(ours), statistics.median(peer)
    m_full, m_full_peer = statistics.median(full), statistics.median(full_peer)
    print(f"ELAN read of {N} annotations ({path.stat().st_size / 1e6:.1f} MB): ours {m_ours * 1000:.0f} ms, "
          f"pympi.Elan.Eaf {m_peer * 1000:.0f} ms (medians of {REPS}, interleaved); "
          f"ratio ours/pympi {m_ours / m_peer:.2f}x; {load()}")
    print(f"  whole import into a project (read + checks + one transaction with undo and audit): "
          f"{m_full * 1000:.0f} ms = {m_full / m_full_peer:.1f}x pympi's parse ({m_full_peer * 1000:.0f} ms, "
          f"interleaved); export {t_export * 1000:.0f} ms")
    print("  our side split (medians of 3): " + ", ".join(f"{k} {statistics.median(v) * 1000:.0f} ms"
                                                         for k, v in split.items())
          + " (store: tier, segment rows, R*Tree, one audit row each, the undo step, fsync)")
    return [row(f"ELAN read of {N} annotations (parse to frames)", m_ours * 1000, f"pympi {PYMPI} Eaf(path) parse",
                m_peer * 1000, "ms", False, "same 10,000 annotations"),
            row(f"ELAN whole import of {N} (read + checks + durable store, undo, audit)", m_full * 1000,
                f"pympi {PYMPI} Eaf(path) parse (no store)", m_full_peer * 1000, "ms", False, "imported 10,000")]


def overlapping(tmp: Path, n: int) -> None:
    rows = ["item,tier,label,start_frame,end_frame"]
    for k in range(n):  # each row overlaps the next two, and is repeated once
        rows += [f"s,bob,folding arms,{10 * k},{10 * k + 25}"] * 2
    f = tmp / f"overlap{n}.csv"
    f.write_text("\n".join(rows) + "\n")
    with Project.create(tmp / f"o{n}.mgproj", annotator="alice") as p:
        p.add_skeleton_item("s", SkeletonSequence.empty(CANONICAL, 10 * n + 100, 25.0))
        tracks = read_csv(f, {"s": 25.0})
        t0 = time.perf_counter()
        plan = ImportPlan(p)
        plan.add(p.item_by_name("s").id, tracks)
        t_plan = time.perf_counter() - t0
        t0 = time.perf_counter()
        rep = import_csv(p, f)
        t_full = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = import_csv(p, f)
        t_again = time.perf_counter() - t0
        tiers = [t.name for t in p.tiers() if t.name.startswith("bob")]
    assert rep.imported == n and rep.duplicates == n and again.imported == 0
    print(f"{2 * n} overlapping rows ({n} distinct, each repeated): plan {t_plan * 1000:.0f} ms "
          f"({t_plan / (2 * n) * 1e6:.1f} µs/row); whole import {t_full * 1000:.0f} ms; {len(tiers)} tiers "
          f"({', '.join(tiers)}); the same file again {t_again * 1000:.0f} ms, added {again.imported}; {load()}")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-formats-"))
    rows = elan_vs_pympi(tmp)
    record("bench_formats", rows)
    for n in (1_000, 25_000):
        overlapping(tmp, n)


if __name__ == "__main__":
    main()
