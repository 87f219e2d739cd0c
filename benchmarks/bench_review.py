"""U (next uncertain proposal) with 10,000 proposals on one 2-hour recording.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_review``.
Baseline measured in the same run: what U did before the queue, reading every unreviewed
proposal of the item from the project and taking the least confident (``segments() + min``).
Prints milliseconds per press (median) for

* the look-up alone: baseline vs :class:`UncertainQueue` (warm, and patched after one review);
* the review loop through the real :class:`ReviewController` (keys only, no docks): U then R,
  ``LOOPS`` times, with the queue as shipped vs. the queue dropped before every U (= baseline);

and the ratio baseline / queue. Then the cost of one Alt+→ (move the selected segment's start one
frame: one undoable, saved edit) through the same controller, for reference (no baseline: new).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402

from mgstudio.app.review import ReviewController  # noqa: E402
from mgstudio.app.review.uncertain import UncertainQueue, uncertainty_key  # noqa: E402
from mgstudio.app.session.state import AppState  # noqa: E402
from mgstudio.core.layouts import CANONICAL  # noqa: E402
from mgstudio.core.project import Project  # noqa: E402
from mgstudio.core.segments import Segment, Source, Status  # noqa: E402
from mgstudio.core.skeleton import SkeletonSequence  # noqa: E402

FPS = 30.0
FRAMES = int(2 * 3600 * FPS)
N_PROPOSALS = 10_000
REPEATS = 30
LOOPS = 60


def build(folder: Path) -> tuple[Project, int]:
    pr = Project.create(folder, annotator="alice")
    tail = SkeletonSequence.empty(CANONICAL, 1, FPS)
    tail.start_frame = FRAMES - 1  # a 2-hour item without storing 2 hours of skeleton
    item = pr.add_skeleton_item("two hours", tail)
    rng = np.random.default_rng(0)
    names = pr.taxonomy.names
    starts = np.sort(rng.choice(FRAMES - 200, N_PROPOSALS, replace=False))
    pr.add_segments([Segment(item.id, pr.proposals_tier.id, int(s), int(s) + int(rng.integers(8, 90)),
                             names[i % len(names)], source=Source.MODEL, status=Status.PROPOSED,
                             confidence=float(rng.uniform(0.05, 1))) for i, s in enumerate(starts)], "bench")
    return pr, item.id


def baseline_lookup(pr: Project, item_id: int) -> Segment:
    """U before the queue: every unreviewed proposal of the item, then the least confident."""
    props = pr.segments(item_id, statuses=[Status.PROPOSED], source=Source.MODEL)
    return min(props, key=uncertainty_key)


def ms(fn, repeats: int = REPEATS) -> float:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out)


def review_loop(ctl: ReviewController, drop_queue: bool) -> float:
    """Median ms of one U press in a U, R, U, R... session."""
    times = []
    for _ in range(LOOPS):
        if drop_queue:
            ctl.uncertain.invalidate()
        t0 = time.perf_counter()
        seg = ctl.next_uncertain()
        times.append((time.perf_counter() - t0) * 1000)
        assert seg is not None and ctl.state.selection == [seg.id]
        ctl.reject()
    return statistics.median(times)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        pr, item_id = build(Path(tmp) / "bench")
        print(f"{N_PROPOSALS} unreviewed proposals on a 2-hour recording")
        q = UncertainQueue()
        assert q.first(pr, item_id).id == baseline_lookup(pr, item_id).id
        base = ms(lambda: baseline_lookup(pr, item_id))
        warm = ms(lambda: q.first(pr, item_id))
        cold = ms(lambda: (q.invalidate(), q.first(pr, item_id)))
        head = q.first(pr, item_id)

        def patched() -> None:
            q.patch(pr, item_id, [head.id])
            q.first(pr, item_id)

        patch = ms(patched)
        print("look-up alone (ms per press, median):")
        print(f"  baseline, read every proposal: {base:8.3f}")
        print(f"  queue, first press (reads all): {cold:8.3f}   ratio {base / cold:6.1f}x")
        print(f"  queue, warm:                    {warm:8.3f}   ratio {base / warm:6.1f}x")
        print(f"  queue, after one review:        {patch:8.3f}   ratio {base / patch:6.1f}x")

        win = QMainWindow()
        state = AppState()
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        ctl = ReviewController(state, win, settings=settings)
        state.set_project(pr)
        state.set_item(item_id)
        app.processEvents()
        dropped = review_loop(ctl, drop_queue=True)
        kept = review_loop(ctl, drop_queue=False)
        print(f"review loop through the controller, U then R x {LOOPS} (ms per U, median):")
        print(f"  baseline, queue dropped before each U: {dropped:8.3f}")
        print(f"  queue as shipped:                      {kept:8.3f}   ratio {dropped / kept:6.1f}x")
        seg = ctl.next_uncertain()
        state.set_selection([seg.id])
        nudges = []
        for k in range(REPEATS):
            t0 = time.perf_counter()
            ctl.nudge_edge("end", 1 if k % 2 == 0 else -1)
            nudges.append((time.perf_counter() - t0) * 1000)
        assert pr.segment(seg.id).end == seg.end
        print(f"Alt+Shift+→ / ← on a proposal, saved and undoable (ms per press, median): "
              f"{statistics.median(nudges):8.3f}")
        pr.close()
        win.deleteLater()


if __name__ == "__main__":
    main()
