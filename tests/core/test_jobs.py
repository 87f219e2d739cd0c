"""The one job protocol: events and callables cancel the same way; cancelling raises the one class."""

from __future__ import annotations

import threading

import pytest

from mgstudio.core import jobs
from mgstudio.core.errors import CancelledError


def test_event_callable_and_none_are_all_cancels() -> None:
    ev = threading.Event()
    flag = {"stop": False}
    for cancel, set_it in ((ev, ev.set), (lambda: flag["stop"], lambda: flag.update(stop=True))):
        check = jobs.cancel_check(cancel)
        assert not jobs.is_cancelled(cancel) and not check()
        set_it()
        assert jobs.is_cancelled(cancel) and check()
    assert not jobs.is_cancelled(None) and not jobs.cancel_check(None)()
    assert isinstance(ev, jobs.CancelEvent)


def test_raise_if_cancelled_uses_the_one_cancelled_error() -> None:
    ev = threading.Event()
    jobs.raise_if_cancelled(ev, "Export cancelled.")  # not set: nothing happens
    ev.set()
    with pytest.raises(CancelledError, match="Export cancelled."):
        jobs.raise_if_cancelled(ev, "Export cancelled.")
    assert jobs.JobCancelled is CancelledError


def test_old_helpers_are_the_one_protocol() -> None:
    from mgstudio.media import pose
    from mgstudio.recognition import encoder, proposals, train

    assert proposals._cancelled is jobs.is_cancelled and encoder._cancelled is jobs.is_cancelled
    assert train._is_cancelled is jobs.is_cancelled and pose._is_cancelled is jobs.cancel_check
