"""Undoable commands as lists of row operations on the ``segments`` table.

A command is what one user action does (create, delete, move/resize/relabel/accept/reject,
split, merge, bulk add, replace proposals): a list of operations

- ``{"op": "insert", "after": ROW}``
- ``{"op": "delete", "before": ROW}``
- ``{"op": "update", "before": ROW, "after": ROW}``

where ``ROW`` is a full segment as a dict (``Segment.to_dict()``, with its id), and

- ``{"op": "taxonomy", "before": TAXONOMY, "after": TAXONOMY}``

for the project's label set (``Taxonomy.to_dict()``), so that renaming a label and relabelling its
segments is one step that undo takes back whole. Undo applies
:func:`invert` (the operations reversed, before and after swapped); redo applies the list again.
Ids are kept: an undone delete re-creates the segment under its old id, so audit rows and
references stay valid. The project stores each command as one ``history`` row, committed in
the same transaction as the change and its audit rows.
"""

from __future__ import annotations

import json
import operator
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mgstudio.core.segments import Segment

__all__ = ["Command", "StaleEditError", "invert", "apply_ops", "SEGMENT_COLUMNS", "SEGMENT_SELECT", "row_to_db",
           "segment_from_db", "ops_to_json", "ops_from_json", "segment_ops"]

# Segment field -> column, in insert order: THE one list of a segment's columns (the store's
# SELECTs, inserts, updates and row tuples are all built from it).
SEGMENT_COLUMNS: dict[str, str] = {
    "id": "id", "item_id": "item_id", "tier_id": "tier_id", "start": "start_frame",
    "end": "end_frame", "label": "label", "source": "source", "status": "status",
    "confidence": "confidence", "annotator": "annotator", "note": "note",
    "created": "created", "modified": "modified",
}
_FIELDS = tuple(SEGMENT_COLUMNS)
SEGMENT_SELECT = ", ".join(SEGMENT_COLUMNS.values())  # "id, item_id, ..., modified" for SELECTs
_SELECT = f"SELECT {SEGMENT_SELECT} FROM segments WHERE id = ?"


class StaleEditError(Exception):
    """A segment is not as the command expects (another window or program changed it)."""

    def __init__(self, segment_id: int) -> None:
        super().__init__(f"segment {segment_id} changed since the command was made")
        self.segment_id = segment_id
_INSERT = "INSERT INTO segments ({}) VALUES ({})".format(
    ", ".join(SEGMENT_COLUMNS.values()), ", ".join("?" * len(SEGMENT_COLUMNS)))
_UPDATE = "UPDATE segments SET {} WHERE id = ?".format(
    ", ".join(f"{c} = ?" for f, c in SEGMENT_COLUMNS.items() if f != "id"))


@dataclass
class Command:
    """One undoable user action."""

    action: str
    description: str
    ops: list[dict[str, Any]] = field(default_factory=list)

    def insert(self, row: dict[str, Any]) -> None:
        self.ops.append({"op": "insert", "after": row})

    def delete(self, row: dict[str, Any]) -> None:
        self.ops.append({"op": "delete", "before": row})

    def update(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        self.ops.append({"op": "update", "before": before, "after": after})


def segment_ops(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The operations on segments (not on the label set)."""
    return [op for op in ops if op["op"] != "taxonomy"]


def invert(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The operations that undo ``ops``."""
    out = []
    for op in reversed(ops):
        if op["op"] == "insert":
            out.append({"op": "delete", "before": op["after"]})
        elif op["op"] == "delete":
            out.append({"op": "insert", "after": op["before"]})
        else:  # update, taxonomy
            out.append({"op": op["op"], "before": op["after"], "after": op["before"]})
    return out


def row_to_db(row: dict[str, Any]) -> tuple[Any, ...]:
    """A segment row (dict) as the tuple of its columns in :data:`SEGMENT_COLUMNS` order."""
    try:
        return _row_getter(row)
    except KeyError:  # a row without some field: None there
        return tuple(row.get(f) for f in _FIELDS)


_row_getter = operator.itemgetter(*_FIELDS)


def segment_from_db(r: tuple) -> Segment:
    """A :class:`Segment` from a tuple of columns selected with :data:`SEGMENT_SELECT`."""
    return Segment(*r[1:], id=r[0])  # Segment's fields are the columns in this order (checked below)


if tuple(Segment.__dataclass_fields__) != _FIELDS[1:] + ("id",):  # pragma: no cover - a developer's slip
    raise ImportError("Segment's fields and SEGMENT_COLUMNS are out of step.")


def _next_id(conn: sqlite3.Connection) -> int:
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'segments'").fetchone()
    top = conn.execute("SELECT max(id) FROM segments").fetchone()[0]
    return max(seq[0] if seq else 0, top or 0) + 1


def apply_ops(conn: sqlite3.Connection, ops: Iterable[dict[str, Any]]) -> None:
    """Apply operations inside the caller's transaction; inserts without an id get one (in place).

    Raises :class:`StaleEditError` (before changing anything) when a row to update or delete is
    not exactly its ``before`` state, or an insert's id is taken: the project changed elsewhere.

    Consecutive operations of the same kind are sent with ``executemany``.
    """
    ops = list(ops)
    for op in ops:  # optimistic check: every row we change or delete is as we last saw it
        if op["op"] == "taxonomy":
            row = conn.execute("SELECT value FROM meta WHERE key = 'taxonomy'").fetchone()
            if row is None or json.loads(row[0]) != op["before"]:
                raise StaleEditError(0)
            continue
        if op["op"] == "insert":
            if op["after"].get("id") is not None and conn.execute(
                    "SELECT 1 FROM segments WHERE id = ?", (op["after"]["id"],)).fetchone():
                raise StaleEditError(op["after"]["id"])
            continue
        before = op["before"]
        row = conn.execute(_SELECT, (before["id"],)).fetchone()
        if row is None or row != row_to_db(before):
            raise StaleEditError(before["id"])
    need_ids = [op["after"] for op in ops if op["op"] == "insert" and op["after"].get("id") is None]
    if need_ids:
        nid = _next_id(conn)
        for row in need_ids:
            row["id"] = nid
            nid += 1
    i = 0
    while i < len(ops):
        kind = ops[i]["op"]
        j = i
        while j < len(ops) and ops[j]["op"] == kind:
            j += 1
        batch = ops[i:j]
        if kind == "taxonomy":
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES ('taxonomy', ?)",
                             [(json.dumps(op["after"]),) for op in batch])
        elif kind == "insert":
            conn.executemany(_INSERT, [row_to_db(op["after"]) for op in batch])
        elif kind == "delete":
            conn.executemany("DELETE FROM segments WHERE id = ?", [(op["before"]["id"],) for op in batch])
        else:
            conn.executemany(_UPDATE, [row_to_db(op["after"])[1:] + (op["after"]["id"],) for op in batch])
        i = j


def ops_to_json(ops: list[dict[str, Any]]) -> str:
    return json.dumps(ops, separators=(",", ":"))


def ops_from_json(text: str) -> list[dict[str, Any]]:
    return json.loads(text)
