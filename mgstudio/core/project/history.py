"""Running an edit and taking it back: validate → apply → overlap check → history and audit rows,
all in one transaction; the merge of quick nudges into one undo step; several edits as one step
(:meth:`History.one_step`); undo and redo.

Each annotator has their own undo stack (history rows carry ``who``): Alice's undo never takes
back Bob's work. When an edit to undo was changed since by someone else, the undo is refused
(see :class:`~mgstudio.core.commands.StaleEditError`) rather than overwrite their change.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _js
from typing import Any

from mgstudio.core.commands import (SEGMENT_COLUMNS, Command, StaleEditError, apply_ops, invert, ops_from_json,
                                    ops_to_json, segment_ops)
from mgstudio.core.errors import ProjectError
from mgstudio.core.project import schema as store_schema
from mgstudio.core.project.damage import damaged
from mgstudio.core.project.item_edits import apply_item_op, is_item_op


def apply_all(db: sqlite3.Connection, ops: list[dict[str, Any]]) -> None:
    """Apply a command's operations in order: runs of segment and label-set operations through
    :func:`~mgstudio.core.commands.apply_ops`, item operations through
    :func:`~mgstudio.core.project.item_edits.apply_item_op`."""
    run: list[dict[str, Any]] = []
    for op in ops:
        if is_item_op(op) or op.get("op") == "tier":
            if run:
                _apply_segment_ops(db, run)
                run = []
            (apply_item_op if is_item_op(op) else apply_tier_op)(db, op)
        else:
            run.append(op)
    if run:
        _apply_segment_ops(db, run)


BULK_INSERTS = 256  # inserts from which the R*Tree rows are added in one statement (schema.rtree_fill)


def _apply_segment_ops(db: sqlite3.Connection, run: list[dict[str, Any]]) -> None:
    inserts = [op["after"] for op in run if op["op"] == "insert"]
    if len(inserts) < BULK_INSERTS:
        apply_ops(db, run)
        return
    store_schema.bulk_begin(db)
    apply_ops(db, run)  # gives new rows their ids
    ids = [r["id"] for r in inserts]
    store_schema.rtree_fill(db, min(ids), max(ids))


def apply_tier_op(db: sqlite3.Connection, op: dict[str, Any]) -> None:
    """Re-create (``before`` None) or remove (``after`` None) a tier that a :meth:`History.one_step`
    created: ``{"op": "tier", "before"|"after": {"id", "name", "annotator", "kind", "new_annotator"}}``.
    A removal leaves a tier that holds segments (made since), and the annotator it brought when
    another tier still names them."""
    before, after = op.get("before"), op.get("after")
    row = after if before is None else before
    who = row.get("annotator")
    if before is None:
        if db.execute("SELECT 1 FROM tiers WHERE id = ? AND name = ?", (row["id"], row["name"])).fetchone():
            return  # it stayed when the step was undone (coded on since)
        if db.execute("SELECT 1 FROM tiers WHERE id = ? OR name = ?", (row["id"], row["name"])).fetchone():
            raise ProjectError(f"Another tier is called '{row['name']}' now; rename it first, then try again.")
        if who is not None and not db.execute("SELECT 1 FROM annotators WHERE name = ?", (who,)).fetchone():
            db.execute("INSERT INTO annotators (name, created) VALUES (?, ?)", (who, time.time()))
        db.execute("INSERT INTO tiers (id, name, annotator, kind) VALUES (?, ?, ?, ?)",
                   (row["id"], row["name"], who, row["kind"]))
        return
    if db.execute("SELECT 1 FROM segments WHERE tier_id = ? LIMIT 1", (row["id"],)).fetchone():
        return  # coded on since: the tier stays, the rest of the step is taken back
    db.execute("DELETE FROM tiers WHERE id = ?", (row["id"],))
    if row.get("new_annotator") and not db.execute("SELECT 1 FROM tiers WHERE annotator = ?", (who,)).fetchone():
        db.execute("DELETE FROM annotators WHERE name = ?", (who,))


_ROW_FIELDS = tuple(SEGMENT_COLUMNS)
_NEW_ROW_FIELDS = _ROW_FIELDS[1:] + _ROW_FIELDS[:1]
_COMPACT = (",", ":")


def _json(value: Any) -> str:
    return json.dumps(value, separators=_COMPACT)


def row_json(d: dict[str, Any]) -> str:
    """A segment row as compact JSON, the text ``json.dumps(d, separators=(",", ":"))`` gives.

    Written field by field for the row of plain ints, texts and finite floats a segment is (about
    twice as fast as ``json.dumps``: a 10,000-segment import serialises 10,000 rows); anything
    else (a missing field, a bool, NaN) goes through ``json.dumps``."""
    if type(d) is not dict:
        return _json(d)
    keys = tuple(d)
    if keys == _ROW_FIELDS:
        i, item, tier, start, end, label, source, status, conf, who, note, created, modified = d.values()
    elif keys == _NEW_ROW_FIELDS:  # Segment.to_dict()'s order: the id last
        item, tier, start, end, label, source, status, conf, who, note, created, modified, i = d.values()
    else:
        return _json(d)
    if not (type(i) is int and type(item) is int and type(tier) is int and type(start) is int
            and type(end) is int and type(label) is str and type(source) is str and type(status) is str
            and type(who) is str and type(note) is str and type(created) is float and type(modified) is float
            and math.isfinite(created) and math.isfinite(modified)
            and (conf is None or (type(conf) is float and math.isfinite(conf)))):
        return _json(d)
    body = (f'"item_id":{item},"tier_id":{tier},"start":{start},"end":{end},"label":{_js(label)},'
            f'"source":{_js(source)},"status":{_js(status)},"confidence":{"null" if conf is None else repr(conf)},'
            f'"annotator":{_js(who)},"note":{_js(note)},"created":{created!r},"modified":{modified!r}')
    return f'{{"id":{i},{body}}}' if keys[0] == "id" else f'{{{body},"id":{i}}}'


def _encoded(op: dict[str, Any]) -> tuple[str | None, str | None]:
    """An operation's ``before`` and ``after`` as JSON (``None`` where it has none)."""
    enc = _json if op["op"] in ("taxonomy", "item", "tier") else row_json
    before, after = op.get("before"), op.get("after")
    return (None if before is None else enc(before)), (None if after is None else enc(after))


