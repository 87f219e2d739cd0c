"""Views patch only what an edit changed, and still show exactly what the project holds.

After accept / reject / relabel / delete / undo / redo through the review keys, a note saved in
the inspector, and edits made by another program followed by ``notify_segments_changed``, the
timeline, the proposals list and the project browser are compared with a fresh read of the
project. With 10,000 proposals on a 2-hour recording, one key press must not re-read the item.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from mgstudio.app.shell.project_browser import ProjectBrowser
from mgstudio.app.review import ReviewController
from mgstudio.app.shell.review_docks import make_review_docks
from mgstudio.app.review.proposals import COL_STATUS, FILTERS, ProposalsModel
from mgstudio.app.session.state import AppState
from mgstudio.app.timeline.segment_cache import _Window
from mgstudio.app.timeline.style import style_key
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import REVIEWED, Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence

FPS = 25.0


def long_item(pr: Project, name: str, frames: int):
    """An item of ``frames`` frames without storing that much skeleton."""
    tail = SkeletonSequence.empty(CANONICAL, 1, FPS)
    tail.start_frame = frames - 1
    return pr.add_skeleton_item(name, tail)


def propose(pr: Project, item_id: int, n: int, frames: int, seed: int = 0) -> list[Segment]:
    rng = np.random.default_rng(seed)
    names = pr.taxonomy.names
    starts = np.sort(rng.choice(frames - 200, n, replace=False))
    return pr.add_segments([Segment(item_id, pr.proposals_tier.id, int(s), int(s) + int(rng.integers(8, 90)),
                                    names[i % len(names)], source=Source.MODEL, status=Status.PROPOSED,
                                    confidence=float(rng.uniform(0.05, 1))) for i, s in enumerate(starts)], "proposals")


def make_env(qtbot, tmp_path, n_props: int, frames: int):
    pr = Project.create(tmp_path / "p", taxonomy="imigue", annotator="alice")
    a = long_item(pr, "interview A", frames)
    b = long_item(pr, "interview B", 3000)
    props = propose(pr, a.id, n_props, frames)
    propose(pr, b.id, 10, 3000, seed=1)
    win = QMainWindow()
    qtbot.addWidget(win)
    state = AppState()
    ctl = ReviewController(state, win, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    make_review_docks(state, win, ctl)
    browser = ProjectBrowser(state)
    win.setCentralWidget(browser)
    state.set_project(pr)
    state.set_item(a.id)
    win.resize(1400, 900)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    ctl.timeline_dock.timeline.zoom_fit()
    return pr, a, b, props, state, ctl, browser, win


@pytest.fixture
def env(qtbot, tmp_path):
    out = make_env(qtbot, tmp_path, 40, 6000)
    yield out
    out[0].close()


def key(qtbot, win, k, mods=Qt.KeyboardModifier.NoModifier) -> None:
    if QApplication.activeWindow() is not win:
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    qtbot.keyClick(QApplication.focusWidget() or win, k, mods)


def order(segs) -> list[Segment]:
    return sorted(segs, key=lambda s: (s.start, s.end, s.id))


def check_views(pr: Project, state: AppState, ctl: ReviewController, browser: ProjectBrowser) -> None:
    """Every view shows what a fresh read of the project gives."""
    tl = ctl.timeline_dock.timeline
    tl.grab()  # paint: fetch what is visible (only when the cache was dropped)
    before = tl.cache.queries
    a, b = tl.view.visible_range
    assert {s.tier_id for s in pr.segments(state.item_id)} <= {t.id for t in tl.tiers}
    for tier in tl.tiers:
        assert order(tl.visible_segments(tier.id)) == order(pr.segments(state.item_id, tier_id=tier.id, start=a, end=b))
        w = tl.cache.window(tier.id, a, b)  # what the overview paints from: arrays and looks
        fresh_w = _Window(w.start, w.end, pr.segments(state.item_id, tier_id=tier.id, start=w.start, end=w.end))
        assert w.starts == fresh_w.starts and order(w.segments) == order(fresh_w.segments)
        for name, arr in w.arrays().items():
            assert arr.tolist() == fresh_w.arrays()[name].tolist(), name
        keys, ids = w.looks(style_key)
        assert [keys[i] for i in ids] == [style_key(s) for s in w.segments]
    assert tl.cache.queries == before  # what was compared came from the (patched) cache
    dock = ctl.proposals_dock
    fresh = ProposalsModel(pr, state.item_id)
    fresh.sort(dock.model.sort_column, dock.model.sort_order)
    assert dock.model.rows == fresh.rows
    wanted = FILTERS[dock.filter_box.currentIndex()][1]
    assert dock.visible_segments() == [s for s in fresh.rows if wanted is None or s.status in wanted]
    assert dock.progress.value() == sum(s.status in REVIEWED for s in fresh.rows)
    assert dock.progress.maximum() == max(1, len(fresh.rows))
    expected = []
    for item in pr.items():
        model = pr.segments(item.id, source=Source.MODEL)
        done = sum(s.status != Status.PROPOSED for s in model)
        expected.append([str(len(model)) if model else "–", f"{round(100 * done / len(model))} %" if model else "–"])
    assert [r[2:4] for r in browser.row_texts()] == expected  # (then fps and length)


def full_reads(ctl: ReviewController, browser: ProjectBrowser) -> int:
    return (ctl.timeline_dock.timeline.changes.full_reads + ctl.proposals_dock.model.changes.full_reads
            + browser.changes.full_reads)


def test_key_edits_undo_redo_show_what_the_project_holds(qtbot, env):
    pr, a, b, props, state, ctl, browser, win = env
    ctl.auto_advance = False
    check_views(pr, state, ctl, browser)
    reads = full_reads(ctl, browser)
    state.set_selection([props[3].id])
    key(qtbot, win, Qt.Key.Key_A)
    check_views(pr, state, ctl, browser)
    state.set_selection([props[5].id])
    key(qtbot, win, Qt.Key.Key_R)
    check_views(pr, state, ctl, browser)
    state.set_selection([props[2].id])
    key(qtbot, win, Qt.Key.Key_1)  # the first label's key: relabel
    assert pr.segment(props[2].id).label == pr.taxonomy.names[0]
    check_views(pr, state, ctl, browser)
    state.set_selection([props[4].id])
    key(qtbot, win, Qt.Key.Key_Delete)
    assert props[4].id not in [s.id for s in ctl.proposals_dock.model.rows]
    check_views(pr, state, ctl, browser)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the deleted one comes back
    assert props[4].id in [s.id for s in ctl.proposals_dock.model.rows]
    check_views(pr, state, ctl, browser)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    check_views(pr, state, ctl, browser)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    check_views(pr, state, ctl, browser)
    # edges moved by the keys: same segment, new frames
    state.set_selection([props[8].id])
    key(qtbot, win, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert pr.segment(props[8].id).start == props[8].start - 1
    check_views(pr, state, ctl, browser)
    key(qtbot, win, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert pr.segment(props[8].id).end == props[8].end + 1
    check_views(pr, state, ctl, browser)
    # a new segment of one's own (I ... O) and a note saved in the inspector
    state.set_selection([])
    state.set_frame(10)
    key(qtbot, win, Qt.Key.Key_I)
    state.set_frame(30)
    key(qtbot, win, Qt.Key.Key_O)
    check_views(pr, state, ctl, browser)
    state.set_selection([props[6].id])
    ins = ctl.inspector_dock
    ins.note.setPlainText("looks away first")
    qtbot.keyClick(ins.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert pr.segment(props[6].id).note == "looks away first"
    check_views(pr, state, ctl, browser)
    assert full_reads(ctl, browser) == reads  # all of it was patched, nothing re-read in full


def test_sorted_filtered_list_keeps_order_selection_and_scroll(qtbot, env):
    pr, a, b, props, state, ctl, browser, win = env
    ctl.auto_advance = False
    dock = ctl.proposals_dock
    dock.table.sortByColumn(COL_STATUS, Qt.SortOrder.DescendingOrder)
    for sid in (props[1].id, props[7].id):
        state.set_selection([sid])
        key(qtbot, win, Qt.Key.Key_A)  # the row moves to its sorted place
        check_views(pr, state, ctl, browser)
        assert dock.selected_segment().id == sid
    dock.filter_box.setCurrentIndex(1)  # to review only
    state.set_selection([props[9].id])
    key(qtbot, win, Qt.Key.Key_R)  # leaves the filtered list
    check_views(pr, state, ctl, browser)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # comes back
    check_views(pr, state, ctl, browser)


def test_edits_made_elsewhere_are_caught(qtbot, env):
    pr, a, b, props, state, ctl, browser, win = env
    reads = full_reads(ctl, browser)
    other = Project.open(pr.path, annotator="bob")  # another window or program
    try:
        other.accept(props[0].id)
        other.create_segment(Segment(a.id, other.tier("bob").id, 50, 80, pr.taxonomy.names[2], source=Source.HUMAN,
                                     status=Status.ACCEPTED))  # on a tier the timeline has no row for yet
        other.reject(other.segments(b.id)[0].id)
        other.replace_proposals(a.id, [Segment(a.id, pr.proposals_tier.id, 200, 260, pr.taxonomy.names[1],
                                               source=Source.MODEL, status=Status.PROPOSED, confidence=0.4)])
    finally:
        other.close()
    state.notify_segments_changed()
    check_views(pr, state, ctl, browser)
    assert full_reads(ctl, browser) == reads
    # more changes than the log lists one by one: everything is re-read, still exact
    pr.CHANGES_LIMIT = 5
    propose(pr, a.id, 20, 6000, seed=3)
    state.notify_segments_changed()
    check_views(pr, state, ctl, browser)
    assert full_reads(ctl, browser) == reads + 3


def test_one_key_press_with_10000_proposals_reads_only_what_changed(qtbot, tmp_path):
    frames = int(2 * 3600 * 30)
    pr, a, b, props, state, ctl, browser, win = make_env(qtbot, tmp_path, 10_000, frames)
    try:
        ctl.auto_advance = False
        dock = ctl.proposals_dock
        tl = ctl.timeline_dock.timeline
        statements: list[str] = []
        pr._db.set_trace_callback(statements.append)
        reads = full_reads(ctl, browser)
        mid = dock.model.rows[5000].id
        dock.select_segment(mid)  # scrolls the row into view
        scroll = dock.table.verticalScrollBar().value()
        assert scroll > 0
        for k, mods in ((Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier),
                        (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier),
                        (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
                        (Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier)):
            state.set_selection([mid])
            tl.grab()
            queries = tl.cache.queries
            statements.clear()
            key(qtbot, win, k, mods)
            tl.grab()
            assert tl.cache.queries == queries  # no window of the timeline was read again
            assert len(statements) < 80, statements  # a few dozen small statements, not the item
            assert not [s for s in statements if "source = ?" in s and "id IN" not in s and "count" not in s]
        assert full_reads(ctl, browser) == reads
        assert dock.table.verticalScrollBar().value() == scroll
        assert dock.selected_segment().id == mid
        pr._db.set_trace_callback(None)
        check_views(pr, state, ctl, browser)
    finally:
        pr.close()
