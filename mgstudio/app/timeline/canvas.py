"""The timeline canvas: ruler, one row per tier, motion-energy rows, playhead; mouse editing.

Why QPainter on a plain ``QWidget`` (and not pyqtgraph or ``QGraphicsView``): a 2-hour video
can hold 10,000 segments. As scene items they would each cost a Python object with its own
paint call, bounding-rect index and event handling; here a repaint asks the
:class:`~mgstudio.app.timeline.segment_cache.SegmentCache` for the segments overlapping the
visible frames only (an indexed SQLite range query, cached with a margin), groups them by
look (label, status, opacity step) and draws each group with one ``drawRects`` call. Zooming
from the whole video down to single frames is a change of one number (frames per pixel, see
:class:`~mgstudio.app.timeline.viewport.Viewport`), and hit-testing is arithmetic on frames.

Mouse: click or drag on the ruler (or on empty space) to seek; click a segment to select it
(Ctrl+click adds to the selection); drag its middle to move it, its edges to resize it (snapped
to frames); drag on empty space of a person's tier to create a segment with the current label;
right-click a segment to accept, reject, relabel, split at the playhead, merge or delete it. Wheel zooms around the pointer;
Shift+wheel scrolls. Every edit is one ``Project`` call (undoable, saved at once).
"""


from __future__ import annotations

import functools
from typing import Any, Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QPixmap, QWheelEvent
from PySide6.QtWidgets import QWidget

from mgstudio.core.motion import PART_TITLES, PARTS, MotionEnergy
from mgstudio.core.segments import Segment
from mgstudio.app.session.changes import ChangeTracker
from mgstudio.app.timeline.segment_cache import SegmentCache
from mgstudio.app.timeline.style import style_key
from mgstudio.app.timeline.viewport import (EDGE_PX, HEADER_W, MIN_FPP, MOTION_H, RULER_H, TIER_H, Row,
                                            Viewport)
from mgstudio.app.session.actions import EditActions
from mgstudio.app.timeline.drag import TimelineDragging, _Drag
from mgstudio.app.timeline.menu import TimelineMenu
from mgstudio.app.timeline.painter import TimelinePainter


