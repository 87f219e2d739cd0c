"""Reading ELAN ``.eaf`` files as ELAN itself does (formats 2.7, 2.8 and 3.0).

What a real ELAN file holds and how it comes in:

- **Top-level (independent) tiers** become MG Studio tiers, one segment per annotation. The
  tier's coder is its ANNOTATOR, else its PARTICIPANT, else the tier's name.
- **Dependent tiers** (a ``PARENT_REF``: symbolic association and subdivision, time
  subdivision, included-in) are comments, translations or sub-codes of their parent: by
  default (``dependent="notes"``) each of their annotations is kept as a note
  ``"tier: value"`` of the top-level segment it belongs to, never as a gesture segment.
  ``dependent="tiers"`` imports them as tiers of their own, with their times.
- **Unaligned time slots** (a slot without ``TIME_VALUE``) get the time ELAN shows: the slots
  of a chain of annotations between two aligned slots are spread evenly between them; a slot
  no chain bounds is placed between its aligned neighbours in the time order. Symbolic
  subdivisions divide their parent's time evenly (in ``PREVIOUS_ANNOTATION`` order); a
  symbolic association has its parent's time.
- Empty annotations (on any tier, dependent ones too), annotations whose times cannot be
  found, references to missing annotations and references that form a cycle are skipped, each
  counted with its tier and time (see :class:`~mgstudio.formats.tracks.ImportReport`); nothing else is dropped.
- The XML schema attribute is not required. DOCTYPE / entity declarations (never written by
  ELAN; the vehicle of entity bombs and external-entity reads) are refused.

Times are integer milliseconds; frames are ``round(ms * fps / 1000)`` computed with integers
from the item's exact rate (no ``Fraction`` per annotation).
"""

from __future__ import annotations

import bisect
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal

from mgstudio.core.errors import FormatError
from mgstudio.core.segments import Source
from mgstudio.core.timebase import as_fraction, ms_timecode
from mgstudio.formats.readfile import read_regular
from mgstudio.formats.tracks import ImportReport, Row, Track, check_cancelled, short

MODEL_TIER_PREFIX = "model: "
MAX_BYTES = 512 * 2**20  # larger than any ELAN file; bounds memory
MAX_NOTE = 2000  # characters of dependent-tier notes kept per segment
_MS_RE = re.compile(r"\s*-?\d{1,12}\s*")  # whole milliseconds; anything else is not a time

Dependent = Literal["notes", "tiers"]


@dataclass
class _Ann:
    aid: str
    tier: str
    value: str
    s_slot: str | None = None  # alignable annotations
    e_slot: str | None = None
    ref: str | None = None  # reference annotations
    prev: str | None = None
    start: int | None = None  # ms, once known
    end: int | None = None
    order: int = 0  # position in the file
    failed: str | None = None  # skip reason, once known


@dataclass
class _Tier:
    tier_id: str
    ling: str
    parent: str | None
    annotator: str
    participant: str
    anns: list[_Ann] = field(default_factory=list)


def ms_to_frame_int(ms: int, num: int, den: int) -> int:
    """Frame nearest to ``ms`` at ``num/den`` fps, rounded half up (exact integer math)."""
    return (2 * ms * num + den * 1000) // (2 * den * 1000)




def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


