"""Workers: progress reaches the status-bar panel, Cancel stops the job, errors are readable,
and the GUI thread keeps ticking while a job runs."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("PySide6")

from mgstudio.app.widgets.dialogs import error_box
from mgstudio.app.concurrency.workers import Worker
from mgstudio.app.widgets.worker_panel import WorkerPanel
from mgstudio.core.errors import CancelledError, MediaError

from tests.support.heartbeat import Heartbeat


def busy_job(n: int, progress=None, cancel=None) -> int:
    """Pure-Python CPU work (holds the GIL most of the time) with progress and cancel checks."""
    total = 0
    for i in range(n):
        if cancel is not None and cancel.is_set():
            raise CancelledError("stopped")
        for k in range(20_000):
            total += k * k % 7
        progress(i + 1, n)
    return total


def test_progress_result_and_heartbeat(qtbot) -> None:
    panel = WorkerPanel()
    qtbot.addWidget(panel)
    worker = Worker(busy_job, 600, title="Counting")  # ~1 s of work, so the heartbeat ticks
    seen: list[tuple[int, int]] = []
    worker.progress.connect(lambda d, t: seen.append((d, t)))
    panel.attach(worker)
    assert panel.busy and panel.label.text().startswith("Counting")

    beat = Heartbeat()
    beat.start()
    with qtbot.waitSignal(worker.succeeded, timeout=60_000) as res:
        worker.start()
    qtbot.waitUntil(lambda: not panel.busy, timeout=5000)
    beat.stop()
    worker.wait(5000)
    assert res.args[0] == busy_job(600, progress=lambda *a: None)
    assert seen and seen[-1] == (600, 600)
    beat.check("a thread worker computes")
    assert panel.isHidden()


def test_cancel_button_stops_the_job(qtbot) -> None:
    panel = WorkerPanel()
    qtbot.addWidget(panel)
    worker = Worker(busy_job, 100_000, title="Long job")
    panel.attach(worker)
    finished: list[str] = []
    worker.succeeded.connect(lambda r: finished.append("ok"))
    worker.start()
    qtbot.waitSignal(worker.progress, timeout=10_000).wait()
    t0 = time.perf_counter()
    with qtbot.waitSignal(worker.cancelled, timeout=10_000):
        panel.cancel_button.click()
    assert time.perf_counter() - t0 < 2.0
    worker.wait(5000)
    assert worker.was_cancelled and not finished
    qtbot.waitUntil(lambda: not panel.busy, timeout=5000)


def test_errors_are_readable_with_details(qtbot) -> None:
    def broken(progress=None, cancel=None):
        return {}["missing"]

    def bad_video(progress=None, cancel=None):
        raise MediaError("This video could not be opened.", detail="moov atom not found")

    w1 = Worker(broken, title="Making proposals")
    with qtbot.waitSignal(w1.failed, timeout=10_000) as f1:
        w1.start()
    w1.wait(5000)
    err = f1.args[0]
    assert "Making proposals stopped" in str(err) and "KeyError" in err.detail
    box = error_box(None, err)
    assert "Traceback" not in box.text() and "KeyError" in box.detailedText()

    w2 = Worker(bad_video, title="Extracting")
    with qtbot.waitSignal(w2.failed, timeout=10_000) as f2:
        w2.start()
    w2.wait(5000)
    box = error_box(None, f2.args[0])
    assert box.text() == "This video could not be opened."
    assert box.detailedText() == "moov atom not found"


def test_process_worker_result_cancel_and_error(qtbot) -> None:
    from mgstudio.app.concurrency.workers import ProcessWorker

    w = ProcessWorker(busy_job, 20, title="Counting elsewhere")
    with qtbot.waitSignal(w.succeeded, timeout=60_000) as res:
        w.start()
    w.wait(5000)
    assert res.args[0] == busy_job(20, progress=lambda *a: None)

    long = ProcessWorker(busy_job, 1_000_000, title="Long job")
    long.start()
    qtbot.waitSignal(long.progress, timeout=60_000).wait()
    with qtbot.waitSignal(long.cancelled, timeout=20_000):
        long.cancel()
    long.wait(5000)
    assert long.was_cancelled and long.result is None

    bad = ProcessWorker(open_missing_video, title="Extracting")
    with qtbot.waitSignal(bad.failed, timeout=60_000) as f:
        bad.start()
    bad.wait(5000)
    assert str(f.args[0]) == "This video could not be opened." and f.args[0].detail == "moov atom not found"


def open_missing_video(progress=None, cancel=None):
    raise MediaError("This video could not be opened.", detail="moov atom not found")



def _own_niceness(progress=None, cancel=None) -> int:
    import os

    return os.nice(0)


def test_worker_processes_give_the_cpu_to_the_window(qtbot) -> None:
    """A worker's child process runs at a lower priority than the window (never the reverse)."""
    import os

    from mgstudio.core.jobs import BACKGROUND_NICE

    if not hasattr(os, "nice"):
        pytest.skip("process priorities (nice) are a POSIX feature")
    from mgstudio.app.concurrency.workers import ProcessWorker

    worker = ProcessWorker(_own_niceness, title="Checking")
    with qtbot.waitSignal(worker.succeeded, timeout=60_000) as res:
        worker.start()
    worker.wait(5000)
    assert res.args[0] == min(19, os.nice(0) + BACKGROUND_NICE)


def test_a_worker_nobody_holds_any_more_finishes_safely(qtbot) -> None:
    """Dropping every reference to a running worker must not destroy its thread (Qt would abort
    the program): it keeps itself alive until its thread has ended."""
    import gc

    ended = []
    worker = Worker(busy_job, 300, title="Counting")
    worker.done.connect(lambda: ended.append(True))
    worker.start()
    del worker
    gc.collect()
    qtbot.waitUntil(lambda: bool(ended), timeout=60_000)
    qtbot.waitUntil(lambda: not Worker._running, timeout=10_000)
    gc.collect()
