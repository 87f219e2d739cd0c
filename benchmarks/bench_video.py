"""Decoding speed and exactness: VideoReader against bare PyAV on the same 720p clips.

Run: ``.venv/bin/python -m benchmarks.bench_video``. For each generated clip (H.264 with
B-frames, variable frame rate, non-zero start; 300 frames at 1280x720, frame number drawn in
the pixels) it prints sequential fps, random-seek latency p50/p95, and the share of random
seeks that returned exactly the requested frame, for MG Studio's reader and for the bare PyAV
loop (seek backward to a keyframe, decode forward to the target timestamp), plus their ratio.
The bare loop's frame table comes from the same packet scan (its cost is not counted).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mgstudio.media.video import VideoReader, _scan_pts  # noqa: E402
from tests.media.clips import make_numbered_clip, read_number  # noqa: E402

N = 300
SEEKS = 60


def bare_sequential(path: Path) -> float:
    t0 = time.perf_counter()
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        n = sum(1 for f in c.decode(s) if f.to_ndarray(format="rgb24") is not None)
    return n / (time.perf_counter() - t0)


def bare_seek(path: Path, order: list[int]) -> tuple[list[float], int]:
    pts, _, _ = _scan_pts(path)
    lat, exact = [], 0
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        for i in order:
            t0 = time.perf_counter()
            c.seek(int(pts[i]), stream=s, backward=True)
            for f in c.decode(s):
                if f.pts is not None and f.pts >= pts[i]:
                    img = f.to_ndarray(format="rgb24")
                    break
            lat.append(time.perf_counter() - t0)
            exact += read_number(img) == i
    return lat, exact


def ours(path: Path, order: list[int], cache: Path) -> tuple[float, list[float], int]:
    with VideoReader(path, cache_dir=cache, cache_frames=0) as r:
        t0 = time.perf_counter()
        n = sum(1 for _ in r.iter_frames())
        seq = n / (time.perf_counter() - t0)
    lat, exact = [], 0
    with VideoReader(path, cache_dir=cache, cache_frames=0) as r:
        for i in order:
            t0 = time.perf_counter()
            img = r.frame(i)
            lat.append(time.perf_counter() - t0)
            exact += read_number(img) == i
    return seq, lat, exact


def pct(v: list[float], q: float) -> float:
    return float(np.percentile(np.array(v) * 1000, q))


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-video-"))
    clips = {
        "h264 B-frames": make_numbered_clip(tmp / "a.mp4", N, 30, size=(1280, 720), bframes=3, gop=30),
        "variable rate": make_numbered_clip(tmp / "b.mkv", N, 30, size=(1280, 720), vfr=True, gop=30),
        "start 1.5 s": make_numbered_clip(tmp / "c.mp4", N, 30, size=(1280, 720), start_time=1.5, gop=30),
    }
    rng = random.Random(0)
    order = [rng.randrange(N) for _ in range(SEEKS)]
    print(f"{'clip':16} {'seq fps ours/bare':>20} {'seek p50 ms ours/bare':>24} {'p95 ms ours/bare':>20} "
          f"{'exact ours/bare':>16}")
    for name, path in clips.items():
        seq_b = bare_sequential(path)
        lat_b, ex_b = bare_seek(path, order)
        seq_o, lat_o, ex_o = ours(path, order, tmp)
        print(f"{name:16} {seq_o:8.0f}/{seq_b:<8.0f}({seq_o / seq_b:4.2f}x) "
              f"{pct(lat_o, 50):8.1f}/{pct(lat_b, 50):<8.1f}({pct(lat_b, 50) / pct(lat_o, 50):4.2f}x) "
              f"{pct(lat_o, 95):7.1f}/{pct(lat_b, 95):<7.1f}  "
              f"{100 * ex_o / SEEKS:5.1f}%/{100 * ex_b / SEEKS:5.1f}%")
    real = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos" / "face_recognition_short_hamilton_clip.mp4"
    if real.exists():
        with VideoReader(real, cache_dir=tmp, cache_frames=0) as r:
            n = len(r)
            t0 = time.perf_counter()
            for _ in r.iter_frames():
                pass
            seq = n / (time.perf_counter() - t0)
            lat = []
            for i in [rng.randrange(n) for _ in range(SEEKS)]:
                t0 = time.perf_counter()
                r.frame(i)
                lat.append(time.perf_counter() - t0)
        print(f"real 640x360 interview ({n} frames): sequential {seq:.0f} fps (ours), bare {bare_sequential(real):.0f} fps; "
              f"seek p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms")


if __name__ == "__main__":
    main()
