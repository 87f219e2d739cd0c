"""The player shows exactly the frame it says, steps/seeks/plays, loops segments, and plays
skeleton-only recordings with a per-part 2D overlay."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QImage

from mgstudio.app.player import PlayerWidget
from mgstudio.app.player.frame_view import qimage_rgb
from mgstudio.app.session.state import AppState
from mgstudio.core.layouts import get_layout
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.media.video import probe

from tests.support.clips import make_numbered_clip, read_number

N = 120


def image_number(img: QImage) -> int:
    return read_number(qimage_rgb(img))


@pytest.fixture
def project(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    clip = make_numbered_clip(tmp_path / "numbers.mp4", n_frames=N, bframes=3, gop=24)
    p = Project.create(tmp_path / "p.mgproj", annotator="ana")
    item = p.add_video(clip, info=probe(clip))
    tier = p.ensure_tier("ana")
    p.create_segment(Segment(item.id, tier.id, 30, 40, "folding arms"))
    p.create_segment(Segment(item.id, tier.id, 70, 80, "touching ears"))
    yield p
    p.close()


@pytest.fixture
def player(qtbot, project):
    state = AppState()
    w = PlayerWidget(state)
    qtbot.addWidget(w)
    w.resize(640, 480)
    w.show()
    state.set_project(project)
    state.set_item(project.items()[0].id)
    yield w
    w.close_media()


def wait_shown(qtbot, player, frame: int) -> None:
    qtbot.waitUntil(lambda: player.view.shown_frame == frame, timeout=5000)


def test_seek_and_step_show_the_frame_asked_for(qtbot, player) -> None:
    state = player.state
    rng = random.Random(3)
    targets = [rng.randrange(N) for _ in range(15)] + [N - 1, 0, 57]
    for f in targets:
        state.set_frame(f)
        wait_shown(qtbot, player, f)
        assert image_number(player.view.image) == f
        assert player.transport.frame_label.text() == f"Frame {f} / {N - 1}"
    player.transport.next_frame.click()
    wait_shown(qtbot, player, 58)
    assert image_number(player.view.image) == 58
    player.transport.back_frame.click()
    player.transport.back_frame.click()
    wait_shown(qtbot, player, 56)
    assert image_number(player.view.image) == 56
    player.transport.forward_second.click()  # 25 fps
    wait_shown(qtbot, player, 81)
    assert image_number(player.view.image) == 81
    assert player.transport.time_label.text() == "00:00:03.240"
    player.transport.slider.setValue(10)  # scrubbing
    wait_shown(qtbot, player, 10)
    assert image_number(player.view.image) == 10


def test_play_is_timed_and_frame_exact(qtbot, player) -> None:
    state = player.state
    shown: list[tuple[int, int]] = []
    state.frameChanged.connect(lambda f: None)
    orig = player._show

    def spy(frame: int, rgb: np.ndarray) -> None:
        shown.append((frame, read_number(rgb)))
        orig(frame, rgb)

    player._show = spy
    state.set_speed(2.0)
    t0 = time.perf_counter()
    state.set_playing(True)
    qtbot.waitUntil(lambda: not state.playing, timeout=20_000)
    elapsed = time.perf_counter() - t0
    assert state.frame == N - 1
    assert 0.8 * (N / 50) < elapsed < 3 * (N / 50) + 1, elapsed  # 120 frames at 2x 25 fps = 2.4 s
    assert len(shown) > N / 4  # most frames displayed despite a loaded machine
    assert all(f == number for f, number in shown)


def test_segments_jump_and_loop(qtbot, player) -> None:
    state = player.state
    player.transport.next_segment.click()
    assert state.frame == 30 and len(state.selection) == 1
    player.transport.next_segment.click()
    assert state.frame == 70
    player.transport.prev_segment.click()
    assert state.frame == 30
    player.transport.loop.setChecked(True)
    assert state.loop == (30, 40)
    state.set_playing(True)
    seen: set[int] = set()
    state.frameChanged.connect(seen.add)
    qtbot.wait(1200)  # ~30 frames at 25 fps: wraps around the 10-frame segment
    state.set_playing(False)
    assert seen and min(seen) >= 30 and max(seen) < 40
    assert 30 in seen and 39 in seen or len(seen) >= 8
    player.transport.loop.setChecked(False)
    assert state.loop is None


def test_skeleton_only_item_plays_with_part_toggles(qtbot, tmp_path) -> None:
    layout = get_layout("mediapipe_holistic")
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 1, (40, layout.num_joints, 2)).astype(np.float32)
    conf = np.ones((40, layout.num_joints), np.float32)
    conf[:, layout.parts["face"]] = 0.0  # face missing: not drawn
    with Project.create(tmp_path / "s.mgproj", annotator="ana") as p:
        item = p.add_skeleton_item("kinect take", SkeletonSequence(layout, xy, conf, 20.0))
        state = AppState()
        w = PlayerWidget(state)
        qtbot.addWidget(w)
        w.resize(500, 400)
        w.show()
        state.set_project(p)
        state.set_item(item.id)
        qtbot.waitUntil(lambda: w.skeleton is not None, timeout=5000)  # read in a thread
        state.set_frame(5)
        w.view.grab()
        n_all = w.view.joints_drawn
        assert n_all == layout.num_joints - len(layout.parts["face"])
        w.overlay_actions["left_hand"].setChecked(False)
        w.view.grab()
        assert w.view.joints_drawn == n_all - 21
        img = w.view.grab_rgb()
        assert (img.max(axis=2) > 100).sum() > 200  # bones and joints on the dark canvas
        w.overlay_actions["skeleton"].setChecked(False)
        w.view.grab()
        assert w.view.joints_drawn == 0
        state.set_playing(True)
        qtbot.waitUntil(lambda: not state.playing, timeout=10_000)
        assert state.frame == 39


# ---------------------------------------------------------------------- long recordings
TWO_HOURS_60FPS = 2 * 3600 * 60


def label_fits(label) -> bool:
    """The label's whole text fits in the width it has on screen."""
    return label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()


