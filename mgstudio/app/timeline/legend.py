"""``TimelineLegend``: what the timeline's looks mean, drawn with the timeline's own style functions
(:mod:`.style`), so the key cannot drift from the drawing: a proposal (hatched, dashed), a coded
or reviewed segment (solid), a movement event with no MG named yet (hollow, dotted, "movement?")
and a rejected one (grey). Entries that do not fit the width are left out, whole."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from mgstudio.app.timeline.style import ALPHA_LEVELS, MOVEMENT, MOVEMENT_TEXT, edge_pen, fill_brush, hatch_brush

SAMPLE = QColor("#56B4E9")  # a label's colour, for the looks that take one
ENTRIES = (  # (look, text, tooltip)
    ("proposed", "proposal", "Hatched, dashed edge: the model proposes this; more opaque = more confident"),
    ("reviewed", "coded", "Solid: coded by a person, or a proposal someone accepted or edited"),
    ("movement", MOVEMENT_TEXT, "Hollow, dotted: something moved here, no micro-gesture named yet; "
                                "right-click ▸ Accept as… names it"),
    ("rejected", "rejected", "Grey: a proposal someone rejected (kept, never exported as coding)"),
)
SWATCH_W, SWATCH_H, GAP = 22, 12, 12


class TimelineLegend(QWidget):
    """A one-line key of the timeline's looks (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setToolTip("<br>".join(f"<b>{text}</b>: {tip}" for _look, text, tip in ENTRIES))

    def _widths(self) -> list[int]:
        fm = QFontMetrics(self.font())
        return [SWATCH_W + 5 + fm.horizontalAdvance(text) + GAP for _look, text, _tip in ENTRIES]

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(sum(self._widths()), max(SWATCH_H + 6, QFontMetrics(self.font()).height() + 4))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, self.sizeHint().height())

    def shown(self) -> list[str]:
        """The looks whose entry fits the width now (tests)."""
        out, x = [], 0
        for (look, _text, _tip), w in zip(ENTRIES, self._widths()):
            if x + w - GAP > self.width():
                break
            out.append(look)
            x += w
        return out

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        fm = QFontMetrics(self.font())
        fg = self.palette().color(QPalette.ColorRole.WindowText)
        x, y = 0, (self.height() - SWATCH_H) / 2
        shown = set(self.shown())
        for (look, text, _tip), w in zip(ENTRIES, self._widths()):
            if look not in shown:
                break
            r = QRectF(x + 0.5, y + 0.5, SWATCH_W, SWATCH_H)
            colour = MOVEMENT if look == "movement" else SAMPLE
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(fill_brush(colour, look, ALPHA_LEVELS * 3 // 4))
            p.drawRect(r)
            if look == "proposed":
                p.setBrush(hatch_brush())
                p.drawRect(r)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(edge_pen(colour, look))
            p.drawRect(r)
            p.setPen(fg)
            p.drawText(QRectF(x + SWATCH_W + 5, 0, w, self.height()), Qt.AlignmentFlag.AlignVCenter, text)
            x += w
        p.end()


__all__ = ["ENTRIES", "TimelineLegend"]
