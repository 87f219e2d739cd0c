"""The "similar moments" dock on real UTKinect skeletons: find groups in a child process, open a
moment in the player, label a whole group at once and take it back with one undo; the list
follows undo, redo and coding done elsewhere (the keys on the timeline)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mgstudio.app.panels import ClustersDock
from mgstudio.app.session.state import AppState
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.formats.kinect import load_utkinect
from tests.support.waiting import wait_worker
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
    wait_worker(qtbot, worker, 90000)
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


@pytest.fixture
def coding(tmp_path, qtbot):
    """Two recordings, the review keys (timeline included) and the dock, in one window."""
    import numpy as np
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMainWindow

    from mgstudio.app.review import ReviewController
    from mgstudio.app.shell.review_docks import make_review_docks
    from mgstudio.core.layouts import CANONICAL
    from mgstudio.core.skeleton import SkeletonSequence

    p = Project.create(tmp_path / "undo.mgproj", annotator="alice", taxonomy="imigue")
    rng = np.random.default_rng(0)
    ids = []
    for name in ("first", "second"):
        w = rng.uniform(-0.3, 0.3, (600, CANONICAL.num_joints, 3)).astype(np.float32)
        seq = SkeletonSequence(CANONICAL, w[..., :2], np.ones((600, CANONICAL.num_joints)), 25.0, w)
        ids.append(p.add_skeleton_item(name, seq).id)
    win = QMainWindow()
    qtbot.addWidget(win)
    s = AppState()
    ctl = ReviewController(s, win, settings=QSettings(str(tmp_path / "keys.ini"), QSettings.Format.IniFormat))
    make_review_docks(s, win, ctl)
    dock = ClustersDock(s, win)
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    s.set_project(p)
    s.set_item(ids[0])
    win.resize(1300, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()  # the window's shortcuts (Ctrl+Z) need it active under a real X server
    qtbot.waitActive(win)
    # groups as the search returns them: (id, members (item, start, end), spread)
    groups = [(1, [(ids[0], 100, 130), (ids[1], 40, 70), (ids[0], 300, 330)], 0.1),
              (2, [(ids[1], 200, 230), (ids[0], 500, 530)], 0.2)]
    dock.show_groups(groups)
    yield p, ids, s, ctl, dock, win, groups
    p.close()


def listed(dock) -> dict[int, list]:
    """What the tree shows: group id -> number of moments listed under it."""
    out = {}
    for i in range(dock.tree.topLevelItemCount()):
        top = dock.tree.topLevelItem(i)
        out[top.data(0, Qt.ItemDataRole.UserRole)[1]] = top.childCount()
    return out


def test_similar_moments_follow_undo_and_redo_done_on_the_timeline(coding, qtbot) -> None:
    p, ids, s, ctl, dock, win, groups = coding
    assert listed(dock) == {1: 3, 2: 2}
    dock.tree.setCurrentItem(dock.tree.topLevelItem(0))
    label = p.taxonomy.labels[3].name
    dock.label_combo.setCurrentText(label)
    dock.label_btn.click()
    assert listed(dock) == {2: 2} and [g[0] for g in dock.groups] == [2]
    assert len(p.segments(ids[0], tier_id="alice")) == 2
    # Ctrl+Z with the focus on the timeline: the labels go, the group comes back, whole
    tl = ctl.timeline_dock.timeline
    tl.setFocus()
    qtbot.keyClick(tl, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert p.segments(ids[0], tier_id="alice") == []
    assert listed(dock) == {1: 3, 2: 2} and dock.groups == groups
    assert "2 groups of similar moments (5 moments)" in dock.status.text()
    assert dock.selected_group() is None and not dock.label_btn.isEnabled()  # nothing chosen for the user
    # Ctrl+Shift+Z: labelled again, gone again
    qtbot.keyClick(tl, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(p.segments(ids[0], tier_id="alice")) == 2 and listed(dock) == {2: 2}


def test_similar_moments_follow_coding_elsewhere_even_while_hidden(coding, qtbot) -> None:
    p, ids, s, ctl, dock, win, groups = coding
    dock.tree.setCurrentItem(dock.tree.topLevelItem(1))
    dock.tree.topLevelItem(1).setExpanded(True)
    # code one moment of group 2 by hand with I / O: that moment leaves the list, the rest stays
    ctl.set_current_label(p.taxonomy.labels[0].name)
    s.set_frame(510)
    ctl.mark_in()
    s.set_frame(520)
    ctl.mark_out()
    assert listed(dock) == {1: 3, 2: 1}
    assert dock.selected_group() == (2, [(ids[1], 200, 230)])  # still selected, still open
    assert dock.tree.topLevelItem(1).isExpanded()
    # a proposal accepted over a moment of group 1 (a review counts as labelled too)
    prop = p.add_segments([Segment(ids[0], p.proposals_tier.id, 90, 105, p.taxonomy.labels[1].name,
                                   source=Source.MODEL, status=Status.PROPOSED, confidence=0.4)], "proposals")[0]
    s.notify_segments_changed()
    assert listed(dock) == {1: 3, 2: 1}  # only proposed: still unreviewed
    s.set_selection([prop.id])
    ctl.accept()
    assert listed(dock) == {1: 2, 2: 1}
    # undo while the dock is hidden: it catches up when shown again
    dock.hide()
    for _ in range(3):  # the accept, the new proposal, the segment coded with I / O
        ctl.undo()
    assert listed(dock) == {1: 2, 2: 1}  # not yet: hidden docks do no work
    dock.show()
    assert listed(dock) == {1: 3, 2: 2} and dock.groups == groups
