"""Inter-rater agreement between annotators' tiers.

- frame-level Cohen's kappa between two tiers (frames without a segment count as the category
  "(none)", as BORIS does over time units), overall and per class (per class: each label
  against everything else, a binary kappa);
- Fleiss' kappa over three or more tiers (each frame a subject, each tier a rater);
- segment-level F1 at several temporal-IoU thresholds (tier A as reference, labels must match);
- the confusion matrix between two annotators' frame labels;
- the disagreements: maximal runs of frames where two tiers differ, so a reviewer can jump
  there in the player;
- event by event, the modified Cohen's kappa of Holle & Rein (EasyDIAg, ELAN), see
  :mod:`mgstudio.core.event_agreement`.

Rejected segments are not annotations and are left out; every other status counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mgstudio.core.errors import MGStudioError
from mgstudio.core.event_agreement import DEFAULT_OVERLAP, EventAgreement, event_agreement
from mgstudio.core.metrics import SpottingScores, cohen_kappa, confusion_matrix, frame_labels, spotting_scores
from mgstudio.core.segments import Status
from mgstudio.core.timebase import timecode

if TYPE_CHECKING:
    from mgstudio.core.project import Project

NONE = "(none)"
COUNTED = (Status.ACCEPTED, Status.EDITED, Status.PROPOSED)
IOU_THRESHOLDS = (0.1, 0.3, 0.5, 0.7)


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa from an N subjects x K categories matrix of rater counts.

    Every row must sum to the same number of raters n >= 2.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] == 0:
        raise ValueError("counts must be a non-empty N x K matrix")
    n = counts.sum(axis=1)
    if not np.all(n == n[0]) or n[0] < 2:
        raise ValueError("every subject needs the same number (>= 2) of ratings")
    n0, big_n = n[0], counts.shape[0]
    p_i = ((counts ** 2).sum(axis=1) - n0) / (n0 * (n0 - 1))
    p_bar = p_i.mean()
    p_j = counts.sum(axis=0) / (big_n * n0)
    p_e = float((p_j ** 2).sum())
    if p_e >= 1.0:
        return 1.0 if p_bar >= 1.0 else 0.0
    return float((p_bar - p_e) / (1 - p_e))


@dataclass
class Disagreement:
    """A run of frames [start, end) of an item where two tiers give different labels."""

    item_id: int
    item: str
    start: int
    end: int
    label_a: str
    label_b: str
    fps: float

    @property
    def where(self) -> str:
        return f"{timecode(self.start, self.fps)}–{timecode(self.end, self.fps)}"


@dataclass
class PairAgreement:
    """Agreement between two tiers over the chosen items."""

    tier_a: str
    tier_b: str
    n_frames: int
    kappa: float
    per_class: dict[str, float]
    segment_scores: dict[float, SpottingScores]
    confusion: np.ndarray
    labels: list[str]
    disagreements: list[Disagreement] = field(default_factory=list)
    events: EventAgreement | None = None  # gesture by gesture (Holle & Rein)


@dataclass
class AgreementReport:
    """Everything ``mgstudio agree`` prints and writes."""

    items: list[str]
    tiers: list[str]
    pairs: list[PairAgreement]
    fleiss: float | None

    def summary(self) -> str:
        lines = [f"Agreement over {len(self.items)} item(s), tiers: {', '.join(self.tiers)}"]
        for p in self.pairs:
            f1 = ", ".join(f"IoU>{t:g}: {s.f1:.2f}" for t, s in p.segment_scores.items())
            lines.append(f"  {p.tier_a} vs {p.tier_b}: Cohen's kappa {p.kappa:.3f} over {p.n_frames} frames; "
                         f"segment F1 {f1}; {len(p.disagreements)} disagreement(s)")
            if p.events is not None:
                lines.append(f"    gesture by gesture: {p.events.summary()}")
        if self.fleiss is not None:
            lines.append(f"  Fleiss' kappa ({len(self.tiers)} annotators): {self.fleiss:.3f}")
        return "\n".join(lines)


def _labels(project: "Project", item_id: int, tier: str, n_frames: int) -> np.ndarray:
    segs = project.segments(item_id, tier_id=project.tier(tier).id, statuses=COUNTED)
    return frame_labels(segs, n_frames, NONE)


def _runs(a: np.ndarray, b: np.ndarray, min_frames: int) -> list[tuple[int, int, str, str]]:
    diff = a != b
    out = []
    i, n = 0, len(a)
    while i < n:
        if not diff[i]:
            i += 1
            continue
        j = i
        while j < n and diff[j] and a[j] == a[i] and b[j] == b[i]:
            j += 1
        if j - i >= min_frames:
            out.append((i, j, str(a[i]), str(b[i])))
        i = j
    return out


def compare_tiers(project: "Project", tier_a: str, tier_b: str, item_ids: Sequence[int] | None = None,
                  iou_thresholds: Iterable[float] = IOU_THRESHOLDS, min_frames: int = 1,
                  min_overlap: float = DEFAULT_OVERLAP) -> PairAgreement:
    """Agreement between two tiers over the items (all items when None); ``min_overlap`` is the
    linking criterion of the event-based kappa."""
    ids = list(item_ids) if item_ids is not None else [it.id for it in project.items()]
    la, lb, pred, ref, dis, per_item = [], [], [], [], [], []
    for iid in ids:
        item = project.item(iid)
        n = int(item.frame_count or 0)
        if n <= 0:
            continue
        a, b = _labels(project, iid, tier_a, n), _labels(project, iid, tier_b, n)
        la.append(a)
        lb.append(b)
        seg_a = project.segments(iid, tier_id=project.tier(tier_a).id, statuses=COUNTED)
        seg_b = project.segments(iid, tier_id=project.tier(tier_b).id, statuses=COUNTED)
        ref += seg_a
        pred += seg_b
        per_item.append((seg_a, seg_b))
        dis += [Disagreement(iid, item.name, s, e, x, y, item.fps) for s, e, x, y in _runs(a, b, min_frames)]
    if not la:
        raise MGStudioError("There are no frames to compare: the chosen items have no length.")
    a_all, b_all = np.concatenate(la), np.concatenate(lb)
    labels = sorted(set(a_all) | set(b_all), key=lambda s: (s != NONE, s))
    conf, labels = confusion_matrix(list(a_all), list(b_all), labels)
    per_class = {lab: cohen_kappa(list(a_all == lab), list(b_all == lab)) for lab in labels if lab != NONE}
    scores = {t: spotting_scores(pred, ref, iou=t) for t in iou_thresholds}
    return PairAgreement(tier_a, tier_b, len(a_all), cohen_kappa(list(a_all), list(b_all)), per_class,
                         scores, conf, labels, dis, event_agreement(per_item, min_overlap))


def fleiss_over_tiers(project: "Project", tiers: Sequence[str], item_ids: Sequence[int] | None = None) -> float:
    """Fleiss' kappa with every frame of every item a subject and every tier a rater."""
    if len(tiers) < 3:
        raise MGStudioError("Fleiss' kappa needs three or more annotators' tiers.")
    ids = list(item_ids) if item_ids is not None else [it.id for it in project.items()]
    per_item: list[np.ndarray] = []
    for iid in ids:
        n = int(project.item(iid).frame_count or 0)
        if n > 0:
            per_item.append(np.stack([_labels(project, iid, t, n) for t in tiers], axis=1))
    if not per_item:
        raise MGStudioError("There are no frames to compare: the chosen items have no length.")
    ratings = np.concatenate(per_item)  # frames x raters
    cats = sorted(set(ratings.ravel()), key=str)
    index = {c: k for k, c in enumerate(cats)}
    counts = np.zeros((ratings.shape[0], len(cats)))
    for r in range(ratings.shape[1]):
        counts[np.arange(ratings.shape[0]), [index[v] for v in ratings[:, r]]] += 1
    return fleiss_kappa(counts)


def agreement(project: "Project", tiers: Sequence[str] | None = None, item_ids: Sequence[int] | None = None,
              iou_thresholds: Iterable[float] = IOU_THRESHOLDS, min_overlap: float = DEFAULT_OVERLAP
              ) -> AgreementReport:
    """Every pair of the tiers (default: all human tiers), plus Fleiss' kappa for 3 or more."""
    names = list(tiers) if tiers else [t.name for t in project.tiers() if t.kind == "human"]
    for n in names:
        project.tier(n)  # clear error for an unknown tier
    if len(names) < 2:
        raise MGStudioError("Agreement needs at least two annotators' tiers; "
                            f"this project has {len(names)}: {', '.join(names) or 'none'}.")
    ids = list(item_ids) if item_ids is not None else [it.id for it in project.items()]
    pairs = [compare_tiers(project, a, b, ids, iou_thresholds, min_overlap=min_overlap)
             for i, a in enumerate(names) for b in names[i + 1:]]
    fleiss = fleiss_over_tiers(project, names, ids) if len(names) >= 3 else None
    return AgreementReport([project.item(i).name for i in ids], names, pairs, fleiss)


