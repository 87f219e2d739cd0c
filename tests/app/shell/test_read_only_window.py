"""The window with a project that must not change (an archive, a shared drive): File ▸ Open
read-only…, or a folder that cannot be written, shows "read-only" in the title and status bar;
edit keys and the recordings list's edits say so in one sentence; nothing is written. And in a
writable project, removing a recording from the list is taken back by Edit ▸ Undo (Ctrl+Z)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from mgstudio.core.project import Project

from tests.app.shell.test_main_window import demo_source, env, new_window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gl


def test_open_read_only_marks_the_window_and_refuses_edits(qtbot, env) -> None:  # noqa: F811
    _tmp, project = env
    db = project / "project.sqlite"
    before = db.stat().st_mtime_ns, db.stat().st_size
    w = new_window(qtbot)
    assert w.open_project(project, read_only=True)
    assert "(read-only)" in w.windowTitle() and w.read_only_label.isVisible()
    assert "read-only" in w.status_label.text()
    seg = w.project.segments(w.state.item_id)[0]
    w.state.set_selection([seg.id])
    w.review.actions["delete"].trigger()  # the Delete key
    assert w.status_label.text() == "This project is open read-only."
    w.state.set_selection([w.project.segments(w.state.item_id, statuses=["proposed"])[0].id])
    w.review.actions["accept"].trigger()  # A on a proposal still to review
    assert w.status_label.text() == "This project is open read-only."
    w.browser.remove_action.trigger()  # the list's Remove recording…
    assert w.status_label.text() == "This project is open read-only."
    assert w.project.segment(seg.id) == seg and len(w.browser.row_texts()) == 1
    w.close_project()
    assert not w.read_only_label.isVisible() and "(read-only)" not in w.windowTitle()
    assert (db.stat().st_mtime_ns, db.stat().st_size) == before


def test_a_folder_that_cannot_be_written_opens_read_only(qtbot, env, monkeypatch) -> None:  # noqa: F811
    _tmp, project = env
    # What a read-only folder answers (root ignores chmod; tests/cli/test_cli_items.py checks real permissions).
    monkeypatch.setattr(Project, "can_write", classmethod(lambda cls, path: False))
    w = new_window(qtbot)
    assert w.open_project(project)
    assert w.project.read_only and w.read_only_label.isVisible()
    assert "cannot be written" in w.status_label.text()


def test_removing_a_recording_is_undone_by_ctrl_z(qtbot, env) -> None:  # noqa: F811
    _tmp, project = env
    w = new_window(qtbot)
    assert w.open_project(project)
    item = w.state.item
    n = w.project.count_segments(item.id)
    assert w.browser.remove_item(confirm=lambda *_: True)
    assert w.browser.row_texts() == [] and w.state.item is None
    assert "Ctrl+Z brings it back" in w.status_label.text()
    w.review.actions["undo"].trigger()  # Edit ▸ Undo, Ctrl+Z
    assert [r[0] for r in w.browser.row_texts()] == [item.name]
    assert w.project.count_segments(item.id) == n
    assert w.status_label.text().startswith("Undone: Remove recording")
