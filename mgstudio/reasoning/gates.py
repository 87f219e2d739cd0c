"""Quality gates: checks a model's interpretation must pass before it is shown as valid.

Each gate returns plain problem sentences (empty when the text passes). The gates catch what
small models really produce (quoted in ``tests/reasoning/test_gates.py``): loops, restating the
question, a rationale that contradicts its own verdict, caveats that are not sentences,
invented numbers, events or entities, and citations that do not support the sentence they sit in;
and (:mod:`claims`) counts, ratios, directions, rankings and gesture classes that disagree with
the findings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from mgstudio.reasoning.claims import check_claims
from mgstudio.reasoning.evidence import Evidence
from mgstudio.reasoning.findings import Finding, evidence_numbers
from mgstudio.reasoning.prompts import EXAMPLE_ANSWER

#: A word n-gram of this length repeated this often is a loop.
LOOP_N = 4
LOOP_REPEATS = 3
#: Fewer words than this is not an interpretation.
MIN_WORDS = 8
#: A text whose content words are mostly the question's restates the question.
RESTATE_SHARE = 0.75

#: Events and entities small models invent; a problem unless the evidence, context or question
#: uses the word.
INVENTED_WORDS = (
    "points", "point", "score", "scored", "goal", "goals", "opponent", "opponents", "press-ups",
    "push-ups", "pushups", "exercise", "laughed", "laughing", "laughter", "cried", "crying", "tears", "voice",
    "said", "says", "told", "shouted", "smiled", "smiling", "smile", "eyes contact", "eye contact",
    "heart rate", "sweat", "sweating", "trophy", "medal", "coach", "referee", "team", "fans",
    "audience", "journalist", "journalists", "reporter", "interviewer", "diagnosis", "diagnosed",
    "lying", "lie", "lied", "deception", "depression", "anxiety disorder", "victory", "defeat",
    "studies", "subjects", "participants", "researchers", "research", "phenomenon", "literature",
    "observed before", "experiment", "survey", "previously", "previous", "nodding",
    "trauma", "traumatic", "psychological issue", "disorder", "illness",
)
RISE_WORDS = ("increase", "increased", "increases", "increasing", "rose", "rising", "grew", "growing")
FALL_WORDS = ("decrease", "decreased", "decreases", "decreasing", "fell", "declined", "dropped", "falling")
#: Words that assert each verdict (for the contradiction gate).
VERDICT_WORDS: dict[str, tuple[str, ...]] = {
    "won": ("won", "win", "wins", "winning", "victory", "victorious"),
    "lost": ("lost", "lose", "loses", "losing", "defeat", "defeated"),
    "stressed": ("stressed", "tense", "anxious", "nervous"),
    "relaxed": ("relaxed", "calm", "at ease"),
}
NEGATIONS = ("not", "no", "never", "n't", "cannot", "neither", "nor", "whether", "if", "or")
_WORD = re.compile(r"[a-z][a-z'-]*")
_STOP = frozenset(
    "a an the of to in on at by for from with and or but is are was were be been being it its this "
    "that these those he she they them his her their there here as so than then do does did have has "
    "had more most less very can could would should may might will what which who whom how why when "
    "where did not no yes any some all each per".split()
)
_NUM = re.compile(r"(?<![A-Za-z#])-?\d+(?:[.,]\d+)?(?=\s*(%|percent|per|times|x|s\b|sec|min|gesture|\b|$))")
_IDS = re.compile(r"\b([SF])(\d+)\b")


@dataclass
class GateInput:
    """What the gates look at."""

    narrative: str
    verdict: str | None
    confidence: str | None
    cited: list[str]
    caveats: list[str]
    question: str
    context: str = ""


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def check_loops(text: str) -> list[str]:
    words = _words(text)
    grams = Counter(tuple(words[i : i + LOOP_N]) for i in range(len(words) - LOOP_N + 1))
    worst = max(grams.items(), key=lambda kv: kv[1], default=None)
    if worst is not None and worst[1] >= LOOP_REPEATS:
        return [f"The text repeats itself ('{' '.join(worst[0])}' {worst[1]} times)."]
    sents = Counter(s.lower() for s in _sentences(text) if len(s.split()) >= 4)
    rep = [s for s, k in sents.items() if k > 1]
    if rep:
        return [f"The text repeats a sentence ('{rep[0][:60]}')."]
    return []


def _content(words: Iterable[str]) -> list[str]:
    return [w for w in words if w not in _STOP and len(w) > 2]


def check_restates(text: str, question: str) -> list[str]:
    q = set(_content(_words(question)))
    t = _content(_words(text))
    if not q or not t:
        return []
    share = sum(w in q for w in t) / len(t)
    if share >= RESTATE_SHARE:
        return [f"The text mostly restates the question ({share:.0%} of its words are the question's)."]
    if question.strip() and question.strip().lower().rstrip("?") in text.lower():
        return ["The text repeats the question word for word."]
    return []


#: "An effort to calm oneself", "trying to calm down": a person who is not calm yet. These
#: (vetted readings of self-touch) do not assert the verdict "relaxed".
_NOT_A_STATE = re.compile(r"\bcalm(?:ing)?\s+(?:oneself|himself|herself|themselves|themself|down)\b")


def _asserts(sentence: str, words: tuple[str, ...]) -> bool:
    low = " " + _NOT_A_STATE.sub(" ", sentence.lower()) + " "
    for w in words:
        for m in re.finditer(rf"\b{re.escape(w)}\b", low):
            before = low[max(0, m.start() - 40) : m.start()]
            if not any(re.search(rf"\b{re.escape(n)}\b", before) or (n == "n't" and n in before)
                       for n in NEGATIONS):
                return True
    return False


def check_contradiction(g: GateInput, verdicts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    said = [v for v in verdicts if v in VERDICT_WORDS and any(
        _asserts(s, VERDICT_WORDS[v]) for s in _sentences(g.narrative))]
    if len(said) > 1:
        out.append(f"The text asserts opposite outcomes ({' and '.join(said)}).")
    elif said and g.verdict in VERDICT_WORDS and said[0] != g.verdict:
        out.append(f"The text says '{said[0]}' but the verdict is '{g.verdict}'.")
    if g.verdict == "cannot tell" and g.confidence == "high":
        out.append("The verdict 'cannot tell' was given with high confidence.")
    if g.verdict in VERDICT_WORDS and g.confidence == "high":
        out.append("A high confidence in an outcome is not supported by MG evidence alone.")
    return out


def check_caveats(caveats: list[str]) -> list[str]:
    out = []
    for c in caveats:
        words = _words(c)
        bad = (
            len(words) < 4
            or re.search(r"\w_\w", c)
            or sum(ch.isalpha() for ch in c) < 0.6 * len(c.replace(" ", ""))
        )
        if bad:
            out.append(f"The caveat '{c[:40]}' is not a sentence.")
    return out


def _close(x: float, allowed: set[float]) -> bool:
    return any(abs(x - a) <= max(0.051, 0.02 * abs(a)) for a in allowed)


def check_numbers(text: str, ev: Evidence, findings: list[Finding], extra: str = "") -> list[str]:
    allowed = evidence_numbers(ev, findings)
    allowed |= {float(m) for m in re.findall(r"\d+(?:\.\d+)?", extra)}
    clean = _IDS.sub(" ", text)
    bad = []
    for m in _NUM.finditer(clean):
        raw = m.group(0).replace(",", ".")
        try:
            x = float(raw)
        except ValueError:
            continue
        if not _close(x, allowed) and raw not in bad:
            bad.append(raw + ("%" if m.group(1) in ("%", "percent") else ""))
    if bad:
        return [f"The text uses numbers that are not in the evidence: {', '.join(bad[:5])}."]
    return []


def check_invented(text: str, ev: Evidence, findings: list[Finding], known: str) -> list[str]:
    low = text.lower()
    allowed_text = (known + " " + ev.to_text() + " " + " ".join(f.text for f in findings)).lower()
    bad = [w for w in INVENTED_WORDS if re.search(rf"\b{re.escape(w)}\b", low)
           and not re.search(rf"\b{re.escape(w)}\b", allowed_text)]
    out = []
    if bad:
        out.append(f"The text mentions things that are not in the evidence: {', '.join(bad[:5])}.")
    valid = set(ev.segment_ids) | {f.fid for f in findings}
    ghost = sorted({m.group(0) for m in _IDS.finditer(text)} - valid)
    if ghost:
        out.append(f"The text cites ids that do not exist: {', '.join(ghost[:5])}.")
    return out


def check_citations(g: GateInput, ev: Evidence, findings: list[Finding]) -> list[str]:
    """A cited segment must be of a class its sentence names (when it names one); structured
    citations must exist."""
    by_sid = {s.sid: s.label for s in ev.segments}
    by_fid = {f.fid: f for f in findings}
    labels = sorted({s.label for s in ev.segments}, key=len, reverse=True)
    out = []
    for sent in _sentences(g.narrative):
        low = sent.lower()
        named = [lab for lab in labels if lab.lower() in low]
        if not named:
            continue
        for m in _IDS.finditer(sent):
            cid = m.group(0)
            if cid in by_sid and by_sid[cid] not in named:
                out.append(f"{cid} is cited for {named[0]!r} but it is {by_sid[cid]!r}.")
            elif cid in by_fid and by_fid[cid].labels and not set(by_fid[cid].labels) & set(named):
                out.append(f"{cid} is cited for {named[0]!r} but it is about {by_fid[cid].labels[0]!r}.")
    unknown = [c for c in g.cited if c not in by_sid and c not in by_fid]
    if unknown:
        out.append(f"The answer cites ids that do not exist: {', '.join(unknown[:5])}.")
    return list(dict.fromkeys(out))[:3]


def check_trend(text: str, findings: list[Finding]) -> list[str]:
    """A rise or fall the text claims must be one the change findings show."""
    low = text.lower()
    changes = " ".join(f.text for f in findings if f.kind == "change").lower()
    out = []
    for words, verb, name in ((RISE_WORDS, "rose", "an increase"), (FALL_WORDS, "fell", "a decrease")):
        if any(re.search(rf"\b{w}\b", low) for w in words) and f" {verb} " not in f" {changes} ":
            out.append(f"The text claims {name} that the findings do not show.")
    return out


def check_copied_example(text: str, findings: list[Finding], example: str) -> list[str]:
    """Phrases of the prompt's worked example that the evidence does not use: copied, not read."""
    ex = _words(example)
    own = " " + " ".join(_words(" ".join(f.text for f in findings))) + " "
    low = " " + " ".join(_words(text)) + " "
    for i in range(len(ex) - LOOP_N + 1):
        gram = " ".join(ex[i : i + LOOP_N])
        if f" {gram} " in low and f" {gram} " not in own:
            return [f"The text copies the prompt's example ('{gram}') instead of the findings."]
    return []


