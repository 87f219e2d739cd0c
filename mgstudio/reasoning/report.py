"""Generate an emotion-reasoning report and write it as HTML, Markdown and JSON.

The report opens with findings computed in code (:mod:`findings`), then one checked sentence per
finding (:mod:`narration`). The overall interpretation is, when at least one of those sentences
passed, those sentences joined in finding order (:func:`compose_interpretation`: each is the
model's own text, checked on its own, ending in its finding's id); otherwise the model is asked
for a short narrative (free text, anti-loop decoding). Either way a second constrained pass gives
the answer form (verdict enum with "cannot tell", a confidence category, cited ids from an enum of
real ids), and the quality gates (:mod:`gates`) check text and form together; a failing answer is
retried once (another seed), then ``status == "failed"``: no interpretation is shown, the
findings stand. Why composition: the 135M default's free narratives about a whole timeline
failed the gates in 47-49 of 50 timelines, and rightly (invented studies, bursts "that occurred
twice", rises the findings do not show; ``benchmarks/bench_report_models.py``). A model that cannot
be reached or answers garbage gives ``status == "unavailable"`` with one sentence. An empty
timeline gives ``status == "empty"`` without calling any model. Streaming: ``on_token(piece)`` is called as text arrives; setting ``cancel``
(a :class:`threading.Event`) stops at the next chunk with :class:`CancelledError`.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TYPE_CHECKING

import jinja2

import mgstudio
from mgstudio.core.errors import MGStudioError
from mgstudio.reasoning import charts
from mgstudio.reasoning.answer import Answer, AnswerProblem, parse_answer
from mgstudio.core.errors import CancelledError
from mgstudio.reasoning.backends import Backend, LLMError, TokenCallback
from mgstudio.reasoning.evidence import PROPOSAL, Evidence, build_evidence
from mgstudio.reasoning.findings import LIMITS, Finding, compute_findings
from mgstudio.reasoning.gates import GateInput, run_gates
from mgstudio.reasoning.narration import INSTRUCTIONS as NARRATION_INSTRUCTIONS, Narration, narrate
from mgstudio.resources import resource_path
from mgstudio.reasoning.prompts import (
    DEFAULT_SCENARIO,
    MAX_CITED,
    REPEAT_PENALTY,
    STOP,
    NARRATIVE_MAX_TOKENS,
    SYSTEM_PROMPT,
    Scenario,
    answer_schema,
    build_messages,
    form_messages,
    get_scenario,
    prompt_hash,
)

if TYPE_CHECKING:
    from mgstudio.core.project import Project

TEMPLATES = resource_path("reasoning")  # also inside the packaged app

STATUS_TEXT = {
    "ok": "The interpretation passed MG Studio's checks (no invented numbers, events or ids, no "
          "loops, a verdict consistent with the text).",
    "composed": "The interpretation is the model's readings above that passed MG Studio's checks, "
                "joined in the order of the findings; together, and with the verdict the model chose "
                "from a fixed list, they passed the checks for a whole interpretation.",
    "repaired": "The model's first interpretation failed MG Studio's checks; its second one "
                "passed and is shown.",
    "failed": "The {who} could not give a meaningful interpretation: its text failed MG Studio's "
              "checks twice, so none is shown. The findings above are computed without any model.",
    "empty": "There are no micro-gestures on this item's timeline (with the current choices), so "
             "nothing was sent to a model. This report shows the evidence only.",
    "unavailable": "No interpretation: {error} The findings above are computed without any model.",
}
#: The structured pass is short: four bounded fields.
FORM_MAX_TOKENS = 160


@dataclass
class Attempt:
    """One try: the free-text pass, the structured pass, and what the checks found."""

    messages: list[dict[str, str]]
    output: str
    problems: list[str] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    elapsed_s: float = 0.0
    first_token_s: float | None = None
    form_messages: list[dict[str, str]] = field(default_factory=list)
    form_output: str = ""
    composed: bool = False  # the text was joined from checked readings: no free-text request


@dataclass
class ReportResult:
    status: str  # ok | repaired | failed | empty | unavailable
    scenario: Scenario
    question: str
    evidence: Evidence
    answer: Answer | None
    attempts: list[Attempt]
    provenance: dict[str, Any]
    schema: dict[str, Any] | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str = ""
    narration: Narration | None = None  # one checked sentence per finding (:mod:`narration`)

    @property
    def composed(self) -> bool:
        """The shown interpretation was joined from the checked per-finding readings."""
        return self.answer is not None and bool(self.attempts) and self.attempts[-1].composed

    @property
    def status_text(self) -> str:
        embedded = self.provenance.get("backend", "").startswith("embedded")
        who = "built-in model" if embedded else "model"
        key = "composed" if self.composed else self.status
        return STATUS_TEXT[key].format(who=who, error=self.error)

    @property
    def written_by(self) -> str:
        """Which model wrote the interpretation, in words."""
        p = self.provenance
        if p.get("backend") == "unavailable":
            return f"no model ({p.get('model') or 'the chosen model'} could not be used)"
        where = "built-in, on this computer" if p.get("backend", "").startswith("embedded") else (
            f"server {p.get('base_url', '')}")
        return f"{p.get('model') or 'unknown model'} ({where})"

    def verdict_dict(self) -> dict[str, Any]:
        """What ``verdict.json`` holds."""
        d: dict[str, Any] = {"status": self.status, "status_text": self.status_text,
                             "interpretation": "composed from the checked readings" if self.composed
                             else ("free text" if self.answer else None)}
        d.update(
            self.answer.to_dict()
            if self.answer
            else {"verdict": None, "confidence": None, "rationale": None, "cited_segments": [], "caveats": []}
        )
        d["scenario"] = self.scenario.name
        d["question"] = self.question
        d["written_by"] = self.written_by
        d["findings"] = [{"id": f.fid, "text": f.text, "segments": f.sids} for f in self.findings]
        if self.narration is not None:
            d["readings"] = self.narration.to_dict()
        d["limits"] = LIMITS
        d["checks_failed"] = [p for a in self.attempts for p in a.problems]
        d["evidence"] = {
            "duration_s": self.evidence.duration_s,
            "n_segments": len(self.evidence.segments),
            "n_human": self.evidence.n_human,
            "n_accepted_proposals": self.evidence.n_accepted_proposals,
            "n_proposals": self.evidence.n_proposals,
            "n_proposals_excluded": self.evidence.n_proposals_excluded,
            "n_non_mg": self.evidence.n_non_mg,
            "classes": {c.label: c.count for c in self.evidence.classes},
        }
        d["provenance"] = self.provenance
        return d


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _clean_narrative(text: str) -> str:
    """The free text as prose: no leading label, no trailing half sentence when cut off."""
    t = " ".join(text.replace("**", "").split())
    for lead in ("Interpretation:", "Answer:", "Assistant:"):
        if t.startswith(lead):
            t = t[len(lead):].strip()
    return t


def _drop_unfinished(text: str) -> tuple[str, bool]:
    """A text cut off at the token limit, without its unfinished last sentence (said in a flag)."""
    if not text or text[-1] in ".!?":
        return text, False
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", text)]
    return (text[: ends[-1]].strip() if ends else ""), True


def _narrative_ids(narrative: str, ids: list[str]) -> list[str]:
    """The real ids the narrative cites, in order (at most ``MAX_CITED``)."""
    valid = set(ids)
    found = [m.group(0) for m in re.finditer(r"\b[SF]\d+\b", narrative) if m.group(0) in valid]
    return list(dict.fromkeys(found))[:MAX_CITED]


def compose_interpretation(narration: Narration) -> str:
    """The kept readings as one paragraph in finding order, each ending in its finding's id
    ("… might indicate nervousness (F4)."); a sentence two findings share is said once, with
    both ids. Nothing is added or reworded: every word is the model's, checked on its own."""
    joined: dict[str, tuple[str, list[str]]] = {}
    for r in narration.kept:
        text = r.text.strip()
        joined.setdefault(text.lower(), (text, []))[1].append(r.fid)
    return " ".join(_with_ids(text, fids) for text, fids in joined.values())


