"""Computing motion energy off the GUI thread (under a second for an hour), stopped when unwanted.

Short recordings are computed in a thread of this process. Long ones (over
:data:`PROCESS_FRAMES` frames, when their skeleton file is known) are computed in one helper
process shared by the whole app, which reads the file itself: numpy holds Python's GIL for part
of the work, and a thread doing an hour's worth of it next to the window made the window miss
its repaints for up to ~100 ms (measured ~50-60 ms without it, bench_window_stall). The helper
process runs at a lower priority than the window and is started on first use.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from mgstudio.workflows import motion as jobs
from mgstudio.core.motion import MotionCancelled, MotionEnergy, motion_energy
from mgstudio.core.skeleton import SkeletonSequence

SeqSource = SkeletonSequence | Callable[[], SkeletonSequence | None]
PROCESS_FRAMES = 54_000  # 30 minutes at 30 fps: longer ones are computed in the helper process
_STOP_SLOTS = jobs.MOTION_STOP_SLOTS

_pool: ProcessPoolExecutor | None = None
_stop_flags: Any = None  # shared bytes: job number % _STOP_SLOTS -> 1 = stop
_numbers = itertools.count(1)


def _flags() -> Any:
    global _stop_flags
    if _stop_flags is None:
        _stop_flags = mp.get_context("spawn").RawArray("b", _STOP_SLOTS)
    return _stop_flags


def _process_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # its functions live in the Qt-free mgstudio.workflows.motion: the helper never imports Qt
        _pool = ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"), initializer=jobs.motion_helper_init,
                                    initargs=(_flags(),))
    return _pool


def stop_all() -> None:
    """Ask every helper-process computation to stop (the app is closing: it then exits at once
    instead of waiting up to seconds for a two-hour recording's rows nobody will see)."""
    if _stop_flags is not None:
        for slot in range(_STOP_SLOTS):
            _stop_flags[slot] = 1


def warm_up(timeout: float = 60.0) -> None:
    """Start the helper process now and wait until it answers (tests, benchmarks)."""
    _process_pool().submit(jobs.motion_helper_ready).result(timeout=timeout)


class _FlagEvent:
    """A stop flag in the memory shared with the helper process (the API of threading.Event)."""

    def __init__(self, number: int) -> None:
        self.slot = number % _STOP_SLOTS
        _flags()[self.slot] = 0

    def set(self) -> None:
        _stop_flags[self.slot] = 1

    def is_set(self) -> bool:
        return bool(_stop_flags[self.slot])


class _Signals(QObject):
    done = Signal(object, int, object)  # key, job number, MotionEnergy | None
    failed = Signal(object, int, str)  # key, job number, message
    stopped = Signal(object, int)  # key, job number (cancelled before its end)


@dataclass
class _Ticket:
    """What the GUI thread keeps of a job (never the QRunnable itself, which the pool deletes)."""

    number: int
    stop: Any  # threading.Event, or _FlagEvent for the helper process
    future: Future | None = None  # helper process: set once submitted (see ``submitted``)
    submitted: threading.Event = field(default_factory=threading.Event)


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
        self._max = max_cached
        # no Qt parent: the running job keeps it alive even if the dock is closed meanwhile
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._signals.stopped.connect(self._on_stopped)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        app = QCoreApplication.instance()
        if app is not None and not app.property("mg_motion_stop_on_quit"):
            app.setProperty("mg_motion_stop_on_quit", True)
            app.aboutToQuit.connect(stop_all)

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

    def request(self, key: Any, seq: SeqSource, file: Path | None = None) -> MotionEnergy | None:
        """See the class docstring; ``file`` is where ``seq`` is stored, if it is (long recordings
        are then computed in the helper process from that file)."""
        self.want(key)
        if key in self._cache:
            return self._cache[key]
        if not self.computing(key):
            number = next(_numbers)
            long = isinstance(seq, SkeletonSequence) and len(seq.xy) > PROCESS_FRAMES
            if long and file is not None and Path(file).is_file():
                ticket = self._pending[key] = _Ticket(number, _FlagEvent(number))
                # submitting may start the helper process (a fork + exec of this big process):
                # done from a short-lived thread so that the window never waits for it
                threading.Thread(target=self._submit, args=(key, ticket, str(file)), daemon=True,
                                 name="mg-motion-submit").start()
            else:
                ticket = self._pending[key] = _Ticket(number, threading.Event())
                self.pool.start(_Job(key, ticket, seq, self._signals))
        return None

    def _submit(self, key: Any, ticket: _Ticket, file: str) -> None:
        """(submitting thread) Hand one computation to the helper process."""
        number = ticket.number
        try:
            try:
                future = _process_pool().submit(jobs.motion_from_file, file, number)
            except Exception:  # noqa: BLE001 - the helper process is gone: start a new one
                self._reset_pool()
                future = _process_pool().submit(jobs.motion_from_file, file, number)
        except Exception as exc:  # noqa: BLE001 - reported as a line on the motion rows
            self._signals.failed.emit(key, number, f"the helper process could not start ({exc})")
            ticket.submitted.set()
            return
        ticket.future = future
        ticket.submitted.set()
        future.add_done_callback(lambda f, k=key, n=number: self._from_process(k, n, f))

    @staticmethod
    def _reset_pool() -> None:
        global _pool
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None

    def _from_process(self, key: Any, number: int, future: Future) -> None:
        """(executor thread) Relay the helper process's answer to the GUI thread."""
        if future.cancelled():
            self._signals.stopped.emit(key, number)
            return
        exc = future.exception()
        if isinstance(exc, MotionCancelled):
            self._signals.stopped.emit(key, number)
        elif exc is not None:
            from concurrent.futures.process import BrokenProcessPool

            if isinstance(exc, BrokenProcessPool):
                self._reset_pool()
                self._signals.failed.emit(key, number, "the helper process stopped unexpectedly")
            else:
                self._signals.failed.emit(key, number, str(exc))
        else:
            self._signals.done.emit(key, number, future.result())

    def forget(self, key: Any) -> None:
        """Drop the result of ``key`` and stop a computation of it (its input is outdated)."""
        self._cache.pop(key, None)
        ticket = self._pending.pop(key, None)  # a late result of it is ignored
        if ticket is not None:
            ticket.stop.set()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until queued computations finished (tests and benchmarks)."""
        import time

        end = time.monotonic() + msecs / 1000
        for ticket in list(self._pending.values()):
            if isinstance(ticket.stop, _FlagEvent):
                ticket.submitted.wait(max(0.0, end - time.monotonic()))
            if ticket.future is not None:
                try:
                    ticket.future.exception(timeout=max(0.0, end - time.monotonic()))
                except Exception:  # noqa: BLE001 - timed out: reported below
                    return False
        return self.pool.waitForDone(max(0, int((end - time.monotonic()) * 1000)))

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
