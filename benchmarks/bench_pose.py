"""Pose extraction speed and memory, measured against a bare MediaPipe loop in the same run.

    PYTHONPATH=. python -m benchmarks.bench_pose [--video FILE] [--frames N] [--rounds R]

1. Speed: frames per second of :func:`mgstudio.media.pose.extract_pose` (decoding, subject
   following, conversion, checkpoints, cache write; a fresh cache so nothing is skipped) vs a bare
   loop (PyAV decode + ``Holistic.process``, same model settings) on the same clip. Rounds
   alternate bare / pipeline so machine load hits both alike; the ratio (goal >= 0.9) uses the
   best round of each.
2. Memory: peak resident memory of a fresh process extracting a clip of N frames and one of 4N
   frames (the clip repeated); extraction memory must not grow with length. Also prints the RAM
   a 2-hour skeleton takes.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = ROOT.parent / "shared" / "data" / "videos" / "face_recognition_short_hamilton_clip.mp4"


def bare_loop(video: Path, frames: int) -> tuple[float, float]:
    """(fps, CPU ms per frame) of decode + holistic.process, nothing else (model load included,
    as in the pipeline)."""
    import av
    import mediapipe as mp_

    c0, t0 = time.process_time(), time.perf_counter()
    h = mp_.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1)
    n = 0
    with av.open(str(video)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for f in c.decode(s):
            if n >= frames:
                break
            h.process(f.to_ndarray(format="rgb24"))
            n += 1
    h.close()
    return n / (time.perf_counter() - t0), (time.process_time() - c0) * 1e3 / n


def pipeline(video: Path, frames: int) -> tuple[float, float]:
    """(fps, CPU ms per frame) of :func:`extract_pose` with default settings and an empty cache."""
    from mgstudio.media.pose import PoseSettings, extract_pose

    with tempfile.TemporaryDirectory() as cache:
        c0, t0 = time.process_time(), time.perf_counter()
        seq = extract_pose(video, PoseSettings(stop_frame=frames), progress=lambda d, t: None, cache_dir=cache)
        return len(seq) / (time.perf_counter() - t0), (time.process_time() - c0) * 1e3 / len(seq)


def repeat_clip(src: Path, dst: Path, frames: int) -> Path:
    """Write ``frames`` frames of ``src`` looped, as H.264 (a longer video with the same content)."""
    import av

    with av.open(str(src)) as c:
        imgs = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        rate = c.streams.video[0].average_rate
    h, w = imgs[0].shape[:2]
    with av.open(str(dst), "w") as out:
        s = out.add_stream("libx264", rate=rate)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"preset": "ultrafast", "crf": "23"}
        for i in range(frames):
            for p in s.encode(av.VideoFrame.from_ndarray(imgs[i % len(imgs)], format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return dst


def _peak_rss_mb() -> int:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it restarts at exec, so a
    spawned child does not inherit its parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _peak_worker(video: str, bare: bool, q: "mp.Queue[tuple[int, int]]") -> None:
    sys.path.insert(0, str(ROOT))
    if bare:
        bare_loop(Path(video), 10**9)
        n = 0
    else:
        from mgstudio.media.pose import extract_pose

        with tempfile.TemporaryDirectory() as cache:
            n = len(extract_pose(video, cache_dir=cache, settings=None))
    q.put((n, _peak_rss_mb()))


def peak_memory_mb(video: Path, bare: bool = False) -> tuple[int, int]:
    """(frames, peak RSS MiB) of a fresh process extracting the whole video (or the bare loop)."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_peak_worker, args=(str(video), bare, q))
    p.start()
    out = q.get()
    p.join()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    ap.add_argument("--frames", type=int, default=150, help="frames per speed round, and the short memory clip")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if not args.video.exists():
        print(f"video not found: {args.video}", file=sys.stderr)
        return 2

    print(f"clip: {args.video.name}, {args.frames} frames, {args.rounds} rounds (alternating)")
    bare, pipe = [], []
    for r in range(args.rounds):
        bare.append(bare_loop(args.video, args.frames))
        pipe.append(pipeline(args.video, args.frames))
        print(f"  round {r + 1}: bare holistic {bare[-1][0]:6.1f} fps ({bare[-1][1]:5.1f} CPU ms/frame)   "
              f"pipeline {pipe[-1][0]:6.1f} fps ({pipe[-1][1]:5.1f} CPU ms/frame)")
    ratio = max(p[0] for p in pipe) / max(b[0] for b in bare)
    cpu_ratio = min(b[1] for b in bare) / min(p[1] for p in pipe)
    print(f"speed: bare {max(b[0] for b in bare):.1f} fps, pipeline {max(p[0] for p in pipe):.1f} fps, "
          f"ratio {ratio:.2f} ({'OK' if ratio >= 0.9 else 'BELOW'} goal 0.90)")
    print(f"       CPU-time ratio (bare ms/frame / pipeline ms/frame, robust to other load): {cpu_ratio:.2f}")

    if not args.skip_memory:
        with tempfile.TemporaryDirectory() as tmp:
            short = repeat_clip(args.video, Path(tmp) / "short.mp4", args.frames)
            long = repeat_clip(args.video, Path(tmp) / "long.mp4", 4 * args.frames)
            n1, m1 = peak_memory_mb(short)
            n2, m2 = peak_memory_mb(long)
            _, mb = peak_memory_mb(long, bare=True)
        print(f"memory: bare holistic loop peak RSS {mb} MiB on {n2} frames")
        print(f"memory: peak RSS {m1} MiB for {n1} frames, {m2} MiB for {n2} frames "
              f"(growth {m2 - m1:+d} MiB for {n2 - n1} more frames, {(m2 - m1) * 1024 / max(1, n2 - n1):.2f} KiB/frame)")
        j = 75
        per_frame = j * (2 + 1 + 3) * 4
        two_hours = int(2 * 3600 * 30000 / 1001)
        print(f"a 2-hour 29.97 fps skeleton in RAM: {two_hours} frames x {per_frame} B = "
              f"{two_hours * per_frame / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