def _with_ids(text: str, fids: list[str]) -> str:
    """A sentence with the ids it rests on before its full stop."""
    end = text[-1] if text[-1] in ".!?" else "."
    return f"{text.rstrip('.!?').rstrip()} ({', '.join(fids)}){end}"


def citable_ids(evidence: Evidence, findings: list[Finding], limit: int = 60) -> list[str]:
    """Finding ids, then the segment ids the findings name (bounded: a schema enum)."""
    ids = [f.fid for f in findings]
    seen = set(ids)
    for f in findings:
        for sid in f.sids[:12]:
            if sid not in seen:
                ids.append(sid)
                seen.add(sid)
    for s in evidence.listed():
        if len(ids) >= limit:
            break
        if s.sid not in seen:
            ids.append(s.sid)
            seen.add(s.sid)
    return ids[:limit] if len(ids) > limit else ids


def generate_report(
    evidence: Evidence,
    backend: Backend,
    scenario: str | Scenario = DEFAULT_SCENARIO,
    question: str | None = None,
    *,
    temperature: float = 0.2,
    seed: int | None = 0,
    max_tokens: int = NARRATIVE_MAX_TOKENS,
    constrained: bool = True,
    with_evidence: bool = True,
    on_token: TokenCallback | None = None,
    cancel: threading.Event | None = None,
    reference_rates: list[float] | None = None,
    per_finding: bool = True,
) -> ReportResult:
    """Findings first, then (``per_finding``) one checked sentence per finding
    (:func:`~mgstudio.reasoning.narration.narrate`), then the model's overall narrative (free text)
    and answer form (constrained), checked by the quality gates; one retry; see the module
    docstring for the outcomes."""
    sc = get_scenario(scenario) if isinstance(scenario, str) else scenario
    q = " ".join((question or sc.question).split())
    findings = compute_findings(evidence, reference_rates) if with_evidence else []
    ids = citable_ids(evidence, findings) if with_evidence else []
    schema = answer_schema(sc, ids)
    messages = build_messages(evidence, sc, question, with_evidence=with_evidence, findings=findings)
    provenance: dict[str, Any] = dict(backend.describe())
    provenance.update(
        {
            "prompt_hash": prompt_hash(messages, schema if constrained else None),
            "temperature": temperature,
            "seed": seed,
            "max_tokens": max_tokens,
            "repeat_penalty": REPEAT_PENALTY,
            "stop": STOP,
            "constrained_json": constrained,
            "with_mg_evidence": with_evidence,
            "app_version": mgstudio.__version__,
            "date": _now(),
        }
    )
    if with_evidence and evidence.is_empty:
        return ReportResult("empty", sc, q, evidence, None, [], provenance, schema, findings)

    attempts: list[Attempt] = []
    answer: Answer | None = None
    error = ""
    narration = None
    if per_finding and with_evidence:
        def _stream(r: Any) -> None:  # the kept readings appear as prose while the rest is written
            if on_token is not None and r.kept:
                on_token(_with_ids(r.text.strip(), [r.fid]) + " ")

        narration = narrate(evidence, findings, backend, seed=seed or 0, cancel=cancel, on_sentence=_stream)
        if narration.error:  # the model cannot be used at all: one sentence, the findings stand
            provenance["model"] = backend.model
            return ReportResult("unavailable", sc, q, evidence, None, [], provenance, schema, findings,
                                narration.error, narration)
    composed = compose_interpretation(narration) if narration is not None and narration.kept else ""
    if composed:
        provenance["interpretation"] = "composed from the checked readings"
    try:
        for round_ in range(2):  # the first try and at most one retry
            if cancel is not None and cancel.is_set():
                raise CancelledError("The report was cancelled.")
            rseed = None if seed is None else seed + round_
            if composed:
                # Every sentence already passed its own checks; only the answer form is asked for
                # again (another seed) when the whole fails.
                narrative, trimmed, output = composed, False, composed
                comp = None
            else:
                if round_ and on_token is not None:
                    # Same prompt, another seed: small models parrot any feedback put into the prompt.
                    on_token("\n\n")
                comp = backend.complete(
                    messages, max_tokens=max_tokens, temperature=temperature,
                    seed=rseed, on_token=on_token, cancel=cancel,
                    repeat_penalty=REPEAT_PENALTY, stop=STOP,
                )
                narrative = _clean_narrative(comp.text)
                output = comp.text
                trimmed = False
                if comp.finish_reason == "length":
                    narrative, trimmed = _drop_unfinished(narrative)
            fmsgs = form_messages(messages, narrative, sc)
            form = backend.complete(
                fmsgs, schema=schema if constrained else None, max_tokens=FORM_MAX_TOKENS,
                temperature=0.0 if not (composed and round_) else temperature,
                seed=seed if not composed else rseed, cancel=cancel,
            )
            attempt = Attempt(
                messages=[] if composed else [dict(m) for m in messages], output=output,
                prompt_tokens=form.prompt_tokens if composed else comp.prompt_tokens,
                completion_tokens=(0 if comp is None else comp.completion_tokens or 0)
                + (form.completion_tokens or 0),
                elapsed_s=round((0.0 if comp is None else comp.elapsed_s) + form.elapsed_s, 3),
                first_token_s=None if comp is None or comp.first_token_s is None else round(comp.first_token_s, 3),
                form_messages=[dict(m) for m in fmsgs], form_output=form.text, composed=bool(composed),
            )
            attempts.append(attempt)
            candidate: Answer | None = None
            problems: list[str]
            try:
                candidate = parse_answer(form.text, sc, ids, narrative)
                in_text = _narrative_ids(narrative, ids)
                if in_text:  # what the text really rests on beats the form's pick from the enum
                    candidate.cited_segments = in_text
                elif len(candidate.cited_segments) >= 3 and candidate.cited_segments == ids[
                        : len(candidate.cited_segments)]:
                    # The first ids offered, in order: a positional pick that says nothing.
                    candidate.cited_segments = []
                problems = run_gates(
                    GateInput(narrative, candidate.verdict, candidate.confidence,
                              candidate.cited_segments, candidate.caveats, q, evidence.context),
                    evidence, findings, sc.verdicts, composed=bool(composed),
                ) if with_evidence else []
            except AnswerProblem as exc:
                problems = [p[0].upper() + p[1:] + "." for p in exc.problems]
            if trimmed and candidate is not None:
                candidate.flags.append("The model's text reached the token limit; its unfinished "
                                       "last sentence is not shown.")
            if not with_evidence and candidate is not None and not narrative:
                problems.append("The text is empty.")
            attempt.problems = problems
            if not problems:
                answer = candidate
                break
    except LLMError as exc:
        error = str(exc).strip()
        if not error.endswith("."):
            error += "."
    provenance["model"] = backend.model  # an HTTP back-end learns its model name on first call
    provenance["elapsed_s"] = round(sum(a.elapsed_s for a in attempts), 3)
    toks = [a.completion_tokens for a in attempts if a.completion_tokens is not None]
    if toks:
        provenance["completion_tokens"] = sum(toks)
    if error:
        status = "unavailable"
    elif answer is None:
        status = "failed"
    else:
        status = "ok" if len(attempts) == 1 else "repaired"
    return ReportResult(status, sc, q, evidence, answer, attempts, provenance, schema, findings, error,
                        narration)