def _parse_xml(path: Path) -> ET.Element:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FormatError(f"Could not read {path.name}: {exc.strerror or exc}.") from exc
    if size > MAX_BYTES:
        raise FormatError(f"{path.name} is {size / 2**20:.0f} MB, too large for an ELAN file.")
    data = read_regular(path, MAX_BYTES, "ELAN file")  # a FIFO or device never blocks
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data[:65536].lower():
        raise FormatError(f"{path.name} declares a DOCTYPE or entities, which ELAN never writes; "
                          "it was not read, for safety.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = getattr(exc, "position", (None,))[0]
        at = f" at line {line}" if line else ""
        raise FormatError(f"{path.name} could not be read as an ELAN file: the XML is malformed{at}.",
                          str(exc)) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise FormatError(f"{path.name} could not be read as an ELAN file.", repr(exc)[:200]) from None
    if _local(root.tag) != "ANNOTATION_DOCUMENT":
        raise FormatError(f"{path.name} is not an ELAN file (its root element is "
                          f"'{short(_local(root.tag), 40)}', not ANNOTATION_DOCUMENT).")
    return root


def _text(el: ET.Element | None) -> str:
    if el is None:
        return ""
    return "".join(el.itertext()) if len(el) else (el.text or "")


class _Reader:
    def __init__(self, path: Path, report: ImportReport) -> None:
        self.name = path.name
        self.report = report
        self.slots: dict[str, int | None] = {}
        self.slot_order: list[str] = []
        self.bad_slots: set[str] = set()
        self.ling: dict[str, str] = {}  # linguistic type -> its constraint ("" when none)
        self.tiers: dict[str, _Tier] = {}
        self.anns: dict[str, _Ann] = {}
        root = _parse_xml(path)
        units = ""
        order = 0
        for el in root:
            tag = _local(el.tag)
            if tag == "HEADER":
                units = el.get("TIME_UNITS") or ""
            elif tag == "TIME_ORDER":
                for ts in el:
                    sid = ts.get("TIME_SLOT_ID")
                    if sid is None:
                        continue
                    value = ts.get("TIME_VALUE")
                    if value is None:
                        self.slots[sid] = None
                    elif value.isdigit() and len(value) <= 12:
                        self.slots[sid] = int(value)
                    elif _MS_RE.fullmatch(value):
                        self.slots[sid] = int(value)
                    else:
                        self.slots[sid] = None
                        self.bad_slots.add(sid)
                    self.slot_order.append(sid)
            elif tag == "LINGUISTIC_TYPE":
                self.ling[el.get("LINGUISTIC_TYPE_ID") or ""] = el.get("CONSTRAINTS") or ""
            elif tag == "TIER":
                tid = el.get("TIER_ID")
                if not tid or tid in self.tiers:
                    continue
                tier = self.tiers[tid] = _Tier(tid, el.get("LINGUISTIC_TYPE_REF") or "", el.get("PARENT_REF"),
                                               (el.get("ANNOTATOR") or "").strip(),
                                               (el.get("PARTICIPANT") or "").strip())
                for wrap in el:
                    for a in wrap:
                        order += 1
                        atag = _local(a.tag)
                        aid = a.get("ANNOTATION_ID") or f"#{order}"
                        value = ""
                        for v in a:
                            value = _text(v)
                            break
                        if atag == "ALIGNABLE_ANNOTATION":
                            ann = _Ann(aid, tid, value, a.get("TIME_SLOT_REF1"), a.get("TIME_SLOT_REF2"), order=order)
                        elif atag == "REF_ANNOTATION":
                            ann = _Ann(aid, tid, value, ref=a.get("ANNOTATION_REF"), prev=a.get("PREVIOUS_ANNOTATION"),
                                       order=order)
                        else:
                            continue
                        tier.anns.append(ann)
                        self.anns.setdefault(aid, ann)
        if units and units.lower() not in ("milliseconds", "ms"):
            raise FormatError(f"{self.name} counts time in '{short(units, 30)}', not milliseconds; "
                              "save it from ELAN again.")
        if not self.tiers:
            raise FormatError(f"{self.name} has no tiers.")

    # ------------------------------------------------------------------ tiers
    def parent_tier(self, tier: _Tier) -> _Tier | None:
        return self.tiers.get(tier.parent) if tier.parent else None

    def tier_depths(self) -> dict[str, int | None]:
        """Each tier's distance from its top-level ancestor (None: its parents form a cycle)."""
        depth: dict[str, int | None] = {}
        for tid in self.tiers:
            path, t = [], self.tiers[tid]
            seen: set[str] = set()
            while t is not None and t.tier_id not in depth and t.tier_id not in seen:
                seen.add(t.tier_id)
                path.append(t.tier_id)
                t = self.parent_tier(t)
            if t is None:
                base = -1
            elif t.tier_id in depth:
                base = depth[t.tier_id]
            else:  # came back to a tier on this walk: a cycle
                base = None
            for k, p in enumerate(reversed(path)):
                depth[p] = None if base is None else base + k + 1
        return depth

    # ------------------------------------------------------------------ times
    def align_tier(self, tier: _Tier) -> None:
        """Times of a tier's alignable annotations, unaligned slots interpolated along chains."""
        slots = self.slots
        alignable = [a for a in tier.anns if a.ref is None]
        if not alignable:
            return
        ends = {a.e_slot for a in alignable}
        by_start: dict[str | None, _Ann] = {}
        for a in alignable:
            by_start.setdefault(a.s_slot, a)
        need = any(slots.get(a.s_slot) is None or slots.get(a.e_slot) is None for a in alignable)
        if not need:
            for a in alignable:
                a.start, a.end = slots[a.s_slot], slots[a.e_slot]
            return
        known: dict[str, int] = {}
        done: set[int] = set()
        heads = [a for a in alignable if a.s_slot not in ends] + alignable  # then whatever is left (cycles)
        for head in heads:
            if id(head) in done:
                continue
            chain_slots, chain = [head.s_slot], []
            a: _Ann | None = head
            while a is not None and id(a) not in done:
                done.add(id(a))
                chain.append(a)
                chain_slots.append(a.e_slot)
                a = by_start.get(a.e_slot)
            values = [slots.get(s) for s in chain_slots]
            idx = [k for k, v in enumerate(values) if v is not None]
            for i, j in zip(idx, idx[1:]):
                vi, vj = values[i], values[j]
                for m in range(i + 1, j):
                    values[m] = vi + (vj - vi) * (m - i) // (j - i)
            for s, v in zip(chain_slots, values):
                if v is not None and s is not None:
                    known.setdefault(s, v)
        fallback = self._order_interpolation()
        for a in alignable:
            s = slots.get(a.s_slot)
            e = slots.get(a.e_slot)
            a.start = s if s is not None else known.get(a.s_slot, fallback.get(a.s_slot))
            a.end = e if e is not None else known.get(a.e_slot, fallback.get(a.e_slot))

    _order_cache: dict[str, int] | None = None

    def _order_interpolation(self) -> dict[str, int]:
        """Unaligned slots placed evenly between their aligned neighbours in the time order."""
        if self._order_cache is None:
            out: dict[str, int] = {}
            order = self.slot_order
            known = [k for k, s in enumerate(order) if self.slots.get(s) is not None]
            for i, j in zip(known, known[1:]):
                vi, vj = self.slots[order[i]], self.slots[order[j]]
                for m in range(i + 1, j):
                    if order[m] not in self.bad_slots:
                        out[order[m]] = vi + (vj - vi) * (m - i) // (j - i)
            self._order_cache = out
        return self._order_cache

    def resolve_refs(self) -> None:
        """Times of reference annotations from the annotations they refer to (cycles detected)."""
        position: dict[int, tuple[int, int]] = {}  # id(ann) -> (k, n) among its parent's children
        for ordered in _siblings(self).values():
            for k, a in enumerate(ordered):
                position[id(a)] = (k, len(ordered))
        for a in list(self.anns.values()):
            if a.ref is None or a.start is not None or a.failed:
                continue
            stack, on_stack = [a], {id(a)}
            while stack:
                top = stack[-1]
                parent = self.anns.get(top.ref) if top.ref is not None else None
                if parent is None:
                    top.failed = "orphan"
                    stack.pop()
                    continue
                if parent.failed:
                    top.failed = parent.failed
                    stack.pop()
                    continue
                if parent.ref is None or parent.start is not None:
                    if parent.start is None or parent.end is None:
                        top.failed = "no time"
                    else:
                        k, n = position.get(id(top), (0, 1))
                        span = parent.end - parent.start
                        top.start = parent.start + span * k // n
                        top.end = parent.start + span * (k + 1) // n
                    on_stack.discard(id(top))
                    stack.pop()
                    continue
                if id(parent) in on_stack:  # refers (through others) back to itself
                    for x in stack:
                        x.failed = "cycle"
                    break
                stack.append(parent)
                on_stack.add(id(parent))

    @staticmethod
    def _sibling_order(kids: list[_Ann]) -> list[_Ann]:
        if len(kids) == 1:
            return kids
        by_id = {k.aid: k for k in kids}
        nxt = {k.prev: k for k in kids if k.prev in by_id}
        heads = [k for k in kids if k.prev not in by_id]
        out, seen = [], set()
        for h in heads:
            k: _Ann | None = h
            while k is not None and id(k) not in seen:
                seen.add(id(k))
                out.append(k)
                k = nxt.get(k.aid)
        out += [k for k in kids if id(k) not in seen]  # a PREVIOUS_ANNOTATION cycle: file order
        return out


def read_eaf(path: str | Path, fps: float | Fraction, report: ImportReport | None = None,
             dependent: Dependent = "notes") -> list[Track]:
    """Parse an EAF file into tracks (frames at ``fps``); raises FormatError on unreadable files.

    Skipped annotations are counted in ``report`` with their reason, tier and time.
    """
    path = Path(path)
    if not path.exists():
        raise FormatError(f"File not found: {path}")
    report = report if report is not None else ImportReport()
    r = _Reader(path, report)
    rate = fps if isinstance(fps, Fraction) else as_fraction(fps)
    num, den = rate.numerator, rate.denominator
    depth = r.tier_depths()
    for tier in r.tiers.values():
        check_cancelled(path.name)
        r.align_tier(tier)
    r.resolve_refs()

    def where(tier: str, ann: _Ann) -> str:
        at = f" at {ms_timecode(ann.start)}" if ann.start is not None else ""
        return f"{r.name}, tier '{short(tier, 40)}'{at}"

    tracks: list[Track] = []
    top_rows: dict[str, Row] = {}  # annotation id of a top-level annotation -> its row
    n_bad_tiers = 0
    for tier in r.tiers.values():
        d = depth.get(tier.tier_id)
        if d is None:
            n_bad_tiers += 1
            for ann in tier.anns:
                report.skip("cycle", where(tier.tier_id, ann))
            continue
        if d > 0 and dependent == "notes":
            continue
        source, name = Source.HUMAN, tier.tier_id
        if name.startswith(MODEL_TIER_PREFIX):
            source, name = Source.MODEL, name[len(MODEL_TIER_PREFIX):]
        rows = []
        for ann in tier.anns:
            if ann.failed:
                report.skip(ann.failed, where(tier.tier_id, ann))
                continue
            if ann.start is None or ann.end is None:
                report.skip("no time", where(tier.tier_id, ann))
                continue
            value = ann.value.strip()
            if not value:
                report.skip("empty", where(tier.tier_id, ann))
                continue
            row = Row(ms_to_frame_int(ann.start, num, den), ms_to_frame_int(ann.end, num, den), value)
            rows.append(row)
            if d == 0:
                top_rows[ann.aid] = row
        coder = tier.annotator or tier.participant or ("" if source == Source.MODEL else name)
        tracks.append(Track(name, coder, source, rows))
    if dependent == "notes":
        _attach_notes(r, depth, top_rows, report)
    if n_bad_tiers:
        report.warnings.append(f"{n_bad_tiers} tier(s) of {r.name} name each other as parents in a cycle "
                               "and were skipped.")
    return tracks


def _attach_notes(r: _Reader, depth: dict[str, int | None], top_rows: dict[str, Row],
                  report: ImportReport) -> None:
    """Dependent-tier annotations as notes ``"tier: value"`` of the top-level segment they belong to."""
    spans: dict[str, tuple[list[int], list[_Ann]]] = {}  # top-level tier -> sorted starts, anns

    def top_of(tier: _Tier) -> _Tier:
        t = tier
        while depth.get(t.tier_id, 0) and r.parent_tier(t) is not None:
            t = r.parent_tier(t)  # type: ignore[assignment]
        return t

    def owner(ann: _Ann, tier: _Tier) -> _Ann | None:
        a, seen = ann, set()
        while a.ref is not None:  # reference chain up to an alignable annotation
            if id(a) in seen:
                return None
            seen.add(id(a))
            a = r.anns.get(a.ref)  # type: ignore[assignment]
            if a is None:
                return None
        if a.aid in top_rows and depth.get(a.tier) == 0:
            return a
        if a.start is None or a.end is None:
            return None
        top = top_of(r.tiers[a.tier])  # an alignable dependent: the top annotation containing its middle
        if top.tier_id not in spans:
            anns = sorted((x for x in top.anns if x.aid in top_rows), key=lambda x: x.start or 0)
            spans[top.tier_id] = ([x.start or 0 for x in anns], anns)
        starts, anns = spans[top.tier_id]
        mid = (a.start + a.end) // 2
        k = bisect.bisect_right(starts, mid) - 1
        if k >= 0 and (anns[k].end or 0) > mid:
            return anns[k]
        return None

    def where(tier: str, ann: _Ann) -> str:
        at = f" at {ms_timecode(ann.start)}" if ann.start is not None else ""
        return f"{r.name}, tier '{short(tier, 40)}'{at}"

    collected: dict[int, dict[str, list[tuple[tuple[int, int], str]]]] = {}  # id(row) -> tier -> [(order, value)]
    rows_by_id: dict[int, tuple[Row, _Ann]] = {}
    position = {id(a): k for kids in _siblings(r).values() for k, a in enumerate(kids)}
    for tier in r.tiers.values():
        d = depth.get(tier.tier_id)
        if not d:
            continue
        for ann in tier.anns:
            value = " ".join(ann.value.split())
            if ann.failed:
                report.skip(ann.failed, where(tier.tier_id, ann))
                continue
            if not value:  # counted, so that every annotation of the file is accounted for
                report.skip("empty", where(tier.tier_id, ann))
                continue
            top = owner(ann, tier)
            row = top_rows.get(top.aid) if top is not None else None
            if row is None:
                report.skip("orphan", where(tier.tier_id, ann))
                continue
            rows_by_id[id(row)] = (row, top)  # type: ignore[assignment]
            # time first (a reference annotation has its parent's share by now), then the place among
            # its siblings: a word's morphemes stay after the previous word's, not mixed by their rank
            key = ((ann.start or 0), position.get(id(ann), 0))
            collected.setdefault(id(row), {}).setdefault(tier.tier_id, []).append((key, value))
            report.notes_attached += 1
    for rid, per_tier in collected.items():
        row, top = rows_by_id[rid]
        text = "; ".join(f"{t}: {' | '.join(v for _, v in sorted(vals, key=lambda x: x[0]))}"
                         for t, vals in per_tier.items())
        if len(text) > MAX_NOTE:
            report.warnings.append(f"The notes of the segment at {ms_timecode(top.start or 0)} on tier "
                                   f"'{short(top.tier, 40)}' were shortened to {MAX_NOTE} characters.")
            text = text[:MAX_NOTE - 1] + "…"
        row.note = text


def _siblings(r: _Reader) -> dict[tuple[str, str], list[_Ann]]:
    """Reference annotations grouped by (parent, tier), each group in PREVIOUS_ANNOTATION order."""
    children: dict[tuple[str, str], list[_Ann]] = defaultdict(list)
    for a in r.anns.values():
        if a.ref is not None:
            children[(a.ref, a.tier)].append(a)
    return {k: _Reader._sibling_order(v) for k, v in children.items()}
