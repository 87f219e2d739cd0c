"""A damaged ``project.sqlite`` (flipped bytes, a tool that wrote wrong values, rows removed behind
the store's back) ends in one sentence naming the project, never a traceback.

:func:`check_rows` runs when a project is opened: a few SQL scans (milliseconds on 100,000
segments) for rows the store could not work with: values of the wrong type, a frame rate that is
not a positive number, statuses it does not know, segments on a tier or item that is gone, a
meta value that is not JSON. Values that are only shown (attributes, saved UI state, the audit
log) are read leniently instead (see :func:`loads_or_raw`), so one bad attribute does not lock the
user out of a whole study.
"""

from __future__ import annotations

import json
import math
import sqlite3
from fractions import Fraction
from pathlib import Path
from typing import Any

from mgstudio.core.errors import FormatError, ProjectError
from mgstudio.core.taxonomy import Taxonomy

__all__ = ["damaged", "check_rows", "parse_rate", "loads_or_raw", "lenient_text"]

_INT = "typeof({c}) = 'integer'"
_TEXT = "typeof({c}) = 'text'"
_NUM = "typeof({c}) IN ('integer', 'real')"
_OPT = "({c} IS NULL OR {t})"

# (table, what a row is called, [(column, condition, what is wrong)]) — the first failing row is named.
_CHECKS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    ("items", "recording", [
        ("name", _TEXT, "has a name that is not text"),
        ("kind", "{c} IN ('video', 'skeleton')", "is neither a video nor a skeleton recording"),
        ("video_path", _OPT.format(c="{c}", t=_TEXT), "has a video path that is not text"),
        ("fingerprint", _OPT.format(c="{c}", t=_TEXT), "has a fingerprint that is not text"),
        ("frame_count", _OPT.format(c="{c}", t=_INT + " AND {c} >= 0"), "has a frame count that is not a whole number"),
        ("width", _OPT.format(c="{c}", t=_INT), "has a width that is not a whole number"),
        ("height", _OPT.format(c="{c}", t=_INT), "has a height that is not a whole number"),
    ]),
    ("annotators", "annotator", [("name", _TEXT, "has a name that is not text")]),
    ("tiers", "tier", [
        ("name", _TEXT, "has a name that is not text"),
        ("kind", "{c} IN ('human', 'model')", "is neither a human nor a model tier"),
        ("annotator", _OPT.format(c="{c}", t=_TEXT), "has an annotator that is not text"),
    ]),
    ("attributes", "attribute", [
        ("item_id", _INT + " AND {c} IN (SELECT id FROM items)", "belongs to no recording"),
        ("key", _TEXT, "has a name that is not text"),
    ]),
    ("segments", "segment", [
        ("item_id", _INT + " AND {c} IN (SELECT id FROM items)", "belongs to a recording that is not there"),
        ("tier_id", _INT + " AND {c} IN (SELECT id FROM tiers)", "lies on a tier that is not there"),
        ("start_frame", _INT + " AND {c} >= 0", "has a start that is not a whole number of frames"),
        ("end_frame", _INT + " AND {c} > start_frame", "has an end that is not after its start"),
        ("label", _TEXT, "has a label that is not text"),
        ("source", "{c} IN ('human', 'model')", "has an unknown source"),
        ("status", "{c} IN ('proposed', 'accepted', 'rejected', 'edited')", "has an unknown status"),
        ("confidence", _OPT.format(c="{c}", t=_NUM), "has a confidence that is not a number"),
        ("annotator", _TEXT, "has an annotator that is not text"),
        ("note", _TEXT, "has a note that is not text"),
        ("created", _NUM, "has a creation time that is not a number"),
        ("modified", _NUM, "has a change time that is not a number"),
    ]),
    ("history", "undo step", [
        ("ops", _TEXT, "is not readable"), ("who", _TEXT, "has an annotator that is not text"),
        ("undone", _INT, "is neither done nor undone"),
    ]),
]


def damaged(folder: Path, what: str, detail: str | None = None) -> ProjectError:
    """The one sentence for a damaged project (``what``: the first thing found wrong)."""
    name = folder.name if len(folder.name) <= 80 else folder.name[:77] + "..."
    if len(what) > 150:
        what = what[:147] + "..."
    return ProjectError(f"The project {name} is damaged: {what}; open a backup copy of it "
                        "(MG Studio does not change a damaged project).", detail)


def lenient_text(raw: bytes) -> str:
    """Text SQLite holds as invalid UTF-8 (a flipped byte), with the bad bytes shown as �."""
    return raw.decode("utf-8", "replace")


def parse_rate(value: Any) -> Fraction | None:
    """An item's stored frame rate as a positive finite fraction, ``None`` when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        rate = Fraction(value)
    except (ValueError, ZeroDivisionError, TypeError, OverflowError):
        return None
    return rate if 0 < rate < 10**6 else None


def loads_or_raw(text: Any) -> Any:
    """JSON text as its value, or the text itself when it is not JSON (shown, never lost)."""
    if not isinstance(text, str):
        return None if text is None else str(text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _label(db: sqlite3.Connection, table: str, rowid: int) -> str:
    if table in ("items", "tiers"):
        row = db.execute(f"SELECT CAST(name AS BLOB) FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        if row and isinstance(row[0], bytes) and row[0]:
            return f"'{lenient_text(row[0])[:40]}'"
    return str(rowid)


def check_rows(db: sqlite3.Connection, folder: Path) -> None:
    """Raise :func:`damaged` for the first row the store could not work with."""
    try:
        for table, noun, checks in _CHECKS:  # one scan per table
            oks = [f"coalesce({cond.replace('{c}', column)}, 0)" for column, cond, _ in checks]
            row = db.execute(f"SELECT rowid, {', '.join(oks)} FROM {table} WHERE NOT ({' AND '.join(oks)}) "
                             "LIMIT 1").fetchone()
            if row is not None:
                wrong = next(w for (_, _, w), ok in zip(checks, row[1:]) if not ok)
                raise damaged(folder, f"{noun} {_label(db, table, row[0])} {wrong}")
        for (fps, rowid) in db.execute("SELECT fps, id FROM items"):
            if parse_rate(fps) is None:
                raise damaged(folder, f"recording {_label(db, 'items', rowid)} has no usable frame rate "
                                      f"({str(fps)[:20]!r})")
        meta = dict(db.execute("SELECT CAST(key AS BLOB), CAST(value AS BLOB) FROM meta"))
        for key in (b"name", b"taxonomy"):
            raw = meta.get(key)
            if raw is None:
                raise damaged(folder, f"its {key.decode()} is missing")
            try:
                value = json.loads(raw.decode("utf-8"))
            except (ValueError, RecursionError, AttributeError) as exc:
                raise damaged(folder, f"its {key.decode()} is not readable", str(exc)[:200]) from exc
            if key == b"name" and not isinstance(value, str):
                raise damaged(folder, "its name is not text")
            if key == b"taxonomy":
                try:
                    Taxonomy.from_dict(value, "The label set")
                except (FormatError, TypeError, ValueError, AttributeError) as exc:
                    raise damaged(folder, "its label set is not readable", str(exc)[:200]) from exc
    except sqlite3.DatabaseError as exc:
        raise damaged(folder, "SQLite cannot read it", str(exc)) from exc
