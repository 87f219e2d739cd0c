"""Decoding speed and exactness: VideoReader against bare PyAV on the same 720p clips.

Run: ``.venv/bin/python -m benchmarks.bench_video``. For each generated clip (H.264 with
B-frames, variable frame rate, non-zero start, MPEG-4 Part 2; 300 frames at 1280x720, frame number in
the pixels) it prints sequential fps, random-seek latency p50/p95, and the share of random
seeks that returned exactly the requested frame, for MG Studio's reader and for the bare PyAV
loop (seek backward to the target timestamp, decode forward to it), plus their ratio. Seeks
are timed interleaved (ours, bare, ours, ...) so both see the same load on a shared machine.
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


class BareSeeker:
    """The textbook exact loop on bare PyAV: seek backward to the target timestamp, decode forward."""

    def __init__(self, path: Path) -> None:
        self.pts = _scan_pts(path)[0]
        self.c = av.open(str(path))
        self.s = self.c.streams.video[0]
        self.s.thread_type = "AUTO"

    def frame(self, i: int) -> np.ndarray:
        self.c.seek(int(self.pts[i]), stream=self.s, backward=True)
        for f in self.c.decode(self.s):
            if f.pts is not None and f.pts >= self.pts[i]:
                return f.to_ndarray(format="rgb24")
        raise RuntimeError(f"frame {i} not found")


def seeks(path: Path, order: list[int], cache: Path) -> tuple[list[float], int, list[float], int]:
    """Latencies and exact counts for ours and bare, measured interleaved (same machine load)."""
    bare = BareSeeker(path)
    lat_o, lat_b, ex_o, ex_b = [], [], 0, 0
    with VideoReader(path, cache_dir=cache, cache_frames=0) as r:
        for i in order:
            t0 = time.perf_counter()
            img = r.frame(i)
            lat_o.append(time.perf_counter() - t0)
            ex_o += read_number(img) == i
            t0 = time.perf_counter()
            img = bare.frame(i)
            lat_b.append(time.perf_counter() - t0)
            ex_b += read_number(img) == i
    bare.c.close()
    return lat_o, ex_o, lat_b, ex_b


def ours_sequential(path: Path, cache: Path) -> float:
    with VideoReader(path, cache_dir=cache, cache_frames=0) as r:
        t0 = time.perf_counter()
        n = sum(1 for _ in r.iter_frames())
        return n / (time.perf_counter() - t0)


def index_times(path: Path, cache: Path) -> tuple[float, float]:
    """Seconds to open a file the first time (packet scan) and again (cached index)."""
    for f in cache.glob("*.npz"):
        f.unlink()
    t0 = time.perf_counter()
    VideoReader(path, cache_dir=cache).close()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    VideoReader(path, cache_dir=cache).close()
    return first, time.perf_counter() - t0


def pct(v: list[float], q: float) -> float:
    return float(np.percentile(np.array(v) * 1000, q))


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-video-"))
    clips = {
        "h264 B-frames": make_numbered_clip(tmp / "a.mp4", N, 30, size=(1280, 720), bframes=3, gop=30),
        "variable rate": make_numbered_clip(tmp / "b.mkv", N, 30, size=(1280, 720), vfr=True, gop=30),
        "start 1.5 s": make_numbered_clip(tmp / "c.mp4", N, 30, size=(1280, 720), start_time=1.5, gop=30),
        "mpeg4 part 2": make_numbered_clip(tmp / "d.avi", N, 30, codec="mpeg4", size=(1280, 720), gop=30),
    }
    rng = random.Random(0)
    order = [rng.randrange(N) for _ in range(SEEKS)]
    print(f"{'clip':16} {'seq fps ours/bare':>20} {'seek p50 ms ours/bare':>24} {'p95 ms ours/bare':>20} "
          f"{'exact ours/bare':>16}  open ms first/cached")
    for name, path in clips.items():
        # sequential: alternate twice and keep each one's best (the machine is shared)
        seq_o = max(ours_sequential(path, tmp) for _ in range(2))
        seq_b = max(bare_sequential(path) for _ in range(2))
        lat_o, ex_o, lat_b, ex_b = seeks(path, order, tmp)
        first, cached = index_times(path, tmp / name.replace(" ", "_"))
        print(f"{name:16} {seq_o:8.0f}/{seq_b:<8.0f}({seq_o / seq_b:4.2f}x) "
              f"{pct(lat_o, 50):8.1f}/{pct(lat_b, 50):<8.1f}({pct(lat_b, 50) / pct(lat_o, 50):4.2f}x) "
              f"{pct(lat_o, 95):7.1f}/{pct(lat_b, 95):<7.1f}  "
              f"{100 * ex_o / SEEKS:5.1f}%/{100 * ex_b / SEEKS:5.1f}%  {first * 1000:6.0f}/{cached * 1000:.0f}")
    print("ratios: seq = ours/bare fps (higher is better); seek = bare/ours latency (higher is better)")
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
