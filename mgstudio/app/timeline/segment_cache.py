"""A windowed cache of an item's segments per tier, so painting never scans the whole store.

The timeline asks for the segments overlapping the visible frames many times a second (every
repaint, every mouse move). The cache answers from memory while the request lies inside the
window it last fetched from SQLite (the visible span plus one span of margin on each side), and
otherwise runs one indexed range query, ``Project.segments(item_id, tier_id, start, end)``.
After an edit the timeline patches the windows (:meth:`patch`) with just the segments the project's
change log names (windows of other tiers keep their arrays); when the log cannot tell, it
calls :meth:`invalidate`. Each window also keeps numpy arrays of its segments
(start, end, look, priority) for drawing thousands of them per pixel column at overview zooms.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Callable, TYPE_CHECKING

import numpy as np

from mgstudio.core.segments import Segment, Status

if TYPE_CHECKING:
    from mgstudio.core.project import Project


def look_of(seg: Segment) -> tuple[str, str, float | None]:
    """(label, status group, confidence): what decides how a segment is drawn."""
    status = "rejected" if seg.status == Status.REJECTED else (
        "proposed" if seg.status == Status.PROPOSED else "reviewed")
    return seg.label, status, seg.confidence


def _priority(s: Segment) -> float:
    """What wins a pixel column at overview zooms: reviewed > proposed (by confidence) > rejected."""
    return ((0.0 if s.status == Status.REJECTED else 2.0 if s.status != Status.PROPOSED else 1.0)
            + (1.0 if s.confidence is None else float(s.confidence)) * 0.5)


@dataclass
class _Window:
    start: int
    end: int
    segments: list[Segment]
    starts: list[int] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)
    max_len: int = 0
    _arrays: dict[str, np.ndarray] | None = None
    _looks: tuple[Any, ...] | None = None  # (key function, look keys, look index per segment)

    def __post_init__(self) -> None:
        self.segments.sort(key=lambda s: (s.start, s.end, s.id or 0))
        self.starts = [s.start for s in self.segments]
        self.ids = {s.id for s in self.segments}
        self.max_len = max((s.length for s in self.segments), default=0)

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """Index range [lo, hi) of segments that may overlap [start, end)."""
        return bisect_left(self.starts, start - self.max_len), bisect_right(self.starts, end - 1)

    def arrays(self) -> dict[str, np.ndarray]:
        """start, end, seg index, priority (reviewed > proposed by confidence > rejected)."""
        if self._arrays is None:
            segs = self.segments
            n = len(segs)
            starts = np.fromiter((s.start for s in segs), np.int64, n)
            ends = np.fromiter((s.end for s in segs), np.int64, n)
            prio = np.fromiter((_priority(s) for s in segs), np.float64, n)
            self._arrays = {"start": starts, "end": ends, "prio": prio}
        return self._arrays

    def looks(self, key: Callable[[Segment], Any]) -> tuple[list[Any], np.ndarray]:
        """(distinct looks, index of each segment's look) for the painter's ``key`` (kept)."""
        if self._looks is None or self._looks[0] is not key:
            table: dict[Any, int] = {}
            ids = np.fromiter((table.setdefault(key(s), len(table)) for s in self.segments), np.int64,
                              len(self.segments))
            self._looks = (key, list(table), ids)
        return self._looks[1], self._looks[2]

    def replace_in_place(self, seg: Segment) -> bool:
        """Swap in a new state of a segment that kept its frames (accept, reject, relabel, note),
        updating the arrays and looks for that one entry. False when it is not here as such."""
        i = bisect_left(self.starts, seg.start)
        while i < len(self.segments) and self.starts[i] == seg.start and self.segments[i].id != seg.id:
            i += 1
        if i >= len(self.segments):
            return False
        old = self.segments[i]
        if old.id != seg.id or (old.start, old.end) != (seg.start, seg.end):
            return False
        self.segments[i] = seg
        if self._arrays is not None:
            self._arrays["prio"][i] = _priority(seg)
        if self._looks is not None:
            key, keys, ids = self._looks
            k = key(seg)
            try:
                ids[i] = keys.index(k)
            except ValueError:
                keys.append(k)
                ids[i] = len(keys) - 1
        return True


class SegmentCache:
    """Segments of one item per tier, fetched by window (see the module docstring)."""

    def __init__(self, project: Project, item_id: int) -> None:
        self.project = project
        self.item_id = item_id
        self._windows: dict[int, _Window] = {}
        self.queries = 0  # how many times SQLite was asked (for tests and benchmarks)

    def invalidate(self) -> None:
        self._windows.clear()

    def patch(self, changed: dict[int, Segment | None]) -> None:
        """Apply known changes (segment id -> its new state, ``None`` = deleted) to the cached
        windows without asking SQLite again (a segment moved to another tier moves window)."""
        if not changed:
            return
        for tier_id, w in list(self._windows.items()):
            new = [s for s in changed.values() if s is not None and s.tier_id == tier_id
                   and s.item_id == self.item_id and s.start < w.end and s.end > w.start]
            gone = [sid for sid in changed if sid in w.ids]
            if not new and not gone:
                continue  # untouched: keep the window with its arrays
            if len(new) == len(gone) and {s.id for s in new} == set(gone) and all(w.replace_in_place(s) for s in new):
                continue  # same frames, new status or label: patched in place
            segs = [s for s in w.segments if s.id not in changed] + new
            self._windows[tier_id] = _Window(w.start, w.end, segs)

    def window(self, tier_id: int, start: int, end: int) -> _Window:
        """The cached window of ``tier_id`` holding [start, end) (queried when needed)."""
        w = self._windows.get(tier_id)
        if w is None or start < w.start or end > w.end:
            span = max(1, end - start)
            a, b = max(0, start - span), end + span
            self.queries += 1
            segs = list(self.project.segments(self.item_id, tier_id=tier_id, start=a, end=b))
            w = self._windows[tier_id] = _Window(a, b, segs)
        return w

    def visible(self, tier_id: int, start: int, end: int) -> list[Segment]:
        """Segments of ``tier_id`` overlapping frames [start, end), ordered by start."""
        w = self.window(tier_id, start, end)
        lo, hi = w.bounds(start, end)
        return [s for s in w.segments[lo:hi] if s.end > start]

    def at(self, tier_id: int, frame: float, start: int, end: int) -> list[Segment]:
        """Segments of ``tier_id`` covering ``frame`` (searching within the visible window)."""
        return [s for s in self.visible(tier_id, start, end) if s.start <= frame < s.end]
