"""Choosing a long recording (an hour of skeleton) never stalls the window: the skeleton is read
off the GUI thread while a notice says so, and a quick change of recording shows the last one."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from mgstudio.workflows.demo import build_demo_project
from mgstudio.core.layouts import get_layout
from mgstudio.core.skeleton import SkeletonSequence

from tests.support.heartbeat import Heartbeat

pytestmark = pytest.mark.gl  # the window holds the OpenGL 3D view

if not os.environ.get("DISPLAY") and not os.environ.get("CI"):
    pytest.skip("the main window's 3D view needs a display: run under xvfb-run (make test does)",
                allow_module_level=True)

HOUR_FRAMES = 108_000  # one hour at 30 fps


@pytest.fixture(scope="module")
def long_project(tmp_path_factory) -> tuple[Path, int, int]:
    """The demo project (a short video) plus a one-hour skeleton-only recording (random data)."""
    from mgstudio.core.project import Project

    path = build_demo_project(tmp_path_factory.mktemp("long"))
    layout = get_layout("mediapipe_holistic")
    rng = np.random.default_rng(0)
    xy = rng.uniform(0.3, 0.7, (HOUR_FRAMES, layout.num_joints, 2)).astype(np.float32)
    conf = np.ones((HOUR_FRAMES, layout.num_joints), np.float32)
    with Project.open(path) as p:
        short_id = p.items()[0].id
        long_id = p.add_skeleton_item("one hour", SkeletonSequence(layout, xy, conf, 30.0)).id
    return path, short_id, long_id


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, long_project):
    from mgstudio.app.shell.main_window import MainWindow

    monkeypatch.setenv("MGSTUDIO_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("MGSTUDIO_DATA_DIR", str(tmp_path / "data"))
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_project(long_project[0], restore=False)
    qtbot.waitUntil(lambda: w.player.reader is not None, timeout=10_000)
    yield w
    w.close()


def shows(w, item_id: int, n_frames: int) -> bool:
    """Player and 3D view both show ``item_id``'s skeleton of ``n_frames`` frames."""
    sk, seq = w.player.skeleton, getattr(w.view3d, "seq", None)
    return (w.state.item_id == item_id and sk is not None and len(sk.xy) == n_frames
            and seq is not None and len(seq.xy) == n_frames and w.view3d.points is not None)


def test_choosing_an_hour_long_recording_keeps_the_window_responsive(qtbot, window, long_project,
                                                                     tmp_path) -> None:
    w, (_, _short_id, long_id) = window, long_project
    qtbot.wait(300)  # first paint done
    beat = Heartbeat()
    beat.start()
    t0 = time.perf_counter()
    w.state.set_item(long_id)
    assert w.player.view.message == "Loading the skeleton…"  # the user is told why it is empty
    qtbot.wait(30)
    beat.stop()  # the screenshot itself (PNG compression) is the test's work, not the app's
    assert w.player.grab().save(str(tmp_path / "loading.png"))
    if os.environ.get("MGSTUDIO_SHOT_DIR"):
        w.grab().save(str(Path(os.environ["MGSTUDIO_SHOT_DIR"]) / "long_loading.png"))
    beat.start()
    qtbot.waitUntil(lambda: shows(w, long_id, HOUR_FRAMES), timeout=20_000)
    elapsed = time.perf_counter() - t0
    w.state.set_frame(HOUR_FRAMES - 1)  # the last frame of the hour is drawn
    timeline = w.review.timeline_dock.timeline
    # ...and its movement rows arrive (computed in the helper process): all of that is "loading"
    qtbot.waitUntil(lambda: timeline.motion is not None and len(timeline.motion) == HOUR_FRAMES,
                    timeout=60_000)
    rows = time.perf_counter() - t0
    qtbot.wait(200)
    beat.stop()
    assert w.player.view.message == ""
    assert w.player.view.joints_drawn > 0
    gaps = sorted(beat.gaps)
    print(f"\nhour-long skeleton shown after {elapsed:.2f} s, movement rows after {rows:.2f} s; GUI gaps "
          f"p95 {gaps[int(0.95 * len(gaps))] * 1000:.0f} ms, worst {gaps[-1] * 1000:.0f} ms ({len(gaps)} ticks)")
    # p95 < 50 ms and no gap over 250 ms (both scaled by the load of a shared test machine);
    # measured on 2 cores under Xvfb's software OpenGL: p95 11-28 ms, worst 32-71 ms. Reading the
    # hour on the GUI thread froze the window for ~9 s; the 3D view as a QOpenGLWidget (the whole
    # window composed through software OpenGL) gave 170-200 ms gaps.
    beat.check("an hour of skeleton loads and its movement rows are computed")


def test_switching_quickly_shows_the_last_recording(qtbot, window, long_project) -> None:
    w, (_, short_id, long_id) = window, long_project
    short_frames = len(w.player.skeleton.xy) if w.player.skeleton is not None else None
    beat = Heartbeat()
    beat.start()
    w.state.set_item(long_id)  # starts reading the hour...
    qtbot.wait(20)
    w.state.set_item(short_id)  # ...but the user already went back
    qtbot.waitUntil(lambda: w.player.reader is not None and w.player.skeleton is not None
                    and getattr(w.view3d, "points", None) is not None, timeout=20_000)
    w.state.set_item(long_id)  # and again: the hour, finally
    w.state.set_item(short_id)
    qtbot.waitUntil(lambda: w.player.reader is not None, timeout=10_000)
    qtbot.wait(1500)  # stale hour-long loads finish meanwhile and must be dropped
    beat.stop()
    assert w.state.item_id == short_id
    assert w.player.skeleton is not None and len(w.player.skeleton.xy) != HOUR_FRAMES
    if short_frames is not None:
        assert len(w.player.skeleton.xy) == short_frames
    assert w.view3d.seq is not None and len(w.view3d.seq.xy) != HOUR_FRAMES
    assert w.player.view.message == ""
    gaps = sorted(beat.gaps)
    print(f"\nswitching: GUI gaps p95 {gaps[int(0.95 * len(gaps))] * 1000:.0f} ms, worst {gaps[-1] * 1000:.0f} ms")
    beat.check("switching recordings")  # stale reads are dropped, never shown nor waited for
