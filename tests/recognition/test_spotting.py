"""The spotting protocol on cases small enough to compute by hand: IoU matching, P/R/F1, top-k, ECE."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.segments import Segment
from mgstudio.recognition.calibration import expected_calibration_error
from mgstudio.recognition.spotting import format_scores, matched, score, top_precision


def ref(start: int, end: int, label: str = "a", item: int = 1) -> Segment:
    return Segment(item, 0, start, end, label)


def pred(start: int, end: int, conf: float, label: str = "a", item: int = 1) -> Segment:
    return Segment(item, 0, start, end, label, confidence=conf)


# Two reference gestures [0, 10) and [20, 30).
GT = [ref(0, 10), ref(20, 30)]
# IoU with its partner:  8/10 = 0.8          8/20 = 0.4           none
PRED = [pred(0, 8, 0.9), pred(22, 40, 0.8), pred(50, 60, 0.7)]


def test_precision_recall_f1_by_hand_at_each_iou_bound():
    sc = score(PRED, GT)
    assert sc["n_pred"] == 3 and sc["n_ref"] == 2
    for t in (0.1, 0.3):  # both partners pass: 2 correct of 3, both references found
        a = sc[f"agnostic@{t}"]
        assert a["P"] == pytest.approx(2 / 3) and a["R"] == pytest.approx(1.0) and a["F1"] == pytest.approx(0.8)
    a = sc["agnostic@0.5"]  # only the 0.8 one: P 1/3, R 1/2, F1 = 2PR/(P+R) = 0.4
    assert a["P"] == pytest.approx(1 / 3) and a["R"] == pytest.approx(0.5) and a["F1"] == pytest.approx(0.4)


def test_the_iou_bound_is_strict():
    # [0, 10) against [0, 20): IoU exactly 0.5 -> not correct at 0.5, correct at 0.3
    sc = score([pred(0, 10, 0.5)], [ref(0, 20)])
    assert sc["agnostic@0.5"]["F1"] == 0.0 and sc["agnostic@0.3"]["F1"] == pytest.approx(1.0)
    assert not matched([pred(0, 10, 0.5)], [ref(0, 20)], iou=0.5)[0]


def test_each_reference_is_matched_once_most_confident_first():
    # two proposals on one gesture: only one is correct, the more confident one, even if it fits worse
    p = [pred(0, 6, 0.4), pred(0, 10, 0.3)]  # IoU 0.6 (more confident) and 1.0
    ok = matched(p, [ref(0, 10)], iou=0.3)
    assert ok.tolist() == [True, False]
    sc = score(p, [ref(0, 10)])
    assert sc["agnostic@0.3"]["P"] == pytest.approx(0.5) and sc["agnostic@0.3"]["R"] == pytest.approx(1.0)
    # swap the confidences: now the exact one takes the gesture
    assert matched([pred(0, 6, 0.3), pred(0, 10, 0.4)], [ref(0, 10)], iou=0.3).tolist() == [False, True]


def test_label_matched_versus_class_agnostic():
    p = [pred(0, 10, 0.9, "touching jaw"), pred(20, 30, 0.8, "rubbing eyes")]
    g = [ref(0, 10, "touching jaw"), ref(20, 30, "folding arms")]
    sc = score(p, g)
    assert sc["agnostic@0.3"]["F1"] == pytest.approx(1.0)
    assert sc["labelled@0.3"]["P"] == pytest.approx(0.5) and sc["labelled@0.3"]["R"] == pytest.approx(0.5)


def test_items_are_kept_apart():
    # the same frames in another recording are not a match
    sc = score([pred(0, 10, 0.9, item=2)], [ref(0, 10, item=1)])
    assert sc["agnostic@0.1"]["F1"] == 0.0


def test_non_mg_reference_segments_are_not_gestures_to_find():
    g = [ref(0, 10), ref(20, 30, "non-MG"), ref(40, 50, "99")]
    sc = score([pred(0, 10, 0.9), pred(20, 30, 0.8)], g)
    assert sc["n_ref"] == 1
    assert sc["agnostic@0.3"]["R"] == pytest.approx(1.0) and sc["agnostic@0.3"]["P"] == pytest.approx(0.5)


def test_top_k_precision_follows_the_confidence_order():
    # 12 proposals, confidence falling with k; k = 0, 4, 11 fit their gesture, the others cover
    # a tenth of it (IoU 0.1): the 10 most confident hold 2 correct ones, the least confident the third
    g = [ref(100 * k, 100 * k + 10) for k in range(12)]
    p = [pred(100 * k, 100 * k + 10 if k in (0, 4, 11) else 100 * k + 1, 1.0 - k / 20) for k in range(12)]
    sc = score(p, g)
    correct = matched(p, g)
    assert np.flatnonzero(correct).tolist() == [0, 4, 11]
    assert sc["top10_precision"] == pytest.approx(2 / 10)
    assert top_precision(p[::-1], correct[::-1], 10) == pytest.approx(2 / 10)  # order of the list does not matter
    assert sc["top25pct_precision"] == pytest.approx(1 / 3)  # top 3: k = 0, 1, 2


def test_calibration_error_by_hand():
    # bin 0.9: 4 proposals at 0.9, 2 correct -> |0.5 - 0.9| = 0.4, weight 4/6
    # bin 0.2: 2 proposals at 0.2, 0 correct -> |0 - 0.2| = 0.2, weight 2/6
    conf = np.array([0.9, 0.9, 0.9, 0.9, 0.2, 0.2])
    ok = np.array([1, 1, 0, 0, 0, 0])
    assert expected_calibration_error(conf, ok) == pytest.approx(4 / 6 * 0.4 + 2 / 6 * 0.2)
    assert expected_calibration_error(np.array([0.75, 0.75, 0.75, 0.75]), np.array([1, 1, 1, 0])) == pytest.approx(0)
    assert np.isnan(expected_calibration_error(np.array([]), np.array([])))


def test_the_printed_scores_are_the_computed_ones():
    text = format_scores("demo", score(PRED, GT))
    lines = text.splitlines()
    assert lines[0] == "demo: 3 proposals, 2 reference segments"
    assert "IoU>0.3: class-agnostic P 0.67 R 1.00 F1 0.80" in text
    assert "IoU>0.5: class-agnostic P 0.33 R 0.50 F1 0.40" in text
    assert "calibration error (ECE)" in lines[-1]


def test_no_proposals_score_zero_not_an_error():
    sc = score([], GT)
    assert sc["n_pred"] == 0 and sc["agnostic@0.3"]["R"] == 0.0
    text = format_scores("none", sc)
    assert "0 proposals" in text and "Traceback" not in text
