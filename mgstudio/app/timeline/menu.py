"""The timeline's right-click menu on a segment and its tooltips."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMenu, QToolTip

from mgstudio.core.segments import Segment, Source, Status
from mgstudio.app.timeline.style import MOVEMENT_TEXT
from mgstudio.app.timeline.viewport import HEADER_W, short_time


class TimelineMenu:
    """Menu and tooltips of :class:`~mgstudio.app.timeline.canvas.TimelineWidget` (a mixin)."""

    def segment_menu(self, seg: Segment) -> QMenu:
        """The right-click menu of a segment: review, relabel, split at the playhead, merge, delete."""
        m = QMenu(self)
        ed = self.actions  # the window's one edit path: same rules and messages as the review keys
        names = list(getattr(self.taxonomy, "names", []) or [])
        if seg.status != Status.ACCEPTED and names and seg.label not in names:
            # a class-agnostic "movement event": accepting it says which MG it is, never keeps its label
            acc = m.addMenu("Accept as…")
            for name in names:
                acc.addAction(name, lambda n=name: ed.review([seg.id], "accept", label=n))
        elif seg.status != Status.ACCEPTED:
            m.addAction("Accept", lambda: ed.review([seg.id], "accept"))
        if seg.status != Status.REJECTED:
            m.addAction("Reject", lambda: ed.review([seg.id], "reject"))
        sub = m.addMenu("Change label")
        for name in getattr(self.taxonomy, "names", []) or []:
            act = sub.addAction(name, lambda n=name: ed.relabel([seg.id], n))
            act.setCheckable(True)
            act.setChecked(name == seg.label)
        split = m.addAction(f"Split at the playhead (frame {self.frame})",
                            lambda: ed.split(seg.id, self.frame))
        split.setEnabled(seg.start < self.frame < seg.end)
        nxt = next((s for s in self.visible_segments(seg.tier_id) if s.start >= seg.end and s.id != seg.id), None)
        merge = m.addAction("Merge with the next segment",
                            lambda: ed.merge([seg.id, nxt.id]) if nxt else None)
        merge.setEnabled(nxt is not None)
        m.addSeparator()
        m.addAction("Go to its start", lambda: self._seek(seg.start))
        m.addAction("Delete", lambda: (self._select([]), ed.delete([seg.id])))
        return m

    def contextMenuEvent(self, event: Any) -> None:  # noqa: N802
        _row, seg, _part = self.hit(QPointF(event.pos()))
        if seg is None:
            return
        self._select([seg.id])
        self.segment_menu(seg).exec(event.globalPos())


    def event(self, e: Any) -> bool:
        if e.type() == e.Type.ToolTip:
            row, seg, _ = self.hit(QPointF(e.pos()))
            if seg is not None:
                QToolTip.showText(e.globalPos(), segment_tooltip(seg, self.fps, self.look_of(seg) == "movement"), self)
            elif row is not None and row.kind == "tier" and e.pos().x() < HEADER_W:
                who = row.tier.annotator if row.tier.kind == "human" else "the model"
                QToolTip.showText(e.globalPos(), f"{row.title} (coded by {who})", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    # ------------------------------------------------------------------ edits


def segment_tooltip(seg: Segment, fps: float, movement: bool = False) -> str:
    """A short description of a segment for tooltips (``movement``: a class-agnostic movement event)."""
    conf = "" if seg.confidence is None or movement else f", confidence {round(100 * seg.confidence)}%"
    who = "model" if seg.source == Source.MODEL else (seg.annotator or "annotator")
    title = (f"<b>{MOVEMENT_TEXT}</b> something moved here; no micro-gesture named yet "
             "(right-click ▸ Accept as… names it)") if movement else f"<b>{seg.label}</b>"
    return (f"{title}<br>frames {seg.start}–{seg.end - 1} ({seg.length} frames, "
            f"{short_time(seg.start, fps, True)}–{short_time(seg.end, fps, True)})<br>"
            f"{seg.status.value} · {who}{conf}" + (f"<br><i>{seg.note}</i>" if seg.note else ""))