def _ops_text(ops: list[dict[str, Any]], encoded: list[tuple[str | None, str | None]]) -> str:
    """The history text of ``ops`` (what :func:`ops_to_json` writes) from their encoded rows."""
    parts = []
    for op, (before, after) in zip(ops, encoded):
        keys = tuple(op)
        if keys == ("op", "after") and after is not None:  # an insert
            parts.append(f'{{"op":{_js(op["op"])},"after":{after}}}')
            continue
        if keys == ("op", "before") and before is not None:  # a delete
            parts.append(f'{{"op":{_js(op["op"])},"before":{before}}}')
            continue
        fields = []
        for key, value in op.items():
            if key == "before" and before is not None:
                fields.append(f'"before":{before}')
            elif key == "after" and after is not None:
                fields.append(f'"after":{after}')
            else:
                fields.append(f"{_js(key)}:{_json(value)}")
        parts.append("{" + ",".join(fields) + "}")
    return "[" + ",".join(parts) + "]"


def _bounds_changed(op: dict[str, Any]) -> frozenset[str] | None:
    """Which of start/end a single-segment update changes (``None``: it changes the label, tier,
    note or item too)."""
    b, a = op["before"], op["after"]
    if any(b.get(k) != a.get(k) for k in ("label", "tier_id", "note", "item_id")):
        return None
    return frozenset(k for k in ("start", "end") if b[k] != a[k])


def _ops_or_none(text: str) -> list[dict[str, Any]] | None:
    try:
        ops = ops_from_json(text)
    except (TypeError, ValueError, RecursionError):
        return None
    return ops if isinstance(ops, list) else None


@dataclass
class _OpenStep:
    """The edits :meth:`History.one_step` gathers into one undo step (in the thread that opened it)."""

    thread: int
    ops: list[dict[str, Any]] = field(default_factory=list)
    encoded: list[tuple[str | None, str | None]] = field(default_factory=list)


