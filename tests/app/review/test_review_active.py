"""U follows the active-learning order (worked out in a worker process), falling back to the least
confident proposal until it is ready; the worker shows in the status bar's registry and is cancelled
on close."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mgstudio.app.concurrency.workers import worker_registry
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.recognition.active import review_order
from tests.app.review.test_review import FPS, key, review_window

N = 1200  # frames of the moving recording


@pytest.fixture
def env(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    base = rng.uniform(-0.3, 0.3, (1, CANONICAL.num_joints, 3))
    t = np.arange(N)[:, None, None] / FPS
    w = (base + 0.05 * np.sin(2 * np.pi * 0.7 * t) * rng.uniform(0, 1, (1, CANONICAL.num_joints, 3))).astype(np.float32)
    yield review_window(qtbot, tmp_path, w, (1366, 768))
    worker_registry().cancel_all(wait_ms=20000)


def press_u(qtbot, win):
    key(qtbot, win, Qt.Key.Key_U)


def test_u_goes_to_the_proposal_the_active_order_names(qtbot, env):
    pr, item, props, state, ctl, win = env
    said: list[str] = []
    ctl.message.connect(said.append)

    # before the order is ready: one sentence saying so, and the least confident proposal
    press_u(qtbot, win)
    assert state.selection == [props[3].id]  # confidence 0.15
    assert "still being worked out" in said[-1] and said[-1].count(". ") == 0
    worker = ctl.active_order.worker
    assert worker is not None and worker in worker_registry().running()  # the status bar lists it
    assert worker.title == "Ordering the proposals for U"

    qtbot.waitUntil(lambda: ctl.active_order.is_ready(item.id), timeout=120000)
    expected = [s.id for s, _ in review_order(pr, item.id)]
    assert expected[0] != props[3].id  # the active order is not the least-confident one here
    press_u(qtbot, win)
    assert state.selection == [expected[0]]
    assert "Most informative" in said[-1]

    # a review makes the order stale: U follows the old order for what is left, then a fresh one arrives
    qtbot.keyClick(QApplication.focusWidget() or win, Qt.Key.Key_R)
    assert pr.segment(expected[0]).status == Status.REJECTED
    press_u(qtbot, win)
    assert state.selection == [expected[1]]
    qtbot.waitUntil(lambda: ctl.active_order.is_ready(item.id) and ctl.active_order.computed >= 2, timeout=120000)
    fresh = [s.id for s, _ in review_order(pr, item.id)]
    press_u(qtbot, win)
    assert state.selection == [fresh[0]] and expected[0] not in fresh


def test_closing_cancels_the_ordering_and_new_proposals_wait_for_a_fresh_order(qtbot, env):
    pr, item, props, state, ctl, win = env
    press_u(qtbot, win)
    worker = ctl.active_order.worker
    assert worker is not None and worker.isRunning()
    left = worker_registry().cancel_all(wait_ms=60000)  # what closing the window does
    assert worker not in left and not worker.isRunning() and worker.was_cancelled
    assert not ctl.active_order.is_ready(item.id)

    press_u(qtbot, win)  # asks again
    qtbot.waitUntil(lambda: ctl.active_order.is_ready(item.id), timeout=120000)
    # a new proposal the order has not seen: U falls back until the fresh order comes
    new = pr.add_segments([Segment(item.id, pr.proposals_tier.id, 1100, 1150, pr.taxonomy.names[0],
                                   source=Source.MODEL, status=Status.PROPOSED, confidence=0.05)], "proposals")[0]
    state.notify_segments_changed()
    said: list[str] = []
    ctl.message.connect(said.append)
    press_u(qtbot, win)
    assert state.selection == [new.id] and "still being worked out" in said[-1]
