"""The one protocol of long jobs: how they report progress, how they are cancelled, how they stop.

Every long function (extraction, proposing, training, exports, imports) takes

- ``progress``: a :data:`Progress` callback ``progress(done, total)`` (some jobs pass a third
  argument, a short text of what they are doing), or ``None``;
- ``cancel``: a :data:`Cancel`: a :class:`threading.Event` (or anything with ``is_set()``), a
  callable returning ``True`` once the user asked to stop, or ``None``;

checks :func:`is_cancelled` between steps and stops by raising :class:`JobCancelled` (the same
class as :class:`mgstudio.core.errors.CancelledError`, so its message is the sentence shown).

Worker *processes* call :func:`lower_process_priority` first: on a 2-core laptop a process that
keeps both cores busy starves the window's GUI thread and the window jerks; lowered, the kernel
runs the window first and the worker still uses every idle cycle. Threads inside the app's own
process are deliberately left at normal priority: a lowered thread that holds Python's GIL gets
preempted by other programs while the GUI thread waits for that GIL (measured with two busy
programs beside it: GUI gaps p95 24 ms at equal priority, ~95 ms with the worker thread lowered).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from mgstudio.core.errors import CancelledError

__all__ = ["Progress", "Cancel", "CancelEvent", "JobCancelled", "is_cancelled", "cancel_check",
           "raise_if_cancelled", "lower_process_priority", "BACKGROUND_NICE"]


@runtime_checkable
class CancelEvent(Protocol):
    """Anything with ``is_set()`` (a :class:`threading.Event`, a multiprocessing event...)."""

    def is_set(self) -> bool: ...


Progress = Callable[..., Any]  # progress(done: int, total: int[, what: str])
Cancel = CancelEvent | Callable[[], bool] | None
JobCancelled = CancelledError  # one class: ``except CancelledError`` and ``except JobCancelled`` agree

BACKGROUND_NICE = 10


def is_cancelled(cancel: Cancel | Any) -> bool:
    """``True`` once ``cancel`` (an event, a callable or ``None``) says the user asked to stop."""
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if is_set is not None else cancel())


def cancel_check(cancel: Cancel | Any) -> Callable[[], bool]:
    """A function of no arguments answering :func:`is_cancelled` for ``cancel`` (for tight loops)."""
    if cancel is None:
        return lambda: False
    is_set = getattr(cancel, "is_set", None)
    if is_set is not None:
        return lambda: bool(is_set())
    return lambda: bool(cancel())


def raise_if_cancelled(cancel: Cancel | Any, message: str = "Cancelled.") -> None:
    """Raise :class:`JobCancelled` with ``message`` when ``cancel`` is set."""
    if is_cancelled(cancel):
        raise JobCancelled(message)


def lower_process_priority(niceness: int = BACKGROUND_NICE) -> bool:
    """Lower the calling process's CPU priority by ``niceness``; ``True`` when it was lowered."""
    if not hasattr(os, "nice"):  # Windows: left as is
        return False
    try:
        os.nice(niceness)
    except OSError:
        return False
    return True
