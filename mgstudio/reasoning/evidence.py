"""Identity-free evidence from an item's micro-gesture timeline.

The evidence is what the language model sees, and nothing else: labels with times in seconds,
durations, counts and rates per class, bursts, co-occurrences, the change between the first and
the last part of the recording, and whether each segment was coded (or accepted) by a human or is
an un-reviewed model proposal. Segments are referred to by id (``S12``). Item names, file paths,
frame numbers, annotators, notes, item attributes and anything from the face never enter it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, Iterable, TYPE_CHECKING

from mgstudio.core.errors import MGStudioError
from mgstudio.core.segments import Segment, Source, Status

if TYPE_CHECKING:
    from mgstudio.core.project import Project

#: Onsets closer than this to the previous gesture's end chain into one burst (**ours**).
BURST_GAP_S = 4.0
#: A burst needs at least this many gestures.
BURST_MIN = 3
#: Two gestures of different classes "co-occur" when they overlap or are this close (**ours**).
COOCCUR_GAP_S = 1.0
#: At most this many segments are listed one by one in the prompt (small models, short contexts).
MAX_LISTED = 60

#: Normalised names of the "not a micro-gesture" class; such segments are never evidence.
NON_MG_NAMES = frozenset({"nonmg", "notmg", "nomg", "nonmicrogesture"})

HUMAN = "human"
ACCEPTED_PROPOSAL = "model, accepted"
PROPOSAL = "model proposal"


@dataclass
class EvidenceSegment:
    """One gesture as the model sees it."""

    sid: str
    label: str
    start_s: float
    end_s: float
    origin: str  # HUMAN, ACCEPTED_PROPOSAL or PROPOSAL
    confidence: float | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class ClassStats:
    label: str
    count: int
    total_s: float
    mean_s: float
    rate_per_min: float


@dataclass
class Burst:
    start_s: float
    end_s: float
    sids: list[str]
    labels: list[str]


@dataclass
class Cooccurrence:
    labels: tuple[str, str]
    count: int
    sids: list[tuple[str, str]]


@dataclass
class PartChange:
    """Counts in the first and last third of the recording."""

    part_s: float
    first_total: int
    last_total: int
    per_class: dict[str, tuple[int, int]]


@dataclass
class Evidence:
    """The identity-free summary of one item's timeline."""

    duration_s: float
    segments: list[EvidenceSegment]
    classes: list[ClassStats]
    bursts: list[Burst]
    cooccurrences: list[Cooccurrence]
    change: PartChange | None
    rate_bins_s: float
    rate_series: list[tuple[float, float]]  # (bin start s, gestures per minute)
    n_human: int
    n_accepted_proposals: int
    n_proposals: int
    n_proposals_excluded: int
    n_non_mg: int = 0
    include_proposals: bool = False
    context: str = ""
    label_colors: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.segments

    @property
    def segment_ids(self) -> list[str]:
        return [s.sid for s in self.segments]

    def listed(self) -> list[EvidenceSegment]:
        """The segments listed one by one in the prompt (the citable ones)."""
        return self.segments[:MAX_LISTED]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for s, ds in zip(self.segments, d["segments"]):
            ds["duration_s"] = round(s.duration_s, 3)
        return d

    def to_text(self) -> str:
        """The evidence as compact plain text for the prompt."""
        out: list[str] = []
        if self.context:
            out.append(f"Context: {self.context}")
        origin = f"{self.n_human + self.n_accepted_proposals} coded or accepted by a human"
        if self.include_proposals:
            origin += f", {self.n_proposals} un-reviewed model proposals (with confidence)"
        out.append(
            f"Recording length: {self.duration_s:.1f} s. Micro-gestures: {len(self.segments)} "
            f"({origin})."
        )
        if self.n_non_mg:
            out.append(f"{self.n_non_mg} segments coded as not a micro-gesture (non-MG) are not counted.")
        if self.is_empty:
            return "\n".join(out)
        out.append("Segments (id, label, start-end in s, duration in s):")
        for s in self.listed():
            extra = ""
            if s.origin == PROPOSAL:
                conf = f" {s.confidence:.2f}" if s.confidence is not None else ""
                extra = f" [model proposal{conf}]"
            out.append(f"{s.sid} {s.label} {s.start_s:.1f}-{s.end_s:.1f} ({s.duration_s:.1f}){extra}")
        if len(self.segments) > MAX_LISTED:
            out.append(f"({len(self.segments) - MAX_LISTED} more segments not listed)")
        out.append("Per class (count, per minute, mean duration s):")
        for c in self.classes:
            out.append(f"- {c.label}: {c.count}, {c.rate_per_min:.1f}/min, {c.mean_s:.1f}")
        if self.bursts:
            out.append(f"Bursts (>= {BURST_MIN} gestures in quick succession):")
            for b in self.bursts[:5]:
                out.append(f"- {b.start_s:.1f}-{b.end_s:.1f} s: {', '.join(b.sids)}")
        if self.cooccurrences:
            out.append("Co-occurring classes (overlapping or within 1 s):")
            for c in self.cooccurrences[:5]:
                out.append(f"- {c.labels[0]} + {c.labels[1]}: {c.count}x")
        if self.change is not None:
            ch = self.change
            out.append(
                f"First third vs last third: {ch.first_total} vs {ch.last_total} gestures."
            )
        return "\n".join(out)


