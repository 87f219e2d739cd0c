"""What every segment format shares: tracks of rows in, tracks of rows out.

A format module only parses or writes :class:`Track` objects; :func:`apply_tracks` puts them
into a project (one undoable step per import) and :func:`collect_tracks` reads them out. The
rules for bad input live here once, for every format:

- labels not in the project's taxonomy are kept as they are and listed in the report
  (or renamed through ``label_map``);
- rows beyond the media's end are clipped to it (rows that start beyond it are skipped),
  and reported;
- overlapping rows on one human tier move to a companion tier ``"<tier> (overlap)"`` so
  nothing is dropped (tiers never overlap within themselves, as in ELAN), and are reported;
- a row already on the tier or its overlap tiers (same start, end and label), or repeated in
  the file, is counted and not added again: importing a file twice adds nothing;
- empty labels and rows with unusable times are skipped, each counted under its reason with
  where it was (tier and time, or line);
- every check runs before the first write (:class:`ImportPlan`), and the segments are added in
  one transaction, so a failed import changes nothing;
- an imported tier's coder is the file's (ANNOTATOR, PARTICIPANT, the annotator column or the
  tier name), never the person importing it.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import csv
import heapq
import io
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgstudio.core.errors import CancelledError, FormatError
from mgstudio.core.jobs import is_cancelled
from mgstudio.core.segments import Source, Status
from mgstudio.core.timebase import timecode
from mgstudio.formats.readfile import read_regular

if TYPE_CHECKING:
    from mgstudio.core.project import Project


@dataclass
class Row:
    """One annotation: half-open frames [start, end) and a label, plus optional fields.

    ``where`` says where the row came from ("line 12", "tier 'gesture' at 00:01:02.345") for
    the reason given when it is skipped; empty means "tier T at the row's start time".
    """

    start: int
    end: int
    label: str
    status: Status | None = None
    confidence: float | None = None
    note: str = ""
    annotator: str = ""
    where: str = ""
    created: float | None = None  # full-fidelity formats keep the segment's own times
    modified: float | None = None


@dataclass
class Track:
    """A tier's worth of rows for one item."""

    tier: str
    annotator: str = ""
    source: Source = Source.HUMAN
    rows: list[Row] = field(default_factory=list)
    item: str | None = None  # item name, for files that hold several items
    kind: str | None = None  # "human" / "model" tier when the file says (else from the source)


def short(value: Any, n: int = 60) -> str:
    """``value`` as text of at most ``n`` characters on one line, for messages that quote a file."""
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


# why a row was skipped -> the sentence that counts them ({n} rows, {first} where the first was)
SKIP_REASONS = {
    "empty": "{n} empty annotation(s) were skipped (the first: {first})",
    "no time": "{n} annotation(s) without a usable time were skipped (the first: {first})",
    "cycle": "{n} annotation(s) that refer to themselves in a cycle were skipped (the first: {first})",
    "orphan": ("{n} annotation(s) of dependent tiers were skipped because their parent annotation is missing "
               "or was skipped (the first: {first})"),
    "out of range": "{n} segment(s) with times out of range were skipped (the first: {first})",
    "bad row": "{n} row(s) that could not be read were skipped (the first: {first})",
}


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
    notes_attached: int = 0  # dependent-tier annotations kept as notes of their parent's segment
    warnings: list[str] = field(default_factory=list)
    skips: Counter = field(default_factory=Counter)  # reason (a SKIP_REASONS key) -> rows
    skip_first: dict[str, str] = field(default_factory=dict)  # reason -> where the first one was
    details: list[str] = field(default_factory=list)  # one line per skipped row (capped)

    MAX_WARNINGS = 8  # a summary a person can read; the rest are counted
    MAX_DETAILS = 5000

    def skip(self, reason: str, where: str) -> None:
        """Count one skipped row with its reason (a :data:`SKIP_REASONS` key) and where it was."""
        self.skipped += 1
        self.skips[reason] += 1
        self.skip_first.setdefault(reason, where)
        if len(self.details) < self.MAX_DETAILS:
            self.details.append(f"Skipped ({reason}): {where}.")

    def summary(self) -> str:
        parts = [f"Imported {self.imported} segment(s) on {len(self.tiers)} tier(s)."]
        if self.unknown_labels:
            shown = sorted(self.unknown_labels.items())
            labels = ", ".join(f"'{short(k, 40)}' ({v})" for k, v in shown[:10])
            if len(shown) > 10:
                labels += f" and {len(shown) - 10} more"
            parts.append(f"Labels not in the project's taxonomy were kept: {labels}.")
        if self.notes_attached:
            parts.append(f"{self.notes_attached} annotation(s) of dependent tiers were kept as notes "
                         "of their parent's segments.")
        if self.clipped:
            parts.append(f"{self.clipped} segment(s) ran past the end of the media and were shortened.")
        if self.past_end:
            parts.append(f"{self.past_end} segment(s) started after the end of the media and were skipped.")
        if self.too_short:
            parts.append(f"{self.too_short} segment(s) shorter than one frame were skipped "
                         f"(the first at frame {self.too_short_first}).")
        for reason, n in self.skips.items():
            parts.append(SKIP_REASONS[reason].format(n=n, first=self.skip_first[reason]) + ".")
        if self.duplicates:
            parts.append(f"{self.duplicates} segment(s) already in the project (or repeated in the file) "
                         "were not added again.")
        if self.overlaps:
            parts.append(f"{self.overlaps} overlapping segment(s) were put on separate '(overlap)' tiers.")
        parts += self.warnings[:self.MAX_WARNINGS]
        if len(self.warnings) > self.MAX_WARNINGS:
            parts.append(f"(and {len(self.warnings) - self.MAX_WARNINGS} more notes like these)")
        return " ".join(parts)


