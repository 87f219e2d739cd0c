"""Confidences calibrated on a coder's reviews: real UCI gesture-phase recordings, reviews simulated
from their frame coding (a proposal is kept when it matches a gesture unit at IoU > 0.3)."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Status
from mgstudio.formats.gesture_phase import read_gesture_phase
from mgstudio.recognition.calibration import (MIN_REVIEWED, STATE_KEY, apply, expected_calibration_error, fit,
                                              fit_calibration, is_calibrated, reviewed_outcomes)
from mgstudio.recognition.coldstart import CueParams, cold_start_segments
from mgstudio.recognition.proposals import propose_item
from mgstudio.recognition.spotting import matched
from tests.conftest import require_shared

UCI = ("skeletons", "gesture_phase_segmentation", "raw")


def _runs(mask):
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(d[::2].tolist(), d[1::2].tolist()))


@pytest.fixture(scope="module")
def uci():
    """name -> (sequence, gesture units as segments, cold-start proposals)."""
    out = {}
    for f in sorted(require_shared(*UCI).glob("*_raw.csv")):
        seq, segs = read_gesture_phase(f)
        unit = np.zeros(len(seq), bool)
        for s in segs:
            if s.label != "Rest":
                unit[s.start:s.end] = True
        name = f.stem.replace("_raw", "")
        units = [Segment(name, 0, a, b, "gesture unit") for a, b in _runs(unit)]
        out[name] = (seq, units, [p.with_(item_id=name) for p in cold_start_segments(seq, params=LOOSE)])
    assert len(out) == 7, "the UCI set has 7 recordings"
    return out


# the cold start as it was before its 0.68 s floor and rate cap (and session 8's edges and resting contacts): many proposals whose raw ranks are far
# from probabilities, the case calibration is for (with the defaults the raw ranks of UCI land at ECE 0.13
# and 40 reviews do not improve them on other speakers: docs/recognizer.md)
LOOSE = CueParams(min_s=0.3, max_per_min=None, edge_rest_q=None, rest_baseline=False)


def _pool(uci, names):
    props = [p for n in names for p in uci[n][2]]
    refs = [g for n in names for g in uci[n][1]]
    return props, refs


def test_calibration_lowers_the_error_on_held_out_recordings(uci):
    reviewed, held_out = ("a1", "a2", "a3", "b1"), ("b3", "c1", "c3")  # speakers A, B reviewed; C and b3 not
    props, refs = _pool(uci, reviewed)
    cal = fit(np.array([p.confidence for p in props]), matched(props, refs, 0.3).astype(float))
    assert cal is not None and cal.n == len(props) >= MIN_REVIEWED
    test, test_refs = _pool(uci, held_out)
    correct = matched(test, test_refs, 0.3)
    raw = expected_calibration_error(np.array([p.confidence for p in test]), correct)
    calibrated = apply(test, cal)
    after = expected_calibration_error(np.array([p.confidence for p in calibrated]), correct)
    assert raw > 0.2, f"the raw rank scores are not probabilities (ECE {raw:.2f})"
    assert after < 0.7 * raw and after < 0.2, (raw, after)
    # monotone: the order of the proposals by confidence does not change (ties allowed)
    order = np.argsort([p.confidence for p in test], kind="stable")
    assert np.all(np.diff([calibrated[i].confidence for i in order]) >= 0)
    assert all(is_calibrated(s) and f"Calibrated on {cal.n} reviewed" in s.note and "raw=" in s.note
               for s in calibrated)
    assert not any("a rank, not a probability" in s.note for s in calibrated)


def test_too_few_or_one_sided_reviews_give_no_calibration(uci):
    props, refs = _pool(uci, ("a1",))
    ok = matched(props, refs, 0.3).astype(float)
    raw = np.array([p.confidence for p in props])
    assert 0 < ok[:MIN_REVIEWED - 1].sum() < MIN_REVIEWED - 1  # both outcomes among the first 19
    assert fit(raw[:MIN_REVIEWED - 1], ok[:MIN_REVIEWED - 1]) is None
    assert fit(raw[:MIN_REVIEWED], ok[:MIN_REVIEWED]) is not None
    assert fit(raw, np.ones_like(raw)) is None  # everything kept: nothing tells good from bad
    assert apply(props, None) == props


def _review(project, item_id, refs, k):
    """Review ``k`` more proposals as a coder with the reference coding would (most confident first)."""
    todo = sorted(project.segments(item_id, statuses=[Status.PROPOSED]), key=lambda s: -(s.confidence or 0))[:k]
    keep = matched(todo, [r.with_(item_id=item_id) for r in refs], 0.3)
    for s, ok in zip(todo, keep):
        (project.accept if ok else project.reject)(s.id)
    return len(todo)


def test_the_project_calibrates_only_after_twenty_reviews(uci, tmp_path):
    seq, units, _ = uci["a1"]
    with Project.create(tmp_path / "cal.mgproj", annotator="coder", taxonomy="movement") as proj:
        item = proj.add_skeleton_item("a1", seq)
        cues = LOOSE  # one recording gives 25+ proposals to review
        first = propose_item(proj, item.id, cues=cues)
        assert len(first) >= 25
        assert all("a rank, not a probability" in s.note and not is_calibrated(s) for s in first)
        assert _review(proj, item.id, units, MIN_REVIEWED - 1) == MIN_REVIEWED - 1
        raw, kept = reviewed_outcomes(proj, "cues")
        assert len(raw) == MIN_REVIEWED - 1 and 0 < kept.sum() < len(kept)
        again = propose_item(proj, item.id, cues=cues)
        assert again and all("a rank, not a probability" in s.note for s in again)  # 19 reviews: still ranks
        assert proj.get_state(f"{STATE_KEY}.cues") is None
        _review(proj, item.id, units, 1)
        third = propose_item(proj, item.id, cues=cues)
        assert third and all(is_calibrated(s) and f"Calibrated on {MIN_REVIEWED} reviewed" in s.note for s in third)
        assert all(0.0 <= s.confidence <= 1.0 for s in third)
        assert proj.get_state(f"{STATE_KEY}.cues")["n"] == MIN_REVIEWED
        # the reviewed proposals themselves are left as the coder decided
        assert proj.count_segments(item.id, statuses=[Status.ACCEPTED, Status.REJECTED]) == MIN_REVIEWED
