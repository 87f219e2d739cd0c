"""Memory and file cost of a 2-hour skeleton: 216,000 frames @ 30 fps, MediaPipe holistic layout.

    PYTHONPATH=. .venv/bin/python -m benchmarks.bench_skeleton_memory [--frames N]

Builds a realistic track (slow body sway, faster hand motion, hands missing 20 % of the time in
bouts, as when they leave the frame), then reports

- RAM of the arrays (xy, conf, world) and the peak Python/numpy allocation while building it
  (tracemalloc, which numpy reports to);
- ``save_npz`` (atomic: temporary file, fsync, rename) and ``load_npz`` (validated) times and
  the file size, against a bare ``np.save`` / ``np.load`` of the same arrays in the same run
  (the least work possible: the ratio is what fsync, renaming and validation cost);
- ``to_layout(CANONICAL)`` time, what the recognizer does first.

The claim checked: the 2-hour sequence stays well under 1 GB in RAM.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from mgstudio.core.layouts import CANONICAL, MEDIAPIPE_HOLISTIC
from mgstudio.core.skeleton import SkeletonSequence

FPS = 30.0
MB = 1024 * 1024


def make_track(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xy (pixels), conf, world (metres) for ``n`` frames with hand dropouts."""
    rng = np.random.default_rng(seed)
    j = MEDIAPIPE_HOLISTIC.num_joints
    base = rng.uniform(100, 600, (j, 2)).astype(np.float32)
    t = np.arange(n, dtype=np.float32) / FPS
    sway = np.stack([5 * np.sin(0.1 * t), 3 * np.sin(0.07 * t)], axis=1)  # T x 2
    xy = base[None] + sway[:, None]
    hands = np.arange(33, 75)
    xy[:, hands] += 20 * np.sin(1.3 * t)[:, None, None]
    xy += rng.normal(0, 1.0, xy.shape).astype(np.float32)
    world = np.concatenate([(xy - 360) / 500, np.zeros((n, j, 1), np.float32)], axis=2)
    conf = rng.uniform(0.5, 1.0, (n, j)).astype(np.float32)
    # Hands missing in bouts of 1-10 s, about 20 % of the time.
    missing = np.zeros(n, bool)
    pos = 0
    while pos < n:
        pos += int(rng.integers(4 * 30, 40 * 30))
        missing[pos:pos + int(rng.integers(30, 300))] = True
    xy[np.ix_(missing, hands)] = np.nan
    world[np.ix_(missing, hands)] = np.nan
    conf[np.ix_(missing, hands)] = 0
    return xy, conf, world


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=216_000, help="frames (default: 2 h at 30 fps)")
    args = ap.parse_args()
    n = args.frames
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-skel-"))

    tracemalloc.start()
    xy, conf, world = make_track(n)
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    seq = SkeletonSequence(MEDIAPIPE_HOLISTIC, xy, conf, FPS, world, (1280, 720))
    del xy, conf, world
    build_peak = (tracemalloc.get_traced_memory()[1] - base) / MB
    tracemalloc.stop()
    arrays_mb = (seq.xy.nbytes + seq.conf.nbytes + seq.world.nbytes) / MB

    # Baseline: bare uncompressed np.save / np.load of the same three arrays.
    t0 = time.perf_counter()
    for name in ("xy", "conf", "world"):
        np.save(tmp / f"{name}.npy", getattr(seq, name))
    base_save = time.perf_counter() - t0
    base_size = sum((tmp / f"{k}.npy").stat().st_size for k in ("xy", "conf", "world")) / MB
    t0 = time.perf_counter()
    loaded = [np.load(tmp / f"{k}.npy") for k in ("xy", "conf", "world")]
    base_load = time.perf_counter() - t0
    del loaded

    f = tmp / "two_hours.npz"
    t0 = time.perf_counter()
    seq.save_npz(f)
    save_s = time.perf_counter() - t0
    size_mb = f.stat().st_size / MB
    t0 = time.perf_counter()
    back = SkeletonSequence.load_npz(f)
    load_s = time.perf_counter() - t0
    assert len(back) == n and np.array_equal(back.mask, seq.mask)
    del back

    t0 = time.perf_counter()
    canon = seq.to_layout(CANONICAL)
    canon_s = time.perf_counter() - t0
    canon_mb = (canon.xy.nbytes + canon.conf.nbytes + canon.world.nbytes) / MB

    hours = n / FPS / 3600
    print(f"frames: {n:,} ({hours:.2f} h at {FPS:g} fps), layout {MEDIAPIPE_HOLISTIC.name} "
          f"({MEDIAPIPE_HOLISTIC.num_joints} joints), hands missing {np.mean(~seq.mask[:, 40]):.0%} of frames")
    print(f"RAM of the arrays (xy + conf + world, float32): {arrays_mb:,.0f} MB "
          f"({arrays_mb / 1024:.2f} GB; limit 1 GB -> {'OK' if arrays_mb < 1024 else 'OVER'})")
    print(f"peak extra allocation while building the sequence: {build_peak:,.0f} MB "
          f"(NaN normalisation copies xy and world once)")
    print(f"canonical copy (61 joints): {canon_mb:,.0f} MB, to_layout {canon_s:.2f} s")
    print(f"save_npz (atomic, fsynced):   {save_s:.2f} s, file {size_mb:,.0f} MB")
    print(f"load_npz (validated):          {load_s:.2f} s")
    print(f"baseline np.save x3:           {base_save:.2f} s, files {base_size:,.0f} MB")
    print(f"baseline np.load x3:           {base_load:.2f} s")
    print(f"ratios vs baseline: save {save_s / base_save:.1f}x, load {load_s / base_load:.1f}x, "
          f"size {size_mb / base_size:.2f}x")
    for p in tmp.iterdir():
        p.unlink()
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
