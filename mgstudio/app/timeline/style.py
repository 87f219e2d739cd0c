"""How segments look: label colours from the taxonomy, confidence as opacity, status as pattern.

- proposed (by the model): translucent fill (more opaque = more confident), hatched, dashed edge;
- accepted / edited (reviewed): solid fill, solid edge;
- rejected: greyed out, faint;
- a class-agnostic movement event (a model segment whose label is not one of the project's: "something
  moved here", no MG named yet): hollow, a neutral dotted outline and "movement?", never a label's
  colour, so it cannot be taken for a coded MG. The timeline's legend (:mod:`.legend`) draws its
  swatches with these same functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen

from mgstudio.core.segments import Segment, Source, Status

ALPHA_LEVELS = 8  # confidences are drawn in this many opacity steps (lets us batch rectangles)
REJECTED = QColor(128, 128, 128)
MOVEMENT = QColor(150, 158, 172)  # neutral: readable on the dark and the light theme, no label's colour
MOVEMENT_TEXT = "movement?"
PART_COLORS = {"head": "#CC79A7", "left_hand": "#56B4E9", "right_hand": "#E69F00", "arms": "#009E73"}


def label_color(taxonomy: Any, name: str) -> QColor:
    """The taxonomy's colour of ``name``; a stable made-up colour for labels it does not list."""
    lab = None
    if taxonomy is not None:
        try:
            lab = taxonomy.label(name)
        except Exception:  # an unknown label (imported data) is drawn, not refused
            lab = None
    if lab is not None:
        return QColor(lab.color)
    h = int(hashlib.md5(name.encode("utf-8")).hexdigest()[:6], 16)
    return QColor.fromHsv(h % 360, 90, 170)


def alpha_level(seg: Segment) -> int:
    """Opacity step 1..ALPHA_LEVELS from the confidence (human segments: full)."""
    if seg.confidence is None:
        return ALPHA_LEVELS
    c = min(1.0, max(0.0, float(seg.confidence)))
    return 1 + int(round(c * (ALPHA_LEVELS - 1)))


def is_movement_event(seg: Segment, labels: Collection[str] | None) -> bool:
    """A model segment with no MG label of the project (``labels``) yet: a class-agnostic movement event."""
    return bool(labels) and seg.source == Source.MODEL and seg.label not in labels  # type: ignore[operator]


def style_key(seg: Segment, labels: Collection[str] | None = None) -> tuple[str, str, int]:
    """Segments with equal keys are drawn with one brush in one call. With the project's label
    names (``labels``), an unrejected movement event gets the look ``"movement"``."""
    if seg.status == Status.REJECTED:
        status = "rejected"
    elif is_movement_event(seg, labels):
        return seg.label, "movement", ALPHA_LEVELS
    else:
        status = "proposed" if seg.status == Status.PROPOSED else "reviewed"
    return seg.label, status, alpha_level(seg)


def fill_brush(color: QColor, status: str, level: int) -> QBrush:
    if status == "movement":  # hollow: a trace of grey only, so the outline and text read
        c = QColor(MOVEMENT)
        c.setAlpha(28)
        return QBrush(c)
    if status == "rejected":
        c = QColor(REJECTED)
        c.setAlpha(70)
        return QBrush(c)
    c = QColor(color)
    lo = 0.25 if status == "proposed" else 0.45
    c.setAlphaF(lo + (1.0 - lo) * (level / ALPHA_LEVELS) * (0.85 if status == "proposed" else 1.0))
    return QBrush(c)


def hatch_brush() -> QBrush:
    return QBrush(QColor(0, 0, 0, 110), Qt.BrushStyle.BDiagPattern)


def edge_pen(color: QColor, status: str) -> QPen:
    if status == "movement":
        pen = QPen(MOVEMENT, 1.6, Qt.PenStyle.DotLine)
    elif status == "rejected":
        pen = QPen(QColor(110, 110, 110, 160), 1.0, Qt.PenStyle.DotLine)
    elif status == "proposed":
        pen = QPen(color.darker(140), 1.2, Qt.PenStyle.DashLine)
    else:
        pen = QPen(color.darker(170), 1.2)
    pen.setCosmetic(True)
    return pen


def text_color(fill: QColor) -> QColor:
    """Black or white, whichever reads better on ``fill``."""
    lum = 0.299 * fill.redF() + 0.587 * fill.greenF() + 0.114 * fill.blueF()
    return QColor(20, 20, 20) if lum > 0.55 or fill.alphaF() < 0.5 else QColor(250, 250, 250)
