"""The player shows exactly the frame it says, steps/seeks/plays, loops segments, and plays
skeleton-only recordings with a per-part 2D overlay."""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QImage

from mgstudio.app.player import PlayerWidget
from mgstudio.app.state import AppState
from mgstudio.core.layouts import get_layout
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.media.video import probe

from ..media.clips import make_numbered_clip, read_number

N = 120


def image_number(img: QImage) -> int:
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h).reshape(h, img.bytesPerLine())
    return read_number(arr[:, :3 * w].reshape(h, w, 3))


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
