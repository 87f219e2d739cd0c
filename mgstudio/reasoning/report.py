"""Generate an emotion-reasoning report and write it as HTML, Markdown and JSON.

:func:`generate_report` asks the model once (constrained to the answer schema), validates the
answer, runs at most one repair round, and otherwise falls back to the evidence statistics alone
(``status == "failed"``, clearly labelled). An empty timeline gives ``status == "empty"`` without
calling any model. Streaming: ``on_token(piece)`` is called as text arrives; setting ``cancel``
(a :class:`threading.Event`) stops at the next chunk with :class:`CancelledError`.
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

import mgstudio
from mgstudio.core.errors import MGStudioError
from mgstudio.reasoning import charts
from mgstudio.reasoning.answer import Answer, AnswerProblem, parse_answer
from mgstudio.reasoning.backends import Backend, TokenCallback
from mgstudio.reasoning.evidence import PROPOSAL, Evidence, build_evidence
from mgstudio.resources import resource_path
from mgstudio.reasoning.prompts import (
    SYSTEM_PROMPT,
    Scenario,
    answer_schema,
    build_messages,
    get_scenario,
    prompt_hash,
    repair_message,
)

TEMPLATES = resource_path("reasoning")  # also inside the packaged app

STATUS_TEXT = {
    "ok": "The model gave a valid answer.",
    "repaired": "The model's first answer was malformed; its answer after one repair round is shown.",
    "failed": (
        "The model did not give a usable answer, even after one repair round. "
        "This report shows the evidence statistics only, without any interpretation."
    ),
    "empty": (
        "There are no micro-gestures on this item's timeline (with the current choices), so "
        "nothing was sent to a model. This report shows the evidence statistics only."
    ),
}


@dataclass
class Attempt:
    """One request to the model and what came back."""

    messages: list[dict[str, str]]
    output: str
    problems: list[str] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    elapsed_s: float = 0.0
    first_token_s: float | None = None


@dataclass
class ReportResult:
    status: str  # ok | repaired | failed | empty
    scenario: Scenario
    question: str
    evidence: Evidence
    answer: Answer | None
    attempts: list[Attempt]
    provenance: dict[str, Any]
    schema: dict[str, Any] | None = None

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    def verdict_dict(self) -> dict[str, Any]:
        """What ``verdict.json`` holds."""
        d: dict[str, Any] = {"status": self.status, "status_text": self.status_text}
        d.update(
            self.answer.to_dict()
            if self.answer
            else {"verdict": None, "confidence": None, "rationale": None, "cited_segments": [], "caveats": []}
        )
        d["scenario"] = self.scenario.name
        d["question"] = self.question
        d["evidence"] = {
            "duration_s": self.evidence.duration_s,
            "n_segments": len(self.evidence.segments),
            "n_human": self.evidence.n_human,
            "n_accepted_proposals": self.evidence.n_accepted_proposals,
            "n_proposals": self.evidence.n_proposals,
            "n_proposals_excluded": self.evidence.n_proposals_excluded,
            "classes": {c.label: c.count for c in self.evidence.classes},
        }
        d["provenance"] = self.provenance
        return d


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def generate_report(
    evidence: Evidence,
    backend: Backend,
    scenario: str | Scenario = "won_lost",
    question: str | None = None,
    *,
    temperature: float = 0.2,
    seed: int | None = 0,
    max_tokens: int = 300,
    constrained: bool = True,
    with_evidence: bool = True,
    on_token: TokenCallback | None = None,
    cancel: threading.Event | None = None,
) -> ReportResult:
    """Ask ``backend`` about ``evidence``; see the module docstring for the outcomes."""
    sc = get_scenario(scenario) if isinstance(scenario, str) else scenario
    q = " ".join((question or sc.question).split())
    ids = [s.sid for s in evidence.listed()] if with_evidence else []
    schema = answer_schema(sc, ids)
    messages = build_messages(evidence, sc, question, with_evidence=with_evidence)
    provenance: dict[str, Any] = dict(backend.describe())
    provenance.update(
        {
            "prompt_hash": prompt_hash(messages, schema if constrained else None),
            "temperature": temperature,
            "seed": seed,
            "max_tokens": max_tokens,
            "constrained_json": constrained,
            "with_mg_evidence": with_evidence,
            "app_version": mgstudio.__version__,
            "date": _now(),
        }
    )
    if with_evidence and evidence.is_empty:
        return ReportResult("empty", sc, q, evidence, None, [], provenance, schema)

    attempts: list[Attempt] = []
    answer: Answer | None = None
    for round_ in range(2):  # the first request and at most one repair round
        if cancel is not None and cancel.is_set():
            from mgstudio.core.errors import CancelledError

            raise CancelledError("The report was cancelled.")
        comp = backend.complete(
            messages,
            schema=schema if constrained else None,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
            on_token=on_token,
            cancel=cancel,
        )
        attempt = Attempt(
            messages=[dict(m) for m in messages],
            output=comp.text,
            prompt_tokens=comp.prompt_tokens,
            completion_tokens=comp.completion_tokens,
            elapsed_s=round(comp.elapsed_s, 3),
            first_token_s=None if comp.first_token_s is None else round(comp.first_token_s, 3),
        )
        attempts.append(attempt)
        try:
            answer = parse_answer(comp.text, sc, ids)
            break
        except AnswerProblem as exc:
            attempt.problems = exc.problems
            if comp.finish_reason == "length":
                attempt.problems.append("the answer was cut off at the token limit")
            if round_ == 0:
                if on_token is not None:
                    on_token("\n")
                messages = messages + [
                    {"role": "assistant", "content": comp.text},
                    repair_message(exc.problems, sc),
                ]
    provenance["model"] = backend.model  # an HTTP back-end learns its model name on first call
    provenance["elapsed_s"] = round(sum(a.elapsed_s for a in attempts), 3)
    toks = [a.completion_tokens for a in attempts if a.completion_tokens is not None]
    if toks:
        provenance["completion_tokens"] = sum(toks)
    if answer is None:
        status = "failed"
    else:
        status = "ok" if len(attempts) == 1 else "repaired"
    return ReportResult(status, sc, q, evidence, answer, attempts, provenance, schema)


def make_report(
    project: Any,
    item_id: int,
    backend: Backend,
    scenario: str = "won_lost",
    question: str | None = None,
    context: str = "",
    include_proposals: bool = False,
    **kwargs: Any,
) -> ReportResult:
    """Evidence from a project item, then :func:`generate_report`."""
    ev = build_evidence(project, item_id, include_proposals=include_proposals, context=context)
    return generate_report(ev, backend, scenario, question, **kwargs)


# -- rendering ------------------------------------------------------------------------------------
def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["sec"] = lambda v: f"{v:.1f}"
    env.filters["pct"] = lambda v: f"{100 * v:.0f}%"
    env.filters["md"] = lambda v: str(v).replace("<", "&lt;").replace("\n", " ")
    return env


def _context(result: ReportResult, title: str) -> dict[str, Any]:
    ev = result.evidence
    by_id = {s.sid: s for s in ev.segments}
    cited = result.answer.cited_segments if result.answer else []
    return {
        "title": title,
        "r": result,
        "ev": ev,
        "answer": result.answer,
        "cited": [by_id[c] for c in cited if c in by_id],
        "PROPOSAL": PROPOSAL,
        "system_prompt": SYSTEM_PROMPT,
        "prov": result.provenance,
        "schema_json": json.dumps(result.schema, indent=1) if result.schema else "",
    }


def render_html(result: ReportResult, title: str = "Micro-gesture emotion report") -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no external assets)."""
    ctx = _context(result, title)
    cited = set(result.answer.cited_segments) if result.answer else set()
    ev = result.evidence
    ctx["svg_timeline"] = jinja2.utils.markupsafe.Markup(charts.timeline_svg(ev, cited)) if ev.segments else ""
    ctx["svg_counts"] = jinja2.utils.markupsafe.Markup(charts.counts_svg(ev)) if ev.segments else ""
    ctx["svg_rate"] = jinja2.utils.markupsafe.Markup(charts.rate_svg(ev)) if ev.segments else ""
    ctx["colors"] = charts.label_colors(ev)
    return _env(True).get_template("report.html.j2").render(**ctx)


def render_markdown(result: ReportResult, title: str = "Micro-gesture emotion report") -> str:
    """The report as Markdown (same content as the HTML, without charts)."""
    return _env(False).get_template("report.md.j2").render(**_context(result, title))


def write_report(
    result: ReportResult, out_dir: str | Path, title: str = "Micro-gesture emotion report"
) -> dict[str, Path]:
    """Write ``report.html``, ``report.md`` and ``verdict.json`` into ``out_dir``."""
    from mgstudio.core.atomic import atomic_write

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MGStudioError(f"The folder {out} could not be created.", detail=str(exc)) from exc
    files = {
        "html": (out / "report.html", render_html(result, title)),
        "md": (out / "report.md", render_markdown(result, title)),
        "json": (out / "verdict.json", json.dumps(result.verdict_dict(), indent=2, ensure_ascii=False) + "\n"),
    }
    for path, text in files.values():
        with atomic_write(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return {k: v[0] for k, v in files.items()}
