"""Long work off the GUI thread: a generic :class:`Worker` (thread) and :class:`ProcessWorker`.

A job is any function ``fn(*args, progress=..., cancel=..., **kwargs)`` of the packages outside
the app (``extract_pose``, ``propose``, training, reports). ``progress(done, total)`` may be
called as often as it likes (signals are throttled to ~20 per second); ``cancel`` is a
``threading.Event`` that the job polls. Use::

    worker = Worker(extract_pose, path, title="Extracting the skeleton")
    worker.succeeded.connect(on_result)       # result of fn, on the GUI thread
    worker.failed.connect(show_error)         # an MGStudioError (message for a psychologist)
    panel.attach(worker)                      # widgets.worker_panel: progress + Cancel
    worker.start()

:class:`ProcessWorker` runs the job in a separate process instead (same signals): jobs that
import or run big native libraries (MediaPipe, torch) hold Python's GIL for long stretches and
would otherwise freeze the window; the function and its arguments must be picklable.

Signals: ``progress(int, int)``, ``succeeded(object)``, ``failed(object)`` (an
:class:`~mgstudio.core.errors.MGStudioError`, unexpected errors wrapped with the traceback as
``detail``), ``cancelled()``, and ``done()`` last in every case.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
import traceback
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal

from mgstudio.core.jobs import lower_process_priority
from mgstudio.core.errors import CancelledError, MGStudioError

_THROTTLE_S = 0.05


def emit_from_thread(signal: Any, *args: Any) -> bool:
    """Emit a bridge object's ``signal`` from a plain thread; False when the object was deleted
    meanwhile (the window closed while the thread worked: nobody is left to tell)."""
    try:
        signal.emit(*args)
    except RuntimeError:
        return False
    return True


class WorkerRegistry(QObject):
    """Every started worker, in one place: the status bar listens (one panel for all jobs,
    whichever panel started them) and closing the window cancels them all."""

    def __init__(self) -> None:
        super().__init__()
        self._listeners: list[tuple[Callable[[Any], None], Any]] = []

    def add_listener(self, fn: Callable[[Any], None], owner: Any) -> None:
        """Call ``fn(worker)`` for each worker started from now on while ``owner`` (a widget) lives
        and its window is open (a closed window's status bar shows nothing)."""
        self._listeners.append((fn, owner))

    def announce(self, worker: "Worker") -> None:
        self._listeners = [(fn, o) for fn, o in self._listeners if shiboken6.isValid(o)]
        for fn, owner in list(self._listeners):
            if owner.window().isVisible():
                fn(worker)

    def running(self) -> list["Worker"]:
        return [w for w in Worker._running if w.isRunning()]

    def cancel_all(self, wait_ms: int = 5000) -> list["Worker"]:
        """Ask every running job to stop, then wait up to ``wait_ms`` in all; the ones still running."""
        workers = self.running()
        for w in workers:
            w.cancel()
        deadline = time.monotonic() + wait_ms / 1000.0
        for w in workers:
            w.wait(max(0, int(1000 * (deadline - time.monotonic()))))
        return [w for w in workers if w.isRunning()]


_registry: WorkerRegistry | None = None


def worker_registry() -> WorkerRegistry:
    """The one :class:`WorkerRegistry` of this process."""
    global _registry
    if _registry is None:
        _registry = WorkerRegistry()
    return _registry


class Worker(QThread):
    """Runs ``fn`` in a thread with progress, cancel and readable errors (see the module doc).

    A started worker keeps itself referenced until its thread has ended, so dropping every
    reference early (``done`` is emitted just before the thread ends) never destroys a running
    ``QThread``, which Qt answers by aborting the whole program.
    """

    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()
    _running: set["Worker"] = set()

    def __init__(self, fn: Callable[..., Any], *args: Any, title: str = "Working",
                 pass_progress: bool = True, pass_cancel: bool = True, **kwargs: Any) -> None:
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.title = title
        self.pass_progress, self.pass_cancel = pass_progress, pass_cancel
        self.cancel_event = threading.Event()
        self.result: Any = None
        self.error: MGStudioError | None = None
        self.was_cancelled = False
        self._last_emit = 0.0
        self.finished.connect(self._ended)  # queued: runs on the GUI thread once the thread ended

    def start(self, *args: Any) -> None:  # noqa: D102 - QThread.start, kept alive while running
        Worker._running.add(self)
        super().start(*args)
        worker_registry().announce(self)

    @property
    def in_flight(self) -> bool:
        """Started and not yet settled: the thread still runs, or the GUI thread has not yet run
        every slot its signals queued (it leaves in a slot queued after the last one)."""
        return self in Worker._running

    def _ended(self) -> None:
        self.wait()  # returns at once: the thread has left run()
        Worker._running.discard(self)

    # ------------------------------------------------------------------ called from the job
    def _progress(self, done: int, total: int | None = None, *_: Any) -> None:
        now = time.monotonic()
        total_i = int(total) if total else 0
        if now - self._last_emit >= _THROTTLE_S or (total_i and int(done) >= total_i):
            self._last_emit = now
            self.progress.emit(int(done), total_i)

    def run(self) -> None:  # the thread
        kwargs = dict(self.kwargs)
        if self.pass_progress:
            kwargs["progress"] = self._progress
        if self.pass_cancel:
            kwargs["cancel"] = self.cancel_event
        try:
            self.result = self.fn(*self.args, **kwargs)
            if self.cancel_event.is_set():
                raise CancelledError(f"{self.title} was cancelled.")
        except CancelledError:
            self.was_cancelled = True
            self.cancelled.emit()
        except MGStudioError as exc:
            self.error = exc
            self.failed.emit(exc)
        except MemoryError:
            self.error = MGStudioError(f"{self.title} ran out of memory. Close other programs or try a "
                                       "shorter recording.", detail=traceback.format_exc())
            self.failed.emit(self.error)
        except Exception as exc:  # noqa: BLE001 - shown to the user with details on demand
            self.error = MGStudioError(
                f"{self.title} stopped because of an unexpected problem ({type(exc).__name__}). "
                "Your project is safe; please send the details to the developers.",
                detail=traceback.format_exc())
            self.failed.emit(self.error)
        else:
            self.succeeded.emit(self.result)
        finally:
            self.done.emit()

    def cancel(self) -> None:
        """Ask the job to stop (it stops at its next check; ``cancelled`` is emitted then)."""
        self.cancel_event.set()


def _child_main(out: Any, cancel: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    """Body of a :class:`ProcessWorker`'s process: run ``fn`` and report through ``out``."""
    lower_process_priority()  # the window's process runs first on a busy laptop
    last = [0.0]

    def progress(done: int, total: int | None = None, *_: Any) -> None:
        now = time.monotonic()
        if now - last[0] >= _THROTTLE_S or (total and int(done) >= int(total)):
            last[0] = now
            out.put(("progress", int(done), int(total or 0)))

    try:
        result = fn(*args, progress=progress, cancel=cancel, **kwargs)
        out.put(("ok", result))
    except CancelledError as exc:
        out.put(("cancelled", str(exc)))
    except MGStudioError as exc:
        out.put(("error", str(exc), exc.detail))
    except BaseException as exc:  # noqa: BLE001 - reported to the GUI with the traceback
        out.put(("crash", type(exc).__name__, traceback.format_exc()))


class ProcessWorker(Worker):
    """A :class:`Worker` whose job runs in a child process (spawned), so it never holds the GUI's GIL.

    ``fn`` must be a module-level function taking ``progress`` and ``cancel`` keywords; its result
    must be picklable. Cancel sets a process-shared event that the job polls.
    """

    def run(self) -> None:  # the thread: start the process and relay its messages
        ctx = mp.get_context("spawn")
        out, cancel = ctx.Queue(), ctx.Event()
        proc = ctx.Process(target=_child_main, args=(out, cancel, self.fn, self.args, self.kwargs),
                           daemon=True, name="mgstudio-job")
        try:
            proc.start()
            msg = None
            while msg is None:
                if self.cancel_event.is_set():
                    cancel.set()
                try:
                    m = out.get(timeout=0.05)
                except queue.Empty:
                    if not proc.is_alive():
                        try:
                            msg = out.get(timeout=0.5)
                        except queue.Empty:
                            msg = ("died", proc.exitcode)
                    continue
                if m[0] == "progress":
                    self._progress(m[1], m[2])
                else:
                    msg = m
            proc.join(10)
            kind = msg[0]
            if kind == "ok" and not self.cancel_event.is_set():
                self.result = msg[1]
                self.succeeded.emit(self.result)
            elif kind in ("ok", "cancelled"):
                self.was_cancelled = True
                self.cancelled.emit()
            else:
                if kind == "error":
                    self.error = MGStudioError(msg[1], msg[2])
                elif kind == "crash":
                    self.error = MGStudioError(
                        f"{self.title} stopped because of an unexpected problem ({msg[1]}). "
                        "Your project is safe; please send the details to the developers.", detail=msg[2])
                else:
                    self.error = MGStudioError(
                        f"{self.title} stopped unexpectedly (it may have run out of memory). Your project is safe.",
                        detail=f"worker process exit code {msg[1]}")
                self.failed.emit(self.error)
        except Exception as exc:  # noqa: BLE001 - e.g. the process could not start
            self.error = MGStudioError(f"{self.title} could not start.", detail=traceback.format_exc())
            self.failed.emit(self.error)
        finally:
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
            self.done.emit()
