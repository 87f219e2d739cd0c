"""What every segment format shares: tracks of rows in, tracks of rows out.

A format module only parses or writes :class:`Track` objects; :func:`apply_tracks` puts them
into a project (one undoable step per import) and :func:`collect_tracks` reads them out. The
rules for bad input live here once, for every format:

- labels not in the project's taxonomy are kept as they are and listed in the report
  (or renamed through ``label_map``);
- rows beyond the media's end are clipped to it (rows that start beyond it are skipped),
  and reported;
- overlapping rows on one human tier move to a companion tier ``"<tier> (overlap)"`` so
  nothing is dropped (tiers never overlap within themselves, as in ELAN), and are reported.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgstudio.core.errors import FormatError
from mgstudio.core.segments import Segment, Source, Status

if TYPE_CHECKING:
    from mgstudio.core.project import Project


@dataclass
class Row:
    """One annotation: half-open frames [start, end) and a label, plus optional fields."""

    start: int
    end: int
    label: str
    status: Status | None = None
    confidence: float | None = None
    note: str = ""
    annotator: str = ""


@dataclass
class Track:
    """A tier's worth of rows for one item."""

    tier: str
    annotator: str = ""
    source: Source = Source.HUMAN
    rows: list[Row] = field(default_factory=list)
    item: str | None = None  # item name, for files that hold several items


@dataclass
class ImportReport:
    """What an import did, in words a user can read."""

    imported: int = 0
    tiers: list[str] = field(default_factory=list)
    unknown_labels: Counter = field(default_factory=Counter)
    clipped: int = 0
    skipped: int = 0  # rows not imported, for any reason (the counts below and the warnings say why)
    past_end: int = 0
    too_short: int = 0
    too_short_first: int | None = None  # frame of the first row shorter than one frame
    overlaps: int = 0
    duplicates: int = 0
    warnings: list[str] = field(default_factory=list)

    MAX_WARNINGS = 8  # a summary a person can read; the rest are counted

    def summary(self) -> str:
        parts = [f"Imported {self.imported} segment(s) on {len(self.tiers)} tier(s)."]
        if self.unknown_labels:
            labels = ", ".join(f"'{k}' ({v})" for k, v in sorted(self.unknown_labels.items()))
            parts.append(f"Labels not in the project's taxonomy were kept: {labels}.")
        if self.clipped:
            parts.append(f"{self.clipped} segment(s) ran past the end of the media and were shortened.")
        if self.past_end:
            parts.append(f"{self.past_end} segment(s) started after the end of the media and were skipped.")
        if self.too_short:
            parts.append(f"{self.too_short} segment(s) shorter than one frame were skipped "
                         f"(the first at frame {self.too_short_first}).")
        if self.duplicates:
            parts.append(f"{self.duplicates} segment(s) already in the project were not added again.")
        if self.overlaps:
            parts.append(f"{self.overlaps} overlapping segment(s) were put on separate '(overlap)' tiers.")
        parts += self.warnings[:self.MAX_WARNINGS]
        if len(self.warnings) > self.MAX_WARNINGS:
            parts.append(f"(and {len(self.warnings) - self.MAX_WARNINGS} more notes like these)")
        return " ".join(parts)


class _TierSlots:
    """The segments already on a tier of one item, for overlap and duplicate checks.

    Human tiers never overlap, so sorted by start their ends are sorted too: the only segment
    that can overlap [a, b) is the last one starting before b.
    """

    def __init__(self, segments: Iterable[Segment]) -> None:
        rows = sorted((x.start, x.end) for x in segments)
        self.starts = [a for a, _ in rows]
        self.ends = [b for _, b in rows]
        self.keys = {(x.start, x.end, x.label) for x in segments}

    def overlaps(self, a: int, b: int) -> bool:
        k = bisect.bisect_left(self.starts, b)
        return k > 0 and self.ends[k - 1] > a

    def add(self, a: int, b: int, label: str) -> None:
        k = bisect.bisect_left(self.starts, a)
        self.starts.insert(k, a)
        self.ends.insert(k, b)
        self.keys.add((a, b, label))


