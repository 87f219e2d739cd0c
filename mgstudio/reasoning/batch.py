"""Batch evaluation: how often the model's verdict matches a known outcome, with and without MG
evidence (the paper's experiment, for any dataset a lab holds).

Each item is asked twice with the same seed and settings: once with its micro-gesture evidence,
once with the context alone. Accuracy and balanced accuracy (mean recall over the true classes)
are reported for both; a "cannot tell" or unusable answer counts as wrong. Beside them, a
statistics-only baseline: a logistic regression on the items' MG rates (overall and per class),
cross-validated by subject when subjects are known (no subject in both training and test), and a
confusion table of each.

Resumable: with ``results_dir`` every finished item is written there at once (one small JSON file
per item, keyed by the settings and the item's evidence), and a later run with the same settings
takes those results instead of asking again, so a cancelled or killed run continues where it
stopped. ``ask_model=False`` evaluates the statistics-only baseline alone (no model is loaded);
``sample`` asks the model about a class-stratified subsample only (the baseline still sees every
item and is also scored on the same subsample, for a fair comparison).
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TYPE_CHECKING

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.reasoning.backends import Backend
from mgstudio.reasoning.evidence import Evidence, build_evidence
from mgstudio.reasoning.prompts import Scenario, get_scenario
from mgstudio.reasoning.report import generate_report

if TYPE_CHECKING:
    from mgstudio.core.project import Project

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
    subject: str | None = None  # cross-validation groups of the baseline
    key: str = ""  # a stable file name for the item's result (default: from the name)


def rate_features(cases: list[BatchCase]) -> tuple[list[str], list[list[float]]]:
    """Per item: gestures per minute overall and per class (the classes of all the cases)."""
    classes = sorted({c.label for case in cases for c in case.evidence.classes})
    rows = []
    for case in cases:
        ev = case.evidence
        minutes = ev.duration_s / 60.0 if ev.duration_s > 0 else 0.0
        per = {c.label: c.count for c in ev.classes}
        rows.append([len(ev.segments) / minutes if minutes else 0.0]
                    + [per.get(k, 0) / minutes if minutes else 0.0 for k in classes])
    return ["all"] + classes, rows


def rates_baseline(cases: list[BatchCase], folds: int = 5, seed: int = 0) -> tuple[list[str | None], str]:
    """Cross-validated predictions of a logistic regression on MG rates, and how it was validated.

    Subjects known for every case: grouped folds (a subject is never in training and test at
    once); otherwise stratified folds. ``None`` predictions when there are too few items.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    truth = [c.truth for c in cases]
    counts = {t: truth.count(t) for t in set(truth)}
    if len(counts) < 2 or min(counts.values()) < 2:
        return [None] * len(cases), "not run: each outcome needs at least 2 items"
    _, x = rate_features(cases)
    model = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000))
    subjects = [c.subject for c in cases]
    if all(subjects) and len(set(subjects)) >= 2:
        k = min(folds, len(set(subjects)))
        pred = cross_val_predict(model, x, truth, cv=GroupKFold(n_splits=k), groups=subjects)
        how = f"{k}-fold cross-validation by subject ({len(set(subjects))} subjects)"
    else:
        k = min(folds, min(counts.values()))
        pred = cross_val_predict(model, x, truth, cv=StratifiedKFold(k, shuffle=True, random_state=seed))
        how = f"{k}-fold stratified cross-validation (subjects unknown)"
    return [str(p) for p in pred], how


def confusion(truth: list[str], pred: list[str | None]) -> dict[str, dict[str, int]]:
    """``table[true][predicted]`` counts; an unusable answer is predicted as "no answer"."""
    table: dict[str, dict[str, int]] = {}
    for t, p in zip(truth, pred):
        row = table.setdefault(t, {})
        key = p if p is not None else "no answer"
        row[key] = row.get(key, 0) + 1
    return table


NOT_ASKED = "not asked"  # the status of a row the model was not asked about


@dataclass
class BatchRow:
    name: str
    truth: str
    with_mg: str | None
    without_mg: str | None
    status_with: str
    status_without: str
    baseline: str | None = None  # the statistics-only prediction (cross-validated)
    elapsed_s: float = 0.0  # the model's time on this item (both questions)

    @property
    def asked(self) -> bool:
        return self.status_with != NOT_ASKED


