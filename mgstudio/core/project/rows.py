"""What the store hands out (:class:`Item`, :class:`Tier`, :class:`AuditEntry`, :class:`ChangeSet`),
the mapping of database rows onto them, and the store's constants."""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from mgstudio.core.commands import SEGMENT_SELECT, row_to_db, segment_from_db
from mgstudio.core.project.damage import loads_or_raw, parse_rate
from mgstudio.core.segments import Segment, Source, Status

__all__ = ["Item", "Tier", "AuditEntry", "ChangeSet", "SUFFIX", "DB_NAME", "PROPOSALS_TIER", "SEG_COLS",
           "ITEM_COLS", "item_from_row", "segment_from_db", "row_to_db", "default_user", "info_get", "NEW_ROW_FIELDS",
           "new_row_ok", "short_repr", "segment_of_row"]

SUFFIX = ".mgproj"
DB_NAME = "project.sqlite"
PROPOSALS_TIER = "proposals"
SEG_COLS = SEGMENT_SELECT  # the segment columns, in commands.SEGMENT_COLUMNS order
ITEM_COLS = "id, name, kind, video_path, fingerprint, fps, frame_count, width, height"
KIND_RE = re.compile(r"^[a-z0-9_]+$")  # skeleton kinds ("raw", "smoothed", ...)
I32 = 2**31 - 1  # the R*Tree's integer range
# Audit actions that never touch a segment (so they carry no segment id); any other audit row
# without a segment id makes changes_since() answer "everything may have changed".
SEGMENT_FREE_ACTIONS = frozenset({"add annotator", "add tier", "add item", "set attribute", "relink"})


@dataclass
class Item:
    """A video (referenced by path) or a skeleton-only recording."""

    id: int
    name: str
    kind: str  # "video" | "skeleton"
    video_path: str | None
    fingerprint: str | None
    fps: float
    frame_count: int | None
    width: int | None = None
    height: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    rate: Fraction = Fraction(0)  # the exact frame rate (fps is its float)

    @property
    def duration(self) -> float | None:
        return None if self.frame_count is None else float(self.frame_count / self.rate)


@dataclass(frozen=True)
class Tier:
    """A track of segments: one per annotator (kind ``human``) and the model's ``proposals``."""

    id: int
    name: str
    annotator: str | None
    kind: str  # "human" | "model"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log (newest first from :meth:`Project.audit`)."""

    when: float
    who: str
    action: str
    segment_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    item_id: int | None = None
    description: str = ""


@dataclass(frozen=True)
class ChangeSet:
    """The segments changed after a change counter (see :meth:`Project.changes_since`).

    ``counter`` is the counter to ask from next time; ``segment_ids`` the segments created,
    changed or deleted; ``item_ids`` the items they belong (or belonged) to.
    """

    counter: int
    segment_ids: frozenset[int]
    item_ids: frozenset[int]

    def __bool__(self) -> bool:
        return bool(self.segment_ids)


def item_from_row(r: tuple, attribute_rows: list[tuple]) -> Item:
    """An :class:`Item` from its ``ITEM_COLS`` row and its ``(key, json value)`` attribute rows."""
    rate = parse_rate(r[5]) or Fraction(25)  # checked on open (damage.check_rows)
    attrs = {str(k): loads_or_raw(v) for k, v in attribute_rows}
    return Item(r[0], r[1], r[2], r[3], r[4], float(rate), r[6], r[7], r[8], attrs, rate)


def info_get(info: Any, key: str) -> Any:
    """``info[key]`` or ``info.key`` (a probe result as dict or object), ``None`` when absent."""
    if info is None:
        return None
    if isinstance(info, dict):
        return info.get(key)
    return getattr(info, key, None)


def default_user() -> str:
    """The login name, or ``annotator`` where there is none."""
    try:
        return getpass.getuser() or "annotator"
    except Exception:  # no user name in some containers
        return "annotator"


NEW_ROW_FIELDS = tuple(Segment.__dataclass_fields__)  # a new segment's row: Segment.to_dict()'s keys
_SOURCES = frozenset(s.value for s in Source)
_STATUSES = frozenset(s.value for s in Status)


def new_row_ok(r: Any) -> bool:
    """Whether ``r`` is a new segment's row (see :meth:`Project.add_rows`): its fields in order,
    no id, whole-number item, tier and frames, a known source and status, text label, note and
    annotator, a number or nothing as confidence, numbers as times."""
    return (type(r) is dict and tuple(r) == NEW_ROW_FIELDS and r["id"] is None
            and type(r["item_id"]) is int and type(r["tier_id"]) is int
            and type(r["start"]) is int and type(r["end"]) is int
            and type(r["label"]) is str and r["source"] in _SOURCES and r["status"] in _STATUSES
            and type(r["annotator"]) is str and type(r["note"]) is str
            and (r["confidence"] is None or type(r["confidence"]) in (float, int))
            and type(r["created"]) in (float, int) and type(r["modified"]) in (float, int))


def short_repr(value: Any, n: int = 200) -> str:
    """``repr(value)`` cut to ``n`` characters, for an error's detail."""
    text = repr(value)
    return text if len(text) <= n else text[:n - 1] + "…"


_SOURCE_OF = {s.value: s for s in Source}
_STATUS_OF = {s.value: s for s in Status}


def segment_of_row(r: dict[str, Any]) -> Segment:
    """The :class:`Segment` of a stored row (``Segment.to_dict()``'s fields, source and status as text),
    without ``Segment.__init__``'s conversions: an import hands back thousands (2x faster)."""
    seg = object.__new__(Segment)
    seg.__dict__.update(r)
    seg.source = _SOURCE_OF[r["source"]]
    seg.status = _STATUS_OF[r["status"]]
    return seg
