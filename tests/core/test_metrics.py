"""Metrics against hand-computed values and scikit-learn."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from mgstudio.core.metrics import (
    cohen_kappa, confusion_matrix, frame_kappa, frame_labels, spotting_scores, temporal_iou,
)
from tests.support.spotting_reference import spotting_reference


@dataclass
class S:
    start: int
    end: int
    label: str
    item_id: int = 0
    confidence: float | None = None


def test_temporal_iou_half_open() -> None:
    assert temporal_iou((0, 10), (5, 15)) == pytest.approx(5 / 15)
    assert temporal_iou((0, 10), (10, 20)) == 0.0  # touching ranges share no frame
    assert temporal_iou(S(3, 4, "a"), S(3, 4, "b")) == 1.0
    assert temporal_iou((0, 0), (0, 0)) == 0.0


def test_spotting_hand_computed() -> None:
    gt = [S(0, 10, "a"), S(20, 30, "b"), S(40, 50, "a"), S(0, 10, "a", item_id=1)]
    pred = [
        S(2, 12, "a"),        # IoU 8/12 with gt a -> correct
        S(20, 30, "a"),       # right place, wrong label -> wrong
        S(48, 60, "a"),       # IoU 2/20 = 0.1 -> wrong
        S(1, 9, "a"),         # second match for an already matched gt -> wrong
        S(0, 10, "a", item_id=1),  # other video -> correct
    ]
    s = spotting_scores(pred, gt)
    assert (s.tp, s.n_pred, s.n_gt) == (2, 5, 4)
    assert s.precision == pytest.approx(0.4) and s.recall == pytest.approx(0.5)
    assert s.f1 == pytest.approx(2 * 0.4 * 0.5 / 0.9)
    agnostic = spotting_scores(pred, gt, class_agnostic=True)
    assert agnostic.tp == 3  # the wrong-label one now counts


def test_spotting_iou_threshold_is_strict() -> None:
    gt = [S(0, 10, "a")]
    assert spotting_scores([S(0, 3, "a")], gt).tp == 0  # IoU exactly 0.3 is not > 0.3
    assert spotting_scores([S(0, 4, "a")], gt).tp == 1
    assert spotting_scores([S(0, 4, "a")], gt, iou=0.5).tp == 0


def test_kappa_hand_example() -> None:
    # Classic 2x2 example: po = 0.7, pe = 0.5 -> kappa 0.4
    a = ["y"] * 20 + ["y"] * 5 + ["n"] * 10 + ["n"] * 15
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


@pytest.mark.parametrize("seed", range(5))
def test_kappa_matches_sklearn(seed: int) -> None:
    rng = random.Random(seed)
    labels = ["", "scratch", "nose", "arms"]
    a = [rng.choice(labels) for _ in range(300)]
    b = [x if rng.random() < 0.6 else rng.choice(labels) for x in a]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_frame_kappa_and_labels() -> None:
    a = [S(0, 10, "x"), S(20, 30, "y")]
    assert list(frame_labels(a, 12, "-"))[-3:] == ["x", "-", "-"]
    assert frame_kappa(a, a, 40) == 1.0
    k = frame_kappa(a, [S(0, 10, "x")], 40)
    assert 0 < k < 1


def test_confusion_matrix() -> None:
    m, labs = confusion_matrix(["a", "a", "b"], ["a", "b", "b"])
    assert labs == ["a", "b"] and m.tolist() == [[1, 1], [0, 1]]
    with pytest.raises(ValueError):
        confusion_matrix(["a"], [])


@pytest.mark.parametrize("seed", range(6))
def test_spotting_window_search_equals_all_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)

    def segs(n, conf=False):
        out = []
        for _ in range(n):
            a = int(rng.integers(0, 3000))
            length = int(rng.choice([int(rng.integers(1, 40)), int(rng.integers(200, 900))], p=[0.9, 0.1]))
            out.append(S(a, a + length, str(rng.choice(["p", "q"])), int(rng.integers(1, 3)),
                         float(rng.random()) if conf else None))
        return out

    pred, gt = segs(300, conf=True), segs(300)
    for t in (0.0, 0.1, 0.3, 0.5, 0.7):
        for agnostic in (False, True):
            assert spotting_scores(pred, gt, t, agnostic).tp == spotting_reference(pred, gt, t, agnostic)