class _TierSlots:
    """The segments on one tier of one item, for overlap checks (bisect on sorted starts).

    A human tier never overlaps within itself, so sorted by start its ends are sorted too:
    the only segment that can overlap [a, b) is the last one starting before b.
    """

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        rows = sorted(spans)
        self.starts = [a for a, _ in rows]
        self.ends = [b for _, b in rows]

    def overlaps(self, a: int, b: int) -> bool:
        k = bisect.bisect_left(self.starts, b)
        return k > 0 and self.ends[k - 1] > a

    def add(self, a: int, b: int) -> None:
        k = bisect.bisect_left(self.starts, a)
        if k == len(self.starts):  # rows come sorted by start: nearly always an append
            self.starts.append(a)
            self.ends.append(b)
        else:
            self.starts.insert(k, a)
            self.ends.insert(k, b)


FRAME_LIMIT = 2**31 - 1  # the store's frame range


def overlap_tier_name(base: str, k: int) -> str:
    """The k-th tier of a family: ``base``, ``base (overlap)``, ``base (overlap 2)``, ..."""
    return base if k == 0 else f"{base} (overlap)" if k == 1 else f"{base} (overlap {k})"


class _Family:
    """A human tier and its '(overlap N)' companions on one item: where each new row goes.

    A row goes to the first tier of the family it does not overlap (first fit, as before);
    rows arrive sorted by start, so a heap of tiers by the end of their last new row and a heap
    of free tier numbers make that O(log n) per row instead of a walk over every tier.
    """

    def __init__(self, base: str, existing: dict[int, list[tuple[int, int]]], overlapping: bool) -> None:
        self.base = base
        self.overlapping = overlapping  # model tiers may overlap within themselves: one tier
        # the segments already on each tier; new rows never overlap each other (busy/free below)
        self.slots = {k: _TierSlots(spans) for k, spans in existing.items() if spans}
        self.top = max(existing, default=-1)  # the highest tier number there is
        self.free = list(range(self.top + 1))  # tier numbers; all free at first
        heapq.heapify(self.free)
        self.busy: list[tuple[int, int]] = []  # (end of the last new row, tier number)

    def place(self, a: int, b: int) -> int:
        if self.overlapping:
            return 0
        while self.busy and self.busy[0][0] <= a:
            heapq.heappush(self.free, heapq.heappop(self.busy)[1])
        tried = []
        k = None
        while self.free:
            c = heapq.heappop(self.free)
            slots = self.slots.get(c)
            if slots is None or not slots.overlaps(a, b):
                k = c
                break
            tried.append(c)  # an existing segment is in the way: it stays free for later rows
        for c in tried:
            heapq.heappush(self.free, c)
        if k is None:
            k = max(self.top, max((c for _, c in self.busy), default=-1)) + 1
        heapq.heappush(self.busy, (b, k))
        return k


