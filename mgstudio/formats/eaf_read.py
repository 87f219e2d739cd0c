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
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal
from xml.parsers import expat

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


def _read_xml(path: Path) -> bytes:
    """The file's bytes, after the size and DOCTYPE checks."""
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
    return data


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
        data = _read_xml(path)
        try:
            root, units = self._scan(data)
        except expat.ExpatError as exc:
            at = f" at line {exc.lineno}" if exc.lineno else ""
            raise FormatError(f"{path.name} could not be read as an ELAN file: the XML is malformed{at}.",
                              str(exc)) from None
        except (RecursionError, MemoryError, ValueError) as exc:
            raise FormatError(f"{path.name} could not be read as an ELAN file.", repr(exc)[:200]) from None
        if _local(root) != "ANNOTATION_DOCUMENT":
            raise FormatError(f"{path.name} is not an ELAN file (its root element is "
                              f"'{short(_local(root), 40)}', not ANNOTATION_DOCUMENT).")
        if units and units.lower() not in ("milliseconds", "ms"):
            raise FormatError(f"{self.name} counts time in '{short(units, 30)}', not milliseconds; "
                              "save it from ELAN again.")
        if not self.tiers:
            raise FormatError(f"{self.name} has no tiers.")

    def _scan(self, data: bytes) -> tuple[str, str]:
        """One streaming pass of expat over the document (no element tree is built): the time
        slots, linguistic types, tiers and their annotations. Returns the root's tag and the
        header's TIME_UNITS. Depth 2 holds the root's children (HEADER, TIME_ORDER, TIER, ...),
        depth 4 a tier's annotations (inside their ANNOTATION wrapper), depth 5 the annotation's
        first child, whose text (all of it, nested elements' too) is the annotation's value."""
        slots, slot_order, bad_slots, tiers, anns = self.slots, self.slot_order, self.bad_slots, self.tiers, self.anns
        p = expat.ParserCreate(namespace_separator="}")
        p.buffer_text = True
        depth = 0
        root = units = ""
        section = ""  # the depth-2 element we are in: "TIME_ORDER", "TIER" (a tier we read) or ""
        tier: _Tier | None = None
        ann_tag, ann_attrs = "", {}  # the depth-4 element being read
        value: list[str] | None = None  # its first child's text, once that child began
        in_value = False
        order = 0

        def text(chunk: str) -> None:
            value.append(chunk)  # type: ignore[union-attr]

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal depth, root, units, section, tier, ann_tag, ann_attrs, value, in_value, order
            depth += 1
            if depth == 4:
                if section == "TIER":
                    order += 1
                    ann_tag, ann_attrs, value = _local(tag), attrs, None
            elif depth == 5:
                if section == "TIER" and value is None:
                    value, in_value = [], True
                    p.CharacterDataHandler = text
            elif depth == 3:
                if section == "TIME_ORDER":
                    sid = attrs.get("TIME_SLOT_ID")
                    if sid is None:
                        return
                    v = attrs.get("TIME_VALUE")
                    if v is None:
                        slots[sid] = None
                    elif v.isdigit() and len(v) <= 12:
                        slots[sid] = int(v)
                    elif _MS_RE.fullmatch(v):
                        slots[sid] = int(v)
                    else:
                        slots[sid] = None
                        bad_slots.add(sid)
                    slot_order.append(sid)
            elif depth == 2:
                local = _local(tag)
                section = ""
                if local == "HEADER":
                    units = attrs.get("TIME_UNITS") or ""
                elif local == "TIME_ORDER":
                    section = local
                elif local == "LINGUISTIC_TYPE":
                    self.ling[attrs.get("LINGUISTIC_TYPE_ID") or ""] = attrs.get("CONSTRAINTS") or ""
                elif local == "TIER":
                    tid = attrs.get("TIER_ID")
                    if tid and tid not in tiers:
                        section = local
                        tier = tiers[tid] = _Tier(tid, attrs.get("LINGUISTIC_TYPE_REF") or "", attrs.get("PARENT_REF"),
                                                  (attrs.get("ANNOTATOR") or "").strip(),
                                                  (attrs.get("PARTICIPANT") or "").strip())
            elif depth == 1:
                root = tag

        def end(tag: str) -> None:
            nonlocal depth, in_value
            if depth == 5 and in_value:
                p.CharacterDataHandler = None
                in_value = False
            elif depth == 4 and section == "TIER":
                aid = ann_attrs.get("ANNOTATION_ID") or f"#{order}"
                val = "".join(value) if value else ""
                a = ann_attrs.get
                if ann_tag == "ALIGNABLE_ANNOTATION":
                    ann = _Ann(aid, tier.tier_id, val, a("TIME_SLOT_REF1"), a("TIME_SLOT_REF2"), order=order)  # type: ignore[union-attr]
                elif ann_tag == "REF_ANNOTATION":
                    ann = _Ann(aid, tier.tier_id, val, ref=a("ANNOTATION_REF"), prev=a("PREVIOUS_ANNOTATION"),  # type: ignore[union-attr]
                               order=order)
                else:
                    depth -= 1
                    return
                tier.anns.append(ann)  # type: ignore[union-attr]
                anns.setdefault(aid, ann)
            depth -= 1

        p.StartElementHandler = start
        p.EndElementHandler = end
        p.Parse(data, True)
        return root, units

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
