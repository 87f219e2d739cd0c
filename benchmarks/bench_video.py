"""Decoding speed and exactness: MG Studio's VideoReader against OpenCV, decord and sleap-io.

Run: ``.venv/bin/python -m benchmarks.bench_video [--reps 5]`` after ``make bench-peers`` (the peers
run in ``.venv-bench``, in a child process each; without it only our side is measured).

Clips: five generated 1280x720 clips of 300 frames whose frame number is painted in the pixels
(H.264 with B-frames, variable frame rate, 1.5 s start offset, MPEG-4 Part 2, MPEG-TS), and the
real clips in ``../shared/data/videos``. For each clip and reader:

- sequential decode fps: every frame in order, to an RGB (ours) or BGR (OpenCV) array; one warm-up
  pass, then ``--reps`` passes with the readers interleaved (ours, OpenCV, decord, sleap-io, ours,
  ...); the median; beside it the CPU time per frame of all the reader's threads (``process_time``),
  which the load of a shared machine moves far less than the wall time (a reader with more threads
  also takes a larger share of busy cores);
- random seek latency p50/p95 over 60 random frames, in blocks of 12 requests: each reader in
  turn (the order rotating) serves a block back to back, after one untimed request for the frame
  before the block. Not request by request: decord decodes ahead in a background thread while it
  waits, so with the other readers' turns between its requests a forward target was ready before
  it was asked for (0.3-0.5 ms instead of 20-60 ms on the 176x144 clip, p50 0.6 ms), a head start
  a reader used back to back (scrubbing, stepping) does not get;
- exactness: the share of frames that are the frame asked for: on numbered clips the painted
  number must equal the index (sequential and random); on real clips a random frame must equal
  the same reader's own sequential frame at that index (pixels hash).

The load average is printed beside each clip (2 shared cores: expect noise). Rows go to
``benchmarks/RESULTS.md`` through :mod:`benchmarks.results`.
"""

from __future__ import annotations

import argparse
import hashlib
import queue
import random
import statistics
import subprocess
import sys
import threading
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.peers import Peer, load, peer_python  # noqa: E402
from benchmarks.results import record, row  # noqa: E402
from mgstudio.media.prefetch import PrefetchReader  # noqa: E402
from mgstudio.media.video import VideoReader  # noqa: E402
from tests.support.clips import make_numbered_clip, read_number  # noqa: E402

N = 300
SEEKS = 60
BLOCK = 12  # seek requests a reader serves back to back
PEERS = ("opencv", "decord", "sleap-io")


def ident(img: np.ndarray, numbered: bool):
    return read_number(img) if numbered else hashlib.sha1(np.ascontiguousarray(img).tobytes()).hexdigest()


class Ours:
    """Our side with the same requests as a peer: VideoReader without its frame cache."""

    def __init__(self, path: Path, cache: Path, numbered: bool) -> None:
        self.path, self.cache, self.numbered = path, cache, numbered
        self.r = VideoReader(path, cache_dir=cache, cache_frames=0)

    def sequential(self) -> dict:
        t0, c0 = time.perf_counter(), time.process_time()
        n = sum(1 for _ in self.r.iter_frames())
        return {"s": time.perf_counter() - t0, "frames": n, "cpu": time.process_time() - c0}

    def ids(self) -> list:
        return [ident(img, self.numbered) for _, img in self.r.iter_frames()]

    def seek(self, i: int) -> dict:
        t0 = time.perf_counter()
        img = self.r.frame(i)
        return {"s": time.perf_counter() - t0, "id": ident(img, self.numbered)}


class Remote:
    def __init__(self, peer: Peer, lib: str, path: Path, numbered: bool) -> None:
        self.peer = peer
        self.opened = peer.ask(op="open", lib=lib, path=str(path), numbered=numbered)

    def sequential(self) -> dict:
        return self.peer.ask(op="sequential")

    def ids(self) -> list:
        return self.peer.ask(op="ids")["ids"]

    def seek(self, i: int) -> dict:
        try:
            return self.peer.ask(op="seek", index=i)
        except RuntimeError:  # the peer refused the index (it counts fewer frames): not exact
            return {"s": None, "id": None}


def pct(v: list[float], q: float) -> float:
    return float(np.percentile(np.array(v) * 1000, q)) if v else float("nan")