@dataclass
class _Pending:
    item_id: int
    tier: str
    k: int  # tier number within the family
    row: Row
    label: str
    start: int
    end: int
    source: Source
    annotator: str
    tier_annotator: str | None
    kind: str


_CANCEL: contextvars.ContextVar = contextvars.ContextVar("mgstudio_import_cancel", default=None)


@contextlib.contextmanager
def cancellable(cancel: object):
    """Imports inside this block stop with :class:`CancelledError` once ``cancel`` (an event or a
    callable) is set: checked between tiers and before the one write, so nothing is half-added."""
    token = _CANCEL.set(cancel)
    try:
        yield
    finally:
        _CANCEL.reset(token)


def check_cancelled(file: str = "") -> None:
    """Raise :class:`CancelledError` when the import running in this thread was cancelled."""
    if is_cancelled(_CANCEL.get()):
        raise CancelledError(f"The import of {file or 'the file'} was cancelled: nothing was added.")


class ImportPlan:
    """Everything an import will add, checked before the first write.

    :meth:`add` parses nothing and writes nothing: it applies the import rules (labels, media
    bounds, duplicates, overlaps, bad values) to tracks and records what will be added.
    :meth:`commit` then creates the tiers that receive segments and adds every segment in one
    transaction (one undo step). A file that fails to parse never reaches :meth:`commit`,
    so a failed import changes nothing.
    """

    def __init__(self, project: "Project", label_map: Mapping[str, str] | None = None,
                 report: ImportReport | None = None, file: str = "") -> None:
        self.project = project
        self.file = file  # named in the reason of a skipped row that says no place of its own
        self.report = report or ImportReport()
        self.label_map = dict(label_map or {})
        self.known = set(project.taxonomy.names)
        self.tiers = {t.name: t for t in project.tiers()}
        self.pending: list[_Pending] = []
        self._families: dict[tuple[int, str], _Family] = {}
        self._keys: dict[tuple[int, str], set[tuple[int, int, str]]] = {}

    def _family(self, item_id: int, base: str, model: bool) -> tuple[_Family, set]:
        fam = self._families.get((item_id, base))
        if fam is None:
            tier = self.tiers.get(base)
            overlapping = (tier.kind == "model") if tier is not None else model
            existing: dict[int, list[tuple[int, int]]] = {}
            keys: set[tuple[int, int, str]] = set()
            names = [n for n in self.tiers if n == base or (
                not overlapping and n.startswith(base + " (overlap") and n.endswith(")"))]
            for name in names:
                k = self._family_number(base, name)
                if k is None:
                    continue
                segs = self.project.segments(item_id, tier_id=self.tiers[name].id)
                existing[k] = [(s.start, s.end) for s in segs]
                keys.update((s.start, s.end, s.label) for s in segs)
            fam = self._families[(item_id, base)] = _Family(base, existing, overlapping)
            self._keys[(item_id, base)] = keys
        return fam, self._keys[(item_id, base)]

    @staticmethod
    def _family_number(base: str, name: str) -> int | None:
        if name == base:
            return 0
        rest = name[len(base):]
        if rest == " (overlap)":
            return 1
        digits = rest[len(" (overlap "):-1]
        return int(digits) if rest.startswith(" (overlap ") and digits.isdigit() and int(digits) >= 2 else None

    def add(self, item_id: int, tracks: Iterable[Track]) -> None:
        """Check the tracks' rows for ``item_id`` and record what will be added."""
        report, project = self.report, self.project
        item = project.item(item_id)
        n_frames = int(item.frame_count or 0)
        rate = getattr(item, "rate", None) or item.fps
        groups: dict[tuple[str, Source, bool], list[tuple[Row, Track]]] = {}
        for track in tracks:
            name = " ".join(str(track.tier).split()) or "imported"
            as_model = track.kind == "model" if track.kind in ("human", "model") else track.source == Source.MODEL
            groups.setdefault((name, track.source, as_model), []).extend((r, track) for r in track.rows)
        for (tier_name, source, model_tier), pairs in groups.items():
            check_cancelled(self.file)
            model = source == Source.MODEL
            fam, keys = self._family(item_id, tier_name, model_tier)
            checked = []
            for row, track in pairs:
                def where() -> str:  # only built for rows that are skipped
                    if row.where:
                        return row.where
                    at = f" at {timecode(start, rate)}" if abs(start) < FRAME_LIMIT else ""
                    prefix = f"{self.file}, " if self.file else ""
                    return f"{prefix}tier '{short(tier_name, 40)}'{at}"

                try:
                    start, end = int(row.start), int(row.end)
                except (TypeError, ValueError, OverflowError):
                    start = FRAME_LIMIT
                    report.skip("bad row", where())
                    continue
                label = row.label if isinstance(row.label, str) else str(row.label)
                label = label.strip()
                label = self.label_map.get(label, label).strip()
                if not label:
                    report.skip("empty", where())
                    continue
                if abs(start) >= FRAME_LIMIT or abs(end) >= FRAME_LIMIT:
                    report.skip("out of range", where())
                    continue
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
                if end <= 0:
                    report.skip("out of range", where())
                    continue
                start = max(0, start)
                checked.append((start, end, label, row, track))
            checked.sort(key=lambda c: (c[0], c[1]))
            for start, end, label, row, track in checked:
                if (start, end, label) in keys:
                    report.duplicates += 1  # importing the same file twice adds nothing
                    continue
                keys.add((start, end, label))
                if label not in self.known:
                    report.unknown_labels[label] += 1
                k = fam.place(start, end)
                report.overlaps += k > 0
                coder = (track.annotator or "").strip()
                annotator = (row.annotator or "").strip() or coder or ("model" if model else tier_name)
                tier_annotator = (coder or annotator) if not model_tier else (coder or None)
                self.pending.append(_Pending(item_id, overlap_tier_name(tier_name, k), k, row, label, start, end,
                                             source, annotator, tier_annotator, "model" if model_tier else "human"))

    def commit(self, description: str = "Import") -> ImportReport:
        """Create the tiers that receive segments and add every segment as one undo step."""
        check_cancelled(self.file)  # the last moment a Cancel is heard: nothing is written yet
        report = self.report
        rows: list[dict[str, Any]] = []
        append = rows.append
        now = time.time()
        statuses: dict[Any, str] = {}
        seen = set(report.tiers)
        for p in self.pending:
            tier = self.tiers.get(p.tier)
            if tier is None:
                tier = self.tiers[p.tier] = self.project.ensure_tier(p.tier, annotator=p.tier_annotator, kind=p.kind)
            if tier.name not in seen:
                seen.add(tier.name)
                report.tiers.append(tier.name)
            row = p.row
            conf = row.confidence
            if conf is not None and not (isinstance(conf, (int, float)) and 0.0 <= float(conf) <= 1.0):
                report.warnings.append(f"The confidence of {row.where or 'a row'} was not between 0 and 1 "
                                       "and was left out.")
                conf = None
            key = (row.status, p.source)
            status = statuses.get(key)
            if status is None:
                status = statuses[key] = (Status(row.status).value if row.status else
                                          Status.PROPOSED.value if p.source == Source.MODEL else Status.ACCEPTED.value)
            note = row.note
            # a new segment's row (the fields of Segment, in its order): what Project.add_rows takes
            append({"item_id": p.item_id, "tier_id": tier.id, "start": p.start, "end": p.end, "label": p.label,
                    "source": p.source.value, "status": status, "confidence": conf, "annotator": p.annotator,
                    "note": note if isinstance(note, str) else str(note or ""),
                    "created": row.created or now, "modified": row.modified or now, "id": None})
        if rows:
            self.project.add_rows(rows, description)
        report.imported += len(rows)
        self.pending = []
        return report