@dataclass
class BatchResult:
    scenario: str
    rows: list[BatchRow]
    skipped: list[str] = field(default_factory=list)
    baseline_how: str = ""
    resumed: int = 0  # items whose result came from an earlier run

    @property
    def asked(self) -> list[BatchRow]:
        """The rows the model was asked about."""
        return [r for r in self.rows if r.asked]

    def _scores(self, attr: str, rows: list[BatchRow] | None = None) -> tuple[float, float]:
        rows = (self.asked if attr in ("with_mg", "without_mg") else self.rows) if rows is None else rows
        if not rows:
            return float("nan"), float("nan")
        hits = [getattr(r, attr) == r.truth for r in rows]
        acc = sum(hits) / len(hits)
        recalls = []
        for cls in sorted({r.truth for r in rows}):
            got = [h for h, r in zip(hits, rows) if r.truth == cls]
            recalls.append(sum(got) / len(got))
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

    def confusion_tables(self) -> dict[str, dict[str, dict[str, int]]]:
        asked = self.asked
        tables = {}
        if asked:
            truth = [r.truth for r in asked]
            tables["with MG evidence"] = confusion(truth, [r.with_mg for r in asked])
            tables["without MG evidence"] = confusion(truth, [r.without_mg for r in asked])
        tables["statistics only"] = confusion([r.truth for r in self.rows], [r.baseline for r in self.rows])
        return tables

    def summary(self) -> str:
        n, asked = len(self.rows), self.asked
        lines = [f"{n} items with a known outcome ({self.scenario})."]
        if asked:
            of = "" if len(asked) == n else f" (asked about {len(asked)} of the {n} items)"
            lines += [
                f"  model{of}:",
                f"  with MG evidence:    accuracy {self.accuracy_with:.3f}, balanced accuracy {self.balanced_with:.3f}",
                f"  without MG evidence: accuracy {self.accuracy_without:.3f}, balanced accuracy {self.balanced_without:.3f}",
            ]
        else:
            lines.append("  model: not asked (statistics only)")
        if any(r.baseline is not None for r in self.rows):
            acc, bal = self._scores("baseline")
            lines.append(f"  statistics only (logistic regression on MG rates, {self.baseline_how}): "
                         f"accuracy {acc:.3f}, balanced accuracy {bal:.3f}")
            if asked and len(asked) < n:
                acc, bal = self._scores("baseline", asked)
                lines.append(f"  statistics only, on the same {len(asked)} items as the model: "
                             f"accuracy {acc:.3f}, balanced accuracy {bal:.3f}")
        elif self.baseline_how:
            lines.append(f"  statistics only: {self.baseline_how}")
        labels = sorted({r.truth for r in self.rows})
        for name, table in self.confusion_tables().items():
            preds = sorted({p for row in table.values() for p in row})
            lines.append(f"  confusion, {name} (rows: true; columns: {', '.join(preds)}):")
            for t in labels:
                lines.append(f"    {t:>12}: " + "  ".join(f"{table.get(t, {}).get(p, 0):>4}" for p in preds))
        if self.skipped:
            lines.append(f"  skipped (no usable outcome): {len(self.skipped)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "n": len(self.rows),
            "n_asked": len(self.asked),
            "resumed": self.resumed,
            "accuracy_with_mg": self.accuracy_with,
            "accuracy_without_mg": self.accuracy_without,
            "balanced_accuracy_with_mg": self.balanced_with,
            "balanced_accuracy_without_mg": self.balanced_without,
            "accuracy_statistics_only": self._scores("baseline")[0] if any(
                r.baseline is not None for r in self.rows) else None,
            "balanced_accuracy_statistics_only": self._scores("baseline")[1] if any(
                r.baseline is not None for r in self.rows) else None,
            "statistics_only_validation": self.baseline_how,
            "confusion": self.confusion_tables(),
            "rows": [asdict(r) for r in self.rows],
            "skipped": self.skipped,
        }


