"""Draw a 2D skeleton with QPainter: bones and joints per body part, confidence as opacity."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from mgstudio.core.layouts import JointLayout

PARTS = ("body", "face", "left_hand", "right_hand")
PART_TITLES = {"body": "Body", "face": "Face", "left_hand": "Left hand", "right_hand": "Right hand"}
PART_COLOURS = {  # colour-blind-friendly (Okabe-Ito)
    "body": "#F0F0F0", "face": "#56B4E9", "left_hand": "#E69F00", "right_hand": "#009E73", "other": "#CC79A7",
}
MIN_CONF = 0.05  # joints below this are not drawn


@dataclass
class OverlayStyle:
    """What to draw: parts shown, line width and joint radius in screen pixels."""

    parts: dict[str, bool] = field(default_factory=lambda: {p: True for p in PARTS})
    bone_width: float = 2.5
    joint_radius: float = 3.0
    hand_scale: float = 0.6  # hands are small: thinner lines, smaller dots


def part_of_joints(layout: JointLayout) -> list[str]:
    """The part name of every joint (``other`` when the layout does not say)."""
    out = ["other"] * layout.num_joints
    for part in ("body", "face", "left_hand", "right_hand"):
        for j in layout.parts.get(part, ()):
            out[j] = part
    return out


def draw_skeleton(painter: QPainter, layout: JointLayout, xy: np.ndarray, conf: np.ndarray,
                  to_screen: tuple[float, float, float], style: OverlayStyle) -> int:
    """Draw one frame; ``to_screen`` = (scale, dx, dy) maps skeleton units to widget pixels.

    Returns the number of joints drawn (used by tests and the status line).
    """
    s, dx, dy = to_screen
    parts = part_of_joints(layout)
    visible = np.isfinite(xy).all(axis=1) & (conf >= MIN_CONF)
    for j, part in enumerate(parts):
        if not style.parts.get(part if part != "other" else "body", True):
            visible[j] = False
    pts = [QPointF(float(x) * s + dx, float(y) * s + dy) for x, y in np.nan_to_num(xy)]
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pen = QPen()
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    for a, b in layout.bones:
        if not (visible[a] and visible[b]):
            continue
        part = parts[b] if parts[b] != "body" else parts[a]
        colour = QColor(PART_COLOURS.get(part, PART_COLOURS["other"]))
        colour.setAlphaF(float(max(0.15, min(conf[a], conf[b]))))
        pen.setColor(colour)
        hand = part in ("left_hand", "right_hand")
        pen.setWidthF(style.bone_width * (style.hand_scale if hand else 1.0))
        painter.setPen(pen)
        painter.drawLine(pts[a], pts[b])
    painter.setPen(Qt.PenStyle.NoPen)
    drawn = 0
    for j in np.flatnonzero(visible):
        part = parts[j]
        colour = QColor(PART_COLOURS.get(part, PART_COLOURS["other"]))
        colour.setAlphaF(float(max(0.15, conf[j])))
        painter.setBrush(colour)
        r = style.joint_radius * (style.hand_scale if part in ("left_hand", "right_hand") else 1.0)
        painter.drawEllipse(pts[j], r, r)
        drawn += 1
    return drawn


def fit_transform(xy: np.ndarray, width: int, height: int, margin: float = 0.08) -> tuple[float, float, float]:
    """(scale, dx, dy) that fits all finite points of ``xy`` (any frames) into a widget.

    Long sequences are sampled (about 2,000 frames): an hour of skeleton is fitted in milliseconds.
    """
    xy = xy[::len(xy) // 2000 + 1] if len(xy) > 2000 else xy
    finite = xy[np.isfinite(xy).all(axis=-1)]
    if len(finite) == 0:
        return 1.0, 0.0, 0.0
    lo, hi = finite.min(axis=0), finite.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    s = float(min(width * (1 - 2 * margin) / span[0], height * (1 - 2 * margin) / span[1]))
    centre = (lo + hi) / 2
    return s, width / 2 - float(centre[0]) * s, height / 2 - float(centre[1]) * s
