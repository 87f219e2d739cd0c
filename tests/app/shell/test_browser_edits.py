"""The recordings list as a user fixes mistakes in it: each recording's frame rate and length are
shown; right-click ▸ Edit attributes… corrects a rate taken wrongly (the length follows), Remove
recording… says what goes and asks; undo (what Ctrl+Z runs) brings everything back; a read-only
project refuses both with one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from mgstudio.app.shell.item_dialog import ItemDialog
from mgstudio.app.shell.project_browser import COLUMNS, ProjectBrowser
from mgstudio.app.session.state import AppState
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence

FPS, LENGTH = COLUMNS.index("fps"), COLUMNS.index("Length")


@pytest.fixture
def study(tmp_path) -> Path:
    with Project.create(tmp_path / "study", annotator="alice") as p:
        # 14:02 at 25 fps, taken as 30 fps when added (OpenPose JSON records no rate): shows 11:42
        a = p.add_skeleton_item("0042_openpose", SkeletonSequence.empty(CANONICAL, 21050, 30.0))
        p.add_skeleton_item("0043", SkeletonSequence.empty(CANONICAL, 750, 25.0))
        p.add_segments([Segment(a.id, p.tier("alice").id, 100, 200, "touching jaw")])
        return p.path


def _browser(qtbot, path: Path, read_only: bool = False) -> tuple[ProjectBrowser, AppState, list[str]]:
    state = AppState()
    browser = ProjectBrowser(state)
    qtbot.addWidget(browser)
    said: list[str] = []
    browser.message.connect(said.append)
    project = Project.open(path, read_only=read_only)
    state.set_project(project)
    return browser, state, said


def _undo(state: AppState) -> str:
    """What Edit ▸ Undo (Ctrl+Z) runs: the project's undo, then every view catches up."""
    what = state.project.undo()
    state.notify_segments_changed()
    return what


def test_rate_and_length_are_shown_and_a_corrected_rate_moves_the_length(qtbot, study) -> None:
    browser, state, said = _browser(qtbot, study)
    rows = {r[0]: r for r in browser.row_texts()}
    assert rows["0042_openpose"][FPS] == "30" and rows["0042_openpose"][LENGTH] == "11:42"
    assert rows["0043"][FPS] == "25" and rows["0043"][LENGTH] == "0:30"
    item = state.project.item_by_name("0042_openpose")
    state.set_item(item.id)

    reloads: list[int] = []
    state.skeletonChanged.connect(reloads.append)
    assert browser.edit_item(ask=lambda it: {"fps": "25", "name": "0042", "subject": "P42", "split": "test"})
    assert reloads == [item.id]  # the views read its skeleton again, at 25 fps
    rows = {r[0]: r for r in browser.row_texts()}
    assert rows["0042"][FPS] == "25" and rows["0042"][LENGTH] == "14:02"
    assert state.item.fps == 25.0 and state.item.name == "0042"  # the player's times follow
    assert "Ctrl+Z" in said[-1] and "25 fps" in said[-1]

    _undo(state)
    rows = {r[0]: r for r in browser.row_texts()}
    assert rows["0042_openpose"][LENGTH] == "11:42" and state.item.fps == 30.0
    assert reloads == [item.id, item.id]


def test_a_refused_edit_is_one_sentence_and_changes_nothing(qtbot, study) -> None:
    browser, state, said = _browser(qtbot, study)
    item = state.project.item_by_name("0043")
    last = state.project.undo_text()
    assert not browser.edit_item(item.id, ask=lambda it: {"name": "0042_openpose"})
    assert said[-1] == "Another recording is already called '0042_openpose'."
    assert not browser.edit_item(item.id, ask=lambda it: {"fps": "fast"})
    assert "not a frame rate" in said[-1]
    assert not browser.edit_item(item.id, ask=lambda it: None)  # Cancel
    assert state.project.item(item.id).name == "0043" and state.project.undo_text() == last


def test_remove_names_what_goes_asks_and_undo_brings_it_back(qtbot, study) -> None:
    browser, state, said = _browser(qtbot, study)
    item = state.project.item_by_name("0042_openpose")
    state.set_item(item.id)
    asked: list[tuple[str, str]] = []
    assert not browser.remove_item(confirm=lambda title, text: asked.append((title, text)) or False)
    assert len(browser.row_texts()) == 2  # "Cancel": nothing removed
    title, text = asked[0]
    assert title == "Remove “0042_openpose”?" and "1 segment (1 on alice)" in text and "Undo" in text

    assert browser.remove_item(confirm=lambda *_: True)
    assert [r[0] for r in browser.row_texts()] == ["0043"]
    assert state.item.name == "0043"  # the neighbour is shown, not a recording that is gone
    assert "Ctrl+Z brings it back" in said[-1]

    assert _undo(state) == "Remove recording '0042_openpose' (1 segment)"
    assert [r[0] for r in browser.row_texts()] == ["0042_openpose", "0043"]
    assert state.project.count_segments(item.id) == 1
    state.project.redo()  # and redo removes it again
    state.notify_segments_changed()
    assert [r[0] for r in browser.row_texts()] == ["0043"]


def test_redo_of_removing_the_shown_recording_shows_another(qtbot, study) -> None:
    browser, state, _ = _browser(qtbot, study)
    item = state.project.item_by_name("0042_openpose")
    browser.remove_item(item.id, confirm=lambda *_: True)
    _undo(state)
    state.set_item(item.id)
    state.project.redo()
    state.notify_segments_changed()
    assert state.item is not None and state.item.name == "0043"


def test_read_only_project_refuses_with_one_sentence(qtbot, study) -> None:
    browser, state, said = _browser(qtbot, study, read_only=True)
    state.set_item(state.project.item_by_name("0043").id)
    assert not browser.remove_item(confirm=lambda *_: True)
    assert not browser.edit_item(ask=lambda it: {"subject": "P1"})
    assert said == ["This project is open read-only.", "This project is open read-only."]
    assert len(browser.row_texts()) == 2


def test_context_menu_offers_both_actions(qtbot, study) -> None:
    browser, state, _ = _browser(qtbot, study)
    browser.resize(420, 300)
    browser.show()
    qtbot.waitExposed(browser)
    row = browser.tree.topLevelItem(0)
    menu = browser._context_menu(browser.tree.visualItemRect(row).center())
    assert [a.text() for a in menu.actions()] == ["Edit attributes…", "Remove recording…"]
    menu.close()


def test_edit_dialog_fields(qtbot, study) -> None:
    with Project.open(study, read_only=True) as p:
        skel = p.item_by_name("0042_openpose")
    dlg = ItemDialog(skel)
    qtbot.addWidget(dlg)
    dlg.fps_edit.setText("25")
    dlg.subject_edit.setText("P42")
    dlg.split_box.setCurrentIndex(3)
    assert dlg.changes() == {"name": "0042_openpose", "subject": "P42", "split": "test", "outcome": "",
                             "fps": "25"}
