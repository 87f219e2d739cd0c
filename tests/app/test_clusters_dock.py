"""The "similar moments" dock on real UTKinect skeletons: find groups in a child process, open a
moment in the player, label a whole group at once and take it back with one undo."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from mgstudio.app.panels import ClustersDock
from mgstudio.app.state import AppState
from mgstudio.core.project import Project
from mgstudio.core.segments import Status
from mgstudio.formats.kinect import load_utkinect
from tests.conftest import require_shared

SHOTS = Path(os.environ.get("MGSTUDIO_SHOTS") or tempfile.mkdtemp(prefix="mg-shots-"))


@pytest.fixture
def state(tmp_path, qtbot):
    utk = load_utkinect(require_shared("skeletons", "utkinect", "joints"))
    p = Project.create(tmp_path / "clusters.mgproj", annotator="alice", taxonomy="utkinect")
    for name, seq, _segs in utk[:2]:
        p.add_skeleton_item(name, seq, attributes={"subject": name[:3]})
    s = AppState()
    s.set_project(p)
    s.set_item(p.items()[0].id)
    yield s
    p.close()


def test_find_open_and_label_a_group_of_similar_moments(state, qtbot) -> None:
    dock = ClustersDock(state)
    qtbot.addWidget(dock)
    dock.resize(560, 620)
    project = state.project
    assert dock.label_combo.count() == len(project.taxonomy.labels) and not dock.label_btn.isEnabled()
    worker = dock.find()
    assert worker is not None and not dock.find_btn.isEnabled()
    with qtbot.waitSignal(worker.done, timeout=90000):
        pass
    assert worker.error is None, worker.error and worker.error.detail
    assert dock.tree.topLevelItemCount() >= 2 and dock.find_btn.isEnabled()
    assert dock.tree.topLevelItemCount() == len(dock.groups)
    assert "groups of similar moments" in dock.status.text()
    ids = {it.id for it in project.items()}
    for _gid, members, _spread in dock.groups:
        assert members and {m[0] for m in members} <= ids and all(a < b for _, a, b in members)

    # clicking a moment of the other recording opens it there
    other = next((g, k, m) for g, (_gid, members, _s) in enumerate(dock.groups) for k, m in enumerate(members)
                 if m[0] != state.item_id and m[1] > 0)
    g, k, (item_id, start, _end) = other
    child = dock.tree.topLevelItem(g).child(k)
    assert project.item(item_id).name in child.text(1)
    dock.tree.scrollToItem(child)
    dock.tree.itemClicked.emit(child, 0)
    assert state.item_id == item_id and state.frame == start

    dock.show()
    SHOTS.mkdir(parents=True, exist_ok=True)
    dock.grab().save(str(SHOTS / "clusters.png"))

    # label the largest group at once; one undo takes it all back
    dock.tree.setCurrentItem(dock.tree.topLevelItem(0))
    assert not dock.label_btn.isEnabled()  # no label chosen yet
    gid, members = dock.selected_group()
    label = project.taxonomy.labels[1].name
    dock.label_combo.setCurrentText(label)
    assert dock.label_btn.isEnabled()
    before = project.count_segments(None)
    with qtbot.waitSignal(state.segmentsChanged, timeout=2000):
        dock.label_btn.click()
    added = [s for i in ids for s in project.segments(i) if s.label == label]
    assert added and all(s.status == Status.ACCEPTED for s in added)
    for item_id, a, b in members:  # every moment of the group is now covered by the label
        assert any(s.item_id == item_id and s.start <= a and b <= s.end for s in added)
    assert dock.tree.topLevelItemCount() == len(dock.groups) and gid not in [g[0] for g in dock.groups]
    assert label in dock.status.text()
    assert not dock.label_btn.isEnabled()  # nothing selected: a second click labels nothing
    project.undo()
    assert project.count_segments(None) == before
