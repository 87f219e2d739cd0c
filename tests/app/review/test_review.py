"""Keyboard-first review: keys create, relabel, accept, reject, delete, navigate, undo; docks."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from mgstudio.app.review import ReviewController
from mgstudio.app.shell.review_docks import make_review_docks
from mgstudio.app.review.dialogs import KeymapDialog, LabelPicker, cheat_sheet_html
from mgstudio.app.review.keymap import load_keymap
from mgstudio.app.review.proposals import COL_CONFIDENCE, COL_LABEL, COL_START
from mgstudio.app.session.state import AppState
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence

FPS = 25.0
N = 2000
CONF = [0.9, 0.35, 0.7, 0.15, 0.55]
STARTS = [100, 300, 500, 700, 900]


def review_window(qtbot, tmp_path, joints: np.ndarray, size: tuple[int, int] = (1200, 800)):
    """A project with one recording (``joints``: frames x joints x 3, canonical layout) holding the
    five proposals of STARTS/CONF, and a review controller in a shown window of ``size``:
    ``(project, item, proposals, state, controller, window)``."""
    pr = Project.create(tmp_path / "r", taxonomy="imigue", annotator="alice")
    n = len(joints)
    item = pr.add_skeleton_item("clip", SkeletonSequence(CANONICAL, joints[..., :2],
                                                        np.ones((n, CANONICAL.num_joints)), FPS, joints))
    names = pr.taxonomy.names
    props = pr.add_segments([Segment(item.id, pr.proposals_tier.id, s, s + 50, names[i], source=Source.MODEL,
                                     status=Status.PROPOSED, confidence=c)
                             for i, (s, c) in enumerate(zip(STARTS, CONF))], "proposals")
    win = QMainWindow()
    qtbot.addWidget(win)
    state = AppState()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ctl = ReviewController(state, win, settings=settings)
    make_review_docks(state, win, ctl)
    state.set_project(pr)
    state.set_item(item.id)
    win.resize(*size)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    return pr, item, props, state, ctl, win


@pytest.fixture
def env(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    w = np.repeat(rng.uniform(-0.3, 0.3, (1, CANONICAL.num_joints, 3)), N, 0).astype(np.float32)
    pr, item, props, state, ctl, win = review_window(qtbot, tmp_path, w)
    yield pr, item, props, state, ctl, win
    pr.close()


def key(qtbot, win, k, mods=Qt.KeyboardModifier.NoModifier):
    if QApplication.activeWindow() is not win:  # after a dialog closed, as a user clicks back in
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    target = QApplication.focusWidget() or win
    qtbot.keyClick(target, k, mods)


def test_keys_move_the_playhead(qtbot, env):
    pr, item, props, state, ctl, win = env
    state.set_frame(100)
    key(qtbot, win, Qt.Key.Key_Right)
    assert state.frame == 101
    key(qtbot, win, Qt.Key.Key_Left)
    key(qtbot, win, Qt.Key.Key_Left)
    assert state.frame == 99
    key(qtbot, win, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert state.frame == 99 + 25
    key(qtbot, win, Qt.Key.Key_Space)
    assert state.playing
    key(qtbot, win, Qt.Key.Key_K)
    assert not state.playing
    key(qtbot, win, Qt.Key.Key_L)
    key(qtbot, win, Qt.Key.Key_L)
    assert state.playing and state.speed == 2.0
    key(qtbot, win, Qt.Key.Key_J)  # backwards
    assert not state.playing and ctl.playing_backwards
    before = state.frame
    qtbot.waitUntil(lambda: state.frame < before - 2, timeout=3000)
    key(qtbot, win, Qt.Key.Key_K)
    assert not ctl.playing_backwards


def test_i_o_marks_create_segment_on_my_tier_with_label_key(qtbot, env):
    pr, item, props, state, ctl, win = env
    tax = pr.taxonomy
    lab = next(lb for lb in tax.labels if lb.shortcut)
    key(qtbot, win, getattr(Qt.Key, f"Key_{lab.shortcut.upper()}"))  # nothing selected: chooses the label
    assert ctl.current_label == lab.name
    state.set_frame(1000)
    key(qtbot, win, Qt.Key.Key_I)
    state.set_frame(1049)
    key(qtbot, win, Qt.Key.Key_O)
    mine = pr.segments(item.id, tier_id="alice")
    assert [(s.start, s.end, s.label, s.annotator) for s in mine] == [(1000, 1050, lab.name, "alice")]
    assert state.selection == [mine[0].id]
    # O without I explains what to do and creates nothing
    state.set_selection([])
    key(qtbot, win, Qt.Key.Key_O)
    assert len(pr.segments(item.id, tier_id="alice")) == 1
    # Ctrl+Z removes it, Ctrl+Shift+Z brings it back
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert pr.segments(item.id, tier_id="alice") == []
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(pr.segments(item.id, tier_id="alice")) == 1


def test_u_goes_to_least_confident_then_accept_reject_advance(qtbot, env):
    pr, item, props, state, ctl, win = env
    ctl.u_active = False  # the least-confident order (U's fallback); the active order: test_review_active.py
    key(qtbot, win, Qt.Key.Key_U)
    assert state.selection == [props[3].id] and state.frame == 700  # confidence 0.15
    key(qtbot, win, Qt.Key.Key_R)
    assert pr.segment(props[3].id).status == Status.REJECTED
    key(qtbot, win, Qt.Key.Key_U)
    assert state.selection == [props[1].id]  # 0.35 is now the least confident one left
    key(qtbot, win, Qt.Key.Key_A)
    assert pr.segment(props[1].id).status == Status.ACCEPTED
    assert state.selection == [props[2].id]  # moved on to the next proposal in time
    # the proposals dock shows the progress and the inspector the selected segment
    assert ctl.proposals_dock.progress.value() == 2 and "2 of 5" in ctl.proposals_dock.progress.format()
    assert ctl.inspector_dock.segment.id == props[2].id
    assert "frame 500" in ctl.inspector_dock.fields["start"].text()
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert pr.segment(props[1].id).status == Status.PROPOSED
    assert ctl.proposals_dock.progress.value() == 1


def test_n_p_walk_segments_in_time_and_delete(qtbot, env):
    pr, item, props, state, ctl, win = env
    state.set_frame(0)
    seen = []
    for _ in range(3):
        key(qtbot, win, Qt.Key.Key_N)
        seen.append(state.frame)
    assert seen == [100, 300, 500]
    key(qtbot, win, Qt.Key.Key_P)
    assert state.frame == 300 and state.selection == [props[1].id]
    key(qtbot, win, Qt.Key.Key_Delete)
    assert pr.count_segments(item.id) == 4 and state.selection == []
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert pr.count_segments(item.id) == 5


def test_enter_opens_label_picker_and_relabels(qtbot, env):
    pr, item, props, state, ctl, win = env
    target = pr.taxonomy.labels[10].name
    state.set_selection([props[0].id])

    def pick():
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, LabelPicker)
        qtbot.keyClicks(dlg.search, target[:12])
        qtbot.keyClick(dlg.search, Qt.Key.Key_Return)

    QTimer.singleShot(200, pick)
    key(qtbot, win, Qt.Key.Key_Return)
    s = pr.segment(props[0].id)
    assert s.label == target and s.status == Status.EDITED


def test_palette_click_relabels_selection(qtbot, env):
    pr, item, props, state, ctl, win = env
    state.set_selection([props[4].id])
    lst = ctl.palette_dock.list
    it = lst.item(5)
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=lst.visualItemRect(it).center())
    assert pr.segment(props[4].id).label == pr.taxonomy.labels[5].name


def test_inspector_note_is_saved_and_undoable(qtbot, env):
    pr, item, props, state, ctl, win = env
    state.set_selection([props[2].id])
    ins = ctl.inspector_dock
    ins.note.setFocus()
    qtbot.keyClicks(ins.note, "touches ear twice")
    qtbot.keyClick(ins.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert pr.segment(props[2].id).note == "touches ear twice"
    assert pr.segment(props[2].id).label == props[2].label  # typing letters did not trigger keys


def test_proposals_list_sorts_filters_and_jumps(qtbot, env):
    pr, item, props, state, ctl, win = env
    dock = ctl.proposals_dock
    dock.table.sortByColumn(COL_CONFIDENCE, Qt.SortOrder.AscendingOrder)
    assert [s.confidence for s in dock.visible_segments()] == sorted(CONF)
    dock.table.sortByColumn(COL_LABEL, Qt.SortOrder.AscendingOrder)
    labels = [s.label for s in dock.visible_segments()]
    assert labels == sorted(labels, key=str.lower)
    dock.table.sortByColumn(COL_START, Qt.SortOrder.DescendingOrder)
    assert [s.start for s in dock.visible_segments()] == sorted(STARTS, reverse=True)
    pr.reject(props[0].id)
    state.notify_segments_changed()
    dock.filter_box.setCurrentIndex(1)  # to review
    assert props[0].id not in [s.id for s in dock.visible_segments()] and len(dock.visible_segments()) == 4
    # double-click a row: go there
    idx = dock.proxy.index(0, 0)
    rect = dock.table.visualRect(idx)
    qtbot.mouseClick(dock.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(dock.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    seg = dock.visible_segments()[0]
    assert state.frame == seg.start and state.selection == [seg.id]


def test_keymap_is_customisable_and_persisted(qtbot, env, tmp_path):
    pr, item, props, state, ctl, win = env
    dlg = KeymapDialog(ctl.keymap, ctl.label_keys(), ctl.settings)
    qtbot.addWidget(dlg)
    from PySide6.QtGui import QKeySequence
    dlg.edits["accept"].setKeySequence(QKeySequence("R"))  # clashes with reject
    assert "used for both" in dlg.problem.text()
    dlg.edits["accept"].setKeySequence(QKeySequence("Y"))
    assert "minaret gesture" in dlg.problem.text()  # iMiGUE's label key Y
    dlg.edits["accept"].setKeySequence(QKeySequence("Shift+A"))
    assert dlg.problem.text() == ""
    QTimer.singleShot(0, dlg.accept)
    assert ctl.edit_keymap(dlg)
    assert load_keymap(ctl.settings)["accept"] == "Shift+A"
    state.set_selection([props[0].id])
    key(qtbot, win, Qt.Key.Key_A)  # the old key does nothing now
    assert pr.segment(props[0].id).status == Status.PROPOSED
    key(qtbot, win, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert pr.segment(props[0].id).status == Status.ACCEPTED
    html = cheat_sheet_html(ctl.keymap, pr.taxonomy)
    assert "Shift+A" in html and "Accept the selected proposal" in html
    sheet = ctl.show_cheat_sheet()
    assert sheet.isVisible()


def test_timeline_follows_state_and_mouse_edits_notify(qtbot, env):
    pr, item, props, state, ctl, win = env
    tl = ctl.timeline_dock.timeline
    assert tl.item_id == item.id
    state.set_frame(1500)
    assert tl.frame == 1500
    state.set_selection([props[1].id])
    assert tl.selection == [props[1].id]
    seen = []
    state.segmentsChanged.connect(lambda: seen.append(1))
    tl.create_segment(pr.tier("alice"), 10, 20, "turtle neck")
    assert seen and pr.count_segments(item.id, tier_id="alice") == 1
    assert state.selection == [pr.segments(item.id, tier_id="alice")[0].id]


def test_edits_update_views_without_rereading_everything(qtbot, env):
    pr, item, props, state, ctl, win = env
    tl = ctl.timeline_dock.timeline
    tl.grab()
    queries = tl.cache.queries
    state.set_selection([props[0].id])
    key(qtbot, win, Qt.Key.Key_R)
    tl.grab()
    vis = {s.id: s for s in tl.visible_segments(pr.proposals_tier.id)}
    assert vis[props[0].id].status == Status.REJECTED  # the timeline shows the change...
    assert tl.cache.queries == queries  # ...re-reading only that segment
    rows = {s.id: s for s in ctl.proposals_dock.model.rows}
    assert rows[props[0].id].status == Status.REJECTED
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo re-reads everything
    tl.grab()
    assert {s.id: s for s in tl.visible_segments(pr.proposals_tier.id)}[props[0].id].status == Status.PROPOSED
    assert {s.id: s for s in ctl.proposals_dock.model.rows}[props[0].id].status == Status.PROPOSED


ALT = Qt.KeyboardModifier.AltModifier
ALT_SHIFT = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier


def bounds(pr, sid):
    s = pr.segment(sid)
    return s.start, s.end


def test_alt_arrows_move_the_edges_one_frame_each_undoable(qtbot, env):
    pr, item, props, state, ctl, win = env
    sid = props[0].id  # frames 100-149, i.e. [100, 150)
    state.set_selection([sid])
    state.set_frame(1200)
    key(qtbot, win, Qt.Key.Key_Left, ALT)
    assert bounds(pr, sid) == (99, 150) and state.frame == 99  # the player shows the new first frame
    key(qtbot, win, Qt.Key.Key_Right, ALT)
    key(qtbot, win, Qt.Key.Key_Right, ALT)
    assert bounds(pr, sid) == (101, 150) and state.frame == 101
    key(qtbot, win, Qt.Key.Key_Right, ALT_SHIFT)
    assert bounds(pr, sid) == (101, 151) and state.frame == 150  # ...and the new last frame
    key(qtbot, win, Qt.Key.Key_Left, ALT_SHIFT)
    key(qtbot, win, Qt.Key.Key_Left, ALT_SHIFT)
    assert bounds(pr, sid) == (101, 149) and state.frame == 148
    assert pr.segment(sid).status == Status.EDITED  # a corrected proposal counts as reviewed
    assert state.selection == [sid]
    # the timeline, the proposals list and the inspector show the new bounds
    tl = ctl.timeline_dock.timeline
    tl.grab()
    vis = {s.id: s for s in tl.visible_segments(pr.proposals_tier.id)}
    assert (vis[sid].start, vis[sid].end) == (101, 149)
    rows = {s.id: s for s in ctl.proposals_dock.model.rows}
    assert (rows[sid].start, rows[sid].end) == (101, 149)
    assert "frame 101" in ctl.inspector_dock.fields["start"].text()
    assert "frame 148" in ctl.inspector_dock.fields["end"].text()
    # quick presses of one edge are one undo step: the end's three presses, then the start's
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert bounds(pr, sid) == (101, 150)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert bounds(pr, sid) == (100, 150) and pr.segment(sid).status == Status.PROPOSED
    assert "frame 100" in ctl.inspector_dock.fields["start"].text()
    # redo brings the whole move of the start back at once
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert bounds(pr, sid) == (101, 150)
    assert len(pr.audit(segment_id=sid)) >= 6  # the audit log still has every single press


def test_a_pause_between_nudges_starts_a_new_undo_step(qtbot, env, monkeypatch):
    from mgstudio.app.review import controller as controller_module

    pr, item, props, state, ctl, win = env
    monkeypatch.setattr(controller_module, "NUDGE_MERGE_S", 0.3)
    sid = props[0].id  # [100, 150)
    state.set_selection([sid])
    key(qtbot, win, Qt.Key.Key_Left, ALT)
    key(qtbot, win, Qt.Key.Key_Left, ALT)
    qtbot.wait(450)  # the annotator stops to look
    key(qtbot, win, Qt.Key.Key_Left, ALT)
    assert bounds(pr, sid) == (97, 150)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert bounds(pr, sid) == (98, 150)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert bounds(pr, sid) == (100, 150)


def test_brackets_set_the_edges_at_the_playhead(qtbot, env):
    pr, item, props, state, ctl, win = env
    sid = props[1].id  # [300, 350)
    state.set_selection([sid])
    state.set_frame(290)
    key(qtbot, win, Qt.Key.Key_BracketLeft)
    assert bounds(pr, sid) == (290, 350)
    state.set_frame(360)
    key(qtbot, win, Qt.Key.Key_BracketRight)
    assert bounds(pr, sid) == (290, 361)  # the frame shown is part of the segment
    state.set_frame(320)
    key(qtbot, win, Qt.Key.Key_BracketRight)
    assert bounds(pr, sid) == (290, 321)
    key(qtbot, win, Qt.Key.Key_BracketLeft)
    assert bounds(pr, sid) == (320, 321)  # one frame: the one shown
    # a start after the end (or an end before the start) is refused, with a sentence
    state.set_frame(400)
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_BracketLeft)
    assert bounds(pr, sid) == (320, 321) and "after the segment's last frame" in said.args[0]
    state.set_frame(10)
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_BracketRight)
    assert bounds(pr, sid) == (320, 321) and "before the segment's first frame" in said.args[0]
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert bounds(pr, sid) == (290, 321)


def test_edge_keys_clamp_at_the_video_ends_and_one_frame(qtbot, env):
    pr, item, props, state, ctl, win = env
    mine = pr.create_segment(Segment(item.id, pr.ensure_tier("alice", annotator="alice").id, 0, 2, props[0].label,
                                     annotator="alice"))
    last = pr.create_segment(Segment(item.id, pr.tier("alice").id, N - 3, N, props[0].label, annotator="alice"))
    state.notify_segments_changed()
    state.set_selection([mine.id])
    undo_before = pr.undo_text()
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_Left, ALT)  # already at frame 0
    assert bounds(pr, mine.id) == (0, 2) and "first frame of the video" in said.args[0]
    key(qtbot, win, Qt.Key.Key_Right, ALT)
    assert bounds(pr, mine.id) == (1, 2)
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_Right, ALT)  # would leave no frame
    assert bounds(pr, mine.id) == (1, 2) and "one frame long" in said.args[0]
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_Left, ALT_SHIFT)
    assert bounds(pr, mine.id) == (1, 2) and "one frame long" in said.args[0]
    state.set_selection([last.id])
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_Right, ALT_SHIFT)  # already ends with the video's last frame
    assert bounds(pr, last.id) == (N - 3, N) and "last frame of the video" in said.args[0]
    # refused presses left nothing to undo: one undo takes back the single real change
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert bounds(pr, mine.id) == (0, 2) and pr.undo_text() == undo_before
    # nothing selected, or two segments: a sentence, no change
    state.set_selection([])
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_Right, ALT)
    assert "Select a segment first" in said.args[0]
    state.set_selection([mine.id, last.id])
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_BracketLeft)
    assert "just one segment" in said.args[0] and bounds(pr, last.id) == (N - 3, N)


def test_edge_keys_refuse_an_overlap_on_my_tier(qtbot, env):
    pr, item, props, state, ctl, win = env
    tier = pr.ensure_tier("alice", annotator="alice").id
    a = pr.create_segment(Segment(item.id, tier, 10, 20, props[0].label, annotator="alice"))
    pr.create_segment(Segment(item.id, tier, 20, 30, props[0].label, annotator="alice"))
    state.notify_segments_changed()
    state.set_selection([a.id])
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_Right, ALT_SHIFT)
    assert bounds(pr, a.id) == (10, 20) and "cannot overlap" in said.args[0]


def test_edge_keys_are_in_the_cheat_sheet_and_rebindable(qtbot, env):
    pr, item, props, state, ctl, win = env
    html = cheat_sheet_html(ctl.keymap, pr.taxonomy)
    for k, text in (("Alt+Left", "start of the selected segment one frame earlier"),
                    ("Alt+Shift+Right", "end of the selected segment one frame later"),
                    ("[", "Start the selected segment at the frame shown"),
                    ("]", "End the selected segment with the frame shown")):
        assert f"<code>{k}</code>" in html and text in html
    dlg = KeymapDialog(ctl.keymap, ctl.label_keys(), ctl.settings)
    qtbot.addWidget(dlg)
    assert dlg.problem.text() == ""  # the new defaults clash with nothing (iMiGUE's label keys included)
    from PySide6.QtGui import QKeySequence
    dlg.edits["start_at_playhead"].setKeySequence(QKeySequence("Ctrl+["))
    QTimer.singleShot(0, dlg.accept)
    assert ctl.edit_keymap(dlg)
    sid = props[2].id
    state.set_selection([sid])
    state.set_frame(480)
    key(qtbot, win, Qt.Key.Key_BracketLeft)
    assert bounds(pr, sid) == (500, 550)
    key(qtbot, win, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier)
    assert bounds(pr, sid) == (480, 550)


def test_u_reads_the_proposals_once_and_follows_edits(qtbot, env):
    pr, item, props, state, ctl, win = env
    ctl.u_active = False  # U's least-confident queue (its fallback) is what this test counts
    queue = ctl._uncertain
    key(qtbot, win, Qt.Key.Key_U)
    loads = queue.loads
    key(qtbot, win, Qt.Key.Key_R)  # our own edit: the queue is patched, not re-read
    key(qtbot, win, Qt.Key.Key_U)
    assert state.selection == [props[1].id] and queue.loads == loads
    key(qtbot, win, Qt.Key.Key_A)
    key(qtbot, win, Qt.Key.Key_U)
    assert state.selection == [props[4].id] and queue.loads == loads  # 0.55 left
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the accept: props[1] is to review again
    key(qtbot, win, Qt.Key.Key_U)
    assert state.selection == [props[1].id] and queue.loads == loads  # patched from the change log too
    # an edit made elsewhere without telling anyone is still caught before U goes there
    pr.accept(props[1].id)
    key(qtbot, win, Qt.Key.Key_U)
    assert state.selection == [props[4].id]
    # a new, less certain proposal made elsewhere and announced
    new = pr.add_segments([Segment(item.id, pr.proposals_tier.id, 1500, 1550, props[0].label, source=Source.MODEL,
                                   status=Status.PROPOSED, confidence=0.01)], "one more")[0]
    state.notify_segments_changed()
    key(qtbot, win, Qt.Key.Key_U)
    assert state.selection == [new.id]
    for sid in [new.id, props[4].id, props[2].id, props[0].id]:
        pr.reject(sid)
    state.notify_segments_changed()
    with qtbot.waitSignal(ctl.message) as said:
        key(qtbot, win, Qt.Key.Key_U)
    assert "Every proposal of this item has been reviewed." == said.args[0]


def test_labels_are_edited_renamed_on_their_segments_and_undone(qtbot, env):
    from mgstudio.app.review.label_editor import COL_KEY, COL_NAME, COL_USED, LabelEditor, label_usage

    pr, item, props, state, ctl, win = env
    names = pr.taxonomy.names
    old = names[1]
    dlg = LabelEditor(pr.taxonomy, label_usage(pr), ctl.keymap)
    qtbot.addWidget(dlg)
    ok = dlg.buttons.button(dlg.buttons.StandardButton.Ok)
    assert dlg.table.rowCount() == len(names) and dlg.table.item(1, COL_USED).text() == "1"
    dlg.table.setCurrentCell(1, COL_NAME)
    assert not dlg.remove_selected() and "stays" in dlg.problem.text()  # in use: kept, and why
    dlg.table.item(1, COL_KEY).setText("A")  # the accept key
    assert "review key" in dlg.problem.text() and not ok.isEnabled()
    dlg.table.item(1, COL_KEY).setText("")
    dlg.table.item(1, COL_NAME).setText(names[2])  # onto another label: a merge, said before OK
    assert f"“{old}” will be merged into “{names[2]}”" in dlg.info.text() and ok.isEnabled()
    dlg.add_label(names[3])  # a new label with a name already taken
    assert "twice" in dlg.problem.text() and not ok.isEnabled()
    assert dlg.remove_selected()  # (the new row: nothing uses it)

    dlg.table.item(1, COL_NAME).setText("scratching the head")
    dlg.set_color(1, "#123456")
    free = pr.taxonomy.labels[1].shortcut  # the renamed label gave its key up (above)
    row = dlg.add_label("leg bouncing")
    dlg.table.item(row, COL_KEY).setText(free)
    assert dlg.problem.text() == "" and ok.isEnabled()
    QTimer.singleShot(0, dlg.accept)
    assert ctl.edit_labels(dlg)
    assert pr.segment(props[1].id).label == "scratching the head"
    assert pr.taxonomy.get("scratching the head").color == "#123456"
    palette = [ctl.palette_dock.list.item(i).text() for i in range(ctl.palette_dock.list.count())]
    assert f"leg bouncing   [{free}]" in palette and not any(t.startswith(old) for t in palette)

    state.set_selection([props[0].id])
    key(qtbot, win, getattr(Qt.Key, f"Key_{free}"))  # the new label's key works at once
    assert pr.segment(props[0].id).label == "leg bouncing"
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # that relabel
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the label edit, whole
    assert pr.segment(props[1].id).label == old and pr.taxonomy.names == names
    palette = [ctl.palette_dock.list.item(i).text() for i in range(ctl.palette_dock.list.count())]
    assert not any("leg bouncing" in t for t in palette) and any(t.startswith(old) for t in palette)


def test_marks_made_while_playing_allow_for_the_reaction_time(qtbot, env, tmp_path):
    pr, item, props, state, ctl, win = env
    assert ctl.reaction_ms == 0
    ctl.set_reaction_ms(200)  # 200 ms at 25 fps = 5 frames
    other = QMainWindow()
    qtbot.addWidget(other)
    assert ReviewController(AppState(), other, settings=ctl.settings).reaction_ms == 200  # kept
    ctl.set_current_label(pr.taxonomy.names[0])
    state.set_frame(1300)
    state.set_playing(True)
    state.set_frame(1305)  # where the playhead is when I is pressed
    ctl.mark_in()
    assert ctl.mark_in_frame == 1300 and "reaction time" in ctl.timeline_dock.status_label.text()
    state.set_speed(2.0)
    state.set_frame(1420)
    made = ctl.mark_out()  # at 2x the reaction costs twice the frames
    assert (made.start, made.end) == (1300, 1420 - 10 + 1)
    state.set_playing(False)
    state.set_frame(1500)
    ctl.mark_in()  # paused: exact
    assert ctl.mark_in_frame == 1500
    state.set_speed(1.0)
    state.set_playing(True)
    state.set_frame(1503)  # O soon after a paused I: the end is not taken back past the start
    made = ctl.mark_out()
    assert (made.start, made.end) == (1500, 1501)



def test_a_rename_onto_another_label_merges_and_the_new_segment_label_follows(qtbot, env):
    from mgstudio.app.review.label_editor import COL_NAME, LabelEditor, label_usage

    pr, item, props, state, ctl, win = env
    names = pr.taxonomy.names
    ctl.set_current_label(names[4])
    dlg = LabelEditor(pr.taxonomy, label_usage(pr), ctl.keymap)
    qtbot.addWidget(dlg)
    dlg.table.item(1, COL_NAME).setText(names[2])  # merge names[1] into names[2]
    dlg.table.item(4, COL_NAME).setText("renamed")
    QTimer.singleShot(0, dlg.accept)
    assert ctl.edit_labels(dlg)
    assert pr.segment(props[1].id).label == names[2] == pr.segment(props[2].id).label
    assert names[1] not in pr.taxonomy and ctl.current_label == "renamed"
    ctl.undo()
    assert pr.segment(props[1].id).label == names[1] and pr.taxonomy.names == names
    assert ctl.current_label == names[4]  # followed the rename back, not the first label
    ctl.redo()
    assert ctl.current_label == "renamed"


def test_label_edits_follow_the_label_through_swaps_merges_undo_and_redo(qtbot, env):
    from mgstudio.app.review.label_editor import COL_NAME, LabelEditor, label_usage

    pr, item, props, state, ctl, win = env
    names = pr.taxonomy.names

    def edit(changes: dict[int, str], new_row: str | None = None, move_new_to_top: bool = False) -> bool:
        dlg = LabelEditor(pr.taxonomy, label_usage(pr), ctl.keymap)
        qtbot.addWidget(dlg)
        if new_row is not None:
            dlg.add_label(new_row)
            if move_new_to_top:
                while dlg.table.currentRow() > 0:
                    dlg.move_selected(-1)
        rows = {next(i for i in range(dlg.table.rowCount()) if dlg.table.item(i, COL_NAME).text() == names[k]): name
                for k, name in changes.items()}  # found before any is renamed
        for r, name in rows.items():
            dlg.table.item(r, COL_NAME).setText(name)
        QTimer.singleShot(0, dlg.accept)
        return ctl.edit_labels(dlg)

    # OK without a change makes no undo step, and says nothing of Ctrl+Z
    before = pr.undo_text()
    assert not edit({}) and pr.undo_text() == before

    # a swap: the label for new segments follows its label, not its old name
    ctl.set_current_label(names[0])
    assert edit({0: names[1], 1: names[0]})
    assert ctl.current_label == names[1] and pr.segment(props[0].id).label == names[1]
    ctl.undo()
    assert ctl.current_label == names[0] and pr.segment(props[0].id).label == names[0]

    # a merge, undone and redone, with the merged label chosen in between
    assert edit({2: names[3]})
    ctl.undo()
    ctl.set_current_label(names[2])
    ctl.redo()
    assert ctl.current_label == names[3] and pr.segment(props[2].id).label == names[3]
    ctl.undo()

    # merging into a new label works wherever the new row is
    for top in (False, True):
        assert edit({4: "hands near face"}, new_row="hands near face", move_new_to_top=top)
        assert pr.segment(props[4].id).label == "hands near face" and names[4] not in pr.taxonomy
        ctl.undo()
        assert pr.taxonomy.names == names


def test_a_rejected_proposal_never_comes_back_to_life(qtbot, env):
    """Issue 15.2: after R nothing stays selected on the false positive, Escape deselects, and a
    label key on a rejected proposal says so instead of relabelling it into an "edited" (reviewed)
    segment that would land in exports."""
    pr, item, props, state, ctl, win = env
    ctl.auto_advance = False
    lab = next(lb for lb in pr.taxonomy.labels if lb.shortcut and lb.name != props[4].label)
    state.set_selection([props[4].id])  # the last proposal: nothing to advance to
    key(qtbot, win, Qt.Key.Key_R)
    assert pr.segment(props[4].id).status == Status.REJECTED
    assert state.selection == []
    # selected again (a click), a label key does not revive it
    msgs: list[str] = []
    ctl.message.connect(msgs.append)
    state.set_selection([props[4].id])
    key(qtbot, win, getattr(Qt.Key, f"Key_{lab.shortcut.upper()}"))
    seg = pr.segment(props[4].id)
    assert seg.status == Status.REJECTED and seg.label == props[4].label
    assert "rejected" in msgs[-1] and "A" in msgs[-1]
    # Escape deselects: the label key then chooses the label for new segments
    key(qtbot, win, Qt.Key.Key_Escape)
    assert state.selection == []
    key(qtbot, win, getattr(Qt.Key, f"Key_{lab.shortcut.upper()}"))
    assert ctl.current_label == lab.name and pr.segment(props[4].id).label == props[4].label


def test_one_click_in_the_proposals_list_selects_and_shows_it(qtbot, env):
    """Issue 15.3: a single click on a row is a selection (A then accepts it), as in ELAN/BORIS."""
    pr, item, props, state, ctl, win = env
    dock = ctl.proposals_dock
    dock.show()
    dock.raise_()
    qtbot.waitExposed(dock.table)
    row = next(r for r, s in enumerate(dock.visible_segments()) if s.id == props[2].id)
    rect = dock.table.visualRect(dock.proxy.index(row, 0))
    qtbot.mouseClick(dock.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert state.selection == [props[2].id] and state.frame == props[2].start
    ctl.accept()
    assert pr.segment(props[2].id).status == Status.ACCEPTED


def test_n_and_the_next_segment_button_reach_the_same_segment(qtbot, env):
    """Issue 12 B1: the N/P keys and the transport's segment buttons are one behaviour
    (mgstudio.app.session.navigation): rejected proposals are skipped by both, and a one-second
    step pauses from the key and from the button alike."""
    from mgstudio.app.player.player import PlayerWidget

    pr, item, props, state, ctl, win = env
    player = PlayerWidget(state)
    qtbot.addWidget(player)
    pr.reject(props[1].id)  # frame 300
    for start in (0, 100, 500):
        state.set_selection([])
        state.set_frame(start)
        key(qtbot, win, Qt.Key.Key_N)
        by_key = (state.frame, list(state.selection))
        state.set_selection([])
        state.set_frame(start)
        player.jump_segment(+1)
        assert (state.frame, list(state.selection)) == by_key
    state.set_selection([props[0].id])  # at 100
    key(qtbot, win, Qt.Key.Key_N)
    assert state.frame == 500  # the rejected proposal at 300 is skipped
    key(qtbot, win, Qt.Key.Key_P)
    player.jump_segment(-1)
    assert state.frame == 100 and state.selection == [props[0].id]
    state.set_playing(True)
    player.step_seconds(1)
    assert not state.playing and state.frame == 125
    state.set_playing(True)
    key(qtbot, win, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert not state.playing and state.frame == 150


def test_accepting_a_movement_event_asks_for_its_mg_label(qtbot, env, tmp_path):
    """A class-agnostic "movement event" is accepted only with an MG label from the taxonomy;
    Esc leaves it an unreviewed proposal that says it has no MG label and is not exported."""
    from mgstudio.core.errors import FormatError
    from mgstudio.recognition.proposals import MOVEMENT_LABEL
    from mgstudio.workflows.dataset_export import DatasetOptions, export_dataset

    pr, item, props, state, ctl, win = env
    (ev,) = pr.add_segments([Segment(item.id, pr.proposals_tier.id, 1200, 1240, MOVEMENT_LABEL, source=Source.MODEL,
                                     status=Status.PROPOSED, confidence=0.8)], "movement events")
    ctl._changed()
    ctl.jump_to(ev)
    model = ctl.proposals_dock.model
    row = model.row_of(ev.id)
    assert model.data(model.index(row, COL_LABEL)) == "unlabelled · movement event"
    target = pr.taxonomy.labels[3].name
    prompts: list[str] = []

    def answer(choice: str | None):
        def run():
            dlg = QApplication.activeModalWidget()
            if not isinstance(dlg, LabelPicker):
                QTimer.singleShot(50, run)
                return
            prompts.append(dlg.windowTitle() + " | " + dlg.prompt.text())
            if choice is None:
                qtbot.keyClick(dlg.search, Qt.Key.Key_Escape)
            else:
                qtbot.keyClicks(dlg.search, choice)
                qtbot.keyClick(dlg.search, Qt.Key.Key_Return)
        QTimer.singleShot(50, run)

    menu = ctl.timeline_dock.timeline.segment_menu(ev)  # right-click: no plain "Accept" either
    texts = [a.text() for a in menu.actions()]
    assert "Accept" not in texts and "Accept as…" in texts
    sub = next(a.menu() for a in menu.actions() if a.text() == "Accept as…")
    assert [a.text() for a in sub.actions()] == pr.taxonomy.names
    answer(None)  # Esc: not accepted, still visibly without an MG label
    key(qtbot, win, Qt.Key.Key_A)
    assert prompts and prompts[0].startswith("Which micro-gesture is this?") and "movement event" in prompts[0]
    s = pr.segment(ev.id)
    assert s.status == Status.PROPOSED and s.label == MOVEMENT_LABEL
    assert "Not accepted" in ctl.timeline_dock.status_label.text()
    with pytest.raises(FormatError, match="Nothing to export"):  # never a class in a dataset by accident
        export_dataset(pr, tmp_path / "ds0", DatasetOptions(formats=("csv",)))

    answer(target)
    state.set_selection([ev.id])
    key(qtbot, win, Qt.Key.Key_A)
    s = pr.segment(ev.id)
    assert s.label == target and s.status == Status.EDITED  # reviewed, with its MG label, in one step
    assert model.data(model.index(model.row_of(ev.id), COL_LABEL)) == target
    summary = export_dataset(pr, tmp_path / "ds1", DatasetOptions(formats=("csv",)))
    assert summary.classes == [target] and MOVEMENT_LABEL not in summary.classes
    ctl.undo()
    assert pr.segment(ev.id).label == MOVEMENT_LABEL and pr.segment(ev.id).status == Status.PROPOSED


def test_undo_of_an_edit_in_another_recording_goes_there(qtbot, env):
    """Ctrl+Z of an edit made in another recording switches to it, at the edit's frame, and the
    status bar says so; redo likewise."""
    pr, item, props, state, ctl, win = env
    n2 = 600
    w2 = np.zeros((n2, CANONICAL.num_joints, 3), np.float32)
    other = pr.add_skeleton_item("second clip", SkeletonSequence(CANONICAL, w2[..., :2],
                                                                np.ones((n2, CANONICAL.num_joints)), FPS, w2))
    ctl._changed()
    state.set_item(other.id)
    state.set_frame(400)
    ctl.mark_in()
    state.set_frame(420)
    made = ctl.mark_out()
    state.set_item(item.id)
    state.set_frame(10)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert made.id not in {s.id for s in pr.segments(other.id)}
    assert state.item_id == other.id and state.frame == 400
    msg = ctl.timeline_dock.status_label.text()
    assert msg.startswith("Undone:") and "“second clip”" in msg and "frame 400" in msg
    state.set_item(item.id)
    ctl.redo()
    assert state.item_id == other.id and state.frame == 400 and state.selection == [made.id]
    assert "“second clip”" in ctl.timeline_dock.status_label.text()
    # an undo in the recording on screen, in sight, leaves the view alone
    state.set_frame(405)
    ctl.undo()
    assert state.item_id == other.id and state.frame == 405
    assert ctl.timeline_dock.status_label.text().startswith("Undone:")
    assert "shown now" not in ctl.timeline_dock.status_label.text()


def test_proposals_list_keeps_status_readable_in_a_narrow_dock(qtbot, env):
    """In a laptop-narrow dock the label column gives way (its middle elided, the whole name in
    the tooltip) so that Confidence and Status stay whole."""
    pr, item, props, state, ctl, win = env
    dock = ctl.proposals_dock
    dock.setFloating(True)
    dock.resize(340, 400)
    qtbot.waitUntil(lambda: dock.table.viewport().width() < 340)
    dock.fit_columns()
    hh, vw = dock.table.horizontalHeader(), dock.table.viewport().width()
    assert dock.table.textElideMode() == Qt.TextElideMode.ElideMiddle
    for col in (COL_CONFIDENCE, 2):  # Confidence, Status
        assert hh.sectionViewportPosition(col) + hh.sectionSize(col) <= vw, col
    m = dock.model
    long_row = max(range(m.rowCount()), key=lambda r: len(m.rows[r].label))
    assert m.rows[long_row].label in m.data(m.index(long_row, COL_LABEL), Qt.ItemDataRole.ToolTipRole)
    assert m.headerData(COL_CONFIDENCE, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    dock.resize(700, 400)
    qtbot.waitUntil(lambda: dock.table.viewport().width() > 600)
    dock.fit_columns()
    assert hh.sectionSize(COL_LABEL) > 250  # a wide dock gives the room to the label
