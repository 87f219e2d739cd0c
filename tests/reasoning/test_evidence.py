"""Evidence: the numbers a psychologist would check by hand, and nothing identifying."""

from __future__ import annotations

import pytest

from mgstudio.core.errors import MGStudioError
from mgstudio.core.segments import Source, Status
from mgstudio.reasoning.evidence import build_evidence
from mgstudio.reasoning.prompts import SCENARIOS, build_messages

from .conftest import seg


def test_counts_rates_durations(small_timeline):
    ev = build_evidence(small_timeline, fps=25, duration_s=60.0)
    assert ev.duration_s == 60.0
    by = {c.label: c for c in ev.classes}
    assert by["touching face"].count == 3
    assert by["touching face"].rate_per_min == pytest.approx(3.0)
    assert by["arms crossed"].total_s == pytest.approx(2.0 + 4.0)
    assert by["arms crossed"].mean_s == pytest.approx(3.0)
    assert ev.classes[0].label == "touching face"  # most frequent first
    s1 = ev.segments[0]
    assert (s1.sid, s1.start_s, s1.end_s, s1.duration_s) == ("S1", 2.0, 4.0, 2.0)
    # first third (0-20 s): S1-S3; last third (40-60 s): S5, S6
    assert (ev.change.first_total, ev.change.last_total) == (3, 2)
    assert ev.change.per_class["touching face"] == (2, 1)
    # rate over time covers the whole recording
    assert ev.rate_series[0][0] == 0.0
    assert sum(r for _, r in ev.rate_series) * ev.rate_bins_s / 60 == pytest.approx(6)


def test_ntsc_times_in_seconds():
    ev = build_evidence([seg(30, 60, "head down", 9)], fps=30000 / 1001)
    assert ev.segments[0].start_s == pytest.approx(1.001)
    assert "S9 head down 1.0-2.0" in ev.to_text()


def test_bursts_and_cooccurrences():
    segs = [
        seg(0, 25, "touching face", 1), seg(50, 75, "arms crossed", 2), seg(70, 120, "touching face", 3),
        seg(125, 150, "head down", 4), seg(2000, 2025, "head down", 5),
    ]
    ev = build_evidence(segs, fps=25)
    assert len(ev.bursts) == 1 and ev.bursts[0].sids == ["S1", "S2", "S3", "S4"]
    pairs = {c.labels: c.count for c in ev.cooccurrences}
    assert pairs[("arms crossed", "touching face")] == 2  # S1~S2 within 1 s, S2/S3 overlap
    assert ("head down", "touching face") in pairs


def test_proposals_excluded_unless_included_and_rejected_never():
    segs = [
        seg(0, 25, "touching face", 1),
        seg(100, 125, "arms crossed", 2, source=Source.MODEL, status=Status.PROPOSED, conf=0.83),
        seg(200, 225, "head down", 3, source=Source.MODEL, status=Status.ACCEPTED, conf=0.6),
        seg(300, 325, "head down", 4, source=Source.MODEL, status=Status.REJECTED, conf=0.9),
    ]
    ev = build_evidence(segs, fps=25)
    assert ev.segment_ids == ["S1", "S3"]
    assert (ev.n_human, ev.n_accepted_proposals, ev.n_proposals_excluded) == (1, 1, 1)
    assert "S2" not in ev.to_text() and "S4" not in ev.to_text()
    ev2 = build_evidence(segs, fps=25, include_proposals=True)
    assert ev2.segment_ids == ["S1", "S2", "S3"]
    assert "S2 arms crossed 4.0-5.0 (1.0) [model proposal 0.83]" in ev2.to_text()


def test_nothing_identifying_reaches_the_prompt():
    segs = [seg(0, 25, "touching face", 1, annotator="Dr Jane Roe", note="Roger_Federer_2019.mp4")]
    ev = build_evidence(segs, fps=25, context="post-match   press conference")
    text = "\n".join(m["content"] for m in build_messages(ev, SCENARIOS["won_lost"]))
    assert "Jane" not in text and "Federer" not in text and ".mp4" not in text
    assert "Context: post-match press conference" in text
    assert "frame" not in text.lower()


def test_bad_frame_rate_is_a_clear_error():
    with pytest.raises(MGStudioError, match="frame rate"):
        build_evidence([seg(0, 10, "x", 1)], fps=0)
    with pytest.raises(MGStudioError, match="frame rate"):
        build_evidence([seg(0, 10, "x", 1)])


def test_empty_timeline():
    ev = build_evidence([], fps=25, duration_s=30)
    assert ev.is_empty and ev.classes == [] and ev.change is None
    assert "Micro-gestures: 0" in ev.to_text()


def test_two_coders_do_not_count_a_gesture_twice(tmp_path) -> None:
    from mgstudio.core.layouts import CANONICAL
    from mgstudio.core.project import Project
    from mgstudio.core.segments import Segment
    from mgstudio.core.skeleton import SkeletonSequence
    from mgstudio.reasoning.evidence import build_evidence

    with Project.create(tmp_path / "two.mgproj", annotator="alice") as p:
        item = p.add_skeleton_item("s", SkeletonSequence.empty(CANONICAL, 1000, 25.0))
        a, b = p.ensure_tier("alice", annotator="alice"), p.ensure_tier("bob", annotator="bob")
        p.add_segments([Segment(item.id, a.id, 100, 150, "folding arms"),
                        Segment(item.id, b.id, 102, 150, "folding arms"),
                        Segment(item.id, b.id, 300, 350, "rubbing eyes")], "two coders")
        ev = build_evidence(p, item.id)
        assert len(ev.listed()) == 1  # alice's coding only (the current annotator)
        assert len(build_evidence(p, item.id, tier=b.id).listed()) == 2


def test_the_study_comparison_is_said_plainly():
    from mgstudio.reasoning.findings import compute_findings

    segs = [seg(25 * t, 25 * t + 30, "touching face", k + 1) for k, t in enumerate(range(0, 120, 10))]
    ev = build_evidence(segs, fps=25, duration_s=120.0)  # 6.0 per minute

    def study(refs):
        return [f.text for f in compute_findings(ev, refs) if f.kind == "study"][0]

    assert study([1.0, 2.5]) == ("This recording's 6.0 gestures per minute is the highest of the study's 3 "
                                 "recordings (median 2.5).")
    assert "the lowest of the study's 4 recordings" in study([7.0, 8.0, 9.0])
    assert study([2.0, 5.0, 8.0, 9.0]) == ("This recording's 6.0 gestures per minute is below the median of the "
                                           "study's other 4 recordings (6.5 per minute): 2 of them have fewer, 2 more.")
    assert "more than the study's other recording (2.0 per minute)" in study([2.0])
    assert "%" not in study([1.0, 2.5])
