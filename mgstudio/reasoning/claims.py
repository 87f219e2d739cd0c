"""Claims in a narrative that disagree with the findings: counts (also in words: "twice",
"three times"), ratios ("twice the average rate"), directions ("rose", "more towards the end"),
rankings ("the most frequent gesture was …") and gesture classes the evidence does not hold.

Each check reads one sentence at a time and ties a claim to the class (or burst) the sentence
names; it returns problem sentences that say what the text claims and what the findings show.
The checks are written against real outputs of small models (``tests/reasoning/test_claims.py``).
"""

from __future__ import annotations

import functools
import re

from mgstudio.core.errors import MGStudioError
from mgstudio.reasoning.evidence import Evidence
from mgstudio.reasoning.findings import Finding

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "a dozen": 12,
}
ADVERBS = {"once": 1, "twice": 2, "thrice": 3}
_NUMBER = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
#: "N times" / "twice" as a count (not "N times the average", "twice as often").
_COUNT = re.compile(
    rf"\b(?:(?P<n>{_NUMBER})\s+times|(?P<adv>once|twice|thrice))\b(?!\s+(?:the|as|more|less|higher|lower|faster|"
    r"slower|than|that|its|their|his|her|a|an|per|recording|average|in\s+a\s+row)\b)",
    re.I)
#: "N times the average", "twice as often": a ratio.
_RATIO = re.compile(
    rf"\b(?:(?P<n>{_NUMBER})\s+times|(?P<adv>twice|thrice))\s+(?:the|as|more|higher|faster|its|their|"
    r"(?:the\s+)?recording'?s?)\b", re.I)
_RATIO_IN_FINDINGS = re.compile(r"(\d+(?:\.\d+)?) times the recording's average rate")
RISE = ("increase", "increased", "increases", "increasing", "rose", "rising", "grew", "growing", "more towards the end",
        "more often towards the end", "more frequent towards the end", "more frequently towards the end",
        "picked up", "went up")
FALL = ("decrease", "decreased", "decreases", "decreasing", "fell", "declined", "dropped", "falling",
        "less towards the end", "less often towards the end", "less frequent towards the end", "went down",
        "fewer towards the end")
_MOST = re.compile(r"\b(?:the\s+)?most\s+(?:frequent|common|often|prevalent|repeated)\b|\bmost\s+gestures\s+were\b",
                   re.I)
_LEAST = re.compile(r"\b(?:least\s+(?:frequent|common)|rarest)\b", re.I)
_QUOTED = re.compile(r"['\u2018\u201c\"]([^'\u2019\u201d\"]{3,60})['\u2019\u201d\"]")
_GESTURE_WORD = re.compile(
    r"\b(touch\w*|scratch\w*|fold\w*|cross\w*|rub\w*|shak\w*|cover\w*|pull\w*|play\w*|hold\w*|nod\w*|"
    r"bit\w*|lick\w*|sway\w*|tilt\w*|shrug\w*|arms?|hands?|fingers?|legs?|head|neck|face|nose|ears?|lips?|"
    r"eyes?|chin|hair|shoulders?|collar|clothes)\b", re.I)
_ART = r"(?:\s+(?:the|his|her|their|one's|own))?\s+"


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _number(token: str) -> float:
    t = token.lower()
    return float(NUMBER_WORDS[t]) if t in NUMBER_WORDS else float(t)


@functools.lru_cache(maxsize=1)
def builtin_label_names() -> frozenset[str]:
    """Every label of MG Studio's built-in taxonomies."""
    from mgstudio.core.taxonomy import builtin_taxonomies, load_taxonomy

    names: set[str] = set()
    for name in builtin_taxonomies():
        try:
            names.update(load_taxonomy(name).names)
        except MGStudioError:  # a damaged install: its labels are then unknown here
            continue
    return frozenset(names)


@functools.lru_cache(maxsize=4096)
def _label_pattern(label: str) -> re.Pattern[str]:
    """A label and its spoken variants: "touching or scratching head" also matches "scratching
    the head"; "crossing arms" also "crossed arms"."""
    words = label.lower().replace("/", " / ").split()
    if " or " in f" {label.lower()} " and len(words) >= 3:
        i = words.index("or")
        verbs, rest = words[:i] + words[i + 1:i + 2], words[i + 2:]
        alts = [" ".join([v] + rest) for v in verbs] + [label.lower()]
    else:
        alts = [label.lower()]
    parts = []
    for alt in alts:
        toks = [re.escape(t) for t in alt.split() if t != "/"]
        if not toks:
            continue
        toks = [re.sub(r"ing$", r"(?:ing|ed|es|s)?", t) if t.endswith("ing") else t for t in toks]
        parts.append(_ART.join(toks))
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.I)