def apply_tracks(project: "Project", item_id: int, tracks: Iterable[Track],
                 label_map: Mapping[str, str] | None = None,
                 report: ImportReport | None = None, description: str = "Import", file: str = "") -> ImportReport:
    """Add the tracks' rows to ``item_id`` as one undoable step; returns the report."""
    plan = ImportPlan(project, label_map, report, file)
    plan.add(item_id, tracks)
    return plan.commit(description)


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
            raise FormatError(f"A label mapping must look like OLD=NEW, got '{short(p, 60)}'.")
        old, new = p.split("=", 1)
        out[old.strip()] = new.strip()
    return out


def as_float(value: Any, what: str, where: str) -> float:
    """``value`` as a finite float, else a FormatError naming ``where`` (the value shortened)."""
    if isinstance(value, bool):
        raise FormatError(f"{where}: {what} is true/false, not a number.")
    try:
        v = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        shown = "nothing" if value is None or value == "" else f"'{short(value, 40)}'"
        raise FormatError(f"{where}: {shown} is not a number ({what}).") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise FormatError(f"{where}: {what} is not a finite number.")
    return v


def as_frame(value: Any, what: str, where: str) -> int:
    """``value`` as a frame number within the store's range, else a FormatError naming ``where``."""
    v = as_float(value, what, where)
    if abs(v) >= FRAME_LIMIT:
        raise FormatError(f"{where}: {what} is out of range ({v:.3g}).")
    return int(v)


