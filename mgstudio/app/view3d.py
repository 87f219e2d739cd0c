"""``View3D``: the current frame's skeleton in 3D (pyqtgraph.opengl), in step with the player.

World coordinates (metres; x right, y up, z towards the camera) are drawn with y up on screen and
the person facing the viewer. Drag to rotate, wheel to zoom, "Reset view" to come back. Skeletons
without world coordinates are shown flat (their 2D coordinates, scaled to about a metre).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mgstudio.app.player.overlay import PART_COLOURS, part_of_joints
from mgstudio.app.state import AppState
from mgstudio.core.errors import MGStudioError
from mgstudio.core.skeleton import SkeletonSequence

DEFAULT_CAMERA = dict(distance=1.9, elevation=8.0, azimuth=-90.0)


def _rgba(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def gl_points(seq: SkeletonSequence) -> tuple[np.ndarray, bool]:
    """All frames as GL coordinates (T x J x 3, z up, centred on the body) and whether 3D is real."""
    if seq.world is not None and np.isfinite(seq.world).any():
        w = seq.world
        pts = np.stack([w[..., 0], -w[..., 2], w[..., 1]], axis=-1)
        real = True
    else:  # flat: image coordinates (y down) scaled so that the body is ~1 unit tall
        xy = seq.xy
        finite = xy[np.isfinite(xy).all(axis=-1)]
        span = float(np.ptp(finite[:, 1])) if len(finite) else 1.0
        s = 1.0 / max(span, 1e-6)
        pts = np.stack([xy[..., 0] * s, np.zeros(xy.shape[:2]), -xy[..., 1] * s], axis=-1)
        real = False
    finite = pts[np.isfinite(pts).all(axis=-1)]
    if len(finite):
        pts = pts - np.nanmedian(finite, axis=0)
    return pts.astype(np.float32), real


class View3D(QWidget):
    """3D skeleton of the current frame; follows ``state.frameChanged`` and ``itemChanged``."""

    def __init__(self, state: AppState | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pyqtgraph.opengl as gl

        self.state = state
        self.gl = gl.GLViewWidget(self)
        self.gl.setMinimumSize(240, 200)  # a 0-px GL widget never initialises (see ENVIRONMENT.md)
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
        lay.addWidget(self.gl, 1)
        lay.addLayout(bar)
        self.seq: SkeletonSequence | None = None
        self.points: np.ndarray | None = None
        self.frame: int | None = None
        self._parts: list[str] = []
        self.reset_view()
        if state is not None:
            state.itemChanged.connect(self._on_item)
            state.projectChanged.connect(lambda _p: self.set_skeleton(None))
            state.frameChanged.connect(self.set_frame)
            state.skeletonChanged.connect(lambda i: i == state.item_id and self._on_item(i))
            self._on_item(state.item_id)

    # ------------------------------------------------------------------ content
    def _on_item(self, item_id: int | None) -> None:
        st = self.state
        seq = None
        if st is not None and st.project is not None and item_id is not None:
            try:
                seq = st.project.load_skeleton(item_id)
            except MGStudioError as exc:
                self.info.setText(str(exc))
        self.set_skeleton(seq)
        if st is not None:
            self.set_frame(st.frame)

    def set_skeleton(self, seq: SkeletonSequence | None) -> None:
        self.seq = seq
        if seq is None:
            self.points = None
            self.info.setText("No skeleton for this recording yet.")
            self._clear()
            return
        self.points, real = gl_points(seq)
        z = self.points[..., 2]
        floor = float(np.nanmin(z)) if np.isfinite(z).any() else -0.6
        self.grid.resetTransform()
        self.grid.translate(0, 0, floor)
        self._parts = part_of_joints(seq.layout)
        self.info.setText("3D world coordinates (metres)" if real
                          else "This skeleton has no 3D coordinates: shown flat.")
        self.reset_view()

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
        pts = self.points
        if pts is None:
            return DEFAULT_CAMERA["distance"]
        finite = pts[np.isfinite(pts).all(axis=-1)]
        if len(finite) == 0:
            return DEFAULT_CAMERA["distance"]
        lo, hi = np.percentile(finite, 0.5, axis=0), np.percentile(finite, 99.5, axis=0)
        width, height = float(hi[0] - lo[0]), float(hi[2] - lo[2])
        aspect = max(self.gl.width(), 1) / max(self.gl.height(), 1)
        half = np.tan(np.radians(self.gl.opts["fov"]) / 2)
        return 1.2 * max(width / (2 * half), height * aspect / (2 * half), 0.5) + float(hi[1] - lo[1]) / 2

    def _centre(self) -> tuple[float, float, float]:
        pts = self.points
        finite = pts[np.isfinite(pts).all(axis=-1)] if pts is not None else np.zeros((0, 3))
        if len(finite) == 0:  # nobody was found in the video
            return 0.0, 0.0, 0.0
        lo, hi = np.percentile(finite, 0.5, axis=0), np.percentile(finite, 99.5, axis=0)
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
