"""A least-recently-used cache of decoded frames, bounded by frames and bytes, shared between threads."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

__all__ = ["FrameCache"]


class FrameCache:
    """A least-recently-used cache of decoded frames, safe to share between threads.

    Bounded by ``capacity`` frames and by ``max_bytes`` (256 MiB by default: 64 frames of 1080p
    would otherwise take 400 MB, and 4K four times that). Stored frames are made read-only,
    because every caller gets the same array: copy one before drawing on it.
    """

    def __init__(self, capacity: int = 64, max_bytes: int = 256 << 20) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.nbytes = 0
        self._d: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: int) -> np.ndarray | None:
        with self._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
            return v

    def put(self, key: int, value: np.ndarray) -> None:
        if self.capacity <= 0 or value.nbytes > self.max_bytes:
            return
        value.flags.writeable = False
        with self._lock:
            old = self._d.pop(key, None)
            if old is not None:
                self.nbytes -= old.nbytes
            self._d[key] = value
            self.nbytes += value.nbytes
            while len(self._d) > self.capacity or self.nbytes > self.max_bytes:
                self.nbytes -= self._d.popitem(last=False)[1].nbytes

    def __contains__(self, key: int) -> bool:
        with self._lock:
            return key in self._d

    def __len__(self) -> int:
        with self._lock:
            return len(self._d)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self.nbytes = 0
