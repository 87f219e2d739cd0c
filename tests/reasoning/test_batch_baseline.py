"""The statistics-only baseline of ``report --batch``: a logistic regression on MG rates,
cross-validated by subject, with confusion tables (no language model involved)."""

from __future__ import annotations

import random

from mgstudio.reasoning import build_evidence
from mgstudio.reasoning.batch import BatchCase, BatchResult, BatchRow, confusion, rates_baseline

from .conftest import seg


def _case(k: int, truth: str, face_rate: float, rnd: random.Random, subject: str | None) -> BatchCase:
    """A 3-minute timeline: 'touching face' at ``face_rate`` per minute, 'arms crossed' noise."""
    segs, sid = [], 1
    for label, rate in (("touching face", face_rate), ("arms crossed", rnd.uniform(0.5, 2))):
        for _ in range(max(0, round(rate * 3 + rnd.uniform(-1, 1)))):
            s = rnd.randrange(0, 25 * 170)
            segs.append(seg(s, s + 30, label, sid))
            sid += 1
    return BatchCase(f"item{k}", build_evidence(segs, fps=25, duration_s=180), truth, subject)


def _study(separable: bool, seed: int = 1) -> list[BatchCase]:
    rnd = random.Random(seed)
    cases = []
    for k in range(40):
        truth = "lost" if k % 2 else "won"
        rate = (4.0 if truth == "lost" else 1.0) if separable else 2.5
        cases.append(_case(k, truth, rate, rnd, f"P{k // 4}"))  # 10 subjects, 4 items each
    return cases


def _balanced(cases, pred):
    recalls = []
    for cls in ("won", "lost"):
        idx = [i for i, c in enumerate(cases) if c.truth == cls]
        recalls.append(sum(pred[i] == cls for i in idx) / len(idx))
    return sum(recalls) / 2


def test_baseline_finds_a_real_rate_difference_cross_validated_by_subject():
    cases = _study(separable=True)
    pred, how = rates_baseline(cases)
    assert "by subject (10 subjects)" in how
    assert _balanced(cases, pred) >= 0.85


def test_baseline_is_near_chance_when_rates_carry_no_outcome():
    cases = _study(separable=False)
    pred, _ = rates_baseline(cases)
    assert 0.2 <= _balanced(cases, pred) <= 0.8


def test_baseline_without_subjects_uses_stratified_folds_and_refuses_too_few_items():
    cases = _study(separable=True)
    for c in cases:
        c.subject = None
    assert "stratified" in rates_baseline(cases)[1]
    pred, how = rates_baseline(cases[:3])
    assert pred == [None, None, None] and "at least 2 items" in how


def test_summary_prints_all_three_with_confusion_tables():
    rows = [BatchRow("a", "won", "won", "won", "ok", "ok", "won"),
            BatchRow("b", "lost", None, "won", "failed", "ok", "lost"),
            BatchRow("c", "lost", "cannot tell", "won", "ok", "ok", "won")]
    res = BatchResult("won_lost", rows, baseline_how="3-fold stratified cross-validation")
    text = res.summary()
    assert "statistics only (logistic regression on MG rates" in text
    assert "accuracy 0.667, balanced accuracy 0.750" in text  # statistics only: 2 of 3
    assert "confusion, with MG evidence" in text and "no answer" in text
    assert confusion(["lost", "lost"], [None, "won"]) == {"lost": {"no answer": 1, "won": 1}}
    assert res.to_dict()["balanced_accuracy_statistics_only"] == 0.75
