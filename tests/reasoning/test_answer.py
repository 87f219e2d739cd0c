"""Answer validation: what is repaired, what is flagged, what is refused."""

from __future__ import annotations

import pytest

from mgstudio.reasoning.answer import AnswerProblem, parse_answer
from mgstudio.reasoning.prompts import SCENARIOS, answer_schema

WL = SCENARIOS["won_lost"]
IDS = ["S1", "S2", "S12"]


def ans(**kw):
    import json

    base = {"verdict": "lost", "confidence": 0.7, "rationale": "Many self-touches.",
            "cited_segments": ["S1"], "caveats": ["Few gestures."]}
    base.update(kw)
    return json.dumps(base)


def test_valid_answer():
    a = parse_answer(ans(), WL, IDS)
    assert (a.verdict, a.confidence, a.cited_segments, a.flags) == ("lost", 0.7, ["S1"], [])


def test_invented_ids_removed_and_flagged():
    a = parse_answer(ans(cited_segments=["S1", "S99", "12", "s2", "S1"]), WL, IDS)
    assert a.cited_segments == ["S1", "S12", "S2"]
    assert a.invented_ids == ["S99"]
    assert any("S99" in f and "removed" in f for f in a.flags)


@pytest.mark.parametrize("given, expected", [(100, 1.0), (85, 0.85), (-0.3, 0.0), (250, 1.0), ("0.4", 0.4)])
def test_confidence_clamped_and_flagged(given, expected):
    a = parse_answer(ans(confidence=given), WL, IDS)
    assert a.confidence == pytest.approx(expected)
    assert bool(a.flags) == (given not in ("0.4",))


def test_code_fence_and_case():
    a = parse_answer("Sure!\n```json\n" + ans(verdict="Won") + "\n```", WL, IDS)
    assert a.verdict == "won"


@pytest.mark.parametrize(
    "text, phrase",
    [
        ('{"verdict": "lost", "confid', "not a complete JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"verdict": "lost"}', "'confidence' was missing"),
        (ans(verdict="happy"), "not one of won, lost, uncertain"),
        (ans(confidence="very"), "confidence must be a number"),
        (ans(cited_segments={"a": 1}), "cited_segments must be a list"),
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
    assert schema["properties"]["cited_segments"]["items"]["enum"] == IDS
    assert schema["properties"]["cited_segments"]["maxItems"] > 0
    assert schema["properties"]["caveats"]["maxItems"] > 0
