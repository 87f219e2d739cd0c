"""Metrics: temporal IoU, MiGA-style spotting scores, frame-level Cohen's kappa, confusion matrices.

Segments are anything with ``start``/``end`` (half-open frame ranges) and ``label``; an
``item_id`` attribute, when present, keeps videos apart so scores pool over videos.

Spotting follows the SMG/MiGA online track: a prediction is correct when its label equals a
ground-truth segment's label and their temporal IoU exceeds the threshold (0.3 by default);
each ground-truth segment can be matched once (matching in order of prediction confidence,
then IoU). precision = correct / predictions, recall = correct / ground truth, F1 pooled.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np


class SegmentLike(Protocol):
    start: int
    end: int
    label: str


def temporal_iou(a: SegmentLike | tuple[int, int], b: SegmentLike | tuple[int, int]) -> float:
    """Intersection over union of two half-open frame ranges (0 when either is empty)."""
    a0, a1 = (a[0], a[1]) if isinstance(a, tuple) else (a.start, a.end)
    b0, b1 = (b[0], b[1]) if isinstance(b, tuple) else (b.start, b.end)
    inter = max(0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0) if inter else (a1 - a0) + (b1 - b0)
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class SpottingScores:
    precision: float
    recall: float
    f1: float
    tp: int
    n_pred: int
    n_gt: int

    def __str__(self) -> str:
        return (f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"({self.tp} correct of {self.n_pred} predicted, {self.n_gt} true)")


def _group(segs: Iterable[Any]) -> dict[Hashable, list[Any]]:
    out: dict[Hashable, list[Any]] = defaultdict(list)
    for s in segs:
        out[getattr(s, "item_id", None)].append(s)
    return out


def spotting_scores(pred: Iterable[Any], gt: Iterable[Any], iou: float = 0.3,
                    class_agnostic: bool = False) -> SpottingScores:
    """MiGA spotting precision/recall/F1 (``iou`` is a strict lower bound on temporal IoU).

    Predictions are taken by confidence, highest first; each takes the unused ground-truth
    segment of its label (any label with ``class_agnostic``) with the highest IoU above ``iou``,
    the earliest listed on ties. Only ground truth that can reach the bound is looked at: with
    IoU > t > 0 a partner is shorter than len(p) / t and starts less than that before p, so the
    search is a window of the segments sorted by start, not all of them.
    """
    pred_by, gt_by = _group(pred), _group(gt)
    tp = n_pred = n_gt = 0
    for key in set(pred_by) | set(gt_by):
        preds = sorted(pred_by.get(key, []), key=lambda s: -(getattr(s, "confidence", None) or 0.0))
        gts = gt_by.get(key, [])
        n_pred += len(preds)
        n_gt += len(gts)
        used = [False] * len(gts)
        lanes: dict[Any, tuple[list[int], list[int], int]] = {}  # label -> (starts, indices, longest)
        by_label: dict[Any, list[int]] = defaultdict(list)
        for k, g in enumerate(gts):
            by_label[None if class_agnostic else g.label].append(k)
        for lab, idx in by_label.items():
            idx.sort(key=lambda k: gts[k].start)
            lanes[lab] = ([gts[k].start for k in idx], idx, max(gts[k].end - gts[k].start for k in idx))
        for p in preds:
            lane = lanes.get(None if class_agnostic else p.label)
            if lane is None:
                continue
            starts, idx, longest = lane
            span = (p.end - p.start) / iou if iou > 0 else longest
            lo = bisect.bisect_right(starts, p.start - span - 1)
            hi = bisect.bisect_left(starts, p.end)
            best, best_iou = -1, iou
            for k in idx[lo:hi]:
                if used[k]:
                    continue
                v = temporal_iou(p, gts[k])
                if v > best_iou or (v == best_iou and best >= 0 and k < best):
                    best, best_iou = k, v
            if best >= 0:
                used[best] = True
                tp += 1
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gt if n_gt else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return SpottingScores(precision, recall, f1, tp, n_pred, n_gt)


def frame_labels(segments: Iterable[Any], n_frames: int, background: str = "") -> np.ndarray:
    """Per-frame label array (dtype object) of length ``n_frames``; later segments win overlaps."""
    out = np.full(n_frames, background, dtype=object)
    for s in segments:
        a, b = max(0, int(s.start)), min(n_frames, int(s.end))
        if b > a:
            out[a:b] = s.label
    return out


def confusion_matrix(a: Sequence[Hashable], b: Sequence[Hashable],
                     labels: Sequence[Hashable] | None = None) -> tuple[np.ndarray, list[Hashable]]:
    """Counts C[i, j] of items labelled ``labels[i]`` in ``a`` and ``labels[j]`` in ``b``."""
    if len(a) != len(b):
        raise ValueError("the two label sequences differ in length")
    labs = list(labels) if labels is not None else sorted(set(a) | set(b), key=str)
    index = {lab: i for i, lab in enumerate(labs)}
    m = np.zeros((len(labs), len(labs)), dtype=np.int64)
    for x, y in zip(a, b):
        if x in index and y in index:
            m[index[x], index[y]] += 1
    return m, labs


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa between two equally long label sequences (1 = perfect, 0 = chance).

    When both raters use a single identical category throughout, agreement is perfect and
    kappa is defined here as 1.0 (chance agreement is then 1 and the formula is 0/0).
    """
    m, _ = confusion_matrix(a, b)
    n = m.sum()
    if n == 0:
        raise ValueError("no items to compare")
    po = np.trace(m) / n
    pe = float((m.sum(axis=1) * m.sum(axis=0)).sum()) / (n * n)
    if pe >= 1.0:
        return 1.0 if po >= 1.0 else 0.0
    return float((po - pe) / (1 - pe))


def frame_kappa(a_segments: Iterable[Any], b_segments: Iterable[Any], n_frames: int,
                background: str = "") -> float:
    """Frame-level Cohen's kappa between two tiers over ``n_frames`` (gaps = background)."""
    return cohen_kappa(list(frame_labels(a_segments, n_frames, background)),
                       list(frame_labels(b_segments, n_frames, background)))