def apply_tracks(project: "Project", item_id: int, tracks: Iterable[Track],
                 label_map: Mapping[str, str] | None = None,
                 report: ImportReport | None = None, description: str = "Import") -> ImportReport:
    """Add the tracks' rows to ``item_id`` as one undoable step; returns the report."""
    from mgstudio.core.errors import ProjectError

    report = report or ImportReport()
    item = project.item(item_id)
    n_frames = int(item.frame_count or 0)
    known = set(project.taxonomy.names)
    label_map = dict(label_map or {})
    segments: list[Segment] = []
    tiers: dict[str, Any] = {}
    slots: dict[str, _TierSlots] = {}

    def slots_of(name: str) -> _TierSlots:
        if name not in slots:
            try:
                tier = project.tier(name)
                slots[name] = _TierSlots(project.segments(item_id, tier_id=tier.id))
            except ProjectError:  # no such tier yet
                slots[name] = _TierSlots([])
        return slots[name]

    for track in tracks:
        kind = "model" if track.source == Source.MODEL else "human"
        for row in sorted(track.rows, key=lambda r: (r.start, r.end)):
            label = label_map.get(row.label, row.label)
            if label not in known:
                report.unknown_labels[label] += 1
            start, end = int(row.start), int(row.end)
            if end <= start:  # shorter than a frame once times are rounded to frames
                report.skipped += 1
                report.too_short += 1
                if report.too_short_first is None:
                    report.too_short_first = start
                continue
            if n_frames:
                if start >= n_frames:
                    report.skipped += 1
                    report.past_end += 1
                    continue
                if end > n_frames:
                    end = n_frames
                    report.clipped += 1
            start = max(0, start)
            if (start, end, label) in slots_of(track.tier).keys:
                report.duplicates += 1  # importing the same file twice adds nothing
                continue
            tier_name, n = track.tier, 0
            while kind == "human" and slots_of(tier_name).overlaps(start, end):
                n += 1
                tier_name = f"{track.tier} (overlap)" if n == 1 else f"{track.tier} (overlap {n})"
            report.overlaps += n > 0
            slots_of(tier_name).add(start, end, label)
            annotator = row.annotator or track.annotator or project.annotator
            if tier_name not in tiers:
                tiers[tier_name] = project.ensure_tier(tier_name, annotator=track.annotator or annotator, kind=kind)
            tier = tiers[tier_name]
            if tier.name not in report.tiers:
                report.tiers.append(tier.name)
            default_status = Status.PROPOSED if track.source == Source.MODEL else Status.ACCEPTED
            segments.append(Segment(
                item_id=item_id, tier_id=tier.id, start=start, end=end, label=label,
                source=track.source, status=row.status or default_status,
                confidence=row.confidence, annotator=annotator, note=row.note,
            ))
    if segments:
        project.add_segments(segments, description)
    report.imported += len(segments)
    return report


def collect_tracks(project: "Project", item_id: int, tiers: Iterable[str] | None = None,
                   statuses: Iterable[Status] | None = None) -> list[Track]:
    """The item's segments grouped by tier (only the named tiers / statuses when given)."""
    wanted = set(tiers) if tiers else None
    status_set = {Status(s) for s in statuses} if statuses else None
    out: list[Track] = []
    for tier in project.tiers():
        if wanted is not None and tier.name not in wanted:
            continue
        segs = project.segments(item_id, tier_id=tier.id)
        rows = [Row(s.start, s.end, s.label, s.status, s.confidence, s.note, s.annotator)
                for s in segs if status_set is None or s.status in status_set]
        if rows:
            out.append(Track(tier.name, tier.annotator or "",
                             Source.MODEL if tier.kind == "model" else Source.HUMAN, rows,
                             project.item(item_id).name))
    if wanted:
        missing = wanted - {t.name for t in project.tiers()}
        if missing:
            raise FormatError(f"The project has no tier named {', '.join(sorted(missing))}.")
    return out


def parse_label_map(pairs: Iterable[str]) -> dict[str, str]:
    """``["old=new", ...]`` from the command line into a mapping."""
    out: dict[str, str] = {}
    for p in pairs:
        if "=" not in p:
            raise FormatError(f"A label mapping must look like OLD=NEW, got '{p}'.")
        old, new = p.split("=", 1)
        out[old.strip()] = new.strip()
    return out


def as_float(value: Any, what: str, where: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise FormatError(f"{where}: '{value}' is not a number ({what}).") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise FormatError(f"{where}: {what} is not a finite number.")
    return v


def find_item(project: "Project", name: str | None):
    """The item called ``name``, or None when the project has none of that name."""
    from mgstudio.core.errors import ProjectError

    if not name:
        return None
    try:
        return project.item_by_name(name)
    except ProjectError:
        return None


def read_text(path: str | Path) -> str:
    """A UTF-8 text file's content (a BOM is dropped); clear errors for missing or binary files."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"File not found: {path}")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path.name} is not a UTF-8 text file.", str(exc)) from exc


def read_json(path: str | Path, what: str) -> Any:
    """Parse a JSON file; ``what`` names the expected kind of file in the error."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise FormatError(f"{Path(path).name} is not {what} (it is not valid JSON).", str(exc)) from exc
