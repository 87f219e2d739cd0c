"""Inter-rater agreement at scale: two coders with 20,000 segments each.

Run: ``.venv/bin/python -m benchmarks.bench_agreement``.

``mgstudio agree`` (and the Agreement panel) computes frame-by-frame kappa, segment F1 at four
IoU thresholds and the gesture-by-gesture kappa of Holle & Rein. Segment F1 used to compare every
segment with every other (minutes at this size); it now searches only the window of segments
that can reach the threshold. Baseline, in the same run: the all-pairs matching on 2,000
segments per coder (the full size would take several minutes), against the new one on the same
2,000.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from mgstudio.core.agreement import agreement
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.metrics import spotting_scores
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from tests.support.spotting_reference import spotting_reference

N = 20_000
FRAMES = 90_000 * 4  # four hours at 25 fps


def main() -> None:
    rng = np.random.default_rng(0)
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-agree-"))
    with Project.create(tmp / "agree.mgproj", annotator="alice") as p:
        item = p.add_skeleton_item("session", SkeletonSequence.empty(CANONICAL, FRAMES, 25.0)).id
        tiers = {n: p.ensure_tier(n, annotator=n).id for n in ("alice", "bob")}
        starts = np.arange(N) * (FRAMES // N)
        labels = ["folding arms", "rubbing eyes", "touching jaw"]
        a = [Segment(item, tiers["alice"], int(s), int(s) + 10, labels[k % 3]) for k, s in enumerate(starts)]
        b = [Segment(item, tiers["bob"], int(s) + int(rng.integers(-3, 4)) + 3, int(s) + 12,
                     labels[k % 3] if rng.random() < 0.8 else labels[(k + 1) % 3]) for k, s in enumerate(starts)]
        p.add_segments(a + b, "coding")
        t0 = time.perf_counter()
        report = agreement(p, ["alice", "bob"])
        full = time.perf_counter() - t0
        pair = report.pairs[0]
        print(f"{N:,} segments per coder, {FRAMES:,} frames: agreement() {full:.1f} s")
        print(f"  frame kappa {pair.kappa:.3f}; F1@0.5 {pair.segment_scores[0.5].f1:.3f}; "
              f"{pair.events.summary()}")
        small_a, small_b = p.segments(item, tier_id=tiers["alice"])[:2000], p.segments(item, tier_id=tiers["bob"])[:2000]
    t0 = time.perf_counter()
    ours = spotting_scores(small_b, small_a, 0.5).tp
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = spotting_reference(small_b, small_a, 0.5)
    t_ref = time.perf_counter() - t0
    assert ours == ref
    print(f"segment F1 matching, 2,000 per coder: {t_ours * 1000:.0f} ms now vs {t_ref * 1000:.0f} ms all pairs "
          f"(baseline): {t_ref / t_ours:.0f}x; same matches ({ours})")


if __name__ == "__main__":
    main()
