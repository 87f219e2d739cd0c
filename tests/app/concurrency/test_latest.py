"""Newest request wins (``mgstudio.app.concurrency.latest``): real threads, no widgets."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("PySide6")
import shiboken6  # noqa: E402

from mgstudio.app.concurrency.latest import Latest  # noqa: E402


def _gated(gate: threading.Event, value: str, ran: list[str] | None = None) -> str:
    if ran is not None:
        ran.append(value)
    assert gate.wait(10), "the test never released the job"
    return value


def test_a_late_older_result_is_never_delivered(qtbot) -> None:
    got, stale = [], []
    latest = Latest(got.append, on_stale=stale.append)
    slow, fast = threading.Event(), threading.Event()
    latest.submit(_gated, slow, "first")
    latest.submit(_gated, fast, "second")
    fast.set()
    qtbot.waitUntil(lambda: got == ["second"], timeout=5000)
    slow.set()  # the first request's answer comes back after the newer one
    qtbot.waitUntil(lambda: stale == ["first"], timeout=5000)
    time.sleep(0.05)
    qtbot.wait(20)
    assert got == ["second"]


def test_invalidate_makes_the_result_on_its_way_stale(qtbot) -> None:
    got, stale = [], []
    latest = Latest(got.append, on_stale=stale.append)
    gate = threading.Event()
    latest.submit(_gated, gate, "opened")
    latest.invalidate()  # e.g. the user closed the recording while its video opened
    gate.set()
    qtbot.waitUntil(lambda: stale == ["opened"], timeout=5000)
    assert got == []
    latest.submit(str.upper, "again")
    qtbot.waitUntil(lambda: got == ["AGAIN"], timeout=5000)


def test_one_thread_runs_only_the_newest_waiting_request(qtbot) -> None:
    got, ran = [], []
    latest = Latest(got.append, one_thread=True)
    gate = threading.Event()
    latest.submit(_gated, gate, "a", ran)
    qtbot.waitUntil(lambda: ran == ["a"], timeout=5000)
    first_thread = latest.thread
    latest.submit(_gated, gate, "b", ran)  # overtaken while it waits: never read
    latest.submit(_gated, gate, "c", ran)
    assert latest.thread is first_thread  # still one thread
    gate.set()
    qtbot.waitUntil(lambda: got == ["c"], timeout=5000)
    first_thread.join(5)
    assert ran == ["a", "c"] and not first_thread.is_alive()
    latest.submit(str.upper, "d")  # the thread ended: a new one starts
    qtbot.waitUntil(lambda: got == ["c", "D"], timeout=5000)


def test_a_result_for_a_deleted_owner_goes_to_on_stale_in_its_thread(qtbot) -> None:
    got, stale = [], []
    latest = Latest(got.append, on_stale=lambda r: stale.append((r, threading.current_thread().name)),
                    name="mg-test-open")
    gate = threading.Event()
    latest.submit(_gated, gate, "reader")
    worker = latest.thread
    shiboken6.delete(latest)  # the window closed while the job worked
    gate.set()
    worker.join(5)
    assert stale == [("reader", "mg-test-open")] and got == []
