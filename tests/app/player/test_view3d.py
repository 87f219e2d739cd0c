"""The 3D view renders real pixels of the current frame, follows the player and resets its camera."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("PySide6")

from mgstudio.workflows import demo
from mgstudio.app.session.state import AppState
from mgstudio.core.project import Project

pytestmark = pytest.mark.gl

if not os.environ.get("DISPLAY") and not os.environ.get("CI"):
    pytest.skip("OpenGL needs a display: run under xvfb-run (make test does)", allow_module_level=True)


def lit_pixels(view) -> int:
    img = view.gl.grabFramebuffer()
    w, h = img.width(), img.height()
    arr = np.array([[img.pixelColor(x, y).red() for x in range(0, w, 3)] for y in range(0, h, 3)])
    return int((arr > 80).sum())


def test_view3d_draws_and_follows_frames(qtbot, tmp_path) -> None:
    from mgstudio.app.player.view3d import DEFAULT_CAMERA, View3D

    seq = demo.make_skeleton()
    with Project.create(tmp_path / "p.mgproj", annotator="ana") as p:
        item = p.add_skeleton_item("demo", seq)
        state = AppState()
        view = View3D(state)
        qtbot.addWidget(view)
        view.resize(400, 400)
        view.show()
        qtbot.waitExposed(view)
        state.set_project(p)
        state.set_item(item.id)
        qtbot.waitUntil(lambda: "3D" in view.info.text(), timeout=5000)  # read in a thread
        # ...and placed there too (measuring the body is no work for the GUI thread)
        assert view.points is not None and view.points is view.loader.prepared("gl_placement", view.seq)
        state.set_frame(10)  # resting
        qtbot.wait(50)
        before = view.gl.grabFramebuffer()
        assert lit_pixels(view) > 100  # bones and joints are drawn
        state.set_frame(75)  # scratching the head: the arm is up
        qtbot.wait(50)
        after = view.gl.grabFramebuffer()
        assert before != after
        # the raised right wrist (GL z up) is higher than at rest
        wrist = seq.layout.joints.index("right_wrist")
        assert view.points[75, wrist, 2] > view.points[10, wrist, 2] + 0.3
        view.gl.orbit(60, 20)
        view.gl.setCameraPosition(distance=6)
        assert view.camera()["azimuth"] != -90.0
        view.reset_button.click()
        cam = view.camera()
        assert (cam["azimuth"], cam["elevation"]) == (DEFAULT_CAMERA["azimuth"], DEFAULT_CAMERA["elevation"])
        assert cam["distance"] == pytest.approx(view.fit_distance())
        # the whole body fits: the head's and feet's rows are both inside the picture
        assert lit_pixels(view) > 100
        # a video where nobody was found: an all-missing skeleton draws nothing and does not fail
        from mgstudio.core.skeleton import SkeletonSequence

        view.set_skeleton(SkeletonSequence.empty(seq.layout, 20, 25.0))
        view.set_frame(5)
        state.set_item(None)
        view.set_skeleton(None)
        qtbot.wait(50)
        assert lit_pixels(view) < 400  # only the grid is left


def test_placement_centres_the_body_upright_without_copying_the_recording() -> None:
    """The body stands upright around the origin, flat skeletons ~1 unit tall; frames are converted
    one at a time (no copy of the whole recording is kept)."""
    from mgstudio.app.player.view3d import GLPlacement
    from mgstudio.core.skeleton import SkeletonSequence

    seq = demo.make_skeleton()
    nose, hip = seq.layout.joints.index("nose"), seq.layout.joints.index("left_hip")
    for s in (seq, SkeletonSequence(seq.layout, seq.xy, seq.conf, seq.fps)):  # world, then flat
        place = GLPlacement(s)
        assert place.real == (s.world is not None)
        every = np.concatenate([place[k] for k in range(len(place))])
        every = every[np.isfinite(every).all(axis=1)]
        assert np.abs(np.median(every, axis=0)).max() < 0.05  # centred on the body
        assert place[0][nose, 2] > place[0][hip, 2] + 0.3  # head above hips: z is up
        lo, hi = place.extent
        assert (every >= lo - 1e-6).mean() > 0.98 and (every <= hi + 1e-6).mean() > 0.98
        assert place[5:8, nose, 2].shape == (3,)
        if not place.real:
            assert 0.7 < hi[2] - lo[2] < 1.3  # about one unit tall
        assert not any(isinstance(v, np.ndarray) and v.size >= s.xy.size for v in vars(place).values()
                       if v is not s.xy)


@pytest.mark.parametrize("size", [(640, 220), (260, 520)])
def test_the_whole_body_fits_in_a_wide_or_tall_view(qtbot, tmp_path, size) -> None:
    """After placing a skeleton, nothing bright (bones, joints) touches the picture's edges."""
    from mgstudio.app.player.view3d import View3D

    seq = demo.make_skeleton()
    with Project.create(tmp_path / "p.mgproj", annotator="ana") as p:
        item = p.add_skeleton_item("demo", seq)
        state = AppState()
        view = View3D(state)
        qtbot.addWidget(view)
        view.resize(*size)
        state.set_project(p)  # placed before the view is laid out on screen (as in the window)
        state.set_item(item.id)
        qtbot.waitUntil(lambda: view.points is not None, timeout=5000)
        view.show()
        qtbot.waitExposed(view)
        state.set_frame(75)  # an arm raised above the head
        qtbot.wait(100)
        img = view.gl.grabFramebuffer()
        w, h = img.width(), img.height()
        bright = np.array([[img.pixelColor(x, y).lightness() > 200 for x in range(0, w, 2)]
                           for y in range(0, h, 2)])
        assert bright.sum() > 30
        rows, cols = np.nonzero(bright)
        edge = 3
        assert rows.min() >= edge and rows.max() < bright.shape[0] - edge, "head or feet cut off"
        assert cols.min() >= edge and cols.max() < bright.shape[1] - edge, "a hand cut off"
