"""Quality gates: the real bad outputs from issue 14 fail, a faithful narrative passes."""

from __future__ import annotations

from mgstudio.reasoning.evidence import build_evidence
from mgstudio.reasoning.findings import compute_findings
from mgstudio.reasoning.gates import GateInput, run_gates

from .conftest import seg

WL = ("won", "lost", "cannot tell")
QUESTION = ("This is a post-match press conference. From the micro-gestures, did the player more "
            "likely win or lose the match?")


def _ev():
    segs = [seg(50 + 300 * i, 100 + 300 * i, "touching face", i + 1) for i in range(4)]
    segs += [seg(1500, 1550, "arms crossed", 5), seg(1560, 1600, "touching face", 6),
             seg(1610, 1650, "arms crossed", 7)]
    ev = build_evidence(segs, fps=25, duration_s=90.0, context="post-match press conference")
    return ev, compute_findings(ev)


def gates(narrative, verdict="cannot tell", confidence="low", cited=(), caveats=(), question=QUESTION):
    ev, fs = _ev()
    g = GateInput(narrative, verdict, confidence, list(cited), list(caveats), question,
                  "post-match press conference")
    return run_gates(g, ev, fs, WL)


GOOD = ("Touching the face was the most frequent gesture (5 times, S1, S2). Near the end there "
        "was a short burst of touching face and arms crossed (S5, S6, S7). These patterns do not "
        "show whether the match was won.")


def test_a_faithful_narrative_passes():
    assert gates(GOOD, cited=["F1", "S5"], caveats=["Only seven gestures were coded in total."]) == []


def test_issue_contradiction_fails():
    text = ("The player won the match with 2 gestures, which is a win. The player lost the match, "
            "but the other two gestures were not lost.")
    problems = gates(text, verdict="won", confidence="high")
    assert any("opposite outcomes" in p for p in problems), problems


def test_issue_caveats_that_are_not_sentences_fail():
    problems = gates(GOOD, caveats=["1.6", "1.9", "verdict_reasoning_type"])
    assert sum("not a sentence" in p for p in problems) == 3, problems


def test_issue_loop_fails():
    text = " ".join(["the rest of the question is based on the evidence given"] * 4)
    problems = gates(text)
    assert any("repeats itself" in p for p in problems), problems


def test_issue_invented_facts_fail():
    p1 = gates("The player who performed the most press-ups touched the face 5 times, so he won.",
               verdict="won", confidence="medium")
    assert any("press-ups" in p for p in p1), p1
    p2 = gates("The player won the match with 267.6 % of the total points, touching the face often.",
               verdict="won", confidence="medium")
    assert any("267.6" in p for p in p2) and any("points" in p for p in p2), p2


def test_won_with_high_confidence_from_mg_alone_fails():
    problems = gates("Touching the face happened 5 times, which suggests the player won.",
                     verdict="won", confidence="high")
    assert any("not supported by MG evidence alone" in p for p in problems)


def test_restating_the_question_fails():
    problems = gates("From the micro-gestures, did the player more likely win or lose the match? "
                     "The player likely win or lose the match.")
    assert any("restates the question" in p or "word for word" in p for p in problems), problems


def test_numbers_that_disagree_with_the_evidence_fail():
    problems = gates("Touching the face occurred 9 times, more than any other gesture, in S1 and S2.")
    assert any("not in the evidence: 9" in p for p in problems), problems


def test_citation_of_a_segment_of_another_class_fails():
    problems = gates("Arms crossed appeared twice (S1, S5), late in the recording, after a calm start.")
    assert any("S1 is cited for 'arms crossed'" in p for p in problems), problems


def test_ids_that_do_not_exist_fail():
    problems = gates("Touching the face started the recording (S1) and came back at S44 near the end.")
    assert any("S44" in p for p in problems), problems


def test_raw_json_is_not_a_narrative():
    assert gates('{"verdict": "won", "confidence": 0.015}') == ["The text is raw JSON, not an interpretation."]


def test_issue_smollm2_filler_fails():
    """A real SmolLM2-135M narrative on a timeline whose rate did not change."""
    text = ("The findings from the micro-gestures in post match press conference can be interpreted "
            "as evidence of a phenomenon that has been observed before, but only recently. The data "
            "suggests an increase over time with respect to gestures and is not unique or "
            "replicable across different subjects (F1). In addition there are several other "
            "interesting results such as:")
    problems = gates(text)
    assert "The text stops in the middle of a sentence." in problems
    problems = gates(text.rsplit(" In addition", 1)[0])
    assert any("phenomenon" in p and "subjects" in p for p in problems), problems
    assert any("an increase that the findings do not show" in p for p in problems), problems


def test_copying_the_prompts_worked_example_fails():
    """Real SmolLM2 output after the worked example was added: its phrase, not the findings."""
    text = ("The rate of the gestures was about the same in the first and the last third. This "
            "suggests growing engagement or unease, but the gestures alone cannot say which.")
    problems = gates(text)
    assert any("copies the prompt's example" in p for p in problems), problems
    assert not any("copies" in p for p in gates(GOOD))


def test_invented_comparisons_and_events_fail():
    """Real SmolLM2 outputs: a comparison with earlier data that does not exist, and laughter."""
    p1 = gates("Touching the face was previously reported only once before (F1), so this is new.")
    assert any("previously" in p for p in p1), p1
    p2 = gates("Touching the face happened 5 times (S1, S2), as people do with nervous laughter.")
    assert any("laughter" in p for p in p2), p2
