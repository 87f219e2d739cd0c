"""Mouse editing on the timeline canvas: press/drag/release as a small state machine (seek,
move, resize, create), snapped to frames and kept inside the free span of a person's tier."""

from __future__ import annotations

from dataclasses import dataclass

from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent

from mgstudio.core.segments import Segment
from mgstudio.app.timeline.viewport import DRAG_PX, HEADER_W, RULER_H


@dataclass
class _Drag:
    mode: str  # "scrub" | "move" | "start" | "end" | "create" | "pending-seek"
    press_x: float
    tier: Any = None
    seg: Segment | None = None
    anchor: int = 0
    active: bool = False
    start: int = 0
    end: int = 0
    press_frame: float = 0.0
    lo: int = 0  # the drag may not go before this frame (end of the previous segment on a person's tier)
    hi: int = 1 << 62  # ... nor after this one (start of the next)


class TimelineDragging:
    """The mouse half of :class:`~mgstudio.app.timeline.canvas.TimelineWidget` (a mixin)."""

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self.item is None:
            return super().mousePressEvent(event)
        pos = event.position()
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if pos.x() < HEADER_W:
            return
        x = pos.x() - HEADER_W
        if pos.y() < RULER_H:
            self._drag = _Drag("scrub", pos.x(), active=True)
            self._seek(self.view.frame_index_at(x))
            return
        row, seg, part = self.hit(pos)
        if seg is not None:
            mode = {"body": "move", "start": "start", "end": "end"}[part]
            self._drag = _Drag(mode, pos.x(), tier=row.tier, seg=seg, start=seg.start, end=seg.end,
                               press_frame=self.view.frame_at(x))
            self._drag.lo, self._drag.hi = self._free_span(row.tier, seg.start, seg.end, seg.id)
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                ids = [i for i in self.selection if i != seg.id] if seg.id in self.selection else \
                    self.selection + [seg.id]
            else:
                ids = [seg.id]
            self._select(ids)
            return
        if row is not None and row.kind == "tier" and row.tier.kind == "human":
            f = self.view.snap(x)
            self._drag = _Drag("create", pos.x(), tier=row.tier, anchor=f, start=f, end=f)
            self._drag.lo, self._drag.hi = self._free_span(row.tier, f, f, None)
        else:
            self._drag = _Drag("pending-seek", pos.x())
        if self.selection:
            self._select([])

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        d = self._drag
        x = pos.x() - HEADER_W
        if d is None:
            self._update_cursor(pos)
            return
        if not d.active and abs(pos.x() - d.press_x) >= DRAG_PX:
            d.active = True
            if d.mode == "pending-seek":
                d.mode = "scrub"
        if not d.active:
            return
        if x < 8 or x > self.view.width - 8:  # dragging past an edge scrolls the timeline along
            self.view.scroll_frames((-1 if x < 8 else 1) * 0.03 * self.view.width * self.view.fpp)
            self.viewChanged.emit()
        n = self.view.frame_count
        lo, hi = max(0, d.lo), min(n, d.hi)  # segments on a person's tier stop at their neighbours
        if d.mode == "scrub":
            self._seek(self.view.frame_index_at(x))
        elif d.mode == "move" and d.seg is not None:
            delta = int(round(self.view.frame_at(x) - d.press_frame))
            length = d.seg.length
            d.start = max(lo, min(hi - length, d.seg.start + delta))
            d.end = d.start + length
        elif d.mode == "start" and d.seg is not None:
            d.start = max(lo, min(self.view.snap(x), d.seg.end - 1))
        elif d.mode == "end" and d.seg is not None:
            d.end = min(hi, max(self.view.snap(x), d.seg.start + 1))
        elif d.mode == "create":
            f = min(hi, max(lo, self.view.snap(x)))
            d.start, d.end = min(d.anchor, f), max(d.anchor, f)
            if d.end == d.start:
                d.end = min(hi, d.start + 1)
                d.start = d.end - 1
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        d, self._drag = self._drag, None
        if d is None or event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        x = event.position().x() - HEADER_W
        if not d.active:
            if d.mode in ("pending-seek", "create"):
                self._seek(self.view.frame_index_at(x))
            self.update()
            return
        if d.mode in ("move", "start", "end") and d.seg is not None:
            if (d.start, d.end) != (d.seg.start, d.seg.end):
                self._edit(lambda: self.project.update_segment(d.seg.id, start=d.start, end=d.end))
        elif d.mode == "create":
            self.create_segment(d.tier, d.start, d.end)
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        _row, seg, _part = self.hit(event.position())
        if seg is not None:
            self._seek(seg.start)

    def _free_span(self, tier: Any, start: int, end: int, own_id: int | None) -> tuple[int, int]:
        """On a person's tier, the frames [lo, hi) around [start, end) free of other segments
        (segments there may not overlap, so a drag stops at its neighbours instead of failing)."""
        if tier.kind != "human" or self.cache is None:
            return 0, self.view.frame_count
        a, b = self.view.visible_range
        win = self.cache.window(tier.id, a, b)
        lo, hi = max(0, win.start), min(self.view.frame_count, win.end)
        for s in win.segments:
            if s.id == own_id:
                continue
            if s.end <= start:
                lo = max(lo, s.end)
            elif s.start >= end:
                hi = min(hi, s.start)
        return lo, hi


    def _update_cursor(self, pos: QPointF) -> None:
        _row, seg, part = self.hit(pos)
        if part in ("start", "end"):
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        elif part == "body":
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()
