"""Running the Qt event loop from a benchmark, as the app runs it (``QEventLoop.exec``, idle
between events): for a while, or until something is true."""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QEventLoop, QTimer


def wait_for(pred: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Run the event loop until ``pred()`` is true (checked every 2 ms) or ``timeout`` seconds
    passed; returns ``pred()``."""
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(2)
    deadline = time.perf_counter() + timeout
    poll.timeout.connect(lambda: (pred() or time.perf_counter() > deadline) and loop.quit())
    poll.start()
    if not pred():
        loop.exec()
    poll.stop()
    return bool(pred())


def pump(seconds: float) -> None:
    """Run the event loop for ``seconds`` (the window repaints, signals arrive)."""
    end = time.perf_counter() + seconds
    wait_for(lambda: time.perf_counter() >= end, seconds + 1.0)
