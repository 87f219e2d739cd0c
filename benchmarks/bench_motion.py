"""Motion energy of 1 hour of skeleton: chunked vs in one piece, stopping, and GIL holds.

Run: ``.venv/bin/python -m benchmarks.bench_motion``.
Skeleton: 108,000 frames (1 hour at 30 fps) in the ``mediapipe_holistic`` layout (75 joints,
world coordinates, noisy confidences), made in memory.
Baseline measured in the same run: :func:`motion_energy` with ``chunk`` = the whole sequence
(the computation in one piece, as before chunking). Prints

* the time of one computation (median of ``REPEATS``), chunked and baseline, their ratio, and
  whether the results are identical;
* the time from a cancel request to the worker thread's end (cancel 0.3 s after the start);
  the baseline can only stop at its two checks (after the pass that maps the joints);
* the longest gap of a main thread that sleeps 1 ms in a loop while a worker thread computes
  (what the GUI thread would feel), idle / baseline / chunked, and the longest step between two
  cancel checks (an upper bound on any single numpy call of the chunked computation).
"""

from __future__ import annotations

import statistics
import threading
import time

import numpy as np

from mgstudio.core.layouts import MEDIAPIPE_HOLISTIC
from mgstudio.core.motion import CHUNK_FRAMES, MotionCancelled, motion_energy
from mgstudio.core.skeleton import SkeletonSequence

FPS = 30.0
FRAMES = int(3600 * FPS)  # 1 hour
REPEATS = 3
CANCEL_AFTER_S = 0.3


def hour_of_skeleton() -> SkeletonSequence:
    """A seated person who moves a little everywhere, tracked with varying confidence."""
    rng = np.random.default_rng(0)
    j = MEDIAPIPE_HOLISTIC.num_joints
    world = np.repeat(rng.uniform(-0.3, 0.3, (1, j, 3)).astype(np.float32), FRAMES, axis=0)
    world += (rng.standard_normal((FRAMES, j, 3)) * 0.002).astype(np.float32)
    conf = rng.uniform(0.2, 1.0, (FRAMES, j)).astype(np.float32)
    return SkeletonSequence(MEDIAPIPE_HOLISTIC, world[..., :2] * 500 + 300, conf, FPS, world)


def timed(seq: SkeletonSequence, chunk: int) -> tuple[float, object]:
    t0 = time.perf_counter()
    m = motion_energy(seq, chunk=chunk)
    return time.perf_counter() - t0, m


def stop_time(seq: SkeletonSequence, chunk: int) -> tuple[float, bool]:
    """Seconds from a cancel request (``CANCEL_AFTER_S`` after the start) to the thread's end."""
    flag = threading.Event()
    stopped: list[bool] = []

    def work() -> None:
        try:
            motion_energy(seq, chunk=chunk, cancelled=flag.is_set)
            stopped.append(False)
        except MotionCancelled:
            stopped.append(True)

    th = threading.Thread(target=work)
    th.start()
    time.sleep(CANCEL_AFTER_S)
    t0 = time.perf_counter()
    flag.set()
    th.join()
    return time.perf_counter() - t0, bool(stopped and stopped[0])


def main_thread_gaps(seq: SkeletonSequence | None, chunk: int) -> tuple[float, float, float]:
    """(longest gap ms, 99th percentile ms, longest step between cancel checks ms) of a 1-ms
    sleeping loop while a worker computes (``seq`` None: idle for 1 s)."""
    done = threading.Event()
    checks: list[float] = []

    def check() -> bool:
        checks.append(time.perf_counter())
        return False

    def work() -> None:
        if seq is None:
            time.sleep(1.0)
        else:
            motion_energy(seq, chunk=chunk, cancelled=check)
        done.set()

    th = threading.Thread(target=work)
    gaps = []
    th.start()
    last = time.perf_counter()
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    th.join()
    g = np.array(gaps) * 1000
    step = 1000 * float(np.diff(checks).max()) if len(checks) > 1 else float("nan")
    return float(g.max()), float(np.percentile(g, 99)), step


def main() -> None:
    t0 = time.perf_counter()
    seq = hour_of_skeleton()
    print(f"1 hour of skeleton: {FRAMES} frames x {MEDIAPIPE_HOLISTIC.num_joints} joints "
          f"({MEDIAPIPE_HOLISTIC.name}), made in {time.perf_counter() - t0:.1f} s")
    whole = FRAMES  # the baseline: one chunk = the computation in one piece

    base, chunked = [], []
    for _ in range(REPEATS):
        s, ref = timed(seq, whole)
        base.append(s)
        s, got = timed(seq, CHUNK_FRAMES)
        chunked.append(s)
    same = all(np.array_equal(ref.parts[p], got.parts[p], equal_nan=True) for p in ref.parts)
    b, c = statistics.median(base), statistics.median(chunked)
    print(f"\ncompute (median of {REPEATS}):  in one piece {b:.2f} s   chunked ({CHUNK_FRAMES} frames) {c:.2f} s   "
          f"ratio chunked/one piece {c / b:.2f}   identical results: {same}")

    sb, stopped_b = stop_time(seq, whole)
    sc, stopped_c = stop_time(seq, CHUNK_FRAMES)
    print(f"time to stop after a cancel ({CANCEL_AFTER_S:.1f} s in): in one piece {1000 * sb:.0f} ms "
          f"({'stopped' if stopped_b else 'ran to the end'})   chunked {1000 * sc:.1f} ms "
          f"({'stopped' if stopped_c else 'ran to the end'})   ratio {sc / sb:.3f}")

    print("\nmain thread sleeping 1 ms in a loop while a worker computes (gap = time between wake-ups)")
    print(f"{'worker':22s} {'longest gap ms':>15s} {'p99 gap ms':>11s} {'longest step between checks ms':>31s}")
    rows = {"idle (no worker)": main_thread_gaps(None, whole), "in one piece": main_thread_gaps(seq, whole),
            "chunked": main_thread_gaps(seq, CHUNK_FRAMES)}
    for name, (mx, p99, step) in rows.items():
        print(f"{name:22s} {mx:15.1f} {p99:11.1f} {step:31.1f}")
    print(f"ratio longest gap chunked / in one piece: {rows['chunked'][0] / rows['in one piece'][0]:.2f}")


if __name__ == "__main__":
    main()
