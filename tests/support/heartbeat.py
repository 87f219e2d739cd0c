"""A 10 ms QTimer on the GUI thread and the stall limits the app promises (50 ms).

Used by the GUI tests and by the GUI benchmarks (``benchmarks/``), so both measure alike.

The test machines are shared: other processes starve this one and every gap grows. Each gap
therefore leaves out the time the GUI thread sat runnable in the kernel's run queue waiting for a
core (``/proc/thread-self/schedstat``, Linux): what is left is time the app itself blocked the GUI
thread (work on it, the GIL, I/O). The limits also scale with load / cores, which the one-minute
load average only shows late (a frozen GUI thread, seconds long, still fails).

``MGSTUDIO_STALL_TRACE=1`` also samples the GUI thread's Python stack every 2 ms from a side
thread and prints, for each gap over the limit, the innermost app frames seen during it: where
a stall comes from.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections import Counter

from PySide6.QtCore import QTimer

STALL_MS = 50


class _StackSampler(threading.Thread):
    """Samples the main thread's Python stack (a few app frames) with timestamps."""

    def __init__(self, period_s: float = 0.002) -> None:
        super().__init__(daemon=True)
        self.period_s = period_s
        self.samples: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._main = threading.main_thread().ident

    def run(self) -> None:
        while not self._stop.wait(self.period_s):
            frame = sys._current_frames().get(self._main)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            mine = [f for f in stack if "mgstudio" in f.filename or "pyqtgraph" in f.filename
                    or "/tests/" in f.filename]
            top = mine[-4:] if mine else stack[-3:]
            self.samples.append((time.perf_counter(), " < ".join(
                f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in reversed(top))))

    def stop(self) -> None:
        self._stop.set()


def _run_queue_wait_s() -> float | None:
    """Seconds this thread has waited for a core so far (None where the kernel does not say)."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


class Heartbeat:
    def __init__(self, interval_ms: int = 10) -> None:
        self.gaps: list[float] = []
        self.ticks: list[float] = []
        self._last = time.perf_counter()
        self._waited: float | None = None
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._beat)
        self._sampler: _StackSampler | None = None

    def _beat(self) -> None:
        now = time.perf_counter()
        waited = _run_queue_wait_s()
        starved = 0.0 if waited is None or self._waited is None else waited - self._waited
        self.gaps.append(max(0.0, now - self._last - starved))
        self.ticks.append(now)
        self._last, self._waited = now, waited

    def start(self) -> None:
        self._last = time.perf_counter()
        self._waited = _run_queue_wait_s()
        if os.environ.get("MGSTUDIO_STALL_TRACE") and self._sampler is None:
            self._sampler = _StackSampler()
            self._sampler.start()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def stalls(self, limit_ms: float = STALL_MS) -> list[tuple[float, list[tuple[str, int]]]]:
        """(gap ms, most frequent sampled stacks) for each gap over ``limit_ms`` (tracing on)."""
        if self._sampler is None:
            return []
        out = []
        for gap, end in zip(self.gaps, self.ticks):
            if gap * 1000 < limit_ms:
                continue
            seen = Counter(s for t, s in self._sampler.samples if end - gap <= t <= end)
            out.append((gap * 1000, seen.most_common(3)))
        return out

    def report(self, what: str) -> None:
        for gap, stacks in self.stalls():
            print(f"\n[stall {gap:.0f} ms while {what}]")
            for stack, n in stacks:
                print(f"   {n:3d}× {stack}")

    def summary(self) -> tuple[float, float]:
        """(p95, worst) gap in milliseconds (0, 0 before any tick)."""
        gaps = sorted(self.gaps) or [0.0]
        return gaps[int(0.95 * len(gaps))] * 1000, gaps[-1] * 1000

    def check(self, what: str) -> None:
        self.report(what)
        assert len(self.gaps) > 5, "the GUI thread never ticked"
        p95, worst = self.summary()
        load = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
        assert p95 < STALL_MS * load and worst < 5 * STALL_MS * load, (
            f"GUI stalled while {what}: p95 {p95:.0f} ms, worst {worst:.0f} ms (load factor {load:.1f})")
