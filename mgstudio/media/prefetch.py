"""A background frame loader for playback: the latest request wins, stale ones are dropped.

The player asks for frame ``i`` with :meth:`PrefetchReader.request`; a worker thread with its own
:class:`~mgstudio.media.video.VideoReader` decodes it, hands it to ``on_frame(index, rgb)`` and
keeps decoding the next ``ahead`` frames into a shared cache while nothing newer is asked for.
When the user scrubs, requests that were overtaken are never decoded (like SLEAP's
last-in-first-out frame loader), so the picture follows the mouse instead of lagging behind it.
Plain ``threading``: no Qt here; the GUI wraps ``on_frame`` in a queued signal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mgstudio.core.errors import MediaError
from mgstudio.media.video import FrameCache, VideoReader

__all__ = ["PrefetchReader"]


class PrefetchReader:
    """Decode frames on a worker thread; ``request(i)`` never blocks."""

    def __init__(self, path: str | Path, on_frame: Callable[[int, np.ndarray], None] | None = None,
                 on_error: Callable[[MediaError], None] | None = None, ahead: int = 12,
                 cache_frames: int = 96, cache_dir: str | Path | None = None) -> None:
        self.path = Path(path)
        self.on_frame = on_frame
        self.on_error = on_error
        self.ahead = ahead
        self.cache = FrameCache(cache_frames)
        self._cond = threading.Condition()
        self._wanted: int | None = None
        self._serial = 0
        self._stop = False
        self._reader = VideoReader(self.path, cache_dir=cache_dir, cache_frames=0)  # errors surface here
        self.info = self._reader.info
        self.decoded = 0  # frames actually decoded (for tests and statistics)
        self._thread = threading.Thread(target=self._run, name="mg-prefetch", daemon=True)
        self._thread.start()

    def request(self, index: int) -> np.ndarray | None:
        """Ask for frame ``index``; returns it at once when cached (``on_frame`` is still called)."""
        index = max(0, min(int(index), self.info.frame_count - 1))
        hit = self.cache.get(index)
        with self._cond:
            self._wanted = index
            self._serial += 1
            self._cond.notify()
        return hit

    def get(self, index: int, timeout: float = 5.0) -> np.ndarray:
        """Blocking read of one frame (request it, wait until it is decoded)."""
        done = threading.Event()
        box: dict[str, np.ndarray] = {}
        previous = self.on_frame

        def catch(i: int, img: np.ndarray) -> None:
            if previous:
                previous(i, img)
            if i == index:
                box["img"] = img
                done.set()

        self.on_frame = catch
        try:
            hit = self.request(index)
            if hit is not None:
                return hit
            if not done.wait(timeout):
                raise MediaError(f"Frame {index} was not decoded within {timeout:.0f} s.")
            return box["img"]
        finally:
            self.on_frame = previous

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=5)
        self._reader.close()

    def __enter__(self) -> "PrefetchReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ worker
    def _run(self) -> None:
        while True:
            with self._cond:
                while self._wanted is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                index, serial = self._wanted, self._serial
                self._wanted = None
            try:
                img = self.cache.get(index)
                if img is None:
                    img = self._reader.frame(index)
                    self.decoded += 1
                    self.cache.put(index, img)
                if self.on_frame:
                    self.on_frame(index, img)
                # read ahead while nobody asks for something else
                for k in range(index + 1, min(index + 1 + self.ahead, self.info.frame_count)):
                    with self._cond:
                        if self._stop or self._serial != serial:
                            break
                    if k not in self.cache:
                        self.cache.put(k, self._reader.frame(k))
                        self.decoded += 1
            except MediaError as exc:
                if self.on_error:
                    self.on_error(exc)
            except Exception as exc:  # never let the thread die silently
                if self.on_error:
                    self.on_error(MediaError("The video could not be decoded.", repr(exc)))
