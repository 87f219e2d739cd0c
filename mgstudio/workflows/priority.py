"""Child processes doing heavy work (MediaPipe, torch) give the CPU to the window first.

On a 2-core laptop a worker process that keeps both cores busy starves the GUI thread of CPU
time and the window jerks. Worker processes lower their own scheduling priority (``nice``) so the
kernel runs the window first whenever it has work; they still use every idle cycle.

Threads inside the app's own process are deliberately left at normal priority: a lowered thread
that holds Python's GIL gets preempted by other programs while the GUI thread waits for that GIL
(measured with two busy programs beside it: GUI gaps p95 24 ms at equal priority, ~95 ms with the
worker thread lowered).
"""

from __future__ import annotations

import os

BACKGROUND_NICE = 10


def lower_process_priority(niceness: int = BACKGROUND_NICE) -> bool:
    """Lower the calling process's CPU priority by ``niceness``; ``True`` when it was lowered."""
    if not hasattr(os, "nice"):  # Windows: left as is
        return False
    try:
        os.nice(niceness)
    except OSError:
        return False
    return True
