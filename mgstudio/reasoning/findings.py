"""Findings: what the statistics of one timeline show, computed in code and phrased as plain
sentences with their numbers and the segments behind them.

The findings open every report and never depend on a language model. Each has an id (``F1``…)
that the model may cite. Baselines are the recording's own average rate and, when given, the
rates of the other recordings of the study (``reference_rates``: gestures per minute).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from mgstudio.reasoning.evidence import Evidence

#: At most this many segment ids are named after a finding ("S3, S7, S12 and 9 more").
MAX_IDS = 6
#: At most this many classes get a finding of their own (the most frequent ones).
MAX_CLASS_FINDINGS = 4
#: A change between the first and last third is reported when it is at least this many gestures.
MIN_CHANGE = 2

#: What MG evidence alone can and cannot support (shown in every report).
LIMITS = (
    "Micro-gestures are weak, ambiguous cues. Counts and timing can show where a person's body "
    "behaviour changed, but not why. Published results that predict a known outcome (for example "
    "a match won or lost) from micro-gestures alone are close to chance: balanced accuracy "
    "0.50 to 0.60. Treat any verdict below as a question to check against the video, never as a "
    "finding about the person."
)


@dataclass
class Finding:
    """One sentence a psychologist can check by hand."""

    fid: str
    kind: str  # overall | class | change | burst | cooccurrence | study
    text: str
    sids: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        return f"{self.fid}: {self.text}"


def _ids(sids: list[str]) -> str:
    if not sids:
        return ""
    shown = ", ".join(sids[:MAX_IDS])
    more = len(sids) - MAX_IDS
    return shown + (f" and {more} more" if more > 0 else "")


def _per_min(n: int, seconds: float) -> float:
    return n * 60.0 / seconds if seconds > 0 else 0.0


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def _quote(label: str) -> str:
    return f"'{label}'"


def compute_findings(ev: Evidence, reference_rates: list[float] | None = None) -> list[Finding]:
    """The findings of ``ev``, most general first (empty list for an empty timeline)."""
    out: list[Finding] = []
    if ev.is_empty:
        return out
    minutes = ev.duration_s / 60.0
    n = len(ev.segments)
    overall = _per_min(n, ev.duration_s)
    allids = ev.segment_ids

    def add(kind: str, text: str, sids: list[str] | None = None, labels: list[str] | None = None) -> None:
        out.append(Finding(f"F{len(out) + 1}", kind, text, list(sids or []), list(labels or [])))

    add(
        "overall",
        f"{n} micro-gesture{'s' if n != 1 else ''} in {_fmt(minutes)} min, "
        f"{_fmt(overall)} per minute on average, in {len(ev.classes)} "
        f"class{'es' if len(ev.classes) != 1 else ''}.",
        allids,
    )
    for c in ev.classes[:MAX_CLASS_FINDINGS]:
        sids = [s.sid for s in ev.segments if s.label == c.label]
        share = 100.0 * c.count / n
        add(
            "class",
            f"{_quote(c.label)} occurred {c.count} time{'s' if c.count != 1 else ''} "
            f"({_fmt(c.rate_per_min)} per minute, {share:.0f}% of all gestures, mean "
            f"{_fmt(c.mean_s)} s): {_ids(sids)}.",
            sids,
            [c.label],
        )
    ch = ev.change
    if ch is not None and ch.part_s > 0:
        first_ids = [s.sid for s in ev.segments if s.start_s < ch.part_s]
        last_ids = [s.sid for s in ev.segments if s.start_s >= ev.duration_s - ch.part_s]
        r1, r3 = _per_min(ch.first_total, ch.part_s), _per_min(ch.last_total, ch.part_s)
        if abs(ch.last_total - ch.first_total) >= MIN_CHANGE:
            verb = "rose" if ch.last_total > ch.first_total else "fell"
            add(
                "change",
                f"Gestures {verb} from {_fmt(r1)} to {_fmt(r3)} per minute between the first and "
                f"the last third ({ch.first_total} vs {ch.last_total} gestures); last third: "
                f"{_ids(last_ids) or 'none'}.",
                last_ids if ch.last_total > ch.first_total else first_ids,
            )
        else:
            add(
                "change",
                f"The rate was about the same in the first and the last third "
                f"({ch.first_total} vs {ch.last_total} gestures).",
                [],
            )
        # The class whose count changed most, when it changed clearly.
        best = max(ch.per_class.items(), key=lambda kv: abs(kv[1][1] - kv[1][0]), default=None)
        if best is not None and abs(best[1][1] - best[1][0]) >= MIN_CHANGE and len(ev.classes) > 1:
            label, (a, b) = best
            verb = "rose" if b > a else "fell"
            part = [s.sid for s in ev.segments if s.label == label and (
                s.start_s >= ev.duration_s - ch.part_s if b > a else s.start_s < ch.part_s)]
            add(
                "change",
                f"{_quote(label)} {verb} from {_fmt(_per_min(a, ch.part_s))} to "
                f"{_fmt(_per_min(b, ch.part_s))} per minute between the first and the last third: "
                f"{_ids(part)}.",
                part,
                [label],
            )
    if ev.bursts:
        densest = max(ev.bursts, key=lambda b: (len(b.sids) / max(b.end_s - b.start_s, 1.0), len(b.sids)))
        span = max(densest.end_s - densest.start_s, 0.1)
        times = _per_min(len(densest.sids), span) / overall if overall > 0 else 0.0
        extra = f" ({len(ev.bursts)} bursts in all)" if len(ev.bursts) > 1 else ""
        add(
            "burst",
            f"The densest burst: {len(densest.sids)} gestures within {_fmt(span)} s at "
            f"{_fmt(densest.start_s)}-{_fmt(densest.end_s)} s, {_fmt(times)} times the "
            f"recording's average rate{extra}: {_ids(densest.sids)}.",
            densest.sids,
            sorted(set(densest.labels)),
        )
    if ev.cooccurrences:
        c = ev.cooccurrences[0]
        pair_ids = [f"{a}+{b}" for a, b in c.sids]
        flat = [x for ab in c.sids for x in ab]
        add(
            "cooccurrence",
            f"{_quote(c.labels[0])} and {_quote(c.labels[1])} occurred together (overlapping or "
            f"within 1 s) {c.count} time{'s' if c.count != 1 else ''}: {_ids(pair_ids)}.",
            list(dict.fromkeys(flat)),
            list(c.labels),
        )
    refs = [r for r in (reference_rates or []) if r >= 0]
    if refs:
        add("study", _study_sentence(overall, refs), [])
    return out


def _study_sentence(rate: float, refs: list[float]) -> str:
    """Where this recording's rate lies among the study's, said as a person would say it."""
    n = len(refs) + 1  # the study's recordings, this one included
    below = sum(r < rate - 0.05 for r in refs)
    above = sum(r > rate + 0.05 for r in refs)
    head = f"This recording's {_fmt(rate)} gestures per minute"
    if len(refs) == 1:
        other = refs[0]
        if above == below == 0:
            return f"{head} is about the same as the study's other recording ({_fmt(other)} per minute)."
        return (f"{head} is {'more' if below else 'fewer'} than the study's other recording "
                f"({_fmt(other)} per minute).")
    if below == len(refs):
        return f"{head} is the highest of the study's {n} recordings (median {_fmt(median(refs + [rate]))})."
    if above == len(refs):
        return f"{head} is the lowest of the study's {n} recordings (median {_fmt(median(refs + [rate]))})."
    med = median(refs)
    where = "above" if rate > med + 0.05 else "below" if rate < med - 0.05 else "close to"
    return (f"{head} is {where} the median of the study's other {len(refs)} recordings "
            f"({_fmt(med)} per minute): {below} of them have fewer, {above} more.")


def findings_text(findings: list[Finding]) -> str:
    """The findings as prompt lines."""
    return "\n".join(f.line for f in findings)


_NUM = re.compile(r"(?<![A-Za-z])-?\d+(?:\.\d+)?")


def evidence_numbers(ev: Evidence, findings: list[Finding]) -> set[float]:
    """Every number a sentence about this evidence may use (from the findings and the evidence)."""
    text = ev.to_text() + "\n" + findings_text(findings)
    nums = {float(m) for m in _NUM.findall(re.sub(r"\b[SF]\d+\b", " ", text))}
    nums |= {float(len(ev.segments)), float(len(ev.classes)), round(ev.duration_s / 60.0, 1)}
    nums |= {1.0, 2.0, 3.0}  # "the first third", "two classes", "one burst"
    return nums
