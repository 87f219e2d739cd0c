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


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_the_window_asks_and_adds_label_only_recordings(qtbot, tmp_path, monkeypatch, answer) -> None:
    from mgstudio.app.shell.main_window import MainWindow
    from mgstudio.app.shell.project_browser import SKELETON_COL

    monkeypatch.setenv("MGSTUDIO_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("MGSTUDIO_DATA_DIR", str(tmp_path / "data"))
    project = tmp_path / "demo.mgproj"
    shutil.copytree(build_demo_project(tmp_path / "src"), project)
    labels = write_imigue(tmp_path / "labels.csv", STUDY)

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.open_project(project)
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
