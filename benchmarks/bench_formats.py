"""EAF export/import of 10,000 segments, against a bare CSV write/read of the same rows.

Run: ``.venv/bin/python -m benchmarks.bench_formats``. Prints seconds and the ratio to the
baseline measured in the same run (the baseline is the least work any format can do: one
``csv.writer`` pass and one ``csv.reader`` pass over the same rows).
"""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

import numpy as np

from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.eaf import export_eaf, import_eaf

N = 10_000
FPS = 30000 / 1001


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-formats-"))
    frames = N * 40
    with Project.create(tmp / "src.mgproj", annotator="alice") as src, \
            Project.create(tmp / "dst.mgproj", annotator="alice") as dst:
        labels = src.taxonomy.names
        for p in (src, dst):
            p.add_skeleton_item("session", SkeletonSequence.empty(CANONICAL, frames, FPS))
        item = src.item_by_name("session")
        tier = src.ensure_tier("alice", annotator="alice")
        rng = np.random.default_rng(0)
        segs = [Segment(item.id, tier.id, 40 * k, 40 * k + int(rng.integers(5, 35)), labels[k % len(labels)])
                for k in range(N)]
        src.add_segments(segs, "bench")

        t0 = time.perf_counter()
        export_eaf(src, tmp / "s.eaf", item.id)
        t_export = time.perf_counter() - t0
        t0 = time.perf_counter()
        rep = import_eaf(dst, tmp / "s.eaf", dst.item_by_name("session").id)
        t_import = time.perf_counter() - t0
        assert rep.imported == N

        rows = [(s.start, s.end, s.label) for s in segs]
        t0 = time.perf_counter()
        with open(tmp / "base.csv", "w", newline="") as fh:
            csv.writer(fh).writerows(rows)
        t_base_w = time.perf_counter() - t0
        t0 = time.perf_counter()
        with open(tmp / "base.csv", newline="") as fh:
            back = list(csv.reader(fh))
        t_base_r = time.perf_counter() - t0
        assert len(back) == N

    size = (tmp / "s.eaf").stat().st_size
    print(f"EAF export of {N} segments: {t_export * 1000:.0f} ms ({size / 1e6:.1f} MB); "
          f"bare CSV write {t_base_w * 1000:.1f} ms; ratio {t_export / t_base_w:.0f}x")
    print(f"EAF import of {N} segments (parse + one undoable insert): {t_import * 1000:.0f} ms; "
          f"bare CSV read {t_base_r * 1000:.1f} ms; ratio {t_import / t_base_r:.0f}x")


if __name__ == "__main__":
    main()