def make_report(
    project: Project,
    item_id: int,
    backend: Backend,
    scenario: str = DEFAULT_SCENARIO,
    question: str | None = None,
    context: str = "",
    include_proposals: bool = False,
    tier: Any = None,
    **kwargs: Any,
) -> ReportResult:
    """Evidence from a project item (compared with the study's other items), then
    :func:`generate_report`."""
    ev = build_evidence(project, item_id, include_proposals=include_proposals, context=context, tier=tier)
    if "reference_rates" not in kwargs:
        kwargs["reference_rates"] = study_rates(project, exclude=item_id, include_proposals=include_proposals, tier=tier)
    return generate_report(ev, backend, scenario, question, **kwargs)


def study_rates(project: Project, exclude: int | None = None, include_proposals: bool = False,
                tier: Any = None, limit: int = 2000) -> list[float]:
    """Gestures per minute of the project's other items that have any (the study baseline)."""
    rates = []
    for item in list(project.items())[:limit]:
        if item.id == exclude:
            continue
        try:
            ev = build_evidence(project, item.id, include_proposals=include_proposals, tier=tier)
        except MGStudioError:
            continue
        if ev.segments and ev.duration_s > 0:
            rates.append(len(ev.segments) * 60.0 / ev.duration_s)
    return rates


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


