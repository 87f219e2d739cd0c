"""The queue behind U: one item's unreviewed model proposals, least confident first, kept between presses.

Reading every proposal of an item on each press of U costs milliseconds per press with 10,000
proposals (``benchmarks/bench_review.py``). :class:`UncertainQueue` reads them once, then keeps
a sorted list up to date: :meth:`patch` re-reads just the segments an edit touched (accept,
reject, relabel, a moved edge), :meth:`invalidate` drops everything (undo, redo, edits made
elsewhere, another item). The head is checked against the project before it is returned, so an
edit nobody announced is caught and the queue re-read rather than pointing at a reviewed segment.
No Qt here.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from typing import Any, Iterable, TYPE_CHECKING

from mgstudio.core.errors import MGStudioError
from mgstudio.core.segments import Segment, Source, Status

if TYPE_CHECKING:
    from mgstudio.core.project import Project

Key = tuple[float, int, int]  # (confidence, start, id): the order U visits proposals in


def uncertainty_key(seg: Segment) -> Key:
    """Least confident first (no confidence counts as sure), then earliest, then oldest."""
    return (1.0 if seg.confidence is None else float(seg.confidence), int(seg.start), int(seg.id or 0))


class UncertainQueue:
    """``first(project, item_id)`` is the least confident proposal not reviewed yet (or ``None``)."""

    def __init__(self) -> None:
        self._project: Any = None
        self._item_id: int | None = None
        self._keys: list[Key] = []
        self._by_id: dict[int, Key] = {}
        self._valid = False
        self.loads = 0  # full reads so far (for tests and benchmarks)

    def invalidate(self) -> None:
        """Anything may have changed: the next :meth:`first` re-reads the item's proposals."""
        self._valid = False

    def _wanted(self, seg: Segment) -> bool:
        return seg.item_id == self._item_id and seg.status == Status.PROPOSED and seg.source == Source.MODEL

    def _load(self, project: Project, item_id: int) -> None:
        props = project.segments(item_id, statuses=[Status.PROPOSED], source=Source.MODEL)
        self._project, self._item_id = project, item_id
        self._keys = sorted(uncertainty_key(s) for s in props)
        self._by_id = {k[2]: k for k in self._keys}
        self._valid = True
        self.loads += 1

    def patch(self, project: Project, item_id: int | None, ids: Iterable[int]) -> None:
        """Only these segments changed (or were deleted): re-read just them."""
        if not self._valid or project is not self._project or item_id != self._item_id:
            self._valid = False
            return
        for sid in ids:
            old = self._by_id.pop(int(sid), None)
            if old is not None:
                i = bisect_left(self._keys, old)
                if i < len(self._keys) and self._keys[i] == old:
                    del self._keys[i]
            try:
                seg = project.segment(sid)
            except MGStudioError:
                continue  # deleted
            if self._wanted(seg):
                key = uncertainty_key(seg)
                insort(self._keys, key)
                self._by_id[key[2]] = key

    def first(self, project: Project, item_id: int) -> Segment | None:
        """The least confident unreviewed proposal of ``item_id``, read fresh from the project."""
        if not self._valid or project is not self._project or item_id != self._item_id:
            self._load(project, item_id)
        for attempt in (0, 1):
            if not self._keys:
                return None
            key = self._keys[0]
            try:
                seg = project.segment(key[2])
            except MGStudioError:
                seg = None
            if seg is not None and self._wanted(seg) and uncertainty_key(seg) == key:
                return seg
            if attempt == 0:  # changed behind our back: read everything again
                self._load(project, item_id)
        return None

    def __len__(self) -> int:
        return len(self._keys)
