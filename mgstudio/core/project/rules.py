"""What the store refuses: rows outside their item, on unknown tiers or with bad values, and
overlapping segments on one annotator's (human) tier. The ``proposals`` model tier may overlap."""

from __future__ import annotations

import sqlite3
from fractions import Fraction
from typing import Any

from mgstudio.core import edits
from mgstudio.core.errors import ProjectError
from mgstudio.core.segments import Segment
from mgstudio.core.timebase import timecode


class Rules:
    """Checks run inside an edit's transaction (a mixin of :class:`~mgstudio.core.project.Project`)."""

    def _describe(self, seg: Segment | dict[str, Any], rate: Fraction | None = None) -> str:
        d = seg if isinstance(seg, dict) else seg.to_dict()
        return edits.describe(d, self._rate(d["item_id"]) if rate is None else rate)

    def _rate(self, item_id: int) -> Fraction:
        rows = self._q("SELECT fps FROM items WHERE id = ?", (int(item_id),))
        return Fraction(rows[0][0]) if rows else Fraction(25)

    def _check_rows(self, db: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
        """Refuse rows outside their item, on unknown tiers, or with bad values (before applying)."""
        items: dict[int, tuple] = {}
        tiers: dict[int, str] = {}
        for d in rows:
            iid = d["item_id"]
            if iid not in items:
                r = db.execute("SELECT name, frame_count, fps FROM items WHERE id = ?", (iid,)).fetchone()
                if r is None:
                    raise ProjectError(f"The project has no item {iid}.")
                items[iid] = r
            name, n_frames, fps = items[iid]
            tid = d["tier_id"]
            if tid not in tiers:
                r = db.execute("SELECT kind FROM tiers WHERE id = ?", (tid,)).fetchone()
                if r is None:
                    raise ProjectError(f"The project has no tier {tid}.")
                tiers[tid] = r[0]
            if not isinstance(d["label"], str) or not d["label"].strip():
                raise ProjectError("A segment needs a label.")
            if d["end"] <= d["start"]:
                raise ProjectError(f"A segment must end after it starts (frames {d['start']}–{d['end']}).")
            if d["start"] < 0 or (n_frames is not None and d["end"] > n_frames):
                rate = Fraction(fps)
                limit = f"{timecode(n_frames, rate)} ({n_frames} frames)" if n_frames is not None else "its end"
                raise ProjectError(
                    f"The segment {self._describe(d, rate)} lies outside '{name}', which runs from "
                    f"00:00:00.000 to {limit}.")
            c = d.get("confidence")
            if c is not None and not (isinstance(c, (int, float)) and 0.0 <= float(c) <= 1.0):
                raise ProjectError(f"A confidence must be between 0 and 1, got {c!r}.")

    BULK_OVERLAP_CHECK = 64  # rows of one tier from which one sweep beats a query per row

    def _check_overlaps(self, db: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
        """After applying: rows on human tiers must not overlap another segment of their tier."""
        human = {r[0] for r in db.execute("SELECT id FROM tiers WHERE kind = 'human'")}
        groups: dict[tuple[int, int], list[dict[str, Any]]] = {}
        for d in rows:
            if d["tier_id"] in human:
                groups.setdefault((d["item_id"], d["tier_id"]), []).append(d)
        big = {key for key, g in groups.items() if len(g) >= self.BULK_OVERLAP_CHECK}
        if any(self._sweep_finds_overlap(db, *key, groups[key]) for key in big):
            big = set()  # the query per row, in the command's order, names the first overlap
        self._check_overlaps_each(db, [d for d in rows if (d["item_id"], d["tier_id"]) not in big], human)

    @staticmethod
    def _sweep_finds_overlap(db: sqlite3.Connection, item_id: int, tier_id: int,
                             group: list[dict[str, Any]]) -> bool:
        """Whether any of ``group`` (rows of one item and tier, applied) overlaps a segment of its tier:
        one query for the tier's segments in the rows' span, then one pass in start order."""
        touched = {d["id"] for d in group}
        lo, hi = min(d["start"] for d in group), max(d["end"] for d in group)
        spans = db.execute("SELECT s.start_frame, s.end_frame, s.id FROM segments s WHERE s.id IN "
                           "(SELECT id FROM segments_rtree WHERE item_lo <= ?1 AND item_hi >= ?1 AND s_lo < ?3 "
                           "AND s_hi > ?2) AND s.tier_id = ?4", (item_id, lo, hi, tier_id)).fetchall()
        spans.sort()  # by start, end (then id)
        reach, reach_id = None, None  # the furthest end so far, and whose it is
        for start, end, sid in spans:
            if reach is not None and start < reach and (sid in touched or reach_id in touched):
                return True
            if reach is None or end > reach:
                reach, reach_id = end, sid
        return False

    def _check_overlaps_each(self, db: sqlite3.Connection, rows: list[dict[str, Any]], human: set[int]) -> None:
        """One R*Tree query per row: the first row that overlaps is named in the message."""
        sql = ("SELECT s.id, s.start_frame, s.end_frame, s.label FROM segments s WHERE s.id IN "
               "(SELECT id FROM segments_rtree WHERE item_lo <= ?1 AND item_hi >= ?1 AND s_lo < ?3 AND s_hi > ?2) "
               "AND s.tier_id = ?4 AND s.id != ?5 LIMIT 1")
        for d in rows:
            if d["tier_id"] not in human:
                continue
            hit = db.execute(sql, (d["item_id"], d["start"], d["end"], d["tier_id"], d["id"])).fetchone()
            if hit:
                rate = Fraction(db.execute("SELECT fps FROM items WHERE id = ?", (d["item_id"],)).fetchone()[0])
                tier = db.execute("SELECT name FROM tiers WHERE id = ?", (d["tier_id"],)).fetchone()[0]
                other = {"label": hit[3], "start": hit[1], "end": hit[2]}
                raise ProjectError(
                    f"The segment {self._describe(d, rate)} would overlap {self._describe(other, rate)} "
                    f"on tier '{tier}'; segments on one annotator's tier cannot overlap.")
