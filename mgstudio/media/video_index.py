"""Opening a video with PyAV and its frame index table: what :class:`~mgstudio.media.video.VideoReader`
builds on.

The table lists every shown frame's presentation timestamp, found by demuxing the packets (no
decoding) and sorting them (:func:`scan_pts`); it is cached on disk per file fingerprint
(:func:`read_index`, :func:`write_index`). :class:`VideoInfo` is what a video holds.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from mgstudio.core.errors import MediaError

__all__ = ["VideoInfo", "INDEX_VERSION", "open_video", "index_cache_dir", "scan_pts", "rotation_of",
           "read_index", "write_index"]

INDEX_VERSION = 4


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds. ``width``/``height`` are as displayed (after rotation)."""

    path: Path
    fps: Fraction
    frame_count: int
    duration: float
    width: int
    height: int
    rotation: int  # degrees counter-clockwise applied to the decoded picture to display it
    start_time: float  # seconds of the first frame's timestamp
    vfr: bool
    codec: str
    damaged_at: int | None = None  # first frame that could not be decoded (a truncated file)

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def damage_message(self) -> str | None:
        """One sentence for the user when the file is cut short, else None."""
        if self.damaged_at is None:
            return None
        return (f"{self.path.name} is damaged (cut short): it stops at frame {self.damaged_at}, "
                f"so only frames 0 to {self.damaged_at - 1} can be shown.")


def open_video(path: Path, threads: str = "SLICE"):
    """Container and video stream of ``path``. ``threads``: FFmpeg's decoding threads, ``SLICE``
    for random access (a frame comes out as soon as it is decoded) or ``AUTO`` (frame threads too)
    for long sequential reads, where frame threads decode several frames at once but hold back
    ``threads`` frames after each seek: 1.7x the latency of a random frame (bench_video)."""
    import av

    if not path.exists():
        raise MediaError(f"The video file {path.name} was not found.", str(path))
    if path.is_dir():
        raise MediaError(f"{path.name} is a folder, not a video file.", str(path))
    if path.stat().st_size == 0:
        raise MediaError(f"{path.name} is empty (0 bytes).")
    try:
        container = av.open(str(path), "r")
    except PermissionError as exc:
        raise MediaError(f"{path.name} could not be read: permission denied.", repr(exc)) from exc
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise MediaError(f"{path.name} could not be opened as a video: it is not a video file, or it is "
                         "damaged (for example a copy that was cut short).", repr(exc)) from exc
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        container.close()
        if not kinds:
            raise MediaError(f"{path.name} contains no video frames.")
        raise MediaError(f"{path.name} has no video picture (it contains only {' and '.join(kinds)}).")
    stream = container.streams.video[0]
    stream.thread_type = threads
    return container, stream


def index_cache_dir(cache_dir: str | Path | None) -> Path | None:
    if cache_dir is not None:
        return Path(cache_dir)
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("mgstudio")) / "frame_index"
    except Exception:  # pragma: no cover - platformdirs always importable here
        return None


def scan_pts(path: Path, progress: Callable[[float], None] | None = None
              ) -> tuple[np.ndarray, Fraction, np.ndarray, bool]:
    """Demux the video packets (no decoding): sorted presentation timestamps of every shown
    frame, the time base, the sorted keyframe timestamps, and whether the file is cut short.

    Packets flagged *discard* are left out: a video trimmed without re-encoding
    (``ffmpeg -ss … -c copy``) keeps the frames before the cut only to decode the ones after it,
    and players never show them. A file is cut short when demuxing fails before the end, its
    last packets are incomplete (those are dropped: they decode to garbage), or its header
    announces clearly more frames or time than the packets hold. ``progress(fraction)`` is called
    every 2000 packets (it may raise ``CancelledError`` to stop).
    """
    import av

    container, stream = open_video(path)
    pts: list[int] = []
    keys: list[int] = []
    corrupt: list[bool] = []
    hidden = 0  # discarded packets (before a trim point) still count in the header's frame count
    failed = False
    try:
        size = max(1, path.stat().st_size)
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if progress is not None and len(pts) % 2000 == 1999 and packet.pos is not None and packet.pos >= 0:
                progress(min(1.0, packet.pos / size))
            hidden += 1
            if packet.is_discard:
                continue
            hidden -= 1
            t = packet.pts if packet.pts is not None else packet.dts
            if t is None:
                t = len(pts)  # no timestamps at all: fall back to decode order
            pts.append(int(t))
            corrupt.append(bool(packet.is_corrupt))
            if packet.is_keyframe:
                keys.append(int(t))
    except av.error.FFmpegError:
        failed = True  # keep the packets read before the damage
    except BaseException:
        container.close()
        raise
    tb = Fraction(stream.time_base or Fraction(1, 1))
    declared_frames = int(stream.frames or 0)
    declared_s = float(stream.duration * tb) if stream.duration else None
    if declared_s is None and container.duration and len(container.streams) == 1:
        declared_s = container.duration / 1_000_000  # (with audio the container may run longer)
    container.close()
    while corrupt and corrupt[-1]:  # a last packet cut in the middle
        corrupt.pop()
        dropped = pts.pop()
        if keys and keys[-1] == dropped:
            keys.pop()
        failed = True
    arr = np.unique(np.asarray(pts, dtype=np.int64))  # sorted, duplicates (rare muxer quirks) dropped
    if declared_frames > len(arr) + hidden + 1:
        failed = True
    elif len(arr) > 1 and declared_s is not None:
        step = float(np.median(np.diff(arr)) * tb)
        span = float((arr[-1] - arr[0]) * tb) + step
        failed = failed or declared_s > span + 3 * step + 0.5
    return arr, tb, np.unique(np.asarray(keys, dtype=np.int64)), failed


def rotation_of(frame, stream) -> int:
    """Display rotation in degrees (multiple of 90) from a decoded frame's display matrix, else
    from the stream's legacy ``rotate`` tag."""
    rot = getattr(frame, "rotation", None) if frame is not None else None
    if rot:
        rot = int(round(rot)) % 360
        return rot - rot % 90
    tag = (stream.metadata or {}).get("rotate")
    try:
        return (-int(tag)) % 360 if tag else 0
    except ValueError:
        return 0


def read_index(folder: Path | None, key: str | None) -> tuple[np.ndarray, Fraction, np.ndarray, bool] | None:
    """The cached frame table ``(pts, time base, keyframe pts, truncated)``, or None (none, stale, unreadable)."""
    if folder is None or key is None or not (folder / f"{key}.npz").exists():
        return None
    try:
        with np.load(folder / f"{key}.npz", allow_pickle=False) as z:
            if int(z["version"]) != INDEX_VERSION:
                return None
            return z["pts"], Fraction(int(z["tb_num"]), int(z["tb_den"])), z["keys"], bool(z["truncated"])
    except Exception:
        return None  # unreadable cache: rebuild it


def write_index(folder: Path | None, key: str | None, pts: np.ndarray, tb: Fraction, keys: np.ndarray,
                truncated: bool) -> None:
    """Cache a frame table (atomically; a read-only or full cache folder is not an error)."""
    if folder is None or key is None:
        return
    tmp = folder / f"{key}.{os.getpid()}-{threading.get_ident()}.tmp.npz"  # parallel extract jobs
    try:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, pts=pts, keys=keys, truncated=truncated, tb_num=tb.numerator, tb_den=tb.denominator,
                 version=INDEX_VERSION)
        tmp.replace(folder / f"{key}.npz")
    except OSError:  # the table is rebuilt next time
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
