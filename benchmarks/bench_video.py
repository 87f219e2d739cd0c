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

import hashlib
import queue
import random
import subprocess
import sys
import threading
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mgstudio.media.prefetch import PrefetchReader  # noqa: E402
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

    def frame(self, i: int) -> np.ndarray | None:
        """Frame ``i``, or None when the loop finds no frame at or after the target (it failed)."""
        self.c.seek(int(self.pts[i]), stream=self.s, backward=True)
        for f in self.c.decode(self.s):
            if f.pts is not None and f.pts >= self.pts[i]:
                return f.to_ndarray(format="rgb24")
        return None


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
            ex_b += img is not None and read_number(img) == i
    bare.c.close()
    return lat_o, ex_o, lat_b, ex_b


def ours_sequential(path: Path, cache: Path) -> float:
    with VideoReader(path, cache_dir=cache, cache_frames=0) as r:
        t0 = time.perf_counter()
        n = sum(1 for _ in r.iter_frames())
        return n / (time.perf_counter() - t0)


def best_sequential(path: Path, cache: Path, rounds: int = 3) -> tuple[float, float]:
    """Best of ``rounds`` for ours and bare, run alternately (the machine is shared)."""
    o, b = [], []
    for _ in range(rounds):
        o.append(ours_sequential(path, cache))
        b.append(bare_sequential(path))
    return max(o), max(b)


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
        "mpeg-ts h264": make_numbered_clip(tmp / "e.ts", N, 30, size=(1280, 720), bframes=3, gop=30),
    }
    rng = random.Random(0)
    order = [rng.randrange(N) for _ in range(SEEKS)]
    print(f"{'clip':16} {'seq fps ours/bare':>20} {'seek p50 ms ours/bare':>24} {'p95 ms ours/bare':>20} "
          f"{'exact ours/bare':>16}  open ms first/cached")
    for name, path in clips.items():
        seq_o, seq_b = best_sequential(path, tmp)
        lat_o, ex_o, lat_b, ex_b = seeks(path, order, tmp)
        first, cached = index_times(path, tmp / name.replace(" ", "_"))
        print(f"{name:16} {seq_o:8.0f}/{seq_b:<8.0f}({seq_o / seq_b:4.2f}x) "
              f"{pct(lat_o, 50):8.1f}/{pct(lat_b, 50):<8.1f}({pct(lat_b, 50) / pct(lat_o, 50):4.2f}x) "
              f"{pct(lat_o, 95):7.1f}/{pct(lat_b, 95):<7.1f}  "
              f"{100 * ex_o / SEEKS:5.1f}%/{100 * ex_b / SEEKS:5.1f}%  {first * 1000:6.0f}/{cached * 1000:.0f}")
    print("ratios: seq = ours/bare fps (higher is better); seek = bare/ours latency (higher is better)")
    real_clips(rng, tmp)
    index_scan(tmp)
    scrub(clips["h264 B-frames"], tmp)


def real_clips(rng: random.Random, tmp: Path) -> None:
    """Real files: random access must equal sequential decoding (no numbers in their pixels)."""
    folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
    for real in sorted(folder.glob("*.mp4")) if folder.exists() else []:
        with av.open(str(real)) as c:
            truth = [hashlib.sha1(f.to_ndarray(format="rgb24").tobytes()).digest() for f in c.decode(video=0)]
        with VideoReader(real, cache_dir=tmp, cache_frames=0) as r:
            n, w, h = len(r), r.info.width, r.info.height
        seq_o, seq_b = best_sequential(real, tmp)
        order = [rng.randrange(n) for _ in range(SEEKS)]
        bare = BareSeeker(real)
        lat_o, lat_b, ex_o, ex_b = [], [], 0, 0
        with VideoReader(real, cache_dir=tmp, cache_frames=0) as r:
            for i in order:
                t0 = time.perf_counter()
                img = r.frame(i)
                lat_o.append(time.perf_counter() - t0)
                ex_o += hashlib.sha1(img.tobytes()).digest() == truth[i]
                t0 = time.perf_counter()
                img = bare.frame(i)
                lat_b.append(time.perf_counter() - t0)
                ex_b += img is not None and hashlib.sha1(img.tobytes()).digest() == truth[i]
        bare.c.close()
        print(f"real {real.name} ({w}x{h}, {n} frames, {len(truth)} decoded sequentially): "
              f"seq {seq_o:.0f}/{seq_b:.0f} fps ({seq_o / seq_b:.2f}x), seek p50 {pct(lat_o, 50):.1f}/"
              f"{pct(lat_b, 50):.1f} ms ({pct(lat_b, 50) / pct(lat_o, 50):.2f}x), p95 {pct(lat_o, 95):.1f}/"
              f"{pct(lat_b, 95):.1f} ms, equal to sequential {100 * ex_o / SEEKS:.0f}%/{100 * ex_b / SEEKS:.0f}% (ours/bare)")


def index_scan(tmp: Path) -> None:
    """The one-time frame index scan on a longer file (5 minutes at 30 fps), then the cached open."""
    long = tmp / "long.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=320x240:rate=30", "-t", "300", "-c:v", "libx264", "-preset", "ultrafast",
                    "-g", "60", str(long)], check=True)
    first, cached = index_times(long, tmp / "long_index")
    print(f"index table of a 9000-frame file: first open {first:.2f} s ({9000 / first:.0f} frames/s, "
          f"so ~{216000 / (9000 / first):.0f} s once for a 2-hour 30 fps video), cached open {cached * 1000:.0f} ms")


def scrub(path: Path, tmp: Path) -> None:
    """A mouse scrub: 60 requests 8 ms apart. Latest-wins (PrefetchReader) vs decoding every request
    in order (a FIFO loader): time from the last request until its frame is ready."""
    order = list(range(0, 300, 5))
    for name in ("latest wins", "FIFO"):
        got = threading.Event()
        last = order[-1]
        if name == "latest wins":
            pf = PrefetchReader(path, on_frame=lambda i, img: got.set() if i == last else None, ahead=0,
                                cache_dir=tmp)
            t_last = 0.0
            for i in order:
                pf.request(i)
                t_last = time.perf_counter()
                time.sleep(0.008)
            got.wait(60)
            wait = time.perf_counter() - t_last
            decoded = pf.decoded
            pf.close()
        else:
            q: queue.Queue = queue.Queue()
            decoded = 0

            def work() -> None:
                nonlocal decoded
                with VideoReader(path, cache_dir=tmp, cache_frames=0) as r:
                    while (i := q.get()) is not None:
                        r.frame(i)
                        decoded += 1
                        if i == last:
                            got.set()
            th = threading.Thread(target=work)
            th.start()
            for i in order:
                q.put(i)
                t_last = time.perf_counter()
                time.sleep(0.008)
            got.wait(60)
            wait = time.perf_counter() - t_last
            q.put(None)
            th.join()
        print(f"scrub {name:12}: last frame shown {wait * 1000:6.0f} ms after the mouse stopped, "
              f"{decoded} of {len(order)} requests decoded")


if __name__ == "__main__":
    main()
