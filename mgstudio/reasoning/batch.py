"""Batch evaluation: how often the model's verdict matches a known outcome, with and without MG
evidence (the paper's experiment, for any dataset a lab holds).

Each item is asked twice with the same seed and settings: once with its micro-gesture evidence,
once with the context alone. Accuracy and balanced accuracy (mean recall over the true classes)
are reported for both; a "cannot tell" or unusable answer counts as wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.reasoning.backends import Backend
from mgstudio.reasoning.evidence import Evidence, build_evidence
from mgstudio.reasoning.prompts import Scenario, get_scenario
from mgstudio.reasoning.report import generate_report

#: How outcome attribute values map onto each scenario's verdicts.
SYNONYMS: dict[str, dict[str, str]] = {
    "won_lost": {
        "win": "won", "won": "won", "w": "won", "victory": "won", "1": "won",
        "lose": "lost", "lost": "lost", "loss": "lost", "l": "lost", "defeat": "lost", "0": "lost",
    },
    "stress": {
        "stress": "stressed", "stressed": "stressed", "1": "stressed",
        "relaxed": "relaxed", "relax": "relaxed", "calm": "relaxed", "0": "relaxed",
    },
}


def normalise_outcome(value: Any, scenario: Scenario) -> str | None:
    """The verdict a known outcome corresponds to, or None when it cannot be read."""
    if value is None:
        return None
    s = " ".join(str(value).split()).lower()
    if not s:
        return None
    if scenario.name in SYNONYMS:
        return SYNONYMS[scenario.name].get(s)
    return s


@dataclass
class BatchCase:
    name: str  # shown to the user only, never sent to the model
    evidence: Evidence
    truth: str


@dataclass
class BatchRow:
    name: str
    truth: str
    with_mg: str | None
    without_mg: str | None
    status_with: str
    status_without: str


@dataclass
class BatchResult:
    scenario: str
    rows: list[BatchRow]
    skipped: list[str] = field(default_factory=list)

    def _scores(self, attr: str) -> tuple[float, float]:
        if not self.rows:
            return float("nan"), float("nan")
        hits = [getattr(r, attr) == r.truth for r in self.rows]
        acc = sum(hits) / len(hits)
        recalls = []
        for cls in sorted({r.truth for r in self.rows}):
            rows = [h for h, r in zip(hits, self.rows) if r.truth == cls]
            recalls.append(sum(rows) / len(rows))
        return acc, sum(recalls) / len(recalls)

    @property
    def accuracy_with(self) -> float:
        return self._scores("with_mg")[0]

    @property
    def accuracy_without(self) -> float:
        return self._scores("without_mg")[0]

    @property
    def balanced_with(self) -> float:
        return self._scores("with_mg")[1]

    @property
    def balanced_without(self) -> float:
        return self._scores("without_mg")[1]

    def summary(self) -> str:
        n = len(self.rows)
        lines = [
            f"{n} items with a known outcome ({self.scenario}).",
            f"  with MG evidence:    accuracy {self.accuracy_with:.3f}, balanced accuracy {self.balanced_with:.3f}",
            f"  without MG evidence: accuracy {self.accuracy_without:.3f}, balanced accuracy {self.balanced_without:.3f}",
        ]
        if self.skipped:
            lines.append(f"  skipped (no usable outcome): {len(self.skipped)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "n": len(self.rows),
            "accuracy_with_mg": self.accuracy_with,
            "accuracy_without_mg": self.accuracy_without,
            "balanced_accuracy_with_mg": self.balanced_with,
            "balanced_accuracy_without_mg": self.balanced_without,
            "rows": [r.__dict__ for r in self.rows],
            "skipped": self.skipped,
        }


def evaluate_cases(
    cases: list[BatchCase],
    backend: Backend,
    scenario: str = "won_lost",
    question: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    **kwargs: Any,
) -> BatchResult:
    """Ask the model about every case with and without MG evidence."""
    sc = get_scenario(scenario)
    rows: list[BatchRow] = []
    for i, case in enumerate(cases):
        if cancel is not None and cancel.is_set():
            raise CancelledError("The batch evaluation was cancelled.")
        got = []
        for with_mg in (True, False):
            res = generate_report(
                case.evidence, backend, sc, question, with_evidence=with_mg, cancel=cancel, **kwargs
            )
            got.append((res.answer.verdict if res.answer else None, res.status))
        rows.append(BatchRow(case.name, case.truth, got[0][0], got[1][0], got[0][1], got[1][1]))
        if progress is not None:
            progress(i + 1, len(cases))
    return BatchResult(sc.name, rows)


def project_cases(
    project: Any,
    attribute: str = "outcome",
    scenario: str = "won_lost",
    item_ids: list[int] | None = None,
    include_proposals: bool = False,
    context: str = "",
    tier: Any = None,
) -> tuple[list[BatchCase], list[str]]:
    """Cases from a project's items whose ``attribute`` is a known outcome; and the skipped names."""
    sc = get_scenario(scenario)
    items = [project.item(i) for i in item_ids] if item_ids else list(project.items())
    cases, skipped = [], []
    for item in items:
        if item is None:
            continue
        truth = normalise_outcome((item.attributes or {}).get(attribute), sc)
        if truth is None:
            skipped.append(item.name)
            continue
        ev = build_evidence(project, item.id, include_proposals=include_proposals, context=context, tier=tier)
        cases.append(BatchCase(item.name, ev, truth))
    if not cases:
        raise MGStudioError(
            f"No item has a known '{attribute}' attribute to evaluate against.",
            detail=f"values understood for {scenario}: {sorted(SYNONYMS.get(scenario, {}))}",
        )
    return cases, skipped


def evaluate_project(
    project: Any,
    backend: Backend,
    attribute: str = "outcome",
    scenario: str = "won_lost",
    item_ids: list[int] | None = None,
    include_proposals: bool = False,
    context: str = "",
    **kwargs: Any,
) -> BatchResult:
    """:func:`evaluate_cases` over a project's items with a known outcome."""
    cases, skipped = project_cases(project, attribute, scenario, item_ids, include_proposals, context)
    result = evaluate_cases(cases, backend, scenario, **kwargs)
    result.skipped = skipped
    return result
