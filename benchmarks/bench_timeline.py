"""Timeline paint and scroll speed: 10,000 segments on a 2-hour video at several zoom levels.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_timeline``.
Baseline measured in the same run: the same timeline (same item, tiers and motion rows) with
no segments at all. Prints milliseconds per paint (median of repeats) and the ratio to that
baseline, then the time of one scroll step (cache hit, and with a fresh SQLite range query)
and the motion-energy computation for the whole 2 hours.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mgstudio.app.session.state import AppState  # noqa: E402
from mgstudio.app.timeline.canvas import TimelineWidget  # noqa: E402
from mgstudio.app.timeline.viewport import HEADER_W  # noqa: E402
from mgstudio.core.layouts import CANONICAL  # noqa: E402
from mgstudio.core.motion import motion_energy  # noqa: E402
from mgstudio.core.project import Project  # noqa: E402
from mgstudio.core.segments import Segment, Source, Status  # noqa: E402
from mgstudio.core.skeleton import SkeletonSequence  # noqa: E402

FPS = 30.0
FRAMES = int(2 * 3600 * FPS)  # 2 hours
N_PROPOSALS = 8_000
N_HUMAN = 2_000
WIDTH = 1400
REPEATS = 15


def build(folder: Path, with_segments: bool) -> tuple[Project, int]:
    pr = Project.create(folder, annotator="alice")
    tail = SkeletonSequence.empty(CANONICAL, 1, FPS)
    tail.start_frame = FRAMES - 1  # a 2-hour item without storing 2 hours of skeleton on disk
    item = pr.add_skeleton_item("two hours", tail)
    if with_segments:
        rng = np.random.default_rng(0)
        names = pr.taxonomy.names
        starts = np.sort(rng.choice(FRAMES - 200, N_PROPOSALS, replace=False))
        statuses = [Status.PROPOSED, Status.PROPOSED, Status.ACCEPTED, Status.REJECTED]
        pr.add_segments([Segment(item.id, pr.proposals_tier.id, int(s), int(s) + int(rng.integers(8, 90)),
                                 names[i % len(names)], source=Source.MODEL, status=statuses[i % 4],
                                 confidence=float(rng.uniform(0.05, 1))) for i, s in enumerate(starts)], "bench")
        step = FRAMES // N_HUMAN
        pr.add_segments([Segment(item.id, pr.tier("alice").id, k * step, k * step + int(rng.integers(10, step - 1)),
                                 names[k % 7]) for k in range(N_HUMAN)], "bench")
    return pr, item.id


def motion_for_two_hours() -> tuple[object, float]:
    """A 2-hour skeleton with a little movement everywhere; returns (motion, seconds)."""
    rng = np.random.default_rng(1)
    base = rng.uniform(-0.3, 0.3, (1, CANONICAL.num_joints, 3)).astype(np.float32)
    world = np.repeat(base, FRAMES, axis=0)
    world += (rng.standard_normal((FRAMES, 1, 3)) * 0.002).astype(np.float32)
    seq = SkeletonSequence(CANONICAL, world[..., :2], np.ones((FRAMES, CANONICAL.num_joints), np.float32),
                           FPS, world)
    t0 = time.perf_counter()
    m = motion_energy(seq)
    return m, time.perf_counter() - t0


CPU: list[float] = []  # CPU ms of the last paint_ms call (less disturbed by a busy machine)


def paint_ms(tl: TimelineWidget, img: QImage, full: bool = True) -> float:
    """Median wall ms of one paint: ``full`` redraws everything; else only the playhead moves."""
    times, cpu = [], []
    for k in range(REPEATS):
        if full:
            tl.repaint_all()
        else:
            tl.set_frame(int(tl.view.first + (k + 1) * tl.view.width * tl.view.fpp / (REPEATS + 2)), follow=False)
        t0, c0 = time.perf_counter(), time.process_time()
        tl.render(img)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU[:] = [1000 * statistics.median(cpu)]
    return 1000 * statistics.median(times)


def zoom_to(tl: TimelineWidget, frames_visible: float, centre: int) -> None:
    tl.view.set_fpp(frames_visible / tl.view.width)
    tl.view.scroll_to(centre - frames_visible / 2)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-timeline-"))
    t0 = time.perf_counter()
    full, full_item = build(tmp / "full", True)
    empty, empty_item = build(tmp / "empty", False)
    print(f"setup: {N_PROPOSALS} proposals + {N_HUMAN} annotator segments on a {FRAMES}-frame item "
          f"in {time.perf_counter() - t0:.1f} s")
    motion, motion_s = motion_for_two_hours()
    print(f"motion energy of 2 hours ({FRAMES} frames x {CANONICAL.num_joints} joints): {motion_s:.2f} s")

    widgets = {}
    for name, (pr, iid) in {"empty": (empty, empty_item), "10k": (full, full_item)}.items():
        state = AppState()
        state.set_project(pr)
        state.set_item(iid)
        tl = TimelineWidget(state)
        tl.resize(HEADER_W + WIDTH, 260)
        tl.view.resize(WIDTH)
        tl.set_motion(motion)
        widgets[name] = tl
    img = QImage(HEADER_W + WIDTH, 260, QImage.Format.Format_ARGB32_Premultiplied)
    levels = [("whole 2 h", FRAMES), ("10 min", 600 * FPS), ("1 min", 60 * FPS), ("10 s", 10 * FPS),
              ("single frames (1 frame = 40 px)", WIDTH / 40)]
    print(f"\npaint one {HEADER_W + WIDTH}x260 timeline (median of {REPEATS}); baseline = same timeline, no segments")
    print("full = everything redrawn (zoom, edit); playhead = only the playhead moved (playback)")
    print("wall ms (and CPU ms of this process, less disturbed when the machine is busy)")
    print(f"{'zoom':34s} {'visible segs':>12s} {'empty ms':>14s} {'10k ms':>14s} {'ratio':>6s} "
          f"{'playhead ms':>12s}")
    for label, span in levels:
        row, cpu = [], []
        for name in ("empty", "10k"):
            tl = widgets[name]
            zoom_to(tl, span, FRAMES // 2)
            paint_ms(tl, img)  # warm the cache
            row.append(paint_ms(tl, img))
            cpu.append(CPU[0])
        tl = widgets["10k"]
        nvis = sum(len(tl.visible_segments(t.id)) for t in tl.tiers)
        ph = paint_ms(tl, img, full=False)
        print(f"{label:34s} {nvis:12d} {row[0]:6.2f} ({cpu[0]:5.2f}) {row[1]:6.2f} ({cpu[1]:5.2f}) "
              f"{row[1] / row[0]:6.2f} {ph:12.2f}")

    print("\nscroll step (10% of a 1-minute view), query + paint, median of 60 steps")
    for name in ("empty", "10k"):
        tl = widgets[name]
        zoom_to(tl, 60 * FPS, FRAMES // 4)
        warm, cold = [], []
        for k in range(60):
            t0 = time.perf_counter()
            tl.view.scroll_frames(6 * FPS)
            tl.render(img)
            warm.append(time.perf_counter() - t0)
        for k in range(60):
            t0 = time.perf_counter()
            tl.view.scroll_frames(6 * FPS)
            tl.cache.invalidate()  # force the SQLite range query every step
            tl.render(img)
            cold.append(time.perf_counter() - t0)
        print(f"{name:6s} cached: {1000 * statistics.median(warm):6.2f} ms   "
              f"with a fresh range query: {1000 * statistics.median(cold):6.2f} ms   "
              f"(queries issued: {tl.cache.queries})")
    full.close()
    empty.close()
    del app


if __name__ == "__main__":
    main()