def in_bar(bar, widget):
    """``widget``'s rectangle in the transport bar's coordinates."""
    return widget.rect().translated(widget.mapTo(bar, widget.rect().topLeft()))


def test_frame_number_and_timecode_fit_at_every_width(qtbot, tmp_path) -> None:
    """Two hours at 60 fps: the labels are never cut, whatever the width, and do not move while
    the numbers change (their width is reserved for the widest number)."""
    from PySide6.QtWidgets import QApplication

    w = PlayerWidget(AppState())
    qtbot.addWidget(w)
    w.show()
    t = w.transport
    last = TWO_HOURS_60FPS - 1
    t.set_range(TWO_HOURS_60FPS, "01:59:59.983")
    narrowest = t.minimumSizeHint().width()
    assert narrowest < 470  # what the main window gives the player at 1200 px wide
    arrangements = set()
    for width in list(range(narrowest, 800, 3)) + list(range(800, 1400, 53)):  # across the switch
        w.resize(width, 400)
        qtbot.waitUntil(lambda: t.width() == width, timeout=2000)  # a loaded machine lays out late
        geometry = None
        for frame, tc in ((0, "00:00:00.000"), (88888, "00:24:41.467"), (last, "01:59:59.983")):
            t.set_position(frame, TWO_HOURS_60FPS, tc)
            QApplication.processEvents()
            assert t.frame_label.text() == f"Frame {frame} / {last}"
            assert label_fits(t.frame_label) and label_fits(t.time_label), (width, frame)
            now = (t.frame_label.geometry(), t.time_label.geometry(), t.readout.geometry())
            assert geometry in (None, now), f"the labels moved at width {width}"
            geometry = now
        right = t.time_label.mapTo(t, t.time_label.rect().topRight()).x()
        assert right < t.width(), f"the timecode runs off the bar at width {width}"
        shown = [t.speed, w.overlay_button, t.loop, t.next_segment, t.readout, t.slider]
        for i, a in enumerate(shown):  # nothing overlaps
            for b in shown[i + 1:]:
                assert not in_bar(t, a).intersects(in_bar(t, b)), (width, a, b)
            assert a is t.slider or a.width() >= a.minimumSizeHint().width(), (width, a)  # not squeezed
        arrangements.add(t._wide)
    assert arrangements == {False, True}  # beside the slider when narrow, with the buttons when wide
    w.resize(narrowest, 400)
    QApplication.processEvents()
    t.grab().save(str(tmp_path / "transport_narrowest.png"))


