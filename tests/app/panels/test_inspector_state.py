"""The segment inspector reads the project from the AppState (nothing pushes it in)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from mgstudio.app.review.inspector import SegmentInspectorDock  # noqa: E402
from mgstudio.app.session.state import AppState  # noqa: E402
from mgstudio.core.project import Project  # noqa: E402
from mgstudio.core.segments import Segment  # noqa: E402


def _project(folder, note: str) -> tuple[Project, int]:
    p = Project.create(folder, annotator="alice")
    video = folder.parent / f"{folder.stem}.mp4"
    video.write_bytes(folder.stem.encode() * 64)  # only fingerprinted
    item = p.add_video(video, info={"fps": 25, "frame_count": 500, "width": 64, "height": 48})
    seg = p.create_segment(Segment(item.id, p.tier("alice").id, 50, 75, "nod", note=note))
    return p, seg.id


def test_the_inspector_follows_the_state_project_and_saves_notes_into_it(qtbot, tmp_path) -> None:
    first, seg_id = _project(tmp_path / "first.mgproj", "first note")
    second, other_id = _project(tmp_path / "second.mgproj", "second note")
    state = AppState()
    dock = SegmentInspectorDock(state)
    qtbot.addWidget(dock)
    dock.show_segment(seg_id)
    assert dock.segment is None and not dock.note.isEnabled()  # no project open yet
    state.set_project(first)
    dock.show_segment(seg_id)
    assert "frame 50" in dock.fields["start"].text() and dock.note.toPlainText() == "first note"
    state.set_project(second)  # another project: nothing of the first one stays on show
    assert dock.segment is None and dock.empty.isVisibleTo(dock) and dock.note.toPlainText() == ""
    dock.show_segment(other_id)
    dock.note.setPlainText("changed in the second project")
    dock.show_segment(None)  # leaving the segment saves its note, into the state's project
    assert second.segment(other_id).note == "changed in the second project"
    assert first.segment(seg_id).note == "first note"
    first.close()
    second.close()