_END_IDS = re.compile(r"\((?:\s*(?:[SF]\d+(?:\+[SF]\d+)?|and)[,;\s]*)+\)$")


def ends_a_sentence(text: str) -> bool:
    """The text's last sentence is finished: a full stop (or ! ?), maybe inside a closing quote
    or bracket, or a closing list of ids "(S3, S7)"; "(e)" or "such as:" is not an end."""
    t = text.strip()
    if _END_IDS.search(t):
        return True
    t = t.rstrip("\"')\u2019\u201d")
    return bool(t) and t[-1] in ".!?"


def check_form(text: str) -> list[str]:
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        return ["The text is raw JSON, not an interpretation."]
    if len(_words(stripped)) < MIN_WORDS:
        return ["The text is too short to be an interpretation."]
    return []


def run_gates(
    g: GateInput, ev: Evidence, findings: list[Finding], verdicts: tuple[str, ...] = (),
    composed: bool = False,
) -> list[str]:
    """Every problem the gates find (empty list: the interpretation may be shown as valid).

    ``composed``: the text is made of sentences the model wrote one at a time, one per finding
    (:func:`~mgstudio.reasoning.report.compose_interpretation`). The loop gate then reads each
    sentence on its own, plus whole repeated sentences: a phrase such as "now and then might"
    that recurs across separately written sentences is their shared form, not a model looping.
    Every other gate reads the whole text as usual."""
    known = f"{g.question} {g.context}"
    problems = check_form(g.narrative)
    if problems:
        return problems
    if not ends_a_sentence(g.narrative):
        problems.append("The text stops in the middle of a sentence.")
    if composed:
        sents = _sentences(g.narrative)
        problems += next((p for p in (check_loops(s) for s in sents) if p), [])
        rep = [s for s, k in Counter(x.lower() for x in sents).items() if k > 1]
        if rep:
            problems.append(f"The text repeats a sentence ('{rep[0][:60]}').")
    else:
        problems += check_loops(g.narrative)
    problems += check_restates(g.narrative, g.question)
    problems += check_contradiction(g, verdicts)
    problems += check_caveats(g.caveats)
    problems += check_numbers(g.narrative, ev, findings, extra=known)
    problems += check_numbers(" ".join(g.caveats), ev, findings, extra=known)
    problems += check_invented(g.narrative + " " + " ".join(g.caveats), ev, findings, known)
    problems += check_citations(g, ev, findings)
    problems += check_trend(g.narrative, findings)
    problems += check_copied_example(g.narrative, findings, EXAMPLE_ANSWER)
    problems += check_claims(g.narrative, ev, findings, known)
    return problems
