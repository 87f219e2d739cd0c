"""``View3D``: the current frame's skeleton in 3D (pyqtgraph.opengl), in step with the player.

World coordinates (metres; x right, y up, z towards the camera) are drawn with y up on screen and
the person facing the viewer. Drag to rotate, wheel to zoom, "Reset view" to come back. Skeletons
without world coordinates are shown flat (their 2D coordinates, scaled to about a metre).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from PySide6.QtCore import Qt
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mgstudio.app.player.overlay import PART_COLOURS, part_of_joints
from mgstudio.app.session.state import AppState
from mgstudio.core.skeleton import SkeletonSequence

def gl_as_window() -> bool:
    """Whether the 3D view is a native OpenGL window (the default) or, with the environment
    variable ``MGSTUDIO_GL_WIDGET=1``, a ``QOpenGLWidget``: the previous design, kept as a way
    out where native child windows misbehave and as the baseline of ``bench_window_stall``."""
    return os.environ.get("MGSTUDIO_GL_WIDGET", "") not in ("1", "true", "yes")


def _gl_window_class() -> type:
    """pyqtgraph's 3D view on a native OpenGL window (``QOpenGLWindow``), not a ``QOpenGLWidget``.

    A ``QOpenGLWidget`` makes Qt compose the *whole* main window through OpenGL on every repaint
    (timeline, player, lists): with software OpenGL (no GPU, remote desktops, Xvfb) that cost
    60-200 ms per update. A ``QOpenGLWindow`` in a window container renders only its own area.
    """
    from pyqtgraph.opengl.GLViewWidget import GLViewMixin
    from PySide6.QtOpenGL import QOpenGLWindow

    class _GLWindow(GLViewMixin, QOpenGLWindow):
        def __init__(self, parent: Any) -> None:
            super().__init__(parent=parent)
            # the keyboard stays with the main window (Space, arrows, review keys); mouse rotates
            self.setFlag(Qt.WindowType.WindowDoesNotAcceptFocus, True)

    return _GLWindow


DEFAULT_CAMERA = dict(distance=1.9, elevation=8.0, azimuth=-90.0)
SAMPLE_FRAMES = 500  # the body's place and size come from at most this many frames (~5 ms)


def _rgba(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


class GLPlacement:
    """How a skeleton's coordinates become GL coordinates (z up, centred on the body).

    Measured once per skeleton from at most :data:`SAMPLE_FRAMES` evenly spread frames (an hour
    takes milliseconds); each shown frame is then converted on its own, so an hour-long recording
    costs no extra memory (a whole-recording copy of GL points was 100 MB per hour).
    """

    def __init__(self, seq: SkeletonSequence) -> None:
        self.seq = seq
        step = len(seq.xy) // SAMPLE_FRAMES + 1
        self.real = seq.world is not None and bool(
            np.isfinite(seq.world[::step]).any() or np.isfinite(seq.world).any())
        self.scale = 1.0
        self.centre = np.zeros(3, np.float32)
        if not self.real:  # flat: image coordinates (y down) scaled so that the body is ~1 unit tall
            sample = seq.xy[::step]
            finite = sample[np.isfinite(sample).all(axis=-1)]
            span = float(np.ptp(finite[:, 1])) if len(finite) else 1.0
            self.scale = 1.0 / max(span, 1e-6)
        pts = self._convert(slice(None, None, step))
        finite = pts[np.isfinite(pts).all(axis=-1)]
        if len(finite):
            self.centre = np.median(finite, axis=0).astype(np.float32)
            finite = finite - self.centre
            self.extent: tuple[np.ndarray, np.ndarray] | None = (
                np.percentile(finite, 0.5, axis=0), np.percentile(finite, 99.5, axis=0))
            self.floor = float(finite[:, 2].min())
        else:
            self.extent, self.floor = None, -0.6

    def _convert(self, frames: Any) -> np.ndarray:
        if self.real:
            w = self.seq.world[frames]
            pts = np.stack([w[..., 0], -w[..., 2], w[..., 1]], axis=-1)
        else:
            xy = self.seq.xy[frames]
            pts = np.stack([xy[..., 0] * self.scale, np.zeros(xy.shape[:-1], xy.dtype),
                            -xy[..., 1] * self.scale], axis=-1)
        return pts.astype(np.float32)

    def __len__(self) -> int:
        return len(self.seq.xy)

    def __getitem__(self, k: Any) -> np.ndarray:
        """GL points of frame(s) ``k`` (sequence index), as if indexing a T x J x 3 array."""
        frames, rest = (k[0], k[1:]) if isinstance(k, tuple) else (k, ())
        pts = self._convert(frames) - self.centre
        if not rest:
            return pts
        lead = () if np.ndim(frames) == 0 and not isinstance(frames, slice) else (slice(None),)
        return pts[lead + rest]


class View3D(QWidget):
    """3D skeleton of the current frame; follows ``state.frameChanged`` and ``itemChanged``."""

    def __init__(self, state: AppState | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pyqtgraph.opengl as gl

        self.state = state
        if gl_as_window():
            # made with a parent so that Qt, not Python, owns it once the container adopts it
            # (else both delete it at exit: a crash)
            self._gl_adopter = QWindow()
            self.gl = _gl_window_class()(self._gl_adopter)
            self.gl_container = QWidget.createWindowContainer(self.gl, self)
        else:
            self.gl = self.gl_container = gl.GLViewWidget(self)
        self.gl_container.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.gl_container.setMinimumSize(240, 200)  # a 0-px GL view never initialises (ENVIRONMENT.md)
        self.gl.setBackgroundColor((17, 19, 23, 255))
        grid = gl.GLGridItem()
        grid.setSize(2, 2)
        grid.setSpacing(0.25, 0.25)
        grid.translate(0, 0, -0.6)
        grid.setColor((90, 100, 115, 110))
        self.grid = grid
        self.gl.addItem(grid)
        self.bones = gl.GLLinePlotItem(mode="lines", width=3.0, antialias=True)
        self.joints = gl.GLScatterPlotItem(size=7.0, pxMode=True)
        self.gl.addItem(self.bones)
        self.gl.addItem(self.joints)
        self.info = QLabel("")
        self.info.setObjectName("view3dInfo")
        self.reset_button = QPushButton("Reset view")
        self.reset_button.setToolTip("Look at the person from the front again")
        self.reset_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.reset_button.clicked.connect(self.reset_view)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.info, 1)
        bar.addWidget(self.reset_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.gl_container, 1)
        lay.addLayout(bar)
        self.seq: SkeletonSequence | None = None
        self.points: GLPlacement | None = None  # GL points by frame: points[k] is J x 3
        self.frame: int | None = None
        self._parts: list[str] = []
        self._extent: tuple[np.ndarray, np.ndarray] | None = None
        self.reset_view()
        if state is not None:
            from mgstudio.app.session.skeleton_loader import skeleton_loader

            self.loader = skeleton_loader(state)
            self.loader.add_preparer("gl_placement", GLPlacement)  # measured in the reading thread
            self.loader.started.connect(lambda _i: self._show_loading())
            self.loader.loaded.connect(self._on_loaded)
            self.loader.failed.connect(lambda _i, exc: self.info.setText(str(exc)))
            state.projectChanged.connect(lambda _p: self.set_skeleton(None))
            state.frameChanged.connect(self.set_frame)
            if self.loader.loading:
                self._show_loading()
            else:
                self._on_loaded(self.loader.item_id, self.loader.seq)

    # ------------------------------------------------------------------ content
    def _show_loading(self) -> None:
        self.seq = self.points = None
        self._clear()
        self.info.setText("Loading the skeleton…")

    def _on_loaded(self, item_id: int | None, seq: SkeletonSequence | None) -> None:
        if self.state is not None and item_id != self.state.item_id:
            return
        self.set_skeleton(seq)

    def set_skeleton(self, seq: SkeletonSequence | None) -> None:
        """Show ``seq`` (``None``: nothing). Placing it takes milliseconds even for hours: only a
        sample of frames is measured and each frame is converted when it is shown."""
        if seq is None:
            self.seq = self.points = None
            self._extent = None
            self.info.setText("No skeleton for this recording yet.")
            self._clear()
            return
        place = None
        if getattr(self, "loader", None) is not None:
            place = self.loader.prepared("gl_placement", seq)
        if place is None:
            place = GLPlacement(seq)
        self.seq, self.points = seq, place
        self._extent = place.extent
        self.grid.resetTransform()
        self.grid.translate(0, 0, place.floor)
        self._parts = part_of_joints(seq.layout)
        self.info.setText("3D world coordinates (metres)" if place.real
                          else "This skeleton has no 3D coordinates: shown flat.")
        self.reset_view()
        frame = self.state.frame if self.state is not None else self.frame
        if frame is not None:
            self.set_frame(frame)

    def _clear(self) -> None:
        self.bones.setData(pos=np.zeros((0, 3), np.float32))
        self.joints.setData(pos=np.zeros((0, 3), np.float32))

    def set_frame(self, frame: int) -> None:
        """Show media frame ``frame`` (nothing when the skeleton does not cover it)."""
        self.frame = frame
        seq, pts = self.seq, self.points
        if seq is None or pts is None:
            return
        k = frame - seq.start_frame
        if not 0 <= k < len(pts):
            self._clear()
            return
        p, c = pts[k], seq.conf[k]
        ok = np.isfinite(p).all(axis=1) & (c > 0.05)
        colours = np.array([(*_rgba(PART_COLOURS.get(part, PART_COLOURS["other"])), 1.0) for part in self._parts],
                           np.float32)
        colours[:, 3] = np.clip(c, 0.2, 1.0)
        bones = [(a, b) for a, b in seq.layout.bones if ok[a] and ok[b]]
        if bones:
            idx = np.array(bones).reshape(-1)
            self.bones.setData(pos=p[idx], color=colours[idx], mode="lines")
        else:
            self.bones.setData(pos=np.zeros((0, 3), np.float32))
        self.joints.setData(pos=p[ok], color=colours[ok], size=np.where(
            np.isin(np.array(self._parts)[ok], ("left_hand", "right_hand")), 4.0, 7.0))

    def fit_distance(self) -> float:
        """Camera distance that shows the whole body in the widget (pyqtgraph's fov is horizontal)."""
        if self.points is None or self._extent is None:
            return DEFAULT_CAMERA["distance"]
        lo, hi = self._extent
        width, height = float(hi[0] - lo[0]), float(hi[2] - lo[2])
        box = self.gl_container  # laid out at once; the GL window inside follows it a bit later
        aspect = max(box.width(), 1) / max(box.height(), 1)
        half = np.tan(np.radians(self.gl.opts["fov"]) / 2)
        return 1.2 * max(width / (2 * half), height * aspect / (2 * half), 0.5) + float(hi[1] - lo[1]) / 2

    def _centre(self) -> tuple[float, float, float]:
        if self.points is None or self._extent is None:  # nobody was found in the video
            return 0.0, 0.0, 0.0
        lo, hi = self._extent
        c = (lo + hi) / 2
        return float(c[0]), float(c[1]), float(c[2])

    def reset_view(self) -> None:
        """Front view that fits the whole body."""
        from pyqtgraph import Vector

        self.gl.setCameraPosition(pos=Vector(*self._centre()), distance=self.fit_distance(),
                                  elevation=DEFAULT_CAMERA["elevation"], azimuth=DEFAULT_CAMERA["azimuth"])

    def resizeEvent(self, event) -> None:  # noqa: N802 - keep the body in view as the dock changes
        super().resizeEvent(event)
        if self.points is not None and self.gl.opts["azimuth"] == DEFAULT_CAMERA["azimuth"]:
            self.reset_view()

    def camera(self) -> dict[str, Any]:
        o = self.gl.opts
        return {"distance": o["distance"], "elevation": o["elevation"], "azimuth": o["azimuth"]}
