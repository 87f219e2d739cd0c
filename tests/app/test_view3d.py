"""The 3D view renders real pixels of the current frame, follows the player and resets its camera."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("PySide6")

from mgstudio.app import demo
from mgstudio.app.state import AppState
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
    from mgstudio.app.view3d import DEFAULT_CAMERA, View3D

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