@pytest.mark.gl
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="the main window needs a display (xvfb-run)")
def test_main_window_at_1200_px_shows_the_full_frame_number(qtbot, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QApplication

    from mgstudio.app.shell.main_window import MainWindow

    monkeypatch.setenv("MGSTUDIO_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("MGSTUDIO_DATA_DIR", str(tmp_path / "data"))
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    t = win.player.transport
    t.set_range(TWO_HOURS_60FPS, "01:59:59.983")
    t.set_position(TWO_HOURS_60FPS - 1, TWO_HOURS_60FPS, "01:59:59.983")
    QApplication.processEvents()
    assert win.width() == 1200  # the bar no longer forces the window wider
    assert t.frame_label.text() == f"Frame {TWO_HOURS_60FPS - 1} / {TWO_HOURS_60FPS - 1}"
    assert label_fits(t.frame_label) and label_fits(t.time_label)
    assert t.time_label.mapTo(t, t.time_label.rect().topRight()).x() < t.width()
    win.grab().save(str(tmp_path / "window_1200.png"))
    win.close()


def test_ten_minute_video_seeks_near_the_end_exactly(qtbot, tmp_path, monkeypatch) -> None:
    """18,000 frames (H.264, B-frames, a keyframe every 2 s): far seeks and steps at the end
    show the frame asked for, and the label reads the full count."""
    from tests.support.long_clip import make_long_clip, read_long_number

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    clip = make_long_clip(tmp_path / "ten_minutes.mp4", 600, fps=30, size=(160, 128))
    n = 18_000
    with Project.create(tmp_path / "long.mgproj", annotator="ana") as p:
        item = p.add_video(clip, info=probe(clip, cache_dir=tmp_path / "probe"))  # player scans afresh
        state = AppState()
        w = PlayerWidget(state)
        qtbot.addWidget(w)
        w.resize(640, 480)
        w.show()
        state.set_project(p)
        state.set_item(item.id)
        wait_shown(qtbot, w, 0)
        assert w.transport.frame_label.text() == f"Frame 0 / {n - 1}"
        assert label_fits(w.transport.frame_label)

        def number_on_screen() -> int:
            return read_long_number(qimage_rgb(w.view.image))

        for f in (n - 1, 9_001, n - 61, 4_097, n - 2, 16_384):
            state.set_frame(f)
            wait_shown(qtbot, w, f)
            assert number_on_screen() == f
        assert w.transport.frame_label.text() == f"Frame 16384 / {n - 1}"
        state.set_frame(n - 1)
        wait_shown(qtbot, w, n - 1)
        assert w.transport.time_label.text() == "00:09:59.967"
        for expected in (n - 2, n - 3, n - 2, n - 1):
            w.transport.back_frame.click() if expected < state.frame else w.transport.next_frame.click()
            wait_shown(qtbot, w, expected)
            assert number_on_screen() == expected
        w.transport.next_frame.click()  # at the last frame: stays there
        assert state.frame == n - 1
        w.close_media()


def test_readout_makes_room_when_the_buttons_grow_without_a_resize(qtbot) -> None:
    """A button growing (restyled, renamed) while the bar keeps its width must not push the frame
    number and timecode over each other or off the bar (seen after re-docking the 3D view)."""
    from PySide6.QtCore import QPoint

    from mgstudio.app.player.transport import TransportBar

    from PySide6.QtWidgets import QWidget

    holder = QWidget()  # places the bar by hand: the bar cannot grow the window
    qtbot.addWidget(holder)
    bar = TransportBar(holder)
    bar.set_range(108_000, "01:00:00.000")
    holder.resize(1000, 80)
    holder.show()
    qtbot.waitExposed(holder)
    need = (bar._row_min_without_readout() + max(0, bar._row.spacing())
            + bar.readout.minimumSizeHint().width())
    bar.setGeometry(0, 0, need + 4, 60)  # just wide enough: the readout sits in the button row
    qtbot.waitUntil(lambda: bar._wide)
    bar.loop.setText("⟲ Loop the selected segment")  # the row grows, the bar does not
    qtbot.wait(100)

    def fits() -> bool:
        right = bar.time_label.mapTo(bar, QPoint(bar.time_label.width(), 0)).x()
        readout = bar.readout
        return right <= bar.width() and readout.width() >= readout.minimumSizeHint().width()

    qtbot.waitUntil(fits, timeout=2000)
    fm = bar.frame_label.fontMetrics()
    assert fm.horizontalAdvance(bar.frame_label.text()) <= bar.frame_label.width()
