"""Project store at scale: 100,000 segments, window queries, single edits, undo/redo.

Run: ``.venv/bin/python -m benchmarks.bench_store``. Prints

- the time to insert 100,000 segments (10 items x 10,000, human tiers, so every segment's
  overlap check runs), and the time of single edits (each one its own durable transaction);
- window-query p50/p95 over random 30-second windows (what the timeline asks for while
  scrolling), through ``Project.segments``; the **baseline** is the same query run on the same
  connection with the indexes disabled (``NOT INDEXED``: a full scan, what a store without a
  range index does), and the ratio baseline / indexed;
- undo and redo latency for a single edit and for the 10,000-segment bulk step.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status

N_ITEMS = 10
PER_ITEM = 10_000
FPS = 25
FRAMES = 100_000  # about 67 minutes per item
WINDOW = 30 * FPS
N_QUERIES = 500


ROUNDS = 5


def _pcts(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return statistics.median(xs), xs[int(0.95 * (len(xs) - 1))]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-store-"))
    rng = np.random.default_rng(0)
    with Project.create(tmp / "bench.mgproj", annotator="alice") as p:
        labels = p.taxonomy.names
        items = []
        for k in range(N_ITEMS):
            video = tmp / f"session{k}.mp4"  # the store only fingerprints the file; info is given
            video.write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
            items.append(p.add_video(video, info={"fps": FPS, "frame_count": FRAMES, "width": 640, "height": 360}))
        tier = p.tier("alice").id

        t0 = time.perf_counter()
        for it in items:
            starts = np.sort(rng.choice(FRAMES // 10, PER_ITEM, replace=False)) * 10
            segs = [Segment(it.id, tier, int(s), int(s) + int(rng.integers(2, 10)), labels[j % len(labels)])
                    for j, s in enumerate(starts)]
            p.add_segments(segs, f"Import {it.name}")
        insert_s = time.perf_counter() - t0
        total = p.count_segments()
        # A model tier on top, overlapping freely (proposals).
        props = [Segment(items[0].id, p.proposals_tier.id, int(s), int(s) + 50, "head up", source=Source.MODEL,
                         status=Status.PROPOSED, confidence=0.5) for s in rng.integers(0, FRAMES - 50, 2000)]
        t0 = time.perf_counter()
        p.replace_proposals(items[0].id, props)
        proposals_s = time.perf_counter() - t0

        # Single edits: each is its own transaction with fsync (synchronous=FULL).
        free = [Segment(items[1].id, tier, FRAMES - 2000 + 10 * k, FRAMES - 2000 + 10 * k + 5, "touching jaw")
                for k in range(100)]
        for s in p.segments(items[1].id, start=FRAMES - 2000, end=FRAMES):
            p.delete_segment(s.id)
        edit_ms = []
        for s in free:
            t0 = time.perf_counter()
            p.create_segment(s)
            edit_ms.append(1000 * (time.perf_counter() - t0))

        # Window queries: indexed (R*Tree) vs full scan.
        windows = [(items[int(rng.integers(N_ITEMS))].id, int(rng.integers(0, FRAMES - WINDOW)))
                   for _ in range(N_QUERIES)]
        scan_sql = (f"SELECT {p._SEG_COLS} FROM segments NOT INDEXED WHERE item_id = ? AND start_frame < ? "
                    "AND end_frame > ? ORDER BY start_frame, end_frame, id")
        # Each kind runs in its own pass over the same windows (as a timeline scrolls: the same
        # query again and again); interleaving them would let each scan evict the other's cache.
        def timed(fn) -> list[float]:
            out = []
            for item_id, start in windows:
                t0 = time.perf_counter()
                fn(item_id, start)
                out.append(1000 * (time.perf_counter() - t0))
            return out

        def sql_indexed(item_id: int, start: int) -> list:
            where, params = p._where(item_id, None, start, start + WINDOW, None, None)
            return p._q(f"SELECT {p._SEG_COLS} FROM segments{where} ORDER BY start_frame, end_frame, id", params)

        def full_scan(item_id: int, start: int) -> list:
            return [p._seg(r) for r in p._q(scan_sql, (item_id, start + WINDOW, start))]

        sizes = []
        for item_id, start in windows[:50]:  # both give the same answer
            got = p.segments(item_id, start=start, end=start + WINDOW)
            assert [s.id for s in got] == [s.id for s in full_scan(item_id, start)]
            sizes.append(len(got))
        # Passes interleaved (indexed, scan, SQL indexed, SQL scan; again): one warm-up round,
        # then ROUNDS rounds, so both sides see the same machine load; latencies pooled.
        kinds = {"indexed": lambda i, s: p.segments(i, start=s, end=s + WINDOW), "scanned": full_scan,
                 "sql_idx": sql_indexed, "sql_scan": lambda i, s: p._q(scan_sql, (i, s + WINDOW, s))}
        pooled: dict[str, list[float]] = {k: [] for k in kinds}
        for rnd in range(ROUNDS + 1):
            for k, fn in kinds.items():
                got = timed(fn)
                if rnd:
                    pooled[k] += got
        indexed, scanned, sql_idx, sql_scan = (pooled[k] for k in kinds)

        # Undo / redo.
        undo_ms, redo_ms = [], []
        for _ in range(50):
            t0 = time.perf_counter()
            p.undo()
            undo_ms.append(1000 * (time.perf_counter() - t0))
        for _ in range(50):
            t0 = time.perf_counter()
            p.redo()
            redo_ms.append(1000 * (time.perf_counter() - t0))
        # Undo the proposals and two 10,000-segment imports' worth of history is deep: time the bulk step.
        while p.undo_text() and not p.undo_text().startswith("Import"):
            p.undo()
        t0 = time.perf_counter()
        p.undo()
        bulk_undo_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        p.redo()
        bulk_redo_s = time.perf_counter() - t0
        db_mb = os.path.getsize(p.db_path) / 2**20

    q50, q95 = _pcts(indexed)
    b50, b95 = _pcts(scanned)
    e50, e95 = _pcts(edit_ms)
    u50, u95 = _pcts(undo_ms)
    r50, r95 = _pcts(redo_ms)
    print(f"store: {total:,} segments in {N_ITEMS} items ({os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}), database {db_mb:.0f} MB")
    print(f"  insert {total:,} segments (10 bulk steps, overlap-checked): {insert_s:.2f} s "
          f"({total / insert_s:,.0f} segments/s)")
    print(f"  replace proposals (2,000 overlapping, model tier): {proposals_s:.2f} s")
    print(f"  single edit (create, durable commit): p50 {e50:.2f} ms, p95 {e95:.2f} ms")
    print(f"  window query ({WINDOW} frames, mean {statistics.mean(sizes):.0f} segments): "
          f"p50 {q50:.3f} ms, p95 {q95:.3f} ms")
    print(f"  baseline full scan (NOT INDEXED):          p50 {b50:.3f} ms, p95 {b95:.3f} ms")
    print(f"  ratio baseline / indexed: p50 {b50 / q50:.0f}x, p95 {b95 / q95:.0f}x")
    s50, s95 = _pcts(sql_idx)
    f50, f95 = _pcts(sql_scan)
    print(f"  SQL only (no Segment objects): indexed p50 {s50:.3f} ms, p95 {s95:.3f} ms; "
          f"full scan p50 {f50:.3f} ms, p95 {f95:.3f} ms; ratio p50 {f50 / s50:.0f}x")
    print(f"  undo single edit: p50 {u50:.2f} ms, p95 {u95:.2f} ms; redo: p50 {r50:.2f} ms, p95 {r95:.2f} ms")
    print(f"  undo / redo of a 10,000-segment import: {bulk_undo_s:.2f} s / {bulk_redo_s:.2f} s")
    print(f"  (window queries: {ROUNDS} interleaved rounds after a warm-up; load now {os.getloadavg()[0]:.2f})")
    from benchmarks.results import record, row

    record("bench_store", [
        row(f"window query p50 ({WINDOW} frames, {total:,} segments)", q50, "same SQLite, NOT INDEXED scan",
            b50, "ms", False),
        row("window query p50, SQL only", s50, "same SQLite, NOT INDEXED scan", f50, "ms", False),
        row("single durable edit p50", e50, "", None, "ms", False)])


if __name__ == "__main__":
    main()
