"""Claims that disagree with the findings fail the gates. The bad texts are real SmolLM2-135M
narratives from ``benchmarks/bench_report_models`` that the earlier gates let through as valid
(quoted as written, or their first sentence)."""

from __future__ import annotations

from mgstudio.reasoning.claims import check_claims, named_labels
from mgstudio.reasoning.evidence import build_evidence
from mgstudio.reasoning.findings import compute_findings
from mgstudio.reasoning.gates import GateInput, ends_a_sentence, run_gates

from .conftest import seg

QUESTION = "What stands out in these micro-gestures, and does it change over the recording?"


def _study():
    """3 minutes: 'dusting off clothes' 6 times early, 'crossing arms' 3 times late (a burst
    near the end), 'touching ears' twice; gestures fall overall, 'dusting off clothes' falls."""
    segs, k = [], 1
    for t in (5, 15, 25, 35, 45, 50):
        segs.append(seg(t * 25, t * 25 + 40, "dusting off clothes", k))
        k += 1
    for t in (150, 152, 154):
        segs.append(seg(t * 25, t * 25 + 30, "crossing arms", k))
        k += 1
    for t in (20, 100):
        segs.append(seg(t * 25, t * 25 + 20, "touching ears", k))
        k += 1
    ev = build_evidence(segs, fps=25, duration_s=180.0)
    return ev, compute_findings(ev)


def claims(text):
    ev, fs = _study()
    return check_claims(text, ev, fs)


def gates(text):
    ev, fs = _study()
    return run_gates(GateInput(text, "cannot tell", "low", [], [], QUESTION), ev, fs, ())


GOOD = ("Most gestures were 'dusting off clothes' (F2), 6 times, all in the first minute. Gestures fell "
        "towards the end, when 'crossing arms' came three times within a few seconds (S7, S8, S9). "
        "'Touching ears' occurred twice. These counts do not say what it means.")


def test_a_faithful_narrative_with_number_words_passes():
    ev, fs = _study()
    assert [f.text for f in fs if f.kind == "change"][0].startswith("Gestures fell")
    assert gates(GOOD) == [], gates(GOOD)


def test_a_burst_said_to_happen_twice_fails():
    """The most common passing text of the earlier gates (24 of 50 narratives began like this)."""
    text = "The densest burst occurred twice, and the other two bursts were overlapping."
    assert any("a burst happened twice" in p for p in claims(text)), claims(text)


def test_a_count_in_words_that_disagrees_fails():
    text = "The most frequent gesture was 'dusting off clothes', and 'touching ears' occurred three times."
    problems = claims(text)
    assert any("'touching ears' occurred three times; the findings count it 2 times" in p for p in problems), problems
    assert not any("dusting" in p for p in problems)


def test_the_wrong_class_called_the_most_frequent_fails():
    text = "The densest burst was short, and the most frequent gesture was 'crossing arms' (S7)."
    assert any("calls 'crossing arms' the most frequent" in p for p in claims(text)), claims(text)


def test_a_rise_the_findings_show_as_a_fall_fails():
    """Real: "Most gestures were 'dusting off clothes' (F2), but the person moved more towards the end."."""
    problems = claims("Most gestures were 'dusting off clothes' (F2), but the person moved more towards the end.")
    assert any("rose; the findings show" in p and "fell" in p for p in problems), problems
    problems = claims("The most significant change is the increase in 'dusting off clothes' (F2).")
    assert any("'dusting off clothes' rose; the findings show it fell" in p for p in problems), problems


def test_a_ratio_that_is_not_in_the_findings_fails():
    ev, fs = _study()
    burst = next(f.text for f in fs if f.kind == "burst")
    assert "times the recording's average rate" in burst
    text = "The densest burst occurred at a rate of approximately twice the recording's average speed (S7)."
    assert any("'twice the'" in p for p in claims(text)), claims(text)


def test_classes_that_are_not_in_the_evidence_fail():
    """Real: "the most frequent gesture was crossing fingers" and 'touching head' with neither coded."""
    p1 = claims("The densest burst was short, and the most frequent gesture was crossing fingers.")
    assert any("'crossing fingers'" in p for p in p1), p1
    p2 = claims("The other gestures were 'touching head' (F4).")
    assert any("not in the evidence" in p and "touching head" in p for p in p2), p2
    assert claims("'Touching ears' occurred twice.") == []  # a class that is there


def test_stray_fragments_and_unfinished_endings_fail():
    """Real endings: "... or something else entirely (e)" and "... such as:"."""
    text = "The densest burst was near the end. This could be a new way to measure breath movement (e)"
    assert not ends_a_sentence(text)
    assert "The text stops in the middle of a sentence." in gates(text)
    assert any("(e)" in p for p in claims(text))
    assert not ends_a_sentence("There are several other interesting results such as:")
    assert ends_a_sentence("Crossing arms came late (S7, S8).")
    assert ends_a_sentence("'Touching ears' occurred twice.")


def test_label_variants_are_recognised():
    labels = ["touching or scratching head", "crossing arms"]
    assert [lab for _, lab in named_labels("He was scratching the head twice.", labels)] == [
        "touching or scratching head"]
    assert [lab for _, lab in named_labels("Crossed arms appeared late.", labels)] == ["crossing arms"]
    assert [lab for _, lab in named_labels("Crossing his arms came late.", labels)] == ["crossing arms"]