def run_key(backend: Backend | None, scenario: Scenario, question: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The settings an item's result depends on (a stored result is reused only when they match)."""
    desc = backend.describe() if backend is not None else {}
    return {"scenario": scenario.name, "question": question or scenario.question,
            "model": desc.get("model") or getattr(backend, "model", None), "backend": desc.get("backend"),
            **{k: kwargs.get(k) for k in ("temperature", "seed", "max_tokens")}}


def _evidence_hash(ev: Evidence) -> str:
    return hashlib.sha256(ev.to_text().encode("utf-8")).hexdigest()[:16]


def _result_file(results_dir: Path, case: BatchCase) -> Path:
    import re

    key = case.key or re.sub(r"[^\w.-]+", "_", case.name).strip("._") or "item"
    return results_dir / f"{key}.json"


def _load_row(path: Path, key: dict[str, Any], ev_hash: str) -> BatchRow | None:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent, or cut short by a kill: asked again
    if not isinstance(d, dict) or d.get("key") != key or d.get("evidence") != ev_hash:
        return None
    try:
        return BatchRow(**d["row"])
    except (KeyError, TypeError):
        return None


def _save_row(path: Path, row: BatchRow, key: dict[str, Any], ev_hash: str) -> None:
    from mgstudio.core.atomic import atomic_write

    with atomic_write(path) as fh:
        json.dump({"key": key, "evidence": ev_hash, "row": asdict(row)}, fh, indent=1)


def stratified_sample(cases: list[BatchCase], n: int, seed: int = 0) -> set[int]:
    """Indices of ``n`` cases, each true class in proportion (largest remainders; every class
    gets at least one while ``n`` allows)."""
    if n >= len(cases):
        return set(range(len(cases)))
    rnd = random.Random(seed)
    by_cls: dict[str, list[int]] = {}
    for i, c in enumerate(cases):
        by_cls.setdefault(c.truth, []).append(i)
    share = {k: n * len(v) / len(cases) for k, v in by_cls.items()}
    take = {k: min(len(by_cls[k]), max(1, int(x))) for k, x in share.items()}
    for k in sorted(share, key=lambda k: share[k] - int(share[k]), reverse=True):
        if sum(take.values()) >= n:
            break
        if take[k] < len(by_cls[k]):
            take[k] += 1
    while sum(take.values()) > n:  # more classes than n: the largest keep theirs
        k = min((k for k in take if take[k] > 0), key=lambda k: len(by_cls[k]))
        take[k] -= 1
    chosen: set[int] = set()
    for k in sorted(by_cls):
        chosen |= set(rnd.sample(by_cls[k], take[k]))
    return chosen


def evaluate_cases(
    cases: list[BatchCase],
    backend: Backend | None,
    scenario: str = "won_lost",
    question: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    *,
    results_dir: str | Path | None = None,
    ask_model: bool = True,
    sample: int | None = None,
    **kwargs: Any,
) -> BatchResult:
    """Ask the model about every case (or a ``sample``) with and without MG evidence, then
    the statistics-only baseline; see the module docstring for ``results_dir`` (resuming)."""
    sc = get_scenario(scenario)
    ask_model = ask_model and backend is not None
    chosen = stratified_sample(cases, sample, kwargs.get("seed") or 0) if sample else set(range(len(cases)))
    key = run_key(backend if ask_model else None, sc, question, kwargs)
    folder = Path(results_dir) if results_dir is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    rows: list[BatchRow] = []
    resumed = 0
    for i, case in enumerate(cases):
        if cancel is not None and cancel.is_set():
            raise CancelledError("The batch evaluation was cancelled.")
        if not ask_model or i not in chosen:
            rows.append(BatchRow(case.name, case.truth, None, None, NOT_ASKED, NOT_ASKED))
        else:
            path = _result_file(folder, case) if folder is not None else None
            ev_hash = _evidence_hash(case.evidence)
            row = _load_row(path, key, ev_hash) if path is not None else None
            if row is not None:
                resumed += 1
            else:
                got, elapsed = [], 0.0
                for with_mg in (True, False):
                    res = generate_report(
                        case.evidence, backend, sc, question, with_evidence=with_mg, cancel=cancel, per_finding=False,
                        **kwargs
                    )
                    got.append((res.answer.verdict if res.answer else None, res.status))
                    elapsed += float(res.provenance.get("elapsed_s") or 0.0)
                row = BatchRow(case.name, case.truth, got[0][0], got[1][0], got[0][1], got[1][1],
                               elapsed_s=round(elapsed, 3))
                if path is not None:
                    _save_row(path, row, key, ev_hash)  # at once: a cancel or kill keeps it
            row.name, row.truth = case.name, case.truth
            rows.append(row)
        if progress is not None:
            progress(i + 1, len(cases))
    base, how = rates_baseline(cases)
    for row, b in zip(rows, base):
        row.baseline = b
    return BatchResult(sc.name, rows, baseline_how=how, resumed=resumed)


def project_cases(
    project: Project,
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
        subject = (item.attributes or {}).get("subject")
        cases.append(BatchCase(item.name, ev, truth, str(subject) if subject not in (None, "") else None,
                               key=f"item{item.id}"))
    if not cases:
        raise MGStudioError(
            f"No item has a known '{attribute}' attribute to evaluate against.",
            detail=f"values understood for {scenario}: {sorted(SYNONYMS.get(scenario, {}))}",
        )
    return cases, skipped


def evaluate_project(
    project: Project,
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
