"""Undoable edits of recordings (items): removing one with everything coded on it, and changing
its name, frame rate or attributes (subject, split, outcome...).

An item edit is one operation in a command's list (see :mod:`mgstudio.core.commands`)::

    {"op": "item", "before": ROW | None, "after": ROW | None}

``before`` ``None`` re-creates the item, ``after`` ``None`` removes it, both given change the
fields they hold (``id`` always, then only the changed ones; ``attributes`` only the changed
keys, ``None`` for a key that is absent). :func:`~mgstudio.core.commands.invert` swaps before
and after, which is exactly the undo of all three. A removal lists the item's segments as
``delete`` operations *before* the item's own operation, so undo re-creates the item first and
then its segments, under their old ids (audit rows keep pointing at them).

The audit log is never touched: a removed recording's history stays readable. Its skeleton files
stay in ``skeletons/`` (item ids are never reused), so undoing the removal finds them again; the
video file itself is only referenced and never changed.
"""

from __future__ import annotations

import json
import sqlite3
from fractions import Fraction
from typing import Any

from mgstudio.core.commands import Command
from mgstudio.core.errors import ProjectError
from mgstudio.core.project.damage import loads_or_raw, parse_rate
from mgstudio.core.project.rows import Item
from mgstudio.core.timebase import as_fraction

__all__ = ["ItemEdits", "ITEM_FIELDS", "SPLITS", "item_row", "apply_item_op", "is_item_op", "check_fps", "check_split"]

ITEM_FIELDS = ("id", "name", "kind", "video_path", "fingerprint", "fps", "frame_count", "width", "height",
               "created")
SPLITS = ("train", "val", "test")  # what the dataset export and the recognizer's evaluation read


def is_item_op(op: dict[str, Any]) -> bool:
    return op.get("op") == "item"


def item_row(db: sqlite3.Connection, item_id: int) -> dict[str, Any] | None:
    """The full row of an item with its attributes (``None`` when there is no such item)."""
    r = db.execute(f"SELECT {', '.join(ITEM_FIELDS)} FROM items WHERE id = ?", (int(item_id),)).fetchone()
    if r is None:
        return None
    row = dict(zip(ITEM_FIELDS, r))
    row["attributes"] = {str(k): loads_or_raw(v) for k, v in
                         db.execute("SELECT key, value FROM attributes WHERE item_id = ? ORDER BY key", (row["id"],))}
    return row


def check_fps(fps: Any, name: str) -> Fraction:
    """A frame rate as the exact fraction the store keeps; one sentence when it is not one."""
    try:
        rate = as_fraction(fps)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError) as exc:
        raise ProjectError(f"{fps!r} is not a frame rate for '{name}': give frames per second, e.g. 25.") from exc
    if parse_rate(str(rate)) is None or rate > 1000:
        raise ProjectError(f"{fps!r} is not a frame rate for '{name}': give frames per second between 0 and 1000.")
    return rate


def check_split(split: Any) -> str:
    value = str(split).strip().lower()
    if value not in SPLITS:
        raise ProjectError(f"A recording's split is one of {', '.join(SPLITS)}, not '{split}'.")
    return value


def _stale(row: dict[str, Any] | None, fallback: str) -> ProjectError:
    name = (row or {}).get("name") or fallback
    return ProjectError(f"The recording '{name}' was changed in another window or program since; "
                        "nothing was changed, look again and retry.")


def _set_attributes(db: sqlite3.Connection, item_id: int, attrs: dict[str, Any]) -> None:
    for k, v in attrs.items():
        if v is None:
            db.execute("DELETE FROM attributes WHERE item_id = ? AND key = ?", (item_id, k))
        else:
            db.execute("INSERT OR REPLACE INTO attributes (item_id, key, value) VALUES (?, ?, ?)",
                       (item_id, k, json.dumps(v)))


def apply_item_op(db: sqlite3.Connection, op: dict[str, Any]) -> None:
    """Apply one item operation inside the caller's transaction, after checking that the item is
    as the operation expects (otherwise one sentence, nothing changed: the caller rolls back)."""
    before, after = op.get("before"), op.get("after")
    if before is None and after is None:
        raise ProjectError("An item edit names no item.")
    item_id = int((after or before)["id"])
    current = item_row(db, item_id)
    if before is None:  # (re-)create
        if current is not None:
            raise _stale(current, str(item_id))
        taken = db.execute("SELECT 1 FROM items WHERE name = ?", (after["name"],)).fetchone()
        if taken:
            raise ProjectError(f"Another recording is called '{after['name']}' now; rename it first, then "
                               "undo again.")
        db.execute(f"INSERT INTO items ({', '.join(ITEM_FIELDS)}) VALUES ({', '.join('?' * len(ITEM_FIELDS))})",
                   tuple(after.get(f) for f in ITEM_FIELDS))
        _set_attributes(db, item_id, dict(after.get("attributes") or {}))
        return
    if current is None:
        raise _stale(before, str(item_id))
    # Every field the operation knows the old value of must still have it.
    for k, v in before.items():
        if k == "attributes":
            if any(current["attributes"].get(a) != old for a, old in (v or {}).items()):
                raise _stale(current, str(item_id))
            if after is None and set(current["attributes"]) != set(v or {}):
                raise _stale(current, str(item_id))
        elif current.get(k) != v:
            raise _stale(current, str(item_id))
    if after is None:  # remove: its segments were deleted by the operations before this one
        if db.execute("SELECT 1 FROM segments WHERE item_id = ? LIMIT 1", (item_id,)).fetchone():
            raise _stale(current, str(item_id))
        db.execute("DELETE FROM attributes WHERE item_id = ?", (item_id,))
        db.execute("DELETE FROM items WHERE id = ?", (item_id,))
        return
    fields = [f for f in after if f in ITEM_FIELDS and f != "id"]
    if "name" in after and db.execute("SELECT 1 FROM items WHERE name = ? AND id != ?",
                                      (after["name"], item_id)).fetchone():
        raise ProjectError(f"Another recording is already called '{after['name']}'.")
    if fields:
        db.execute(f"UPDATE items SET {', '.join(f'{f} = ?' for f in fields)} WHERE id = ?",
                   tuple(after[f] for f in fields) + (item_id,))
    _set_attributes(db, item_id, dict(after.get("attributes") or {}))


