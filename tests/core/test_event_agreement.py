"""The modified Cohen's kappa of Holle & Rein: linking by relative overlap, unmatched events."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mgstudio.core.event_agreement import UNMATCHED, event_agreement, link, relative_overlap
from mgstudio.core.segments import Segment


def seg(start: int, end: int, label: str) -> Segment:
    return Segment(1, 1, start, end, label)


def test_hand_worked_example() -> None:
    a = [seg(0, 100, "x"), seg(200, 300, "y"), seg(400, 450, "x")]
    b = [seg(10, 100, "x"), seg(200, 260, "z"), seg(600, 650, "y")]
    assert relative_overlap(a[0], b[0]) == pytest.approx(0.9)
    assert relative_overlap(a[1], b[1]) == pytest.approx(0.6)
    ev = event_agreement([(a, b)])
    assert (ev.linked, ev.only_a, ev.only_b, ev.same_label) == (2, 1, 1, 1)
    assert ev.labels == [UNMATCHED, "x", "y", "z"]
    assert ev.matrix.tolist() == [[0, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    # po = 1/4; pe = (1*1 + 2*1 + 1*1 + 0*1) / 16 = 1/4: no agreement beyond chance
    assert ev.kappa == pytest.approx(0.0)
    # linked only: po = 1/2, pe = 1/4 -> 1/3
    assert ev.kappa_linked == pytest.approx(1 / 3)
    assert ev.raw == pytest.approx(0.25)
    assert "overlap ≥ 60%" in ev.summary() and "1 + 1 unmatched" in ev.summary()


def test_criterion_one_to_one_and_symmetry() -> None:
    a = [seg(0, 59, "x")]
    b = [seg(0, 100, "x")]
    assert link(a, b, 0.6)[0] == [] and len(link(a, b, 0.5)[0]) == 1  # 59 % overlap
    long = [seg(0, 100, "x")]
    two = [seg(0, 70, "x"), seg(35, 100, "y")]  # overlaps of 70 % and 65 %
    pairs, only_a, only_b = link(long, two, 0.6)
    assert len(pairs) == 1 and pairs[0][1].label == "x" and [s.label for s in only_b] == ["y"]  # best first
    rng = np.random.default_rng(3)
    for _ in range(20):
        def coder():
            starts = np.sort(rng.choice(2000, 25, replace=False))
            return [seg(int(s), int(s) + int(rng.integers(5, 60)), str(rng.choice(["p", "q", "r"]))) for s in starts]
        ca, cb = coder(), coder()
        ab, ba = event_agreement([(ca, cb)]), event_agreement([(cb, ca)])
        assert (ab.linked, ab.only_a, ab.only_b) == (ba.linked, ba.only_b, ba.only_a)
        assert np.array_equal(ab.matrix, ba.matrix.T)
        assert math.isclose(ab.kappa, ba.kappa, abs_tol=1e-12)


def test_identical_codings_agree_fully_and_recordings_stay_apart() -> None:
    a = [seg(10 * k, 10 * k + 8, "xyz"[k % 3]) for k in range(30)]
    ev = event_agreement([(a, list(a))])
    assert ev.kappa == pytest.approx(1.0) and ev.kappa_linked == pytest.approx(1.0) and ev.linked == 30
    # the same times in two recordings are never linked across them
    ev2 = event_agreement([(a, []), ([], list(a))])
    assert ev2.linked == 0 and ev2.only_a == ev2.only_b == 30 and math.isnan(ev2.kappa_linked)
    with pytest.raises(ValueError):
        event_agreement([(a, a)], min_overlap=0)


def test_one_long_segment_does_not_change_the_links_and_odd_labels_are_safe() -> None:
    rng = np.random.default_rng(5)
    a = [seg(int(s), int(s) + 30, "x") for s in np.sort(rng.choice(100_000, 800, replace=False))]
    b = [seg(s.start + int(rng.integers(-5, 6)), s.end, "x") for s in a]
    before = link(a, b)
    long = seg(0, 100_000, "x")  # e.g. a model tier's whole-recording segment
    pairs, only_a, only_b = link(a, b + [long])
    assert len(pairs) == len(before[0]) and only_b == [long]
    # a label spelled like the marker is still a label
    ev = event_agreement([([seg(0, 10, UNMATCHED)], [seg(0, 10, UNMATCHED)])])
    assert ev.kappa_linked == pytest.approx(1.0) and ev.same_label == 1 and ev.raw == pytest.approx(1.0)
