"""Segment reads: by item, tier, frame window, status and source; counts; segments by id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mgstudio.core.errors import ProjectError
from mgstudio.core.project.rows import I32, SEG_COLS, Tier, segment_from_db
from mgstudio.core.segments import Segment, Source, Status


class Queries:
    """Reading segments (a mixin of :class:`~mgstudio.core.project.Project`)."""

    _SEG_COLS = SEG_COLS
    _seg = staticmethod(segment_from_db)

    def _tier_id(self, tier: int | str | Tier | None) -> int | None:
        if tier is None:
            return None
        if isinstance(tier, Tier):
            return tier.id
        if isinstance(tier, str):
            return self.tier(tier).id
        return int(tier)

    def _where(self, item_id: int | None, tier_id: Any, start: int | None, end: int | None,
               statuses: Iterable[Status | str] | None, source: Source | str | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        windowed = start is not None or end is not None
        lo = -I32 if start is None else max(-I32, int(start))
        hi = I32 if end is None else min(I32, int(end))
        if item_id is not None and windowed:
            clauses.append("id IN (SELECT id FROM segments_rtree WHERE item_lo <= ? AND item_hi >= ? "
                           "AND s_lo < ? AND s_hi > ?)")
            params += [int(item_id), int(item_id), hi, lo]
        elif windowed:
            clauses.append("start_frame < ? AND end_frame > ?")
            params += [hi, lo]
        if item_id is not None:
            # With a window, "+item_id" keeps the planner on the R*Tree: without statistics it
            # would otherwise walk the item's whole B-tree range (measured: 5x slower at 10k/item).
            clauses.append("+item_id = ?" if windowed else "item_id = ?")
            params.append(int(item_id))
        tid = self._tier_id(tier_id)
        if tid is not None:
            clauses.append("tier_id = ?")
            params.append(tid)
        if statuses is not None:
            sts = [Status(s).value for s in ([statuses] if isinstance(statuses, (str, Status)) else statuses)]
            clauses.append(f"status IN ({', '.join('?' * len(sts))})" if sts else "0")
            params += sts
        if source is not None:
            clauses.append("source = ?")
            params.append(Source(source).value)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def segments(self, item_id: int | None = None, tier_id: int | str | Tier | None = None,
                 start: int | None = None, end: int | None = None,
                 statuses: Iterable[Status | str] | None = None,
                 source: Source | str | None = None) -> list[Segment]:
        """Segments ordered by start; ``start``/``end`` select those overlapping [start, end)."""
        where, params = self._where(item_id, tier_id, start, end, statuses, source)
        rows = self._q(f"SELECT {SEG_COLS} FROM segments{where} ORDER BY start_frame, end_frame, id", params)
        return [segment_from_db(r) for r in rows]

    def count_segments(self, item_id: int | None = None, tier_id: int | str | Tier | None = None,
                       start: int | None = None, end: int | None = None,
                       statuses: Iterable[Status | str] | None = None,
                       source: Source | str | None = None) -> int:
        where, params = self._where(item_id, tier_id, start, end, statuses, source)
        return int(self._q(f"SELECT count(*) FROM segments{where}", params)[0][0])

    def label_counts(self) -> dict[str, int]:
        """How many segments carry each label, over all items and tiers (counted by SQLite)."""
        return {label: int(n) for label, n in self._q("SELECT label, count(*) FROM segments GROUP BY label")}

    def status_counts(self, item_id: int | None = None, tier_id: int | str | Tier | None = None,
                      source: Source | str | None = None) -> dict[str, int]:
        """Number of segments per status (every status present as a key)."""
        where, params = self._where(item_id, tier_id, None, None, None, source)
        counts = {s.value: 0 for s in Status}
        for status, n in self._q(f"SELECT status, count(*) FROM segments{where} GROUP BY status", params):
            counts[status] = n
        return counts

    def segment(self, segment_id: int) -> Segment:
        rows = self._q(f"SELECT {SEG_COLS} FROM segments WHERE id = ?", (int(segment_id),))
        if not rows:
            raise ProjectError(f"Segment {segment_id} does not exist (it may have been deleted).")
        return segment_from_db(rows[0])

    def segments_by_id(self, ids: Iterable[int]) -> dict[int, Segment | None]:
        """The current state of each segment id (``None``: it no longer exists), in few queries."""
        want = sorted({int(i) for i in ids})
        out: dict[int, Segment | None] = dict.fromkeys(want)
        for k in range(0, len(want), 500):
            chunk = want[k:k + 500]
            rows = self._q(f"SELECT {SEG_COLS} FROM segments WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
            for r in rows:
                out[r[0]] = segment_from_db(r)
        return out