class History:
    """The edit engine and the undo stacks (a mixin of :class:`~mgstudio.core.project.Project`)."""

    HISTORY_LIMIT = 1000  # undo steps kept per annotator
    _bounds_changed = staticmethod(_bounds_changed)
    _open_step: _OpenStep | None = None

    def _in_step(self) -> bool:
        step = self._open_step
        return step is not None and step.thread == threading.get_ident()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """The connection's write transaction; inside :meth:`one_step` (same thread) a savepoint of
        the step's transaction instead: a part that fails is rolled back alone, the rest commits
        with the step."""
        if not self._in_step():
            with super()._tx() as db:  # type: ignore[misc]
                yield db
            return
        db = self._db
        db.execute("SAVEPOINT part")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK TO part")
            db.execute("RELEASE part")
            raise
        db.execute("RELEASE part")

    @contextmanager
    def one_step(self, action: str, description: str) -> Iterator[None]:
        """Make the edits of the block one transaction and one undo step, ``description``.

        Every edit made in the block by this thread (commands, item edits, new tiers) joins one
        ``BEGIN IMMEDIATE`` transaction: an error or a kill anywhere in the block leaves the
        project as before it, and undo takes back (redo brings back) all of the block's commands
        together, last first. An import that creates its recordings is such a block. Undo takes
        back commands, :meth:`add_label_item` and the tiers (with the annotators they brought)
        made in the block. Other threads wait until the block ends; a block inside a block is
        part of the outer one."""
        if self._in_step():
            yield
            return
        with super()._tx() as db:  # type: ignore[misc]
            step = self._open_step = _OpenStep(threading.get_ident())
            try:
                yield
            finally:
                self._open_step = None
            if step.ops:
                self._record(db, action, description, step.ops, step.encoded, time.time())

    def _merge_into_last(self, db: sqlite3.Connection, cmd: Command, now: float, within: float) -> bool:
        """Join ``cmd`` (one edge change) to this annotator's newest undo step when it continues it."""
        if within <= 0 or len(cmd.ops) != 1 or cmd.ops[0]["op"] != "update":
            return False
        row = db.execute("SELECT id, action, ops, undone, created FROM history WHERE who = ? ORDER BY id DESC LIMIT 1",
                         (self.annotator,)).fetchone()
        if row is None or row[3] or row[1] != cmd.action or now - row[4] > within:
            return False
        last = _ops_or_none(row[2])
        new = cmd.ops[0]
        if (not last or len(last) != 1 or not isinstance(last[0], dict) or last[0].get("op") != "update"
                or last[0].get("after") != new["before"]):
            return False
        edge, before = _bounds_changed(new), _bounds_changed(last[0])
        if not edge or before is None or not before <= edge:  # (a step may have come back: empty)
            return False
        merged = [{"op": "update", "before": last[0]["before"], "after": new["after"]}]
        db.execute("UPDATE history SET ops = ?, created = ? WHERE id = ?", (ops_to_json(merged), now, row[0]))
        return True

    def _run(self, cmd: Command | None, merge_within: float = 0.0) -> None:
        """Validate, apply and commit a command with its history and audit rows."""
        if cmd is None or not cmd.ops:
            return
        now = time.time()
        with self._tx() as db:
            touched = [op["after"] for op in segment_ops(cmd.ops) if op["op"] not in ("delete", "item")]
            self._check_rows(db, touched)
            try:
                apply_all(db, cmd.ops)
            except StaleEditError as exc:
                raise ProjectError("This segment was just changed in another window or program; "
                                   "nothing was saved, look again and retry.", str(exc)) from exc
            self._check_overlaps(db, touched)
            step = self._open_step if self._in_step() else None
            if step is None and self._merge_into_last(db, cmd, now, merge_within):
                self._audit_ops(db, now, cmd.action, cmd.description, cmd.ops)
                return
            # Each row is serialised once, for its audit row and for the undo step's text.
            encoded = [_encoded(op) for op in cmd.ops]
            if step is not None:  # one_step writes the undo step of the whole block
                step.ops.extend(cmd.ops)
                step.encoded.extend(encoded)
            else:
                self._record(db, cmd.action, cmd.description, cmd.ops, encoded, now)
            self._audit_ops(db, now, cmd.action, cmd.description, cmd.ops, encoded)

    def _in_step_too(self, op: dict[str, Any]) -> None:
        """Add an operation already applied outside a command (a new tier) to the open step of
        this thread, so that undoing the step takes it back; nothing outside a step."""
        if self._in_step():
            self._open_step.ops.append(op)  # type: ignore[union-attr]
            self._open_step.encoded.append(_encoded(op))  # type: ignore[union-attr]

    def _record(self, db: sqlite3.Connection, action: str, description: str, ops: list[dict[str, Any]],
                encoded: list[tuple[str | None, str | None]], now: float) -> None:
        """Write one undo step (dropping this annotator's redo steps), keeping the newest
        HISTORY_LIMIT steps of this annotator (the audit log keeps all)."""
        db.execute("DELETE FROM history WHERE undone = 1 AND who = ?", (self.annotator,))
        db.execute("INSERT INTO history (action, description, ops, undone, who, created) VALUES (?, ?, ?, 0, ?, ?)",
                   (action, description, _ops_text(ops, encoded), self.annotator, now))
        db.execute("DELETE FROM history WHERE who = ?1 AND id <= (SELECT id FROM history WHERE who = ?1 "
                   "ORDER BY id DESC LIMIT 1 OFFSET ?2)", (self.annotator, self.HISTORY_LIMIT))

    def _audit_ops(self, db: sqlite3.Connection, now: float, action: str, description: str,
                   ops: list[dict[str, Any]], encoded: list[tuple[str | None, str | None]] | None = None) -> None:
        """One audit row per operation (``encoded``: the operations' rows as JSON, when known)."""
        if encoded is None:
            encoded = [_encoded(op) for op in ops]
        rows = []
        who = self.annotator
        for op, (before_text, after_text) in zip(ops, encoded):
            kind = op["op"]
            if kind == "taxonomy":  # no segment: views re-read everything (colours, names)
                rows.append((now, who, action, description, None, None, before_text, after_text))
                self._taxonomy = None
                continue
            ref = op.get("after") or op.get("before")
            if kind == "tier":  # a tier a one_step made, taken back or made again
                rows.append((now, who, action, description, None, None, before_text, after_text))
                continue
            if kind == "item":  # a recording removed, re-created or changed: no segment id
                rows.append((now, who, action, description, ref["id"], None, before_text, after_text))
                continue
            rows.append((now, who, action, description, ref["item_id"], ref["id"], before_text, after_text))
        self._audit_rows(db, rows)

    # ------------------------------------------------------------------ undo / redo
    def _last(self, undone: int) -> tuple | None:
        order = "DESC" if undone == 0 else "ASC"
        rows = self._q(f"SELECT id, action, description, ops FROM history WHERE undone = ? AND who = ? "
                       f"ORDER BY id {order} LIMIT 1", (undone, self.annotator))
        return rows[0] if rows else None

    def label_renames(self, undo: bool) -> dict[str, str]:
        """How label names map through the step :meth:`undo` (or :meth:`redo`) would take next:
        old name -> new name, for a label edit (empty for any other step). Undoing a merge maps
        nothing back: the label merged into kept its name throughout."""
        row = self._last(0 if undo else 1)
        if row is None:
            return {}
        try:
            op = next((o for o in _ops_or_none(row[3]) or [] if o["op"] == "taxonomy"), None)
            if op is None:
                return {}
            renames = dict(op.get("renames") or {})
            if not undo:
                return renames
            kept = {lab["name"] for lab in op["before"].get("labels", [])} - set(renames)
            return {new: old for old, new in renames.items() if new not in kept}
        except (KeyError, TypeError, ValueError, AttributeError):  # a damaged step: undo says so
            return {}

    def can_undo(self) -> bool:
        return not self.read_only and self._last(0) is not None

    def can_redo(self) -> bool:
        return not self.read_only and self._last(1) is not None

    def undo_text(self) -> str | None:
        r = self._last(0)
        return r[2] if r else None

    def redo_text(self) -> str | None:
        r = self._last(1)
        return r[2] if r else None

    def undo(self) -> str | None:
        """Undo the last edit; returns its description (None when there is nothing to undo)."""
        return self._step(undo=True)

    def redo(self) -> str | None:
        """Redo the last undone edit; returns its description (None when there is none)."""
        return self._step(undo=False)

    def _step(self, undo: bool) -> str | None:
        if self._in_step():
            raise ProjectError("Undo and redo wait until the change in progress is finished.")
        with self._lock:
            row = self._last(0 if undo else 1)
            if row is None:
                return None
            hid, action, description, ops_json = row
            verb = "undone" if undo else "redone"
            try:
                ops = ops_from_json(ops_json)
                ops = invert(ops) if undo else ops
            except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
                raise damaged(self.path, f"the step '{str(description)[:60]}' cannot be {verb}", repr(exc)) from exc
            now = time.time()
            with self._tx() as db:
                try:
                    apply_all(db, ops)
                except StaleEditError as exc:
                    raise ProjectError(
                        f"'{description}' can no longer be {verb}: its segments or labels "
                        "were changed in another window or program since.", str(exc)) from exc
                except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                    raise damaged(self.path, f"the step '{str(description)[:60]}' cannot be {verb}",
                                  repr(exc)) from exc
                db.execute("UPDATE history SET undone = ? WHERE id = ?", (1 if undo else 0, hid))
                self._audit_ops(db, now, "undo" if undo else "redo", description, ops)
            return description