def _fps(value: Any) -> float:
    try:
        fps = float(Fraction(value)) if not isinstance(value, float) else value
    except (TypeError, ValueError, ZeroDivisionError):
        fps = float("nan")
    if not math.isfinite(fps) or fps <= 0:
        raise MGStudioError(
            "This item has no valid frame rate, so gesture times cannot be computed.",
            detail=f"fps={value!r}",
        )
    return fps


def _origin(seg: Segment) -> str | None:
    if seg.status == Status.REJECTED:
        return None
    if seg.status == Status.PROPOSED:
        return PROPOSAL
    return HUMAN if seg.source == Source.HUMAN else ACCEPTED_PROPOSAL


def _nice_bin(duration_s: float) -> float:
    raw = max(duration_s / 12.0, 5.0)
    for step in (5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if raw <= step:
            return float(step)
    return float(math.ceil(raw / 3600) * 3600)


def evidence_from_segments(
    segments: Iterable[Segment],
    fps: Any,
    duration_s: float | None = None,
    include_proposals: bool = False,
    context: str = "",
    label_colors: dict[str, str] | None = None,
) -> Evidence:
    """Evidence from plain segments of one item at ``fps`` (frames are half-open ranges)."""
    fps_f = _fps(fps)
    kept: list[EvidenceSegment] = []
    n_excluded = 0
    n_non_mg = 0
    counter = 0
    for seg in sorted(segments, key=lambda s: (s.start, s.end, s.label)):
        origin = _origin(seg)
        if origin is None:
            continue
        counter += 1
        if is_non_mg(seg.label):
            n_non_mg += 1
            continue
        if origin == PROPOSAL and not include_proposals:
            n_excluded += 1
            continue
        sid = f"S{seg.id}" if seg.id is not None else f"S{counter}"
        kept.append(
            EvidenceSegment(
                sid=sid,
                label=seg.label,
                start_s=round(seg.start / fps_f, 3),
                end_s=round(seg.end / fps_f, 3),
                origin=origin,
                confidence=None if seg.confidence is None else round(float(seg.confidence), 3),
            )
        )
    end_max = max((s.end_s for s in kept), default=0.0)
    duration = float(duration_s) if duration_s and duration_s > 0 else end_max
    duration = max(duration, end_max)
    minutes = duration / 60.0 if duration > 0 else 0.0

    by_label: dict[str, list[EvidenceSegment]] = defaultdict(list)
    for s in kept:
        by_label[s.label].append(s)
    classes = [
        ClassStats(
            label=label,
            count=len(ss),
            total_s=round(sum(s.duration_s for s in ss), 3),
            mean_s=round(sum(s.duration_s for s in ss) / len(ss), 3),
            rate_per_min=round(len(ss) / minutes, 3) if minutes else 0.0,
        )
        for label, ss in by_label.items()
    ]
    classes.sort(key=lambda c: (-c.count, c.label))

    # Bursts: chains of onsets each close to the previous gesture's end.
    bursts: list[Burst] = []
    run: list[EvidenceSegment] = []
    for s in kept:
        if run and s.start_s - max(r.end_s for r in run) > BURST_GAP_S:
            if len(run) >= BURST_MIN:
                bursts.append(_burst(run))
            run = []
        run.append(s)
    if len(run) >= BURST_MIN:
        bursts.append(_burst(run))

    # Co-occurrences of different classes.
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for i, a in enumerate(kept):
        for b in kept[i + 1 :]:
            if b.start_s > a.end_s + COOCCUR_GAP_S:
                break
            if a.label != b.label:
                key = tuple(sorted((a.label, b.label)))
                pairs[key].append((a.sid, b.sid))  # type: ignore[index]
    cooc = [Cooccurrence(labels=k, count=len(v), sids=v) for k, v in pairs.items()]
    cooc.sort(key=lambda c: (-c.count, c.labels))

    change = None
    if kept and duration > 0:
        part = duration / 3.0
        first = Counter(s.label for s in kept if s.start_s < part)
        last = Counter(s.label for s in kept if s.start_s >= duration - part)
        change = PartChange(
            part_s=round(part, 3),
            first_total=sum(first.values()),
            last_total=sum(last.values()),
            per_class={c.label: (first[c.label], last[c.label]) for c in classes},
        )

    # Rate over time: about-equal bins that tile the recording exactly (no short last bin).
    n_bins = max(1, round(duration / _nice_bin(duration))) if duration > 0 else 0
    bin_s = duration / n_bins if n_bins else 10.0
    counts = [0] * n_bins
    for s in kept:
        counts[min(int(s.start_s // bin_s), n_bins - 1)] += 1
    series = [(round(i * bin_s, 3), round(c * 60.0 / bin_s, 3)) for i, c in enumerate(counts)]

    return Evidence(
        duration_s=round(duration, 3),
        segments=kept,
        classes=classes,
        bursts=bursts,
        cooccurrences=cooc,
        change=change,
        rate_bins_s=round(bin_s, 3),
        rate_series=series,
        n_human=sum(s.origin == HUMAN for s in kept),
        n_accepted_proposals=sum(s.origin == ACCEPTED_PROPOSAL for s in kept),
        n_proposals=sum(s.origin == PROPOSAL for s in kept),
        n_proposals_excluded=n_excluded,
        n_non_mg=n_non_mg,
        include_proposals=include_proposals,
        context=" ".join(context.split()),
        label_colors=dict(label_colors or {}),
    )


def _burst(run: list[EvidenceSegment]) -> Burst:
    return Burst(
        start_s=run[0].start_s,
        end_s=max(r.end_s for r in run),
        sids=[r.sid for r in run],
        labels=[r.label for r in run],
    )


_OVERLAP = re.compile(r"\s*\(overlap(?: \d+)?\)$")


def coder_name(tier_name: str) -> str:
    """The coder's tier a tier belongs to: ``"anna (overlap 2)"`` belongs to ``"anna"``."""
    return _OVERLAP.sub("", tier_name)


def is_non_mg(label: str) -> bool:
    """True for the "not a micro-gesture" class (iMiGUE's class 99 "non-MG" and its spellings)."""
    return re.sub(r"[^a-z]", "", label.lower()) in NON_MG_NAMES


def _one_coder(project: Project, item_id: int, tier: Any = None) -> list[Any]:
    """The item's segments on the model tiers plus ONE human coder's timeline.

    A coder's timeline is their tier and its ``"(overlap)"`` companions (importers move one
    coder's overlapping rows there). When several annotators coded the same recording, taking
    every coder would count each gesture once per coder (and inflate rates and bursts). The
    coder is ``tier`` (a tier name or id) when given, else the current annotator when they coded
    this item, else the one with the most segments on it.
    """
    tiers = list(project.tiers())
    segs = project.segments(item_id)
    human = [t for t in tiers if t.kind == "human"]
    groups: dict[str, list[Any]] = defaultdict(list)
    for t in human:
        groups[coder_name(t.name)].append(t)
    if tier is not None:
        chosen = [t for t in tiers if t.id == tier or t.name == tier]
        if not chosen:
            raise MGStudioError(
                f"There is no tier '{tier}' in this project: choose one of "
                f"{', '.join(t.name for t in tiers if not _OVERLAP.search(t.name))}."
            )
        t0 = chosen[0]
        keep = {t.id for t in (groups[coder_name(t0.name)] if t0.kind == "human" else [t0])}
        return [s for s in segs if s.tier_id in keep]
    if len(groups) <= 1:
        return segs
    per_coder = {name: sum(1 for s in segs if s.tier_id in {t.id for t in ts}) for name, ts in groups.items()}
    me = getattr(project, "annotator", None)
    coder = me if me in groups and per_coder[me] else max(per_coder, key=lambda k: per_coder[k])
    keep = {t.id for t in tiers if t.kind != "human"} | {t.id for t in groups[coder]}
    return [s for s in segs if s.tier_id in keep]


def build_evidence(
    source: Any,
    item_id: int | None = None,
    include_proposals: bool = False,
    context: str = "",
    *,
    fps: Any = None,
    duration_s: float | None = None,
    tier: Any = None,
) -> Evidence:
    """Evidence for one item.

    ``source`` is a :class:`~mgstudio.core.project.Project` (with ``item_id``; the model's tier
    and one coder's tier unless ``tier`` names one, see :func:`_one_coder`), or a plain list of
    :class:`Segment` of one item (with ``fps`` and optionally ``duration_s``).
    """
    if hasattr(source, "segments") and hasattr(source, "item"):
        if item_id is None:
            raise MGStudioError("Choose an item for the report.")
        item = source.item(item_id)
        if item is None:
            raise MGStudioError(f"There is no item {item_id} in this project.")
        segs = _one_coder(source, item_id, tier)
        rate = getattr(item, "rate", None) or item.fps  # the exact Fraction where the store has it
        duration = item.frame_count / _fps(rate) if getattr(item, "frame_count", None) else None
        colors = {}
        taxonomy = getattr(source, "taxonomy", None)
        for label in getattr(taxonomy, "labels", []) or []:
            colors[label.name] = label.color
        return evidence_from_segments(
            segs, rate, duration, include_proposals, context, label_colors=colors
        )
    if fps is None:
        raise MGStudioError("A frame rate is needed to turn segments into times.")
    return evidence_from_segments(list(source), fps, duration_s, include_proposals, context)
