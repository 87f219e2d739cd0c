"""Segments: labelled frame ranges on a tier.

**Frame ranges are half-open everywhere in MG Studio: ``start`` is the first frame of the
segment, ``end`` is one past its last frame** (so ``end - start`` is its length in frames and
a segment covering only frame 10 is ``start=10, end=11``). Frames index the media's decoded
frames from 0; seconds are derived from the media's timestamps (see :mod:`mgstudio.core.timebase`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any


class Source(str, Enum):
    """Who made a segment."""

    HUMAN = "human"
    MODEL = "model"


class Status(str, Enum):
    """Where a segment is in review: model proposals start ``proposed``; human ones ``accepted``."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EDITED = "edited"  # a proposal a human changed (moved, resized or relabelled): counts as reviewed


REVIEWED = (Status.ACCEPTED, Status.REJECTED, Status.EDITED)


@dataclass
class Segment:
    """One labelled frame range [start, end) of an item on a tier."""

    item_id: int
    tier_id: int
    start: int
    end: int
    label: str
    source: Source = Source.HUMAN
    status: Status = Status.ACCEPTED
    confidence: float | None = None
    annotator: str = ""
    note: str = ""
    created: float = field(default_factory=time.time)
    modified: float = field(default_factory=time.time)
    id: int | None = None

    def __post_init__(self) -> None:
        self.source = Source(self.source)
        self.status = Status(self.status)
        self.start = int(self.start)
        self.end = int(self.end)

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, start: int, end: int) -> bool:
        """True when [self.start, self.end) and [start, end) share at least one frame."""
        return self.start < end and start < self.end

    def with_(self, **changes: Any) -> "Segment":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = {name: getattr(self, name) for name in self.__dataclass_fields__}
        d["source"] = self.source.value
        d["status"] = self.status.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Segment":
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in d.items() if k in names})
