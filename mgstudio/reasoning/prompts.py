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
    "touching the face or crossing arms. They are weak, ambiguous cues, never a diagnosis. "
    "Below are findings computed from one recording. Write 2 or 3 short plain sentences that say "
    "what stands out and what it might mean. Cite the finding or segment ids you use in "
    "brackets, like (F2) or (S3). Use only the numbers in the findings. Do not invent people, "
    "events or results. If the findings cannot answer the question, say so."
)

FORM_PROMPT = (
    "Fill in the answer form for the interpretation below. verdict: the answer to the question "
    "(\"cannot tell\" when the findings do not decide it); confidence: low, medium or high; "
    "cited: the ids the interpretation rests on."
)

#: One worked example (a made-up recording) shown before the real findings: a 135M model copies
#: the form of an example far better than it follows instructions (it otherwise quotes "F1: ..."
#: with wrong numbers or writes about "experiments" and "participants").
EXAMPLE_USER = (
    "Findings:\n"
    "F1: 12 micro-gestures in 5.0 min, 2.4 per minute on average, in 3 classes.\n"
    "F2: 'nodding' occurred 7 times (1.4 per minute, 58% of all gestures, mean 1.2 s): S1, S2, "
    "S4, S6, S9, S11 and 1 more.\n"
    "F3: Gestures rose from 1.2 to 3.6 per minute between the first and the last third "
    "(2 vs 6 gestures); last third: S8, S9, S10, S11, S12.\n"
    "Question: What stands out in these micro-gestures, and does it change over the recording?"
)
EXAMPLE_ANSWER = (
    "Most gestures were 'nodding' (F2). Gestures rose from 1.2 to 3.6 per minute between the "
    "first and the last third (F3), so the person moved more towards the end. This may reflect "
    "growing engagement or unease, but the gestures alone cannot say which."
)

NO_EVIDENCE_NOTE = "No micro-gesture evidence is given; answer from the context alone."

CANNOT_TELL = "cannot tell"
CONFIDENCE_LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class Scenario:
    """A question the report answers, with the verdicts allowed (empty: free text)."""

    name: str
    title: str
    question: str
    verdicts: tuple[str, ...]
    outcome: bool = False  # a verdict about a real-world outcome (MG evidence alone is weak)

    @property
    def confidences(self) -> tuple[str, ...]:
        """Confidence categories allowed: never "high" for an outcome from MG evidence alone."""
        return CONFIDENCE_LEVELS[:2] if self.outcome else CONFIDENCE_LEVELS


SCENARIOS: dict[str, Scenario] = {
    "standout": Scenario(
        "standout",
        "What stands out",
        "What stands out in these micro-gestures, and does it change over the recording?",
        ("a clear pattern", "no clear pattern", CANNOT_TELL),
    ),
    "won_lost": Scenario(
        "won_lost",
        "Match won or lost",
        "This is a post-match press conference. From the micro-gestures, did the player "
        "more likely win or lose the match?",
        ("won", "lost", CANNOT_TELL),
        outcome=True,
    ),
    "stress": Scenario(
        "stress",
        "Interview stress",
        "From the micro-gestures, was the person more likely stressed or relaxed?",
        ("stressed", "relaxed", CANNOT_TELL),
        outcome=True,
    ),
    "free": Scenario(
        "free",
        "Free question",
        "What do the micro-gestures suggest about the person's emotional state?",
        (),
    ),
}
DEFAULT_SCENARIO = "standout"

MAX_CITED = 5
MAX_CAVEATS = 2
#: Decoding of the free-text pass: short, and penalised for repeating itself.
NARRATIVE_MAX_TOKENS = 120
REPEAT_PENALTY = 1.3
#: ("F1:" is not a stop: SmolLM2 starts most answers by quoting "F1: ...", which left it empty.)
STOP = ["\n\n", "Question:", "Findings:"]


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise MGStudioError(
            f"Unknown scenario '{name}': choose one of {', '.join(SCENARIOS)}."
        ) from None


def answer_schema(scenario: Scenario, ids: list[str]) -> dict[str, Any]:
    """JSON schema of the structured pass: every field is chosen from an enum.

    The verdict and confidence are enums, the cited ids an enum of real finding and segment ids
    (bounded array), so nothing free-form is decoded under the grammar. Caveats are not asked
    for: a free-text string inside the grammar made SmolLM2 emit letter salad ("Sf ia ia ia…")
    until ``max_tokens`` in 50 of 50 test timelines, truncating the JSON; the report's caveats
    are the fixed :data:`~mgstudio.reasoning.findings.LIMITS` text instead.
    """
    verdict: dict[str, Any] = {"type": "string"}
    if scenario.verdicts:
        verdict["enum"] = list(scenario.verdicts)
    else:
        verdict["maxLength"] = 80
    cited: dict[str, Any] = {"type": "string"}
    if ids:
        cited["enum"] = list(ids)
    return {
        "type": "object",
        "properties": {
            "verdict": verdict,
            "confidence": {"type": "string", "enum": list(scenario.confidences)},
            "cited": {"type": "array", "items": cited, "maxItems": MAX_CITED if ids else 0},
        },
        "required": ["verdict", "confidence", "cited"],
    }


def _question(scenario: Scenario, question: str | None) -> str:
    return " ".join((question or scenario.question).split())


def build_messages(
    evidence: Evidence,
    scenario: Scenario,
    question: str | None = None,
    with_evidence: bool = True,
    findings: list[Any] | None = None,
    retry_problems: list[str] | None = None,
) -> list[dict[str, str]]:
    """Chat messages of the free-text pass: the system prompt and one user turn."""
    from mgstudio.reasoning.findings import compute_findings, findings_text

    parts = []
    if evidence.context:
        parts.append(f"Context: {evidence.context}")
    if with_evidence:
        fs = findings if findings is not None else compute_findings(evidence)
        parts.append("Findings:\n" + findings_text(fs))
    else:
        parts.append(NO_EVIDENCE_NOTE)
    parts.append(f"Question: {_question(scenario, question)}")
    if retry_problems:
        parts.append("A first attempt was rejected: " + " ".join(retry_problems[:3])
                     + " Write it again, using only the findings.")
    example = [{"role": "user", "content": EXAMPLE_USER}, {"role": "assistant", "content": EXAMPLE_ANSWER}]
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        *(example if with_evidence else []),
        {"role": "user", "content": "\n".join(parts)},
    ]


def form_messages(
    narrative_messages: list[dict[str, str]], narrative: str, scenario: Scenario
) -> list[dict[str, str]]:
    """Chat messages of the structured pass: the same findings, the interpretation, the form."""
    allowed = f" verdict is one of: {', '.join(scenario.verdicts)}." if scenario.verdicts else ""
    user = narrative_messages[-1]["content"]
    return [
        {"role": "system", "content": FORM_PROMPT + allowed},
        {"role": "user", "content": f"{user}\nInterpretation: {narrative.strip()}"},
    ]


def prompt_hash(messages: list[dict[str, str]], schema: dict[str, Any] | None) -> str:
    """Short SHA-256 of the exact messages and schema (for provenance)."""
    blob = json.dumps({"messages": messages, "schema": schema}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
