"""The structured pass of the model's answer: parse and validate ``{verdict, confidence, cited,
caveats}``; the narrative (free-text pass) becomes the answer's rationale.

Hard problems (not JSON, a missing key, a verdict outside the scenario's choices, a confidence that
is not a category) make the answer unusable. Soft problems are fixed and flagged: a numeric
confidence is binned into a category, cited ids that do not exist are removed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from mgstudio.reasoning.prompts import MAX_CAVEATS, MAX_CITED, Scenario

REQUIRED = ("verdict", "confidence", "cited")  # caveats are optional (not asked for)


class AnswerProblem(ValueError):
    """The model's text is not a usable answer; ``problems`` says why, in short phrases."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Answer:
    """A checked interpretation: the narrative (free-text pass) and the structured fields."""

    verdict: str
    confidence: str  # a category: low | medium | high
    rationale: str  # the narrative, as prose
    cited_segments: list[str]  # finding (F…) and segment (S…) ids
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
    raise AnswerProblem(["the answer form was not a complete JSON object"])


def _norm_id(value: Any) -> str:
    s = str(value).strip().upper()
    if re.fullmatch(r"\d+", s):
        s = "S" + s
    return s


def _level(conf: Any, allowed: tuple[str, ...], flags: list[str]) -> str | None:
    """A confidence category; a number (servers that ignore the schema) is binned and flagged."""
    if isinstance(conf, str) and conf.strip().lower() in allowed:
        return conf.strip().lower()
    num = None
    if isinstance(conf, (int, float)) and not isinstance(conf, bool):
        num = float(conf)
    elif isinstance(conf, str):
        try:
            num = float(conf.strip().rstrip("%"))
        except ValueError:
            return None
    if num is None or not math.isfinite(num) or num < 0:
        return None
    if num > 1.0:
        num = num / 100.0 if num <= 100.0 else 1.0
    level = "low" if num < 0.4 else ("medium" if num < 0.7 else "high")
    if level not in allowed:
        level = allowed[-1]
    flags.append(f"The model gave confidence {conf}; shown as the category '{level}'.")
    return level


def parse_answer(
    text: str, scenario: Scenario, valid_ids: list[str], narrative: str = ""
) -> Answer:
    """Parse and validate the structured pass; raises :class:`AnswerProblem` when unusable."""
    data = _extract_json(text)
    if not isinstance(data, dict):
        raise AnswerProblem(["the answer form was not a JSON object"])
    if "cited" not in data and "cited_segments" in data:
        data["cited"] = data["cited_segments"]
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

    conf = _level(data["confidence"], scenario.confidences, flags)
    if conf is None:
        problems.append(f"confidence must be one of {', '.join(scenario.confidences)}")

    cited_raw = data["cited"]
    if isinstance(cited_raw, (str, int)):
        cited_raw = [cited_raw]
    if not isinstance(cited_raw, list):
        problems.append("cited must be a list of ids")
        cited_raw = []

    caveats = data.get("caveats", [])
    if isinstance(caveats, str):
        caveats = [caveats] if caveats.strip() else []
    if not isinstance(caveats, list):
        problems.append("caveats must be a list of sentences")
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
            "The model cited ids that do not exist; they were removed: " + ", ".join(invented[:10])
        )
    return Answer(
        verdict=verdict,
        confidence=conf or "low",
        rationale=narrative.strip(),
        cited_segments=cited[:MAX_CITED],
        caveats=list(dict.fromkeys(str(c).strip() for c in caveats if str(c).strip()))[:MAX_CAVEATS],
        invented_ids=invented,
        flags=flags,
    )