def measure_clip(name: str, path: Path, numbered: bool, peers: dict[str, Peer], reps: int, tmp: Path,
                 rng: random.Random) -> list[dict]:
    readers: dict[str, object] = {"MG Studio": Ours(path, tmp, numbered)}
    for lib, peer in peers.items():
        try:
            readers[lib] = Remote(peer, lib, path, numbered)
        except RuntimeError as exc:
            print(f"  {lib}: could not open {path.name}: {exc}")
    n = len(readers["MG Studio"].r)  # type: ignore[attr-defined]
    # identities in order (untimed), then warm-up + interleaved timed passes
    seq_ids = {k: r.ids() for k, r in readers.items()}  # type: ignore[attr-defined]
    fps: dict[str, list[float]] = {k: [] for k in readers}
    cpu: dict[str, list[float]] = {k: [] for k in readers}  # CPU ms per frame, all threads
    for rep in range(reps + 1):
        for k, r in readers.items():
            out = r.sequential()  # type: ignore[attr-defined]
            if rep:
                fps[k].append(out["frames"] / out["s"])
                if out.get("cpu") is not None and out["frames"]:
                    cpu[k].append(1000 * out["cpu"] / out["frames"])
    order = [rng.randrange(n) for _ in range(SEEKS + 1)]
    lat: dict[str, list[float]] = {k: [] for k in readers}
    exact: dict[str, int] = {k: 0 for k in readers}
    names = list(readers)
    for b, first in enumerate(range(1, SEEKS + 1, BLOCK)):
        for k in names[b % len(names):] + names[:b % len(names)]:
            r = readers[k]
            r.seek(order[first - 1])  # type: ignore[attr-defined]  # untimed: all start from the same frame
            for i in order[first:first + BLOCK]:
                out = r.seek(i)  # type: ignore[attr-defined]
                if out["s"] is not None:
                    lat[k].append(out["s"])
                if numbered:
                    exact[k] += out["id"] == i
                else:  # equal to this reader's own sequential frame i
                    own = seq_ids[k]
                    exact[k] += i < len(own) and out["id"] == own[i]
    rows = []
    ours_fps = statistics.median(fps["MG Studio"])
    ours_cpu = statistics.median(cpu["MG Studio"]) if cpu["MG Studio"] else None
    ours_p50 = pct(lat["MG Studio"], 50)
    la = load()
    print(f"{name} ({n} frames, load {la}):")
    for k in readers:
        got = seq_ids[k]
        seq_ok = sum(1 for j, v in enumerate(got) if v == j) if numbered else len(got)
        seq_ok_s = f"{len(got)} frames" + (f", {100 * seq_ok / n:.0f}% in place" if numbered else "")
        f, p50, p95 = statistics.median(fps[k]), pct(lat[k], 50), pct(lat[k], 95)
        c = statistics.median(cpu[k]) if cpu[k] else None
        c_s = f"{c:5.2f}" if c is not None else "    –"
        print(f"  {k:10} seq {f:7.0f} fps ({c_s} ms CPU/frame)  seek p50 {p50:6.1f} ms p95 {p95:6.1f} ms  "
              f"random exact {100 * exact[k] / SEEKS:5.1f}%  sequential: {seq_ok_s}")
        if k != "MG Studio":
            ex = (f"ours {100 * exact['MG Studio'] / SEEKS:.0f}% / {k} {100 * exact[k] / SEEKS:.0f}% random"
                  + (f"; sequential in place {k} {100 * seq_ok / n:.0f}%" if numbered else
                     f"; {k} decoded {len(got)} of {n} frames"))
            rows.append(row(f"video {name}: sequential decode", ours_fps, k, f, "fps", True, ex))
            if ours_cpu is not None and c is not None:
                rows.append(row(f"video {name}: sequential decode CPU per frame (all threads)", ours_cpu, k, c,
                                "ms", False, ex))
            rows.append(row(f"video {name}: random seek p50", ours_p50, k, p50, "ms", False, ex))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="video decoding against OpenCV, decord, sleap-io")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="only the real clips and two generated ones")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-video-"))
    size = (1280, 720)
    clips = {
        "h264 B-frames 720p": (make_numbered_clip(tmp / "a.mp4", N, 30, size=size, bframes=3, gop=30), True),
        "variable rate 720p": (make_numbered_clip(tmp / "b.mkv", N, 30, size=size, vfr=True, gop=30), True),
        "start 1.5 s 720p": (make_numbered_clip(tmp / "c.mp4", N, 30, size=size, start_time=1.5, gop=30), True),
        "mpeg4 part 2 720p": (make_numbered_clip(tmp / "d.avi", N, 30, codec="mpeg4", size=size, gop=30), True),
        "mpeg-ts h264 720p": (make_numbered_clip(tmp / "e.ts", N, 30, size=size, bframes=3, gop=30), True),
    }
    if args.quick:
        clips = dict(list(clips.items())[:2])
    folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
    for real in sorted(folder.glob("*.mp4")) if folder.exists() else []:
        clips[f"real {real.name}"] = (real, False)
    peers: dict[str, Peer] = {}
    if peer_python() is None:
        print("No peer environment (.venv-bench): run `make bench-peers` for OpenCV/decord/sleap-io. Ours only.")
    else:
        for lib in PEERS:
            peers[lib] = Peer("benchmarks.peers.video_peer")
    rng = random.Random(0)
    rows: list[dict] = []
    try:
        for name, (path, numbered) in clips.items():
            rows += measure_clip(name, path, numbered, peers, args.reps, tmp, rng)
    finally:
        for p in peers.values():
            p.close()
    record("bench_video", rows)
    print("sequential: median fps of the timed passes; seek: p50/p95 of 60 random frames; "
          f"2 shared cores (load now {load()}): expect noise")
    if not args.quick:
        index_scan(tmp)
        scrub(clips["h264 B-frames 720p"][0], tmp)


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
