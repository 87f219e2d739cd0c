"""Loading a skeleton and computing its motion energy off the GUI thread (seconds for 2 hours)."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from mgstudio.core.motion import MotionEnergy, motion_energy
from mgstudio.core.skeleton import SkeletonSequence


class _Signals(QObject):
    done = Signal(object, object)  # key, MotionEnergy | None
    failed = Signal(object, str)  # key, message


class _Job(QRunnable):
    def __init__(self, key: Any, seq: SkeletonSequence | Callable[[], SkeletonSequence | None],
                 signals: _Signals) -> None:
        super().__init__()
        self.key, self.seq, self.signals = key, seq, signals

    def run(self) -> None:
        try:
            seq = self.seq() if callable(self.seq) else self.seq
            if seq is None:
                self.signals.done.emit(self.key, None)
                return
            out = motion_energy(seq)
        except Exception as exc:  # reported to the user as a line on the motion rows
            self.signals.failed.emit(self.key, str(exc))
            return
        self.signals.done.emit(self.key, out)


class MotionComputer(QObject):
    """Computes :class:`MotionEnergy` in a thread pool; remembers results per key.

    ``request(key, seq)`` returns the result at once when known, else ``None`` and emits
    ``ready(key, motion)`` later (results for keys no longer wanted are still cached). ``seq`` may
    be a function that loads the skeleton (it then runs in the pool too; ``None`` = no skeleton).
    """

    ready = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent: QObject | None = None, max_cached: int = 4) -> None:
        super().__init__(parent)
        self._cache: dict[Any, MotionEnergy] = {}
        self._pending: set[Any] = set()
        self._max = max_cached
        # no Qt parent: the running job keeps it alive even if the dock is closed meanwhile
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)

    def request(self, key: Any, seq: SkeletonSequence | Callable[[], SkeletonSequence | None]) -> MotionEnergy | None:
        if key in self._cache:
            return self._cache[key]
        if key not in self._pending:
            self._pending.add(key)
            self.pool.start(_Job(key, seq, self._signals))
        return None

    def forget(self, key: Any) -> None:
        self._cache.pop(key, None)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until queued computations finished (tests and benchmarks)."""
        return self.pool.waitForDone(msecs)

    def _on_done(self, key: Any, motion: MotionEnergy | None) -> None:
        self._pending.discard(key)
        if motion is not None:
            self._cache[key] = motion
        while len(self._cache) > self._max:
            self._cache.pop(next(iter(self._cache)))
        self.ready.emit(key, motion)

    def _on_failed(self, key: Any, message: str) -> None:
        self._pending.discard(key)
        self.failed.emit(key, message)