def as_seconds(value: Any, what: str, where: str) -> float:
    """``value`` as a time in seconds that maps to a frame in range, else a FormatError."""
    v = as_float(value, what, where)
    if abs(v) > 10**7:  # 115 days
        raise FormatError(f"{where}: {what} is out of range ({v:.3g} s).")
    return v


def cell(rec: Mapping[Any, Any], key: str) -> str:
    """A CSV cell as stripped text ('' when the row has no such cell)."""
    v = rec.get(key)
    return v.strip() if isinstance(v, str) else ""


CSV_FIELD_LIMIT = 64 * 2**20  # a cell may hold a long note; the file's size bounds the rest


def csv_lines(path: str | Path) -> io.StringIO:
    """A text CSV/TSV file ready for :mod:`csv` (a BOM dropped; cells up to 64 MiB)."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    return io.StringIO(read_text(path), newline="")


def csv_reader(path: str | Path) -> "csv.DictReader[str]":
    """A DictReader on ``path`` with the delimiter its header uses (comma, tab or semicolon)."""
    fh = csv_lines(path)
    header = fh.readline()
    fh.seek(0)
    counts = {d: header.count(d) for d in (",", "\t", ";")}
    delim = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    reader = csv.DictReader(fh, delimiter=delim)
    try:
        reader.fieldnames
    except csv.Error as exc:
        raise FormatError(f"{Path(path).name}, line 1: the header could not be read ({short(str(exc), 80)}).") from None
    if reader.fieldnames:
        reader.fieldnames = [h.strip() if isinstance(h, str) else h for h in reader.fieldnames]
    return reader


def csv_rows(reader: "csv.DictReader[str]", path: str | Path) -> Iterator[dict[str, Any]]:
    """The reader's rows; a damaged row becomes a FormatError naming its line."""
    it = iter(reader)
    while True:
        try:
            rec = next(it)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FormatError(f"{Path(path).name}, line {reader.line_num}: the row could not be read "
                              f"({short(str(exc), 80)}).") from None
        yield rec


def find_item(project: "Project", name: str | None):
    """The item called ``name``, or None when the project has none of that name."""
    from mgstudio.core.errors import ProjectError

    if not name:
        return None
    try:
        return project.item_by_name(name)
    except ProjectError:
        return None


MAX_TEXT_BYTES = 512 * 2**20  # larger than any coding file; bounds memory on hostile input


def read_text(path: str | Path) -> str:
    """A UTF-8 text file's content (a BOM is dropped); clear errors for missing or binary files."""
    path = Path(path)
    if not path.exists():
        raise FormatError(f"File not found: {path}")
    data = read_regular(path, MAX_TEXT_BYTES, "coding file")  # a FIFO or device never blocks
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path.name} is not a UTF-8 text file (a byte at position {exc.start} is not UTF-8).",
                          str(exc)) from None


def read_json(path: str | Path, what: str) -> Any:
    """Parse a JSON file; ``what`` names the expected kind of file in the error."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{Path(path).name} is not {what} (it is not valid JSON: line {exc.lineno}, "
                          f"column {exc.colno}).", str(exc)) from None
    except RecursionError:
        raise FormatError(f"{Path(path).name} is not {what} (it is nested too deeply).") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise FormatError(f"{Path(path).name} is not {what} (it holds a number too large to read).",
                          short(str(exc), 200)) from None
