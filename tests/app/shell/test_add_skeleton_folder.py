"""Adding an OpenPose folder in the window asks its frame rate and name (as ``mgstudio add --fps
--name``) instead of refusing it or guessing 30 fps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from mgstudio.app.shell.skeleton_rate import SkeletonRateDialog, parse_rate


def openpose_folder(folder: Path, frames: int) -> Path:
    """A folder of OpenPose BODY_25 JSON files, one per frame, one person moving a little."""
    folder.mkdir(parents=True)
    for t in range(frames):
        pose = []
        for j in range(25):
            pose += [300.0 + 3 * j + t % 7, 100.0 + 12 * j, 0.9]
        doc = {"version": 1.3, "people": [{"person_id": [-1], "pose_keypoints_2d": pose}]}
        (folder / f"clip_{t:012d}_keypoints.json").write_text(json.dumps(doc))
    return folder


def test_the_dialog_wants_a_usable_rate_and_a_name(qtbot, tmp_path) -> None:
    dlg = SkeletonRateDialog(tmp_path / "0042_openpose")
    qtbot.addWidget(dlg)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dlg.name_edit.text() == "0042_openpose" and not ok.isEnabled()  # no rate is guessed
    assert "do not record how many frames per second" in dlg.intro.text()
    dlg.rate_box.setEditText("about 25")
    assert not ok.isEnabled() and "is not a frame rate" in dlg.problem.text()
    dlg.rate_box.setEditText("29,97")
    assert ok.isEnabled() and dlg.values() == (29.97, "0042_openpose")
    dlg.name_edit.setText("  ")
    assert not ok.isEnabled() and dlg.problem.text() == "The recording needs a name."
    dlg.name_edit.setText("0042")
    dlg.rate_box.setCurrentText("25")
    assert dlg.values() == (25.0, "0042")
    assert parse_rate("30000/1001") == pytest.approx(29.97, abs=1e-3) and parse_rate("0") is None


needs_display = pytest.mark.skipif(not os.environ.get("DISPLAY") and not os.environ.get("CI"),
                                   reason="the main window's 3D view needs a display: run under xvfb-run")


@pytest.mark.gl
@needs_display
def test_adding_an_openpose_folder_asks_its_frame_rate_and_name(qtbot, tmp_path, monkeypatch) -> None:
    from mgstudio.app.shell.main_window import MainWindow
    from mgstudio.core.project import Project

    monkeypatch.setenv("MGSTUDIO_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    Project.create(tmp_path / "study.mgproj", annotator="alice").close()
    folder = openpose_folder(tmp_path / "0042_openpose", frames=50)
    other = openpose_folder(tmp_path / "0043_openpose", frames=10)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.open_project(tmp_path / "study.mgproj", restore=False)
    asked: list[str] = []

    def answer(_parent, path: Path):
        asked.append(path.name)
        return (25.0, "0042") if path.name == "0042_openpose" else None  # the second one: Cancel

    w.ask_rate = answer
    said: list[str] = []
    show = w.show_message
    monkeypatch.setattr(w, "show_message", lambda text: (said.append(text), show(text)))
    w.add_files([folder, other])
    qtbot.waitUntil(lambda: len(w.browser.row_texts()) == 1 and not w.worker_panel.busy, timeout=30_000)
    assert asked == ["0042_openpose", "0043_openpose"]
    item = w.project.item_by_name("0042")
    assert item.fps == 25.0 and item.frame_count == 50 and item.duration == pytest.approx(2.0)
    assert w.browser.row_texts()[0][0] == "0042" and w.browser.row_texts()[0][4] == "25"
    assert not any(b.isVisible() for b in w.findChildren(QMessageBox))  # asked, not an error
    assert "Not added (no frame rate given): 0043_openpose." in said and w.project.items() == [item]
    w.close()
