"""Newest request wins: run work in a plain thread, hand its result to the GUI thread only if no
newer request came meanwhile.

For work the user overtakes by moving on (opening a video, reading a skeleton, verifying files):
an older result that arrives late is never shown. Use::

    self.opener = Latest(self._show_video, on_stale=lambda r: r.close(), parent=self)
    self.opener.submit(open_video, path)   # fn(*args) runs in a thread; returns its result
    self.opener.invalidate()               # the user closed it: whatever is on its way is stale

``on_result(result)`` runs on the GUI thread for the newest request only. ``on_stale(result)``
gets every other result: on the GUI thread, or in the worker thread when the owner was deleted
meanwhile (the window closed), so it must touch no widget (close a file, fill a cache).
``fn`` reports its own errors in its result; an exception it lets out is a bug and is re-raised
in its thread. ``one_thread=True`` keeps at most one thread: a request made while it works
replaces any request still waiting, and only the newest is run next (never a queue).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from mgstudio.app.concurrency.workers import emit_from_thread


class Latest(QObject):
    """One kind of request whose newest result wins; see the module docstring."""

    _arrived = Signal(int, object)  # request number, result

    def __init__(self, on_result: Callable[[Any], None], on_stale: Callable[[Any], None] | None = None, *,
                 name: str = "mg-latest", one_thread: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_result, self.on_stale = on_result, on_stale
        self.name, self.one_thread = name, one_thread
        self.number = 0  # of the newest request; results of older ones are stale
        self.thread: threading.Thread | None = None  # the last thread started (tests join it)
        self._lock = threading.Lock()
        self._waiting: tuple[int, Callable[..., Any], tuple[Any, ...]] | None = None  # one_thread: next
        self._reading = False  # one_thread: its thread runs (set and cleared under the lock)
        self._arrived.connect(self._deliver)

    def submit(self, fn: Callable[..., Any], *args: Any) -> int:
        """Run ``fn(*args)`` in a thread; every earlier request's result is now stale. Its number."""
        self.number += 1
        request = (self.number, fn, args)
        if not self.one_thread:
            self._start(self._run_one, request)
            return self.number
        with self._lock:
            self._waiting = request
            if self._reading:  # the running thread takes it next
                return self.number
            self._reading = True
        self._start(self._run_waiting)
        return self.number

    def invalidate(self) -> None:
        """Make every result on its way stale, without a new request."""
        self.number += 1

    # ------------------------------------------------------------------ threads
    def _start(self, target: Callable[..., None], *args: Any) -> None:
        self.thread = threading.Thread(target=target, args=args, name=self.name, daemon=True)
        self.thread.start()

    def _run_one(self, request: tuple[int, Callable[..., Any], tuple[Any, ...]]) -> None:
        number, fn, args = request
        on_stale, arrived = self.on_stale, self._arrived
        result = fn(*args)
        if not emit_from_thread(arrived, number, result) and on_stale is not None:
            on_stale(result)  # the owner is gone: nobody will take it

    def _run_waiting(self) -> None:
        while True:
            with self._lock:
                request, self._waiting = self._waiting, None
                if request is None:
                    self._reading = False
                    return
            self._run_one(request)

    def _deliver(self, number: int, result: Any) -> None:
        if number == self.number:
            self.on_result(result)
        elif self.on_stale is not None:
            self.on_stale(result)
