"""File ▸ Import coding with a label file that names recordings the project lacks: the window asks,
and Yes adds them as label-only recordings that the project browser lists as such."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mgstudio.workflows.demo import build_demo_project
from tests.support.waiting import wait_worker
from tests.workflows.test_coding import STUDY, write_imigue

pytestmark = pytest.mark.gl

if not os.environ.get("DISPLAY") and not os.environ.get("CI"):
    pytest.skip("the main window's 3D view needs a display: run under xvfb-run", allow_module_level=True)


def _answer(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Press ``button`` on the question box once it is open (it runs its own event loop)."""
    def press() -> None:
        box = next((b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox) and b.isVisible()), None)
        if box is None:
            QTimer.singleShot(50, press)
            return
        seen.append(box.text())
        box.grab().save(str(Path(os.environ["MGSTUDIO_SETTINGS"]).with_name("question.png")))
        box.button(button).click()
    QTimer.singleShot(50, press)


def _demo_window(qtbot, tmp_path, monkeypatch):
    """The main window at 1366x768 on a copy of the demo project, with its own settings and cache."""
    from mgstudio.app.shell.main_window import MainWindow

    monkeypatch.setenv("MGSTUDIO_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("MGSTUDIO_DATA_DIR", str(tmp_path / "data"))
    project = tmp_path / "demo.mgproj"
    shutil.copytree(build_demo_project(tmp_path / "src"), project)
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.open_project(project)
    return w


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_the_window_asks_and_adds_label_only_recordings(qtbot, tmp_path, monkeypatch, answer) -> None:
    from mgstudio.app.shell.project_browser import SKELETON_COL

    labels = write_imigue(tmp_path / "labels.csv", STUDY)
    w = _demo_window(qtbot, tmp_path, monkeypatch)
    before = len(w.project.items())
    seen: list[str] = []
    _answer(QMessageBox.StandardButton.Yes if answer == "yes" else QMessageBox.StandardButton.No, seen)
    worker = w.import_coding(labels)
    wait_worker(qtbot, worker, 30_000)
    assert worker.error is None, worker.error and worker.error.detail
    assert seen and "codes 3 recording(s) that are not in this project (0001, 0002, 0003)" in seen[0]
    box = w.import_box
    if answer == "no":
        assert len(w.project.items()) == before and "were skipped" in box.text()
        box.close()
        w.close()
        return
    assert len(w.project.items()) == before + 3
    assert "Created 3 label-only recording(s)" in box.text() and "Imported 8 segment(s)" in box.text()
    box.close()
    rows = {w.browser.tree.topLevelItem(i).text(0): w.browser.tree.topLevelItem(i)
            for i in range(w.browser.tree.topLevelItemCount())}
    assert {"0001", "0002", "0003"} <= set(rows)
    assert "label-only" in rows["0002"].toolTip(0)
    assert "no video to extract a skeleton from" in rows["0002"].toolTip(SKELETON_COL)
    w.grab().save(str(tmp_path / "browser.png"))
    shutil.copy(tmp_path / "browser.png", Path(os.environ.get("MGSTUDIO_SHOT_DIR", tmp_path)) / "label_only_browser.png")
    shutil.copy(tmp_path / "question.png", Path(os.environ.get("MGSTUDIO_SHOT_DIR", tmp_path)) / "label_only_question.png")
    w.close()


def test_a_boris_study_in_the_window_and_ctrl_z_takes_its_recordings_back(qtbot, tmp_path, monkeypatch) -> None:
    from tests.workflows.test_coding_boris_json import _boris_study

    study = _boris_study(tmp_path)
    w = _demo_window(qtbot, tmp_path, monkeypatch)
    p = w.project

    def listed() -> set[str]:
        return {w.browser.tree.topLevelItem(i).text(0) for i in range(w.browser.tree.topLevelItemCount())}

    before, names_before = len(p.items()), listed()
    seen: list[str] = []
    _answer(QMessageBox.StandardButton.Yes, seen)
    worker = w.import_coding(study)
    wait_worker(qtbot, worker, 30_000)
    assert worker.error is None, worker.error and worker.error.detail
    question = seen[0]
    assert "study.boris holds 3 observation(s) that are not in this project" in question
    assert "frame rate BORIS noted for its video (25–29.97 fps)" in question
    assert "1 live observation(s) have no frame rate (live session): they are added at 25 fps" in question
    assert "Undo (Ctrl+Z) takes the new recordings back" in question
    text = w.import_box.text()
    assert "Created 3 label-only recording(s)" in text and "the new recordings with it" in text
    w.import_box.close()
    assert listed() == names_before | {"interview", "press 2", "live session"}
    coded = sorted((p.item(s.item_id).name, s.start, s.end, s.label) for s in p.segments()
                   if p.item(s.item_id).name in ("interview", "press 2", "live session"))
    assert len(coded) == 4
    w.grab().save(str(tmp_path / "boris_browser.png"))

    # Ctrl+Z (the Edit menu's Undo, whose shortcut it is): the three recordings leave the list, with their coding
    undo, redo = w.review.actions["undo"], w.review.actions["redo"]
    assert undo.shortcut().toString() == "Ctrl+Z"
    undo.trigger()
    qtbot.waitUntil(lambda: listed() == names_before, timeout=5000)
    assert len(p.items()) == before and "Undone: Import study.boris (3 new label-only recordings)" in \
        w.statusBar().currentMessage()
    # Ctrl+Shift+Z: back, with the same segments
    redo.trigger()
    qtbot.waitUntil(lambda: "press 2" in listed(), timeout=5000)
    assert sorted((p.item(s.item_id).name, s.start, s.end, s.label) for s in p.segments()
                  if p.item(s.item_id).name in ("interview", "press 2", "live session")) == coded
    shots = Path(os.environ.get("MGSTUDIO_SHOT_DIR", tmp_path))
    shutil.copy(tmp_path / "question.png", shots / "boris_question.png")
    if shots != tmp_path:
        shutil.copy(tmp_path / "boris_browser.png", shots / "boris_browser.png")
    w.close()


def test_the_question_for_a_json_export_names_its_recordings_and_rates(qtbot, tmp_path, monkeypatch) -> None:
    from mgstudio.app.shell import coding_dialogs as aio
    from mgstudio.core.project import Project
    from tests.workflows.test_coding_boris_json import _json_export

    monkeypatch.setenv("MGSTUDIO_SETTINGS", str(tmp_path / "settings.ini"))
    path, _, _ = _json_export(tmp_path)
    with Project.create(tmp_path / "empty.mgproj", annotator="ana") as p:
        names = aio.missing_recordings(p, path)
        assert names == ["S01 interview", "S02 interview"]
        seen: list[str] = []
        _answer(QMessageBox.StandardButton.Yes, seen)
        assert aio.ask_create_missing(None, path, names) is True
    assert "study.json holds 2 recording(s) that are not in this project (S01 interview, S02 interview)" in seen[0]
    assert "Each keeps the frame rate (25–29.97 fps), length and attributes the file gives it." in seen[0]
    shutil.copy(tmp_path / "question.png", Path(os.environ.get("MGSTUDIO_SHOT_DIR", tmp_path)) / "json_question.png")
