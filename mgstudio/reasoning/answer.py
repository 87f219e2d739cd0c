"""The model's answer: parse, validate and tidy ``{verdict, confidence, rationale, cited_segments,
caveats}``.

Hard problems (not JSON, a missing key, a verdict outside the scenario's choices) make the answer
unusable and trigger the single repair round. Soft problems are fixed and flagged: a confidence
outside 0..1 is clamped (a percentage is read as one), cited ids that do not exist are removed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from mgstudio.reasoning.prompts import MAX_CAVEATS, MAX_CITED, Scenario

REQUIRED = ("verdict", "confidence", "rationale", "cited_segments", "caveats")


class AnswerProblem(ValueError):
    """The model's text is not a usable answer; ``problems`` says why, in short phrases."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Answer:
    verdict: str
    confidence: float
    rationale: str
    cited_segments: list[str]
    caveats: list[str]
    invented_ids: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _extract_json(text: str) -> Any:
    text = text.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    if fence:
        text = fence.group(1).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if start >= 0 and end > start:
        try:
            return json.loads(text[start : end + 1])
        except json.JSONDecodeError:
            pass
    raise AnswerProblem(["it was not a complete JSON object"])


def _norm_id(value: Any) -> str:
    s = str(value).strip().upper()
    if re.fullmatch(r"\d+", s):
        s = "S" + s
    return s


def parse_answer(text: str, scenario: Scenario, valid_ids: list[str]) -> Answer:
    """Parse and validate the model's text; raises :class:`AnswerProblem` when unusable."""
    data = _extract_json(text)
    if not isinstance(data, dict):
        raise AnswerProblem(["the answer was not a JSON object"])
    problems = [f"the key '{k}' was missing" for k in REQUIRED if k not in data]
    if problems:
        raise AnswerProblem(problems)
    flags: list[str] = []

    verdict = data["verdict"]
    if not isinstance(verdict, str) or not verdict.strip():
        problems.append("verdict must be a non-empty string")
    else:
        verdict = " ".join(verdict.split())
        if scenario.verdicts:
            low = verdict.lower()
            if low not in scenario.verdicts:
                problems.append(f"verdict '{verdict[:40]}' is not one of {', '.join(scenario.verdicts)}")
            verdict = low

    conf = data["confidence"]
    if isinstance(conf, str):
        try:
            conf = float(conf.strip().rstrip("%"))
        except ValueError:
            conf = None
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not math.isfinite(conf):
        problems.append("confidence must be a number from 0 to 1")
        conf = 0.0
    else:
        conf = float(conf)
        if 1.0 < conf <= 100.0:
            flags.append(f"The model gave confidence {conf:g}; read as a percentage ({conf / 100:g}).")
            conf /= 100.0
        elif conf < 0.0 or conf > 1.0:
            clamped = min(max(conf, 0.0), 1.0)
            flags.append(f"The model gave confidence {conf:g}; clamped to {clamped:g}.")
            conf = clamped

    rationale = data["rationale"]
    if not isinstance(rationale, str):
        problems.append("rationale must be a string")
        rationale = ""

    cited_raw = data["cited_segments"]
    if isinstance(cited_raw, (str, int)):
        cited_raw = [cited_raw]
    if not isinstance(cited_raw, list):
        problems.append("cited_segments must be a list of segment ids")
        cited_raw = []

    caveats = data["caveats"]
    if isinstance(caveats, str):
        caveats = [caveats] if caveats.strip() else []
    if not isinstance(caveats, list):
        problems.append("caveats must be a list of strings")
        caveats = []

    if problems:
        raise AnswerProblem(problems)

    valid = set(valid_ids)
    cited: list[str] = []
    invented: list[str] = []
    for c in cited_raw:
        sid = _norm_id(c)
        if sid in valid:
            if sid not in cited:
                cited.append(sid)
        elif sid not in invented:
            invented.append(sid)
    if invented:
        flags.append(
            "The model cited segment ids that do not exist; they were removed: "
            + ", ".join(invented[:10])
        )
    if len(cited) > MAX_CITED:
        cited = cited[:MAX_CITED]
    return Answer(
        verdict=verdict,
        confidence=round(conf, 4),
        rationale=rationale.strip(),
        cited_segments=cited,
        caveats=list(dict.fromkeys(str(c).strip() for c in caveats if str(c).strip()))[:MAX_CAVEATS],
        invented_ids=invented,
        flags=flags,
    )
