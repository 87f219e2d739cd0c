"""Answer validation: what is repaired, what is flagged, what is refused."""

from __future__ import annotations

import pytest

from mgstudio.reasoning.answer import AnswerProblem, parse_answer
from mgstudio.reasoning.prompts import SCENARIOS, answer_schema

WL = SCENARIOS["won_lost"]
IDS = ["S1", "S2", "S12"]


def ans(**kw):
    import json

    base = {"verdict": "lost", "confidence": "medium", "cited": ["S1"], "caveats": ["Few gestures were coded."]}
    base.update(kw)
    return json.dumps(base)


def test_valid_answer():
    a = parse_answer(ans(), WL, IDS, narrative="Many self-touches (S1).")
    assert (a.verdict, a.confidence, a.cited_segments, a.flags) == ("lost", "medium", ["S1"], [])
    assert a.rationale == "Many self-touches (S1)."


def test_invented_ids_removed_and_flagged():
    a = parse_answer(ans(cited=["S1", "S99", "12", "s2", "S1"]), WL, IDS)
    assert a.cited_segments == ["S1", "S12", "S2"]
    assert a.invented_ids == ["S99"]
    assert any("S99" in f and "removed" in f for f in a.flags)


# A server that ignores the schema may answer a number: it is shown as a category, flagged;
# an outcome verdict from MG evidence alone never gets "high".
@pytest.mark.parametrize("given, expected", [(100, "medium"), (15, "low"), (0.5, "medium"), ("0.2", "low"), ("Low", "low")])
def test_numeric_confidence_becomes_a_flagged_category(given, expected):
    a = parse_answer(ans(confidence=given), WL, IDS)
    assert a.confidence == expected
    assert bool(a.flags) == (given != "Low")


def test_high_confidence_allowed_only_for_descriptive_questions():
    assert parse_answer(ans(confidence="high", verdict="a clear pattern"), SCENARIOS["standout"], IDS).confidence == "high"
    with pytest.raises(AnswerProblem):
        parse_answer(ans(confidence="high"), WL, IDS)


def test_code_fence_and_case():
    a = parse_answer("Sure!\n```json\n" + ans(verdict="Won") + "\n```", WL, IDS)
    assert a.verdict == "won"


@pytest.mark.parametrize(
    "text, phrase",
    [
        ('{"verdict": "lost", "confid', "not a complete JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"verdict": "lost"}', "'confidence' was missing"),
        (ans(verdict="happy"), "not one of won, lost, cannot tell"),
        (ans(confidence="very"), "confidence must be one of low, medium"),
        (ans(cited={"a": 1}), "cited must be a list"),
    ],
)
def test_unusable_answers_say_why(text, phrase):
    with pytest.raises(AnswerProblem) as info:
        parse_answer(text, WL, IDS)
    assert phrase in str(info.value)


def test_free_scenario_accepts_any_verdict_and_schema_is_bounded():
    a = parse_answer(ans(verdict="calm, slightly bored"), SCENARIOS["free"], IDS)
    assert a.verdict == "calm, slightly bored"
    schema = answer_schema(WL, IDS)
    assert schema["properties"]["cited"]["items"]["enum"] == IDS
    assert schema["properties"]["cited"]["maxItems"] > 0
    assert schema["properties"]["confidence"]["enum"] == ["low", "medium"]
    assert "cannot tell" in schema["properties"]["verdict"]["enum"]
    assert "caveats" not in schema["properties"]  # free text under a grammar truncated the JSON
