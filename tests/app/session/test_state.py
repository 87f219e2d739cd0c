"""AppState: setters emit once per real change, frames are clamped to the item."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from mgstudio.app.session.state import AppState
from mgstudio.core.layouts import get_layout
from mgstudio.core.project import Project
from mgstudio.core.skeleton import SkeletonSequence


@pytest.fixture
def project(tmp_path: Path):
    p = Project.create(tmp_path / "s.mgproj", annotator="ana")
    seq = SkeletonSequence.empty(get_layout("mediapipe_holistic"), 50, 25.0)
    p.add_skeleton_item("walk", seq)
    yield p
    p.close()


def test_state_signals(qtbot, project) -> None:
    state = AppState()
    frames: list[int] = []
    items: list[object] = []
    state.frameChanged.connect(frames.append)
    state.itemChanged.connect(items.append)
    state.set_project(project)
    item = project.items()[0]
    state.set_item(item.id)
    assert state.item.name == "walk" and state.frame_count == 50 and state.fps == 25.0
    state.set_frame(10)
    state.set_frame(10)  # no change, no signal
    state.set_frame(999)  # clamped to the last frame
    state.step(-5)
    assert frames == [0, 10, 49, 44]
    assert items[-1] == item.id
    with qtbot.waitSignal(state.selectionChanged) as sel:
        state.set_selection([3, 4])
    assert sel.args == [[3, 4]]
    state.set_speed(10)
    assert state.speed == 4.0
    state.set_playing(True)
    assert state.playing
    state.set_item(None)
    assert not state.playing and state.item is None
