"""Tools ▸ "Adapt to this study…": the dialog runs the real adaptation in a child process (a few steps
of 8 real UTKinect windows), shows progress and the time left, says what changed, continues from the
saved steps on the next run, and Cancel keeps a usable checkpoint."""

from __future__ import annotations

import os
import re

import pytest
from PySide6.QtCore import Qt

from mgstudio.app.concurrency.workers import worker_registry
from mgstudio.app.shell.adapt_dialog import AdaptDialog
from mgstudio.core.project import Project
from mgstudio.formats.kinect import load_utkinect
from mgstudio.recognition.checkpoint import load_checkpoint
from mgstudio.recognition.encoder import encoder_hash, resolve_encoder
from mgstudio.recognition.versions import adapted_path, project_encoder
from mgstudio.workflows.adapt import STATE_KEY
from tests.conftest import require_shared

SHOTS = os.environ.get("MGSTUDIO_SCREENSHOTS")  # a folder: save the dialog's screenshots there


@pytest.fixture
def project(tmp_path):
    data = load_utkinect(require_shared("skeletons", "utkinect", "joints"))[:2]
    proj = Project.create(tmp_path / "study.mgproj", annotator="coder", taxonomy="utkinect")
    for name, seq, _ in data:
        proj.add_skeleton_item(name, seq)
    yield proj
    worker_registry().cancel_all(wait_ms=30000)
    proj.close()


def _dialog(qtbot, project, steps):
    dlg = AdaptDialog(project)
    qtbot.addWidget(dlg)
    dlg.step_budget, dlg.batch_size, dlg.checkpoint_every = steps, 8, 2
    dlg.resize(1366 // 2, 300)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _shot(dlg, name):
    if SHOTS:
        dlg.grab().save(os.path.join(SHOTS, name))


def test_the_dialog_adapts_says_what_changed_and_continues_next_time(qtbot, project):
    dlg = _dialog(qtbot, project, steps=4)
    assert "not been adapted yet" in dlg.before.text()
    seen = []
    qtbot.mouseClick(dlg.start_button, Qt.MouseButton.LeftButton)
    w = dlg.worker
    assert w in worker_registry().running()  # the status bar lists it, closing the window cancels it
    w.progress.connect(lambda d, t: seen.append((d, t, dlg.status.text())))
    with qtbot.waitSignal(w.done, timeout=180000):
        pass
    assert dlg.result is not None and dlg.result["steps"] == 4
    assert any(d == t == 4 for d, t, _ in seen)
    assert any(re.search(r"Step \d+ of 4, about \d+ (s|min|h) left", s) for _, _, s in seen), seen
    text = dlg.status.text()
    assert "trained 4 more steps" in text and "Find gestures again" in text and "unchanged" in text
    assert project.get_state(STATE_KEY)["steps"] == 4
    assert encoder_hash(project_encoder(project)) != encoder_hash(resolve_encoder(None))
    assert "4 steps are saved" in dlg.before.text()
    _shot(dlg, "adapt_done.png")

    dlg.step_budget = 6  # the next run continues from the 4 saved steps
    qtbot.mouseClick(dlg.start_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dlg.worker.done, timeout=180000):
        pass
    assert dlg.result["started_at"] == 4 and dlg.result["steps"] == 6
    assert "continued from the 4 steps" in dlg.status.text() and "trained 2 more steps" in dlg.status.text()


def test_cancel_keeps_a_usable_checkpoint(qtbot, project):
    dlg = _dialog(qtbot, project, steps=100000)
    qtbot.mouseClick(dlg.start_button, Qt.MouseButton.LeftButton)
    w = dlg.worker
    qtbot.waitUntil(lambda: bool(re.search(r"Step \d+ of 100000, about \d+ (s|min|h) left", dlg.status.text())),
                    timeout=180000)
    assert dlg.bar.isVisible() and dlg.bar.maximum() == 100000, (dlg.bar.minimum(), dlg.bar.maximum(), dlg.bar.value(), dlg.status.text())
    _shot(dlg, "adapt_running.png")
    qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    assert "Stopping" in dlg.status.text()
    with qtbot.waitSignal(w.done, timeout=180000):
        pass
    assert w.was_cancelled and dlg.result is None
    steps = project.get_state(STATE_KEY)["steps"]
    assert steps >= 1 and f"Cancelled: {steps} steps are saved" in dlg.status.text()
    ck = load_checkpoint(adapted_path(project))
    assert ck["train_state"]["step"] == steps
    assert project_encoder(project).embed is not None  # loads: usable at once
    assert dlg.start_button.isEnabled() and "continues from there" in dlg.before.text()


def test_the_tools_menu_opens_it_next_to_learn(qtbot, project, tmp_path):
    from mgstudio.app.shell.main_window import MainWindow

    path = project.path
    project.close()
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    assert w.open_project(path)
    tools = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Tools")
    texts = [a.text() for a in tools.actions()]
    assert texts.index("&Adapt to this study…") == texts.index("&Learn from my labels") + 1
    w.adapt_action.trigger()
    dlg = w._adapt_dialog
    assert dlg.isVisible() and dlg.project is w.project and "not been adapted yet" in dlg.before.text()
    w.close_project()
