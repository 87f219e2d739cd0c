"""The plain all-pairs definition of spotting true positives, to check the windowed search against."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mgstudio.core.metrics import temporal_iou


def spotting_reference(pred: Iterable[Any], gt: Iterable[Any], iou: float, class_agnostic: bool = False) -> int:
    """True positives by greedy matching, most confident prediction first, over every pair of an item.

    ``pred`` and ``gt`` hold segment-likes (``item_id``, ``start``, ``end``, ``label``; ``confidence``
    on predictions); a match needs an IoU above ``iou`` and, unless ``class_agnostic``, the same label.
    """
    tp = 0
    by_item: dict = {}
    for g in gt:
        by_item.setdefault(g.item_id, []).append(g)
    used: set = set()
    for p in sorted(pred, key=lambda s: -(s.confidence or 0.0)):
        best, best_iou = None, iou
        for k, g in enumerate(by_item.get(p.item_id, [])):
            if (p.item_id, k) in used or (not class_agnostic and g.label != p.label):
                continue
            v = temporal_iou(p, g)
            if v > best_iou:
                best, best_iou = k, v
        if best is not None:
            used.add((p.item_id, best))
            tp += 1
    return tp
