"""Computing motion energy off the GUI thread (under a second for an hour), stopped when unwanted."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from mgstudio.core.motion import MotionCancelled, MotionEnergy, motion_energy
from mgstudio.core.skeleton import SkeletonSequence

SeqSource = SkeletonSequence | Callable[[], SkeletonSequence | None]


class _Signals(QObject):
    done = Signal(object, int, object)  # key, job number, MotionEnergy | None
    failed = Signal(object, int, str)  # key, job number, message
    stopped = Signal(object, int)  # key, job number (cancelled before its end)


@dataclass
class _Ticket:
    """What the GUI thread keeps of a job (never the QRunnable itself, which the pool deletes)."""

    number: int
    stop: threading.Event


class _Job(QRunnable):
    """One computation; ``stop`` (an event) is checked before loading and between chunks."""

    def __init__(self, key: Any, ticket: _Ticket, seq: SeqSource, signals: _Signals) -> None:
        super().__init__()
        self.key, self.number, self.stop, self.seq, self.signals = key, ticket.number, ticket.stop, seq, signals

    def run(self) -> None:
        key, number, source = self.key, self.number, self.seq
        self.seq = None  # the skeleton is not kept alive by a finished job
        try:
            if self.stop.is_set():  # queued for an item the user has left: do nothing
                raise MotionCancelled
            seq = source() if callable(source) else source
            if seq is None:
                self.signals.done.emit(key, number, None)
                return
            out = motion_energy(seq, cancelled=self.stop.is_set)
        except MotionCancelled:
            self.signals.stopped.emit(key, number)
            return
        except Exception as exc:  # reported to the user as a line on the motion rows
            self.signals.failed.emit(key, number, str(exc))
            return
        self.signals.done.emit(key, number, out)


class MotionComputer(QObject):
    """Computes :class:`MotionEnergy` in a one-thread pool; remembers results per key.

    ``request(key, seq)`` makes ``key`` the only wanted one (see :meth:`want`) and returns its
    result at once when known, else ``None`` and emits ``ready(key, motion)`` later. ``seq`` may be
    a function that loads the skeleton (it then runs in the pool too; ``None`` = no skeleton).
    Work for a key that is no longer wanted stops within milliseconds (``cancelled(key)``) and a
    queued one never starts.
    """

    ready = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)

    def __init__(self, parent: QObject | None = None, max_cached: int = 4) -> None:
        super().__init__(parent)
        self._cache: dict[Any, MotionEnergy] = {}
        self._pending: dict[Any, _Ticket] = {}  # the newest job of each key not finished yet
        self._numbers = 0
        self._max = max_cached
        # no Qt parent: the running job keeps it alive even if the dock is closed meanwhile
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._signals.stopped.connect(self._on_stopped)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)

    def cached(self, key: Any) -> MotionEnergy | None:
        """The result of ``key`` if it is known."""
        return self._cache.get(key)

    def computing(self, key: Any) -> bool:
        """Whether a job that will deliver ``key`` is queued or running."""
        ticket = self._pending.get(key)
        return ticket is not None and not ticket.stop.is_set()

    def want(self, key: Any) -> None:
        """Only ``key`` (or nothing, with ``None``) is wanted now: stop the work for any other."""
        for k, ticket in self._pending.items():
            if k != key:
                ticket.stop.set()

    def request(self, key: Any, seq: SeqSource) -> MotionEnergy | None:
        self.want(key)
        if key in self._cache:
            return self._cache[key]
        if not self.computing(key):
            self._numbers += 1
            ticket = self._pending[key] = _Ticket(self._numbers, threading.Event())
            self.pool.start(_Job(key, ticket, seq, self._signals))
        return None

    def forget(self, key: Any) -> None:
        """Drop the result of ``key`` and stop a computation of it (its input is outdated)."""
        self._cache.pop(key, None)
        ticket = self._pending.pop(key, None)  # a late result of it is ignored
        if ticket is not None:
            ticket.stop.set()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until queued computations finished (tests and benchmarks)."""
        return self.pool.waitForDone(msecs)

    def _take(self, key: Any, number: int) -> bool:
        """Whether job ``number`` is the newest of ``key`` (it is then no longer pending)."""
        ticket = self._pending.get(key)
        if ticket is None or ticket.number != number:
            return False  # overtaken by a newer computation of the key, or forgotten
        del self._pending[key]
        return True

    def _on_done(self, key: Any, number: int, motion: MotionEnergy | None) -> None:
        if not self._take(key, number):
            return
        if motion is not None:  # kept even if no longer wanted: the user may come back
            self._cache[key] = motion
            while len(self._cache) > self._max:
                self._cache.pop(next(iter(self._cache)))
        self.ready.emit(key, motion)

    def _on_failed(self, key: Any, number: int, message: str) -> None:
        if self._take(key, number):
            self.failed.emit(key, message)

    def _on_stopped(self, key: Any, number: int) -> None:
        self._take(key, number)
        self.cancelled.emit(key)