@functools.lru_cache(maxsize=1)
def _builtin_label_names() -> frozenset[str]:
    from mgstudio.core.taxonomy import builtin_taxonomies, load_taxonomy

    names: set[str] = set()
    for name in builtin_taxonomies():
        try:
            names.update(load_taxonomy(name).names)
        except MGStudioError:  # a damaged install: its labels then count as typed text
            continue
    return frozenset(names)


def free_text_sent(ev: Evidence) -> list[str]:
    """What a person typed that went to the model as written: labels outside MG Studio's built-in
    label sets, and the context line. These could hold a name, so the report says so."""
    builtin = _builtin_label_names()
    typed = sorted({s.label for s in ev.segments} - builtin)
    out = [f"the label '{name}'" for name in typed]
    if ev.context.strip():
        out.append(f"the context line '{ev.context.strip()}'")
    return out


def privacy_sentence(ev: Evidence) -> str:
    """The honest one-line account of what identifying text could have gone out."""
    typed = free_text_sent(ev)
    if not typed:
        return ("No names, file paths, video frames or face data are part of them: every label comes from "
                "MG Studio's built-in label sets and no context line was given.")
    return ("No file paths, video frames or face data are part of them. Text that a person typed went out as "
            "written; check that it names no one: " + "; ".join(typed) + ".")


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
        "cited_findings": [f for f in result.findings if f.fid in cited],
        "PROPOSAL": PROPOSAL,
        "system_prompt": SYSTEM_PROMPT,
        "findings": result.findings,
        "limits": LIMITS,
        "prov": result.provenance,
        "schema_json": json.dumps(result.schema, indent=1) if result.schema else "",
        "privacy": privacy_sentence(ev),
        "narration": result.narration,
        "narration_instructions": NARRATION_INSTRUCTIONS,
        "reading_of": {r.fid: r for r in result.narration.kept} if result.narration else {},
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