class TimelineWidget(TimelinePainter, TimelineDragging, TimelineMenu, QWidget):
    """Tiers, segments, motion energy and playhead of one item (see the module docstring).

    Construct with ``TimelineWidget(state, frame=0)``: it shows ``state.project``'s current item
    and reads the project from the :class:`~mgstudio.app.session.state.AppState` (never a copy of
    its own); connect ``seekRequested``, ``selectionChanged`` and ``edited`` (or let
    :class:`TimelineDock` bind it to the state). :meth:`set_item` shows another item.
    """

    seekRequested = Signal(int)  # the user clicked/dragged to a frame
    selectionChanged = Signal(list)  # segment ids
    edited = Signal()  # a segment was created / moved / resized through the project
    message = Signal(str)  # something to tell the user (refused edits)
    viewChanged = Signal()  # zoom or scroll changed

    def __init__(self, state: Any, frame: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.shown_project: Any = None  # the project the rows were read from (set_item)
        self.item_id: int | None = None
        self.item: Any = None
        self.fps = 25.0
        self.view = Viewport(1, 800)
        self.cache: SegmentCache | None = None
        self.tiers: list[Any] = []
        self.rows: list[Row] = []
        self.frame = int(frame)
        self.selection: list[int] = []
        self.current_label: str | None = None
        self.marks: tuple[int | None, int | None] = (None, None)
        self.motion: MotionEnergy | None = None
        self.show_motion = True
        self._drag: _Drag | None = None
        # the window's one edit path (session/actions.py); ``edited`` then tells the app state
        self.actions = EditActions(lambda: self.project, self._after_edit, self.message.emit)
        self.changes = ChangeTracker()  # which segments changed since the cache was filled
        self._version = 0  # bumped whenever what the cached picture shows may have changed
        self._content: QPixmap | None = None
        self._content_key: tuple = ()
        self._label_font = QFont(self.font())
        self._label_font.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.9))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.set_item(state.item_id)

    # ------------------------------------------------------------------ model
    @property
    def project(self) -> Any:
        """The open project: ``state.project``."""
        return self.state.project

    @property
    def taxonomy(self) -> Any:
        return getattr(self.project, "taxonomy", None)

    def look_key(self) -> Callable[[Segment], tuple[str, str, int]]:
        """``style_key`` with the project's label names (one function object per label set: the
        segment cache keeps the looks it computed with it)."""
        names = frozenset(getattr(self.taxonomy, "names", []) or [])
        if getattr(self, "_look_names", None) != names:
            self._look_names = names
            self._look_fn = functools.partial(style_key, labels=names)
        return self._look_fn

    def look_of(self, seg: Segment) -> str:
        """How ``seg`` is drawn: "proposed", "reviewed", "rejected" or "movement" (tests, legend)."""
        return self.look_key()(seg)[1]

    def set_item(self, item_id: int | None) -> None:
        """Show another item of ``state.project`` (or nothing with ``None``): zoom out to the whole of it."""
        self.shown_project = self.project
        self.item_id = item_id
        self.item = None if item_id is None or self.project is None else self.project.item(item_id)
        self.fps = float(self.item.fps) if self.item is not None and self.item.fps else 25.0
        n = int(self.item.frame_count) if self.item is not None and self.item.frame_count else 1
        self.view = Viewport(n, max(1, self.width() - HEADER_W))
        self.changes.reset(self.project)  # before the new cache reads anything
        self.cache = None if self.item is None else SegmentCache(self.project, self.item.id)
        self.selection = []
        self.motion = None
        self.frame = min(self.frame, n - 1)
        self.reload_tiers()

    def reload_tiers(self) -> None:
        """Re-read the tiers: proposals first, then the current annotator's, then the others."""
        tiers = list(self.project.tiers()) if self.project is not None else []
        me = getattr(self.project, "annotator", None)
        tiers.sort(key=lambda t: (t.kind != "model", not (t.kind == "human" and t.annotator == me), t.id))
        self.tiers = tiers
        self._layout_rows()
        self.refresh()

    def set_motion(self, motion: MotionEnergy | None) -> None:
        self.motion = motion
        self._layout_rows()
        self.update()

    def repaint_all(self) -> None:
        """Redraw everything (the cached picture too), without re-reading segments."""
        self._version += 1
        self.update()

    def refresh(self) -> None:
        """Show the project's segments as they are now (after an edit, undo, import...).

        The project's change log names the segments changed since the last refresh; only those
        are re-read and patched into the cached windows. When it cannot tell (bulk changes,
        another project) the cache is dropped and the visible windows re-read."""
        if self.cache is not None:
            cs = self.changes.pull(self.project)
            if cs is None:
                self.cache.invalidate()
                if self.project is not None and {t.id for t in self.project.tiers()} != {t.id for t in self.tiers}:
                    self.reload_tiers()  # e.g. a large import made a tier
                    return
            elif cs and self.cache.item_id in cs.item_ids:
                changed = self.project.segments_by_id(cs.segment_ids)
                self.cache.patch(changed)
                shown = {t.id for t in self.tiers}
                if any(s is not None and s.item_id == self.item_id and s.tier_id not in shown for s in changed.values()):
                    self.reload_tiers()  # a tier made since (another annotator's): give it a row
                    return
        self._version += 1
        self.update()

    def _layout_rows(self) -> None:
        rows: list[Row] = []
        y = RULER_H
        for t in self.tiers:
            title = "Model proposals" if t.kind == "model" else t.name
            rows.append(Row("tier", y, TIER_H, title, tier=t))
            y += TIER_H
        if self.show_motion:
            y += 4
            for p in PARTS:
                rows.append(Row("motion", y, MOTION_H, PART_TITLES[p], part=p))
                y += MOTION_H
        self.rows = rows
        self._version += 1
        self.setMinimumHeight(y + 2)
        self.updateGeometry()

    def is_mine(self, row: Row) -> bool:
        """Whether ``row`` is the tier of the person coding now (its header says "(you)"): a
        colleague's tier, imported or coded here under another name, never is."""
        me = getattr(self.project, "annotator", None)
        return bool(me) and row.kind == "tier" and row.tier.kind == "human" and row.tier.annotator == me

    def header_text(self, row: Row) -> str:
        """The whole header of ``row`` as it reads, before any cutting to the header's width."""
        return row.title + (" (you)" if self.is_mine(row) else "")

    def tier_row(self, tier_id: int) -> Row | None:
        return next((r for r in self.rows if r.kind == "tier" and r.tier.id == tier_id), None)

    # ------------------------------------------------------------------ external setters
    def set_frame(self, frame: int, follow: bool = True) -> None:
        """Move the playhead; page the view when the frame leaves it."""
        frame = max(0, min(int(frame), self.view.frame_count - 1))
        if frame == self.frame and not follow:
            return
        self.frame = frame
        if follow and self.view.ensure_visible(frame):
            self.viewChanged.emit()
        self.update()

    def set_selection(self, ids: list[int]) -> None:
        ids = [int(i) for i in ids]
        if ids != self.selection:
            self.selection = ids
            self.update()

    def set_marks(self, in_frame: int | None, out_frame: int | None) -> None:
        self.marks = (in_frame, out_frame)
        self.update()

    def set_current_label(self, label: str | None) -> None:
        self.current_label = label

    # ------------------------------------------------------------------ zoom / scroll
    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        """Zoom in (``factor`` > 1) or out around a canvas x (default: the playhead if visible)."""
        if anchor_x is None:
            px = self.view.x_of(self.frame)
            anchor_x = px if 0 <= px <= self.view.width else None
        self.view.zoom(factor, anchor_x)
        self.viewChanged.emit()
        self.update()

    def zoom_fit(self) -> None:
        self.view.fit()
        self.viewChanged.emit()
        self.update()

    def zoom_to_frames(self) -> None:
        """Zoom in until single frames are wide cells, centred on the playhead."""
        self.view.set_fpp(MIN_FPP * 2, None)
        self.view.scroll_to(self.frame - self.view.width * self.view.fpp / 2)
        self.viewChanged.emit()
        self.update()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        self.view.resize(max(1, self.width() - HEADER_W))
        self.viewChanged.emit()
        super().resizeEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        d = event.angleDelta()
        x = event.position().x() - HEADER_W
        if d.x() and not d.y():
            self.view.scroll_frames(-d.x() / 120 * 0.1 * self.view.width * self.view.fpp)
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.view.scroll_frames(-d.y() / 120 * 0.1 * self.view.width * self.view.fpp)
        else:
            self.view.zoom(1.25 ** (d.y() / 120), max(0.0, x))
        self.viewChanged.emit()
        self.update()
        event.accept()

    # ------------------------------------------------------------------ geometry helpers
    def canvas_x(self, frame: float) -> float:
        """Widget x of a frame boundary."""
        return HEADER_W + self.view.x_of(frame)

    def row_at(self, y: float) -> Row | None:
        return next((r for r in self.rows if r.top <= y < r.top + r.height), None)

    def segment_rect(self, seg: Segment) -> QRectF | None:
        row = self.tier_row(seg.tier_id)
        if row is None:
            return None
        x1, x2 = self.canvas_x(seg.start), self.canvas_x(seg.end)
        return QRectF(x1, row.top + 3, max(1.0, x2 - x1), row.height - 6)

    def visible_segments(self, tier_id: int) -> list[Segment]:
        if self.cache is None:
            return []
        a, b = self.view.visible_range
        return self.cache.visible(tier_id, a, b)

    def hit(self, pos: QPointF) -> tuple[Row | None, Segment | None, str]:
        """What is under ``pos``: (row, segment, "body" | "start" | "end" | "")."""
        row = self.row_at(pos.y())
        if row is None or row.kind != "tier" or pos.x() < HEADER_W:
            return row, None, ""
        x = pos.x()
        best: tuple[float, Segment, str] | None = None
        if self.cache is None:
            return row, None, ""
        a, b = self.view.visible_range
        near_a = max(a, int(self.view.frame_at(x - HEADER_W - EDGE_PX - 1)))
        near_b = min(b, int(self.view.frame_at(x - HEADER_W + EDGE_PX + 1)) + 1)
        self.cache.window(row.tier.id, a, b)  # keep the cached window the visible one
        for s in self.cache.visible(row.tier.id, near_a, max(near_a + 1, near_b)):
            x1, x2 = self.canvas_x(s.start), self.canvas_x(s.end)
            if x < x1 - EDGE_PX or x > x2 + EDGE_PX:
                continue
            edge_ok = x2 - x1 >= 3 * EDGE_PX  # tiny segments: move only, never resize by accident
            if edge_ok and abs(x - x1) <= EDGE_PX:
                cand = (abs(x - x1), s, "start")
            elif edge_ok and abs(x - x2) <= EDGE_PX:
                cand = (abs(x - x2), s, "end")
            elif x1 <= x <= max(x2, x1 + 1):
                cand = (0.5, s, "body")
            else:
                continue
            if best is None or cand[0] < best[0] or (s.id in self.selection and cand[0] <= best[0]):
                best = cand
        if best is None:
            return row, None, ""
        return row, best[1], best[2]

    # ------------------------------------------------------------------ painting
    def content_key(self) -> tuple:
        """Everything the cached picture depends on (not the playhead, which moves every frame)."""
        v = self.view
        return (self.width(), self.height(), self.devicePixelRatioF(), v.first, v.fpp, self._version,
                tuple(self.selection), self.marks, id(self.motion), self.show_motion, self.item_id,
                self.palette().cacheKey())

    def create_segment(self, tier: Any, start: int, end: int, label: str | None = None) -> Segment | None:
        """Create a segment [start, end) with ``label`` (default: the current label) on ``tier``."""
        made = self.actions.create_segment(self.item.id, tier.id, start, end, label or self.current_label, say=False)
        if made is not None:
            self._select([made.id])
        return made

    def _after_edit(self) -> None:
        """After an edit (or a refusal) through :attr:`actions`: show it and emit ``edited``; views
        re-read only the segments the project's change log names."""
        self.refresh()
        self.edited.emit()

    def _select(self, ids: list[int]) -> None:
        self.selection = list(ids)
        self.selectionChanged.emit(list(ids))
        self.update()

    def _seek(self, frame: int) -> None:
        self.set_frame(frame, follow=False)
        self.seekRequested.emit(self.frame)
