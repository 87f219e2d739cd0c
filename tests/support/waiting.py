"""Waiting for a worker the test did not start itself."""

from __future__ import annotations

from mgstudio.app.concurrency.workers import Worker


def wait_worker(qtbot, worker: Worker, timeout_ms: int) -> None:
    """Wait until ``worker`` has ended and the GUI thread has handled all it reported.

    ``qtbot.waitSignal(worker.done)`` entered after the panel started the worker misses a job that
    ends first (the signal is not replayed). A worker stops being ``in_flight`` in a slot queued
    after its last signal, so once it is not, every slot those signals queued has run.
    """
    qtbot.waitUntil(lambda: not worker.in_flight, timeout=timeout_ms)
