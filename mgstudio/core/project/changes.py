"""What changed and who did it: the change counter, :meth:`changes_since`, the audit log and
SQLite's integrity check.

Every write to the segments table goes through ``_run`` (commands) or ``_step`` (undo/redo),
which write one audit row per segment touched in the same transaction. The audit ids therefore
count every saved change, made by this window or by any other connection or program.
"""

from __future__ import annotations


from mgstudio.core.project.damage import loads_or_raw
from mgstudio.core.project.rows import SEGMENT_FREE_ACTIONS, AuditEntry, ChangeSet


class Changes:
    """Change feed and audit log (a mixin of :class:`~mgstudio.core.project.Project`)."""

    CHANGES_LIMIT = 2000  # more segments than this: re-reading everything is cheaper than patching

    def change_counter(self) -> int:
        """A number that grows with every saved change (the newest audit row).

        Read it *before* reading the segments you show; later pass it to :meth:`changes_since`."""
        return int(self._q("SELECT coalesce(max(id), 0) FROM audit")[0][0])

    def changes_since(self, counter: int | None, limit: int | None = None) -> ChangeSet | None:
        """Which segments changed after ``counter`` (from :meth:`change_counter` or an earlier
        :class:`ChangeSet`): any edit, undo, redo, import or new proposals, by anyone.

        ``None`` means "re-read everything": no counter, more than ``limit`` segments changed
        (default :attr:`CHANGES_LIMIT`), a change the log cannot attribute to segments, or a
        counter the project has never reached (the file was replaced)."""
        if counter is None:
            return None
        limit = self.CHANGES_LIMIT if limit is None else int(limit)
        rows = self._q("SELECT id, action, item_id, segment_id, CASE WHEN segment_id IS NOT NULL AND before IS NOT NULL "
                       "THEN json_extract(before, '$.item_id') END FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                       (int(counter), limit + 1))
        if not rows:
            return ChangeSet(int(counter), frozenset(), frozenset()) if self.change_counter() >= counter else None
        seg_ids: set[int] = set()
        item_ids: set[int] = set()
        for _id, action, item_id, seg_id, old_item in rows:
            if seg_id is None:
                if action in SEGMENT_FREE_ACTIONS:
                    continue
                self._taxonomy = None  # e.g. the label set edited (or that undone) elsewhere
                return None
            if not all(isinstance(i, int) for i in (seg_id, item_id if item_id is not None else 0,
                                                     old_item if old_item is not None else 0)):
                return None  # an audit row a damaged file holds: re-read everything
            seg_ids.add(seg_id)
            for i in (item_id, old_item):
                if i is not None:
                    item_ids.add(i)
        if len(rows) > limit or len(seg_ids) > limit:
            return None
        return ChangeSet(int(rows[-1][0]), frozenset(seg_ids), frozenset(item_ids))

    def audit(self, item_id: int | None = None, limit: int | None = None,
              segment_id: int | None = None) -> list[AuditEntry]:
        """The audit log, newest first."""
        clauses, params = [], []
        if item_id is not None:
            clauses.append("item_id = ?")
            params.append(int(item_id))
        if segment_id is not None:
            clauses.append("segment_id = ?")
            params.append(int(segment_id))
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        lim = f" LIMIT {int(limit)}" if limit is not None else ""
        rows = self._q(f'SELECT "when", who, action, segment_id, before, after, item_id, description FROM audit'
                       f"{where} ORDER BY id DESC{lim}", params)
        return [AuditEntry(r[0], r[1], r[2], r[3], loads_or_raw(r[4]), loads_or_raw(r[5]), r[6], r[7]) for r in rows]

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` ("ok" when the database is sound)."""
        return "; ".join(r[0] for r in self._q("PRAGMA integrity_check"))