def find_labels(sentence: str, labels: list[str] | set[str] | frozenset[str]) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` of each label a sentence names (longest labels first, no overlaps)."""
    out: list[tuple[int, int, str]] = []
    for lab in sorted(labels, key=len, reverse=True):
        m = _label_pattern(lab).search(sentence)
        if m and not any(a <= m.start() < b for a, b, _ in out):
            out.append((m.start(), m.end(), lab))
    return sorted(out)


def named_labels(sentence: str, labels: list[str] | set[str] | frozenset[str]) -> list[tuple[int, str]]:
    """The labels a sentence names, with where each is first named."""
    return [(a, lab) for a, _, lab in find_labels(sentence, labels)]


def _counts(ev: Evidence) -> dict[str, int]:
    return {c.label: c.count for c in ev.classes}


def check_counts(text: str, ev: Evidence, findings: list[Finding]) -> list[str]:
    """"X occurred twice" must match X's count; "the densest burst occurred twice": a burst
    happens once."""
    counts = _counts(ev)
    labels = list(counts)
    together = {c: co.count for co in ev.cooccurrences for c in co.labels}
    thirds: dict[str, set[int]] = {}
    if ev.change is not None:
        for lab, (a, b) in ev.change.per_class.items():
            thirds[lab] = {a, b}
    any_count = set(counts.values()) | {len(ev.segments), len(ev.bursts)} | {len(b.sids) for b in ev.bursts} \
        | {co.count for co in ev.cooccurrences} | {v for s in thirds.values() for v in s}
    if ev.change is not None:
        any_count |= {ev.change.first_total, ev.change.last_total}
    out: list[str] = []
    for sent in _sentences(text):
        named = named_labels(sent, labels)
        bursts = [b.start() for b in re.finditer(r"\bburst\b(?!s)", sent, re.I)]
        for m in _COUNT.finditer(sent):
            n = ADVERBS[m.group("adv").lower()] if m.group("adv") else _number(m.group("n"))
            said = m.group(0)
            before = [(pos, lab) for pos, lab in named if pos < m.start()]
            burst_at = max((b for b in bursts if b < m.start()), default=-1)
            if burst_at > (before[-1][0] if before else -1):
                if n != 1:
                    out.append(f"The text says a burst happened {said}; each burst in the findings is one "
                               "stretch of time.")
                continue
            if before:
                lab = before[-1][1]
                ok = {counts[lab]} | thirds.get(lab, set())
                if "together" in sent.lower() and lab in together:
                    ok.add(together[lab])
                if n not in ok:
                    out.append(f"The text says '{lab}' occurred {said}; the findings count it "
                               f"{counts[lab]} time{'s' if counts[lab] != 1 else ''}.")
            elif n not in any_count:
                out.append(f"The text says something happened {said}; no count in the findings is {n:g}.")
    return list(dict.fromkeys(out))


def check_ratios(text: str, findings: list[Finding]) -> list[str]:
    """"Twice the recording's average rate" must be a ratio the findings give (within 15%)."""
    ratios = [float(x) for f in findings for x in _RATIO_IN_FINDINGS.findall(f.text)]
    out = []
    for m in _RATIO.finditer(text):
        n = ADVERBS[m.group("adv").lower()] if m.group("adv") else _number(m.group("n"))
        if not any(abs(n - r) <= 0.15 * r + 0.05 for r in ratios):
            shown = ", ".join(f"{r:g}" for r in ratios) if ratios else "none"
            out.append(f"The text says '{m.group(0).strip()}'; the ratios in the findings are: {shown}.")
    return list(dict.fromkeys(out))[:2]


def _directions(findings: list[Finding]) -> tuple[str | None, dict[str, str]]:
    overall, per_class = None, {}
    for f in findings:
        if f.kind != "change":
            continue
        verb = "rose" if " rose " in f" {f.text} " else "fell" if " fell " in f" {f.text} " else "same"
        if f.labels:
            per_class[f.labels[0]] = verb
        else:
            overall = verb
    return overall, per_class


def _says(sentence: str, words: tuple[str, ...]) -> bool:
    low = sentence.lower()
    return any(re.search(rf"\b{re.escape(w)}\b", low) for w in words)


def check_directions(text: str, ev: Evidence, findings: list[Finding]) -> list[str]:
    """A class said to rise (or fall) must be one the change findings show rising (falling)."""
    overall, per_class = _directions(findings)
    labels = list(_counts(ev))
    out = []
    for sent in _sentences(text):
        rise, fall = _says(sent, RISE), _says(sent, FALL)
        if not (rise or fall) or (rise and fall):
            continue
        claim = "rose" if rise else "fell"
        named = [lab for _, lab in named_labels(sent, labels)]
        for lab in named:
            if lab in per_class:
                if per_class[lab] != claim:
                    out.append(f"The text says '{lab}' {claim}; the findings show it {per_class[lab]}.")
            elif overall != claim:  # not the overall change either
                out.append(f"The text says '{lab}' {claim}; the findings show no such change for it.")
        if not named and overall is not None and overall != claim:
            out.append(f"The text says the gestures {claim}; the findings show "
                       f"{'the rate about the same' if overall == 'same' else 'they ' + overall}.")
    return list(dict.fromkeys(out))[:3]


def check_rankings(text: str, ev: Evidence) -> list[str]:
    """"The most frequent gesture was X": X must be (one of) the most frequent classes."""
    counts = _counts(ev)
    if not counts:
        return []
    top, low = max(counts.values()), min(counts.values())
    out = []
    for sent in _sentences(text):
        named = named_labels(sent, list(counts))
        if not named:
            continue
        m = _MOST.search(sent)
        if m:
            after = [lab for pos, lab in named if pos >= m.start()] or [named[0][1]]
            lab = after[0]
            if counts[lab] != top and not re.search(r"\bmost\s+(?:frequent|common)\s+\w+\s+(?:was|were)\s+not\b", sent):
                best = ", ".join(f"'{k}'" for k, v in counts.items() if v == top)
                out.append(f"The text calls '{lab}' the most frequent; it occurred {counts[lab]} time(s), "
                           f"{best} {top}.")
        m = _LEAST.search(sent)
        if m and len(counts) > 1:
            after = [lab for pos, lab in named if pos >= m.start()] or [named[0][1]]
            if counts[after[0]] != low:
                out.append(f"The text calls '{after[0]}' the least frequent; it occurred {counts[after[0]]} "
                           "time(s), not the fewest.")
    return list(dict.fromkeys(out))[:2]


def check_classes(text: str, ev: Evidence, known: str = "") -> list[str]:
    """Gesture classes the text names that the evidence does not hold: a built-in label, or a
    quoted gesture-like phrase, that is not one of this timeline's classes."""
    present = set(_counts(ev))
    absent = [lab for lab in builtin_label_names() if lab not in present and lab.lower() not in known.lower()]
    out: list[str] = []
    for sent in _sentences(text):
        own = named_labels(sent, present)
        spans = [(p, p + len(lab)) for p, lab in own]
        said: list[tuple[int, int]] = []
        for pos, end, lab in find_labels(sent, absent):
            if any(a <= pos < b + 10 for a, b in spans):
                continue  # inside or right after a present class's name ("touching face and head")
            if any(_label_pattern(p).search(lab) for p in present):
                continue  # the absent label is worded like a present one
            out.append(sent[pos:end])
            said.append((pos, end))
        for m in _QUOTED.finditer(sent):
            phrase = m.group(1).strip()
            if any(a <= m.start(1) < b for a, b in said):
                continue  # already named above
            if not _GESTURE_WORD.search(phrase) or any(_label_pattern(p).search(phrase) for p in present):
                continue
            if any(phrase.lower() in p.lower() for p in present) or phrase.lower() in known.lower():
                continue
            out.append(phrase)
    out = list(dict.fromkeys(out))
    if out:
        return [f"The text names gestures that are not in the evidence: {', '.join(repr(x) for x in out[:4])}."]
    return []


def check_fragments(text: str) -> list[str]:
    """Bits that are not sentences: "(e)", "S23+", a last sentence without its full stop."""
    out = []
    frags = [s for s in _sentences(text) if len(re.findall(r"[A-Za-z]{2,}", s)) < 2]
    if frags:
        out.append(f"The text has pieces that are not sentences: {', '.join(repr(f[:20]) for f in frags[:3])}.")
    if re.search(r"\(\s*[a-z]\s*\)\s*$", text.strip()) or re.search(r"\(\s*[a-z]\s*\)(?=\s*[.,;:]?\s*(?:but|and|or)\b)",
                                                                        text):
        out.append("The text holds a stray '(e)'-like fragment.")
    return out


def check_claims(text: str, ev: Evidence, findings: list[Finding], known: str = "") -> list[str]:
    """Every claim check above."""
    return (check_counts(text, ev, findings) + check_ratios(text, findings) + check_directions(text, ev, findings)
            + check_rankings(text, ev) + check_classes(text, ev, known) + check_fragments(text))