_KEEP: Any = object()  # "leave this field as it is"


class ItemEdits:
    """Removing and changing recordings as undoable steps (a mixin of
    :class:`~mgstudio.core.project.Project`)."""

    def removal_summary(self, item_id: int) -> dict[str, Any]:
        """What goes with a recording when it is removed: ``segments`` (total), ``by_tier``
        ({tier name: count}), ``skeletons`` (the kinds stored), ``attributes`` and the item."""
        item = self.item(item_id)
        by_tier = {t.name: n for t in self.tiers() if (n := self.count_segments(item.id, t.id))}
        kinds = sorted(p.stem.split("_", 1)[1] for p in self.skeletons_dir.glob(f"item{item.id}_*.npz"))
        return {"item": item, "segments": sum(by_tier.values()), "by_tier": by_tier, "skeletons": kinds,
                "attributes": dict(item.attributes)}

    def describe_removal(self, item_id: int) -> str:
        """One paragraph saying what goes with a recording and what stays."""
        s = self.removal_summary(item_id)
        it = s["item"]
        n = s["segments"]
        tiers = "; ".join(f"{c} on {t}" for t, c in s["by_tier"].items())
        goes = [f"{n} segment{'s' * (n != 1)}" + (f" ({tiers})" if n else "")]
        if s["attributes"]:
            goes.append("its attributes (" + ", ".join(f"{k}={v}" for k, v in s["attributes"].items()) + ")")
        skel = f"its skeleton ({', '.join(s['skeletons'])})" if s["skeletons"] else "no skeleton"
        goes.append(skel)
        where = f"; the video file {it.video_path} is not touched" if it.kind == "video" else ""
        return (f"Removing '{it.name}' takes with it {', '.join(goes)}. Undo brings all of it back; the audit "
                f"trail of its changes is kept, and its skeleton files stay in the project folder{where}.")

    def remove_item(self, item_id: int) -> str:
        """Remove a recording with every segment on it (all tiers) as one undoable step; returns
        the step's description. See the module docstring for what stays."""
        self._check_writable()
        item = self.item(item_id)
        with self._lock:
            row = item_row(self._db, item.id)
            segs = [s.to_dict() for s in self.segments(item.id)]
        n = len(segs)
        cmd = Command("remove item", f"Remove recording '{item.name}' ({n} segment{'s' * (n != 1)})")
        for d in segs:
            cmd.delete(d)
        cmd.ops.append({"op": "item", "before": row, "after": None})
        self._run(cmd)
        return cmd.description

    def update_item(self, item_id: int, *, name: Any = _KEEP, fps: Any = _KEEP, subject: Any = _KEEP,
                    split: Any = _KEEP, outcome: Any = _KEEP,
                    attributes: dict[str, Any] | None = None) -> Item:
        """Rename a recording, correct its frame rate, or change its attributes, as one undoable
        step. ``subject``, ``split`` (train/val/test) and ``outcome`` are attributes; ``None`` or
        ``""`` removes one. A new frame rate keeps every segment on its frames, so times in
        seconds follow the new rate; a video's own rate is read from the file and is refused."""
        self._check_writable()
        item = self.item(item_id)
        attrs: dict[str, Any] = dict(attributes or {})
        for key, value in (("subject", subject), ("split", split), ("outcome", outcome)):
            if value is not _KEEP:
                attrs[key] = value
        after: dict[str, Any] = {}
        changes: list[str] = []
        if name is not _KEEP:
            new = str(name or "").strip()
            if not new:
                raise ProjectError("A recording needs a name.")
            if new != item.name:
                after["name"] = new
                changes.append(f"name '{new}'")
        if fps is not _KEEP and fps is not None:
            rate = check_fps(fps, item.name)
            if rate != item.rate:
                if item.kind == "video":
                    raise ProjectError(f"'{item.name}' is a video: its frame rate ({item.fps:g} fps) is read from "
                                       "the file and cannot be changed; only skeleton-only recordings take one.")
                after["fps"] = str(rate)
                changes.append(f"{float(rate):g} fps")
        new_attrs: dict[str, Any] = {}
        for key, value in attrs.items():
            key = str(key).strip()
            if not key:
                raise ProjectError("An attribute needs a name.")
            value = None if value is None or (isinstance(value, str) and not value.strip()) else value
            if key == "split" and value is not None:
                value = check_split(value)
            elif isinstance(value, str):
                value = value.strip()
            if item.attributes.get(key) != value:
                new_attrs[key] = value
                changes.append(f"{key} {value if value is not None else '(none)'}")
        if not after and not new_attrs:
            return item
        before: dict[str, Any] = {"id": item.id}
        with self._lock:
            current = item_row(self._db, item.id)
        for k in after:
            before[k] = current[k]
        if new_attrs:
            before["attributes"] = {k: item.attributes.get(k) for k in new_attrs}
            after["attributes"] = new_attrs
        after["id"] = item.id
        cmd = Command("edit item", f"Set {', '.join(changes)} of '{item.name}'")
        cmd.ops.append({"op": "item", "before": before, "after": after})
        self._run(cmd)
        return self.item(item.id)
