"""A windowed cache of an item's segments per tier, so painting never scans the whole store.

The timeline asks for the segments overlapping the visible frames many times a second (every
repaint, every mouse move). The cache answers from memory while the request lies inside the
window it last fetched from SQLite (the visible span plus one span of margin on each side), and
otherwise runs one indexed range query, ``Project.segments(item_id, tier_id, start, end)``.
Any edit calls :meth:`invalidate`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from mgstudio.core.segments import Segment


@dataclass
class _Window:
    start: int
    end: int
    segments: list[Segment]
    starts: list[int] = field(default_factory=list)
    max_len: int = 0

    def __post_init__(self) -> None:
        self.segments.sort(key=lambda s: (s.start, s.end))
        self.starts = [s.start for s in self.segments]
        self.max_len = max((s.length for s in self.segments), default=0)


class SegmentCache:
    """Segments of one item per tier, fetched by window (see the module docstring)."""

    def __init__(self, project: Any, item_id: int) -> None:
        self.project = project
        self.item_id = item_id
        self._windows: dict[int, _Window] = {}
        self.queries = 0  # how many times SQLite was asked (for tests and benchmarks)

    def invalidate(self) -> None:
        self._windows.clear()

    def visible(self, tier_id: int, start: int, end: int) -> list[Segment]:
        """Segments of ``tier_id`` overlapping frames [start, end), ordered by start."""
        w = self._windows.get(tier_id)
        if w is None or start < w.start or end > w.end:
            span = max(1, end - start)
            a, b = max(0, start - span), end + span
            self.queries += 1
            segs = list(self.project.segments(self.item_id, tier_id=tier_id, start=a, end=b))
            w = self._windows[tier_id] = _Window(a, b, segs)
        lo = bisect_left(w.starts, start - w.max_len)
        hi = bisect_right(w.starts, end - 1)
        return [s for s in w.segments[lo:hi] if s.end > start]

    def at(self, tier_id: int, frame: float, start: int, end: int) -> list[Segment]:
        """Segments of ``tier_id`` covering ``frame`` (searching within the visible window)."""
        return [s for s in self.visible(tier_id, start, end) if s.start <= frame < s.end]
