"""Timeline: mouse editing at known frames, zoom, seeking, 10,000 segments, motion rows."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication

from mgstudio.app.session.state import AppState
from mgstudio.app.timeline import TimelineDock, TimelineWidget
from mgstudio.app.timeline.viewport import HEADER_W, RULER_H, TIER_H
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence

N_FRAMES = 800  # with an 800-px canvas the whole video is exactly one frame per pixel
FPS = 25.0


def skeleton(n: int, start_frame: int = 0, moving: slice | None = None) -> SkeletonSequence:
    rng = np.random.default_rng(0)
    w = np.repeat(rng.uniform(-0.3, 0.3, (1, CANONICAL.num_joints, 3)), n, 0).astype(np.float32)
    if moving is not None:
        lh = list(CANONICAL.parts["left_hand"])
        k = moving.stop - moving.start
        w[moving, lh, 0] += np.linspace(0, 0.3, k, dtype=np.float32)[:, None]
        w[moving.stop:, lh, 0] += 0.3
    return SkeletonSequence(CANONICAL, w[..., :2] * 100 + 300, np.ones((n, CANONICAL.num_joints)), FPS, w,
                            start_frame=start_frame)


def fidgeting_holistic(n: int, seed: int, jitter: float) -> SkeletonSequence:
    """``n`` frames at 30 fps of a MediaPipe Holistic body that stays put and jitters a little."""
    from mgstudio.core.layouts import MEDIAPIPE_HOLISTIC

    rng = np.random.default_rng(seed)
    j = MEDIAPIPE_HOLISTIC.num_joints
    world = (rng.uniform(-0.3, 0.3, (1, j, 3)) + rng.normal(0, jitter, (n, j, 3))).astype(np.float32)
    return SkeletonSequence(MEDIAPIPE_HOLISTIC, world[..., :2] * 500 + 300, np.ones((n, j), np.float32), 30.0, world)


@pytest.fixture
def project(tmp_path):
    pr = Project.create(tmp_path / "t", taxonomy="imigue", annotator="alice")
    yield pr
    pr.close()


@pytest.fixture
def item(project):
    return project.add_skeleton_item("clip", skeleton(N_FRAMES, moving=slice(400, 430)))


def showing(project, item_id) -> AppState:
    """An app state with ``project`` open at item ``item_id`` (what a view is given)."""
    state = AppState()
    state.set_project(project)
    state.set_item(item_id)
    return state


def make_timeline(qtbot, project, item_id) -> TimelineWidget:
    tl = TimelineWidget(showing(project, item_id))
    qtbot.addWidget(tl)
    tl.resize(HEADER_W + N_FRAMES, 320)
    tl.show()
    qtbot.waitExposed(tl)
    assert tl.view.fpp == pytest.approx(1.0)
    return tl


def y_of(tl: TimelineWidget, tier_name: str) -> float:
    row = next(r for r in tl.rows if r.kind == "tier" and r.tier.name == tier_name)
    return row.top + row.height / 2


def x_of(frame: float) -> float:
    return HEADER_W + frame  # one frame per pixel


def send(widget, kind, x, y, buttons=Qt.MouseButton.LeftButton, mods=Qt.KeyboardModifier.NoModifier):
    btn = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else buttons
    pos = QPointF(x, y)
    ev = QMouseEvent(kind, pos, widget.mapToGlobal(pos), btn, held, mods)
    QApplication.sendEvent(widget, ev)


def drag(widget, x1, y1, x2, y2, steps=6):
    send(widget, QEvent.Type.MouseButtonPress, x1, y1)
    for i in range(1, steps + 1):
        send(widget, QEvent.Type.MouseMove, x1 + (x2 - x1) * i / steps, y1 + (y2 - y1) * i / steps)
    send(widget, QEvent.Type.MouseButtonRelease, x2, y2)


def test_drag_on_empty_tier_creates_segment_with_current_label(qtbot, project, item):
    tl = make_timeline(qtbot, project, item.id)
    label = project.taxonomy.names[3]
    tl.set_current_label(label)
    with qtbot.waitSignal(tl.edited):
        drag(tl, x_of(100.2), y_of(tl, "alice"), x_of(149.8), y_of(tl, "alice"))
    segs = project.segments(item.id, tier_id="alice")
    assert [(s.start, s.end, s.label, s.status, s.source) for s in segs] == \
        [(100, 150, label, Status.ACCEPTED, Source.HUMAN)]
    assert tl.selection == [segs[0].id]  # the new segment is selected
    # dragging right to left works the same
    drag(tl, x_of(300), y_of(tl, "alice"), x_of(260), y_of(tl, "alice"))
    assert [(s.start, s.end) for s in project.segments(item.id, tier_id="alice")] == [(100, 150), (260, 300)]
    project.undo()
    assert len(project.segments(item.id, tier_id="alice")) == 1


def test_drag_without_label_tells_the_user(qtbot, project, item):
    tl = make_timeline(qtbot, project, item.id)
    with qtbot.waitSignal(tl.message) as msg:
        drag(tl, x_of(100), y_of(tl, "alice"), x_of(150), y_of(tl, "alice"))
    assert "label" in msg.args[0]
    assert project.segments(item.id) == []


def test_move_and_resize_by_mouse_snap_to_frames(qtbot, project, item):
    seg = project.create_segment(Segment(item.id, project.tier("alice").id, 200, 260, "turtle neck"))
    tl = make_timeline(qtbot, project, item.id)
    y = y_of(tl, "alice")
    # click selects
    with qtbot.waitSignal(tl.selectionChanged) as sel:
        send(tl, QEvent.Type.MouseButtonPress, x_of(230), y)
        send(tl, QEvent.Type.MouseButtonRelease, x_of(230), y)
    assert sel.args[0] == [seg.id]
    # move the body 30.4 px right: snapped to 30 frames
    drag(tl, x_of(230), y, x_of(260.4), y)
    assert (project.segment(seg.id).start, project.segment(seg.id).end) == (230, 290)
    # resize the end edge from 290 to 320, then the start edge from 230 to 215
    drag(tl, x_of(290) - 1, y, x_of(320.3), y)
    drag(tl, x_of(230) + 1, y, x_of(214.8), y)
    s = project.segment(seg.id)
    assert (s.start, s.end, s.label) == (215, 320, "turtle neck")
    # the start edge cannot pass the end: at least one frame is left
    drag(tl, x_of(215) + 1, y, x_of(500), y)
    assert (project.segment(seg.id).start, project.segment(seg.id).end) == (319, 320)
    for _ in range(4):
        project.undo()
    assert (project.segment(seg.id).start, project.segment(seg.id).end) == (200, 260)


def test_dragging_on_my_tier_stops_at_the_neighbours(qtbot, project, item):
    tid = project.tier("alice").id
    a = project.create_segment(Segment(item.id, tid, 100, 150, "turtle neck"))
    project.create_segment(Segment(item.id, tid, 200, 250, "touching hat"))
    tl = make_timeline(qtbot, project, item.id)
    y = y_of(tl, "alice")
    drag(tl, x_of(125), y, x_of(225), y)  # move onto the neighbour: stops against it
    assert (project.segment(a.id).start, project.segment(a.id).end) == (150, 200)
    drag(tl, x_of(150) + 1, y, x_of(20), y)  # resize the start far left: free all the way
    assert (project.segment(a.id).start, project.segment(a.id).end) == (20, 200)
    tl.set_current_label("rubbing eyes")
    drag(tl, x_of(300), y, x_of(240), y)  # create towards the neighbour: starts where it ends
    made = project.segments(item.id, tier_id="alice")[-1]
    assert (made.start, made.end, made.label) == (250, 300, "rubbing eyes")


def test_a_refused_edit_is_explained_and_nothing_changes(qtbot, project, item):
    a = project.create_segment(Segment(item.id, project.tier("alice").id, 100, 150, "turtle neck"))
    tl = make_timeline(qtbot, project, item.id)
    with qtbot.waitSignal(tl.message) as msg:
        tl.actions.set_bounds(a.id, 700, 900)  # past the end of the clip: refused by the one edit path
    assert "outside" in msg.args[0]
    assert (project.segment(a.id).start, project.segment(a.id).end) == (100, 150)


def test_editing_a_proposal_by_mouse_marks_it_edited(qtbot, project, item):
    (p,) = project.add_segments([Segment(item.id, project.proposals_tier.id, 300, 340, "rubbing eyes",
                                         source=Source.MODEL, status=Status.PROPOSED, confidence=0.4)])
    tl = make_timeline(qtbot, project, item.id)
    y = y_of(tl, "proposals")
    drag(tl, x_of(340) - 1, y, x_of(360), y)
    s = project.segment(p.id)
    assert (s.start, s.end, s.status) == (300, 360, Status.EDITED)


def test_click_and_drag_on_ruler_seeks(qtbot, project, item):
    tl = make_timeline(qtbot, project, item.id)
    seen = []
    tl.seekRequested.connect(seen.append)
    send(tl, QEvent.Type.MouseButtonPress, x_of(123.5), RULER_H / 2)
    for x in (x_of(150), x_of(170.2)):
        send(tl, QEvent.Type.MouseMove, x, RULER_H / 2)
    send(tl, QEvent.Type.MouseButtonRelease, x_of(170.2), RULER_H / 2)
    assert seen[0] == 123 and seen[-1] == 170 and tl.frame == 170
    # a click on empty space of a tier seeks too, without creating anything
    send(tl, QEvent.Type.MouseButtonPress, x_of(42.5), y_of(tl, "alice"))
    send(tl, QEvent.Type.MouseButtonRelease, x_of(42.5), y_of(tl, "alice"))
    assert seen[-1] == 42 and project.segments(item.id) == []


def test_wheel_zooms_around_pointer_down_to_single_frames(qtbot, project, item):
    tl = make_timeline(qtbot, project, item.id)
    x = x_of(400)

    def wheel(dy):
        pos = QPointF(x, y_of(tl, "alice"))
        ev = QWheelEvent(pos, tl.mapToGlobal(pos), QPoint(0, 0), QPoint(0, dy), Qt.MouseButton.NoButton,
                         Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(tl, ev)

    for _ in range(30):
        wheel(120)
    assert 1 / tl.view.fpp >= 40  # a frame is at least 40 px wide
    assert tl.view.frame_at(x - HEADER_W) == pytest.approx(400, abs=0.01)  # the frame under the pointer stays
    for _ in range(40):
        wheel(-120)
    assert tl.view.fpp == pytest.approx(1.0) and tl.view.first == 0  # back to the whole video


def test_playhead_follows_frame_and_pages_the_view(qtbot, project, item):
    tl = make_timeline(qtbot, project, item.id)
    tl.zoom(8, anchor_x=0)  # frames 0..100 visible
    assert tl.view.last == pytest.approx(100)
    tl.set_frame(350)
    a, b = tl.view.visible_range
    assert a <= 350 < b


def pixel(img, x, y) -> QColor:
    return QColor(img.pixel(int(x), int(y)))


def test_segments_drawn_with_label_colour_and_status(qtbot, project, item):
    tax = project.taxonomy
    lab = tax.labels[0]
    prop = project.proposals_tier.id
    project.add_segments([
        Segment(item.id, prop, 100, 200, lab.name, source=Source.MODEL, status=Status.PROPOSED, confidence=0.9),
        Segment(item.id, prop, 300, 400, lab.name, source=Source.MODEL, status=Status.REJECTED, confidence=0.9),
    ])
    project.create_segment(Segment(item.id, project.tier("alice").id, 500, 600, lab.name))
    tl = make_timeline(qtbot, project, item.id)
    img = tl.grab().toImage()
    want = QColor(lab.color)
    accepted = pixel(img, x_of(550), y_of(tl, "alice"))
    assert abs(accepted.hue() - want.hue()) <= 6 and accepted.saturation() > 60
    rejected = pixel(img, x_of(350), y_of(tl, "proposals") + 2)
    assert rejected.saturation() < 30  # greyed out
    # proposed: hatched, so neighbouring pixels along a row differ
    row = {pixel(img, x_of(f), y_of(tl, "proposals")).rgb() for f in range(120, 140)}
    assert len(row) >= 2
    empty = pixel(img, x_of(700), y_of(tl, "proposals"))
    assert empty.saturation() < 20


def test_ten_thousand_segments_two_hour_video(qtbot, project):
    n = 2 * 3600 * 30
    it = project.add_skeleton_item("long", skeleton(2, start_frame=n - 2))
    rng = np.random.default_rng(3)
    starts = np.sort(rng.choice(n - 100, 10_000, replace=False))
    names = project.taxonomy.names
    project.add_segments([Segment(it.id, project.proposals_tier.id, int(s), int(s) + 1 + int(rng.integers(5, 60)),
                                  names[i % len(names)], source=Source.MODEL, status=Status.PROPOSED,
                                  confidence=float(rng.uniform(0.1, 1))) for i, s in enumerate(starts)])
    tl = TimelineWidget(showing(project, it.id))
    qtbot.addWidget(tl)
    tl.resize(HEADER_W + 1000, 300)
    tl.show()
    qtbot.waitExposed(tl)
    img = tl.grab().toImage()  # whole video: all 10,000 visible
    assert tl.cache.queries == len(tl.tiers)  # one range query per tier...
    tl.grab()
    assert tl.cache.queries == len(tl.tiers)  # ...and repaints come from the cache
    y = int(y_of(tl, "proposals"))
    bg = tl.palette().color(QPalette.ColorRole.Base).rgb()  # the proposals row's empty background
    coloured = sum(pixel(img, HEADER_W + x, y).rgb() != bg for x in range(1000))
    assert coloured > 900  # 10,000 segments over 1,000 px cover nearly every pixel column
    tl.zoom(500, anchor_x=500)  # ~15 s visible: only a handful of segments
    a, b = tl.view.visible_range
    vis = tl.visible_segments(project.proposals_tier.id)
    assert 0 < len(vis) < 50 and all(s.end > a and s.start < b for s in vis)
    assert {s.id for s in vis} == {s.id for s in project.segments(it.id, start=a, end=b)}
    tl.grab()


def test_dock_shows_motion_energy_where_the_hand_moves(qtbot, project, item):
    dock = TimelineDock(showing(project, item.id))
    qtbot.addWidget(dock)
    dock.resize(HEADER_W + N_FRAMES + 20, 360)
    dock.show()
    qtbot.waitUntil(lambda: dock.timeline.motion is not None, timeout=10000)
    tl = dock.timeline
    tl.resize(HEADER_W + N_FRAMES, tl.height())
    tl.view.resize(N_FRAMES)
    tl.view.fit()
    img = tl.grab().toImage()
    row = next(r for r in tl.rows if r.part == "left_hand")
    top = row.top + 3  # near the top of the row: only a strong movement reaches it

    def filled(frame):
        return pixel(img, x_of(frame), top).rgb() != pixel(img, x_of(5), top).rgb()

    assert filled(415)
    assert not filled(200) and not filled(600)
    other = next(r for r in tl.rows if r.part == "right_hand")
    assert pixel(img, x_of(415), other.top + 3).rgb() == pixel(img, x_of(200), other.top + 3).rgb()
    # a zoom bar tells how much a pixel covers
    assert "frame" in dock.zoom_label.text()


def test_dock_follows_state_and_reloads_movement_after_extraction(qtbot, project):
    from mgstudio.app.session.state import AppState

    it = project.add_skeleton_item("clip", skeleton(N_FRAMES))  # a still body
    state = AppState()
    dock = TimelineDock(state)
    qtbot.addWidget(dock)
    dock.resize(HEADER_W + N_FRAMES + 20, 360)
    dock.show()
    state.set_project(project)
    state.set_item(it.id)
    tl = dock.timeline
    assert tl.item_id == it.id
    qtbot.waitUntil(lambda: tl.motion is not None, timeout=10000)
    assert np.nanmax(tl.motion.parts["left_hand"]) < 1e-3
    # a new skeleton is stored (e.g. extraction finished) and the window refreshes the item
    project.save_skeleton(it.id, skeleton(N_FRAMES, moving=slice(100, 130)))
    state.refresh_item()
    qtbot.waitUntil(lambda: tl.motion is not None and np.nanmax(tl.motion.parts["left_hand"]) > 0.1, timeout=10000)
    # seeking on the timeline moves the state's frame; the state's frame moves the playhead
    with qtbot.waitSignal(state.frameChanged):
        tl.seekRequested.emit(321)
    assert state.frame == 321
    state.set_frame(10)
    assert tl.frame == 10


def test_right_click_menu_splits_merges_relabels_and_reviews(qtbot, project, item):
    tid = project.tier("alice").id
    a = project.create_segment(Segment(item.id, tid, 100, 200, "turtle neck"))
    (p,) = project.add_segments([Segment(item.id, project.proposals_tier.id, 300, 340, "rubbing eyes",
                                         source=Source.MODEL, status=Status.PROPOSED, confidence=0.4)])
    tl = make_timeline(qtbot, project, item.id)

    def run(seg, text):
        menu = tl.segment_menu(project.segment(seg.id))
        acts = {x.text(): x for x in menu.actions()}
        sub = acts["Change label"].menu()
        acts.update({x.text(): x for x in sub.actions()})
        key = next(k for k in acts if k.startswith(text))
        assert acts[key].isEnabled(), key
        acts[key].trigger()

    run(p, "Accept")
    assert project.segment(p.id).status == Status.ACCEPTED
    tl.set_frame(150)
    run(a, "Split at the playhead")
    left, right = project.segments(item.id, tier_id="alice")
    assert (left.start, left.end, right.start, right.end) == (100, 150, 150, 200)
    run(left, "Merge with the next")
    (merged,) = project.segments(item.id, tier_id="alice")
    assert (merged.start, merged.end) == (100, 200)
    run(merged, "touching hat")
    assert project.segment(merged.id).label == "touching hat"
    run(merged, "Delete")
    assert project.segments(item.id, tier_id="alice") == []


def test_dragging_past_the_right_edge_scrolls_and_keeps_moving(qtbot, project, item):
    seg = project.create_segment(Segment(item.id, project.tier("alice").id, 40, 60, "turtle neck"))
    tl = make_timeline(qtbot, project, item.id)
    tl.zoom(8, anchor_x=0)  # frames 0..100 visible, 8 px per frame
    y = y_of(tl, "alice")
    x0 = HEADER_W + 50 * 8
    send(tl, QEvent.Type.MouseButtonPress, x0, y)
    edge = HEADER_W + tl.view.width - 2
    for _ in range(20):  # the user holds the pointer at the right edge, wiggling
        send(tl, QEvent.Type.MouseMove, edge, y)
    assert tl.view.first > 20
    send(tl, QEvent.Type.MouseButtonRelease, edge, y)
    s = project.segment(seg.id)
    assert s.start > 100 and s.length == 20


# ---------------------------------------------------------------- motion rows from the shared loader
def _state_dock(qtbot, project):
    """An app state, its skeleton loader (made first, as the player does) and a timeline dock."""
    from mgstudio.app.session.skeleton_loader import skeleton_loader
    from mgstudio.app.session.state import AppState

    state = AppState()
    skeleton_loader(state)
    dock = TimelineDock(state)
    qtbot.addWidget(dock)
    dock.resize(HEADER_W + N_FRAMES + 20, 360)
    dock.show()
    state.set_project(project)
    return state, dock


def test_movement_rows_come_from_the_shared_skeleton_read_and_are_right(qtbot, project, item, monkeypatch, tmp_path):
    from mgstudio.core.motion import motion_energy

    calls = []
    read = project.load_skeleton
    monkeypatch.setattr(project, "load_skeleton", lambda item_id: calls.append(item_id) or read(item_id))
    still = project.add_skeleton_item("still", skeleton(N_FRAMES))
    state, dock = _state_dock(qtbot, project)
    tl = dock.timeline
    state.set_item(item.id)
    qtbot.waitUntil(lambda: tl.motion is not None and not tl.property("motion_pending"), timeout=10000)
    expected = motion_energy(project.load_skeleton(item.id))
    calls.pop()  # the line above
    for part in expected.parts:
        assert np.array_equal(tl.motion.parts[part], expected.parts[part], equal_nan=True), part
    assert np.nanmax(tl.motion.parts["left_hand"][405:425]) > 0.1
    assert calls == [item.id]  # read once, by the loader the player and the 3D view share
    dock.grab().save(str(tmp_path / "motion_rows.png"))
    # another item, then back: the movement of the first is remembered, its skeleton read again once
    state.set_item(still.id)
    qtbot.waitUntil(lambda: tl.motion is not None and tl.item_id == still.id, timeout=10000)
    assert np.nanmax(tl.motion.parts["left_hand"]) < 1e-3
    state.set_item(item.id)
    assert tl.motion is not None and np.nanmax(tl.motion.parts["left_hand"]) > 0.1  # at once
    qtbot.waitUntil(lambda: not dock.loader.loading, timeout=10000)
    assert calls == [item.id, still.id, item.id]
    # a new skeleton of the current item (an extraction finished): computed again, read once more
    project.save_skeleton(item.id, skeleton(N_FRAMES))
    state.notify_skeleton_changed(item.id)
    assert tl.motion is None and tl.property("motion_pending")
    qtbot.waitUntil(lambda: tl.motion is not None, timeout=10000)
    assert np.nanmax(tl.motion.parts["left_hand"]) < 1e-3
    assert calls == [item.id, still.id, item.id, item.id]


def test_leaving_an_item_stops_its_movement_computation_early(qtbot, project, item):
    import time

    from mgstudio.core.motion import motion_energy

    long_seq = fidgeting_holistic(36_000, seed=2, jitter=0.002)  # 20 minutes at 30 fps
    long_item = project.add_skeleton_item("twenty minutes", long_seq)
    t0 = time.perf_counter()
    motion_energy(long_seq)  # what a full computation takes here, now
    full_s = time.perf_counter() - t0

    state, dock = _state_dock(qtbot, project)
    tl = dock.timeline
    long_key = dock._key_of(long_item.id)
    stops = []
    dock.motion.cancelled.connect(lambda key: stops.append((key, time.perf_counter())))
    state.set_item(long_item.id)
    qtbot.waitUntil(lambda: dock.motion.computing(long_key), timeout=20000)
    qtbot.wait(20)  # the computation is under way
    t_switch = time.perf_counter()
    state.set_item(item.id)  # the user moves on
    qtbot.waitUntil(lambda: len(stops) > 0, timeout=10000)
    stop_s = stops[0][1] - t_switch
    assert stops[0][0] == long_key
    assert dock.motion.cached(long_key) is None  # it did not run to its end
    print(f"\nfull computation {1000 * full_s:.0f} ms; stopped {1000 * stop_s:.0f} ms after the switch")
    assert stop_s < full_s / 2
    qtbot.waitUntil(lambda: tl.motion is not None, timeout=10000)  # the item now shown gets its rows
    assert tl.item_id == item.id and np.nanmax(tl.motion.parts["left_hand"]) > 0.1


def test_switching_items_in_the_window_reads_each_skeleton_once(qtbot, tmp_path, monkeypatch):
    import os

    if not os.environ.get("DISPLAY"):
        pytest.skip("the main window's 3D view needs a display: run under xvfb-run")
    from mgstudio.workflows.demo import build_demo_project
    from mgstudio.app.shell.main_window import MainWindow

    path = build_demo_project(tmp_path / "demo")
    with Project.open(path) as p:
        video_id = p.items()[0].id
        other_id = p.add_skeleton_item("clip", skeleton(N_FRAMES, moving=slice(400, 430))).id
    calls = []
    read = Project.load_skeleton
    monkeypatch.setattr(Project, "load_skeleton", lambda self, item_id: calls.append(item_id) or read(self, item_id))
    for name in ("MGSTUDIO_SETTINGS", "XDG_CACHE_HOME", "MGSTUDIO_DATA_DIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_project(path, restore=False)
    tl = w.review.timeline_dock.timeline

    def settled(item_id: int) -> bool:
        return (w.state.item_id == item_id and tl.item_id == item_id and tl.motion is not None
                and w.player.skeleton is not None)

    qtbot.waitUntil(lambda: settled(video_id), timeout=20000)
    assert calls == [video_id]
    for item_id in (other_id, video_id, other_id):
        w.state.set_item(item_id)
        qtbot.waitUntil(lambda: settled(item_id), timeout=20000)
    qtbot.wait(200)  # nothing else reads it afterwards
    assert calls == [video_id, other_id, video_id, other_id]
    assert np.nanmax(tl.motion.parts["left_hand"]) > 0.1  # the rows of the item shown
    w.grab().save(str(tmp_path / "window.png"))
    w.close()


def test_queued_movement_jobs_of_left_items_never_start(qtbot):
    import threading

    from mgstudio.app.timeline.motion_job import MotionComputer

    comp = MotionComputer()
    release, loads = threading.Event(), []

    def slow_load(name):
        def load():
            loads.append(name)
            if name == "a":
                release.wait(10)  # the first item is still being read...
            return skeleton(200, moving=slice(50, 80))
        return load

    stopped, ready = [], []
    comp.cancelled.connect(stopped.append)
    comp.ready.connect(lambda key, motion: ready.append(key))
    assert comp.request("a", slow_load("a")) is None
    qtbot.waitUntil(lambda: loads == ["a"], timeout=5000)
    comp.request("b", slow_load("b"))  # ...the user passes over a second one (queued behind it)...
    comp.request("c", slow_load("c"))  # ...and stops at a third
    assert not comp.computing("a") and not comp.computing("b") and comp.computing("c")
    release.set()
    qtbot.waitUntil(lambda: ready == ["c"], timeout=10000)
    assert loads == ["a", "c"]  # the second item's job never started its work
    assert sorted(stopped) == ["a", "b"]
    assert comp.cached("c") is not None and comp.cached("a") is None
    assert comp.wait(5000)


def test_an_unreadable_skeleton_leaves_the_rows_empty_with_a_reason(qtbot, project, item, monkeypatch):
    from mgstudio.core.errors import FormatError

    def broken(item_id):
        raise FormatError("The skeleton file of this recording is damaged.")

    monkeypatch.setattr(project, "load_skeleton", broken)
    state, dock = _state_dock(qtbot, project)
    state.set_item(item.id)
    qtbot.waitUntil(lambda: "damaged" in dock.status_label.text(), timeout=10000)
    assert dock.status_label.text() == "Movement could not be computed: The skeleton file of this recording is damaged."
    assert dock.timeline.motion is None and not dock.timeline.property("motion_pending")


def test_long_recordings_get_the_same_rows_from_the_helper_process(qtbot, project, item) -> None:
    """Over PROCESS_FRAMES frames the rows are computed in the helper process, from the stored
    file, and are exactly what motion_energy gives here; leaving such an item stops its job there."""
    import time

    from mgstudio.app.timeline import motion_job
    from mgstudio.core.motion import motion_energy

    seq = fidgeting_holistic(motion_job.PROCESS_FRAMES + 3_000, seed=5, jitter=0.01)
    long_item = project.add_skeleton_item("long", seq)
    motion_job.warm_up()  # the helper process is started once per app: not part of the figures
    # it is a lean process: it never loads Qt (its functions live in the Qt-free workflows.motion)
    qt_there = motion_job._process_pool().submit(eval, "'PySide6.QtCore' in __import__('sys').modules")
    assert qt_there.result(timeout=30) is False
    state, dock = _state_dock(qtbot, project)
    tl = dock.timeline
    key = dock._key_of(long_item.id)
    t0 = time.perf_counter()
    state.set_item(long_item.id)
    qtbot.waitUntil(lambda: dock.motion.computing(key), timeout=20000)
    ticket = dock.motion._pending[key]
    assert ticket.submitted.wait(20) and ticket.future is not None  # handed to the helper process
    qtbot.waitUntil(lambda: tl.motion is not None and tl.item_id == long_item.id, timeout=60000)
    full_s = time.perf_counter() - t0
    expected = motion_energy(project.load_skeleton(long_item.id))
    for part, values in expected.parts.items():
        assert np.array_equal(tl.motion.parts[part], values, equal_nan=True), part
    # a new skeleton for it, then the user leaves while it is computed again
    stops = []
    dock.motion.cancelled.connect(lambda k: stops.append(time.perf_counter()))
    project.save_skeleton(long_item.id, seq)
    state.notify_skeleton_changed(long_item.id)
    qtbot.waitUntil(lambda: dock.motion.computing(key), timeout=20000)
    qtbot.wait(20)
    t_switch = time.perf_counter()
    state.set_item(item.id)
    qtbot.waitUntil(lambda: len(stops) > 0, timeout=20000)
    print(f"\nhelper process: {1000 * full_s:.0f} ms for the rows; stopped {1000 * (stops[0] - t_switch):.0f} ms "
          "after the switch")
    assert stops[0] - t_switch < full_s
    assert dock.motion.cached(key) is None
    qtbot.waitUntil(lambda: tl.motion is not None and tl.item_id == item.id, timeout=20000)
    # the app closing stops a computation under way at once (quitting does not wait for it)
    state.set_item(long_item.id)
    qtbot.waitUntil(lambda: dock.motion.computing(key), timeout=20000)
    assert dock.motion._pending[key].submitted.wait(20)
    qtbot.wait(50)
    t_quit = time.perf_counter()
    motion_job.stop_all()  # what QApplication.aboutToQuit triggers
    qtbot.waitUntil(lambda: len(stops) > 1, timeout=20000)
    assert stops[1] - t_quit < full_s and dock.motion.cached(key) is None


def test_the_menu_keeps_the_review_keys_rules(qtbot, project, item) -> None:
    """Right-click ▸ Change label on a rejected proposal is refused with the same sentence as a
    label key (one edit path), so a false positive never comes back as "edited"."""
    from mgstudio.app.session.actions import REJECTED_NEEDS_ACCEPT
    from mgstudio.core.project.rows import PROPOSALS_TIER

    tier = project.ensure_tier(PROPOSALS_TIER, kind="model")
    names = project.taxonomy.names
    seg = project.create_segment(Segment(item.id, tier.id, 100, 150, names[0], source=Source.MODEL,
                                         status=Status.PROPOSED, confidence=0.4))
    project.reject(seg.id)
    tl = make_timeline(qtbot, project, item.id)
    menu = tl.segment_menu(project.segment(seg.id))
    change = next(a for a in menu.actions() if a.text() == "Change label").menu()
    with qtbot.waitSignal(tl.message) as msg:
        next(a for a in change.actions() if a.text() == names[1]).trigger()
    assert msg.args == [REJECTED_NEEDS_ACCEPT]
    assert project.segment(seg.id).status == Status.REJECTED and project.segment(seg.id).label == names[0]
