"""Prompts: scenarios, the system prompt on what micro-gestures can and cannot tell, the schema.

Prompts are deliberately short: the offline default model is small (SmolLM2-135M), and every
token of the prompt is also shown to the user in the report's "what was sent" section.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mgstudio.core.errors import MGStudioError
from mgstudio.reasoning.evidence import Evidence

SYSTEM_PROMPT = (
    "You help a psychologist read micro-gestures: small, mostly unconscious movements such as "
    "touching the face or crossing arms. They can hint at stress, discomfort or relief, but are "
    "weak, ambiguous cues, never a diagnosis. Use only the evidence given, cite the segment ids "
    "your answer rests on, and state its limits. Answer with one JSON object: verdict, "
    "confidence (0 to 1), rationale, cited_segments, caveats."
)

NO_EVIDENCE_NOTE = "No micro-gesture evidence is given; answer from the context alone."


@dataclass(frozen=True)
class Scenario:
    """A question the report answers, with the verdicts allowed (empty: free text)."""

    name: str
    title: str
    question: str
    verdicts: tuple[str, ...]


SCENARIOS: dict[str, Scenario] = {
    "won_lost": Scenario(
        "won_lost",
        "Match won or lost",
        "This is a post-match press conference. From the micro-gestures, did the player "
        "more likely win or lose the match?",
        ("won", "lost", "uncertain"),
    ),
    "stress": Scenario(
        "stress",
        "Interview stress",
        "From the micro-gestures, was the person more likely stressed or relaxed?",
        ("stressed", "relaxed", "uncertain"),
    ),
    "free": Scenario(
        "free",
        "Free question",
        "What do the micro-gestures suggest about the person's emotional state?",
        (),
    ),
}

MAX_CITED = 5
MAX_CAVEATS = 2


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise MGStudioError(
            f"Unknown scenario '{name}': choose one of {', '.join(SCENARIOS)}."
        ) from None


def answer_schema(scenario: Scenario, segment_ids: list[str]) -> dict[str, Any]:
    """JSON schema of the required answer.

    Every array and string is bounded: small models otherwise loop until ``max_tokens`` and the
    answer is cut off (the worst case here is about 160 tokens).
    """
    verdict: dict[str, Any] = {"type": "string"}
    if scenario.verdicts:
        verdict["enum"] = list(scenario.verdicts)
    else:
        verdict["maxLength"] = 80
    cited: dict[str, Any] = {"type": "string"}
    if segment_ids:
        cited["enum"] = list(segment_ids)
    return {
        "type": "object",
        "properties": {
            "verdict": verdict,
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "rationale": {"type": "string", "maxLength": 240},
            "cited_segments": {
                "type": "array",
                "items": cited,
                "maxItems": MAX_CITED if segment_ids else 0,
            },
            "caveats": {
                "type": "array",
                "items": {"type": "string", "maxLength": 100},
                "maxItems": MAX_CAVEATS,
            },
        },
        "required": ["verdict", "confidence", "rationale", "cited_segments", "caveats"],
    }


def build_messages(
    evidence: Evidence,
    scenario: Scenario,
    question: str | None = None,
    with_evidence: bool = True,
) -> list[dict[str, str]]:
    """Chat messages for one report: the system prompt and one user turn."""
    q = " ".join((question or scenario.question).split())
    parts = []
    if with_evidence:
        parts.append(evidence.to_text())
    else:
        if evidence.context:
            parts.append(f"Context: {evidence.context}")
        parts.append(NO_EVIDENCE_NOTE)
    parts.append(f"Question: {q}")
    if scenario.verdicts:
        parts.append(f"verdict must be one of: {', '.join(scenario.verdicts)}.")
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(parts)},
    ]


def repair_message(problems: list[str], scenario: Scenario) -> dict[str, str]:
    """The user turn of the single repair round."""
    keys = "verdict, confidence, rationale, cited_segments, caveats"
    allowed = f" verdict is one of {', '.join(scenario.verdicts)}." if scenario.verdicts else ""
    return {
        "role": "user",
        "content": (
            f"That answer could not be used: {'; '.join(problems)}. Reply with only one JSON "
            f"object with the keys {keys}; confidence is a number from 0 to 1.{allowed}"
        ),
    }


def prompt_hash(messages: list[dict[str, str]], schema: dict[str, Any] | None) -> str:
    """Short SHA-256 of the exact messages and schema (for provenance)."""
    blob = json.dumps({"messages": messages, "schema": schema}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
