"""Per-finding narration: one short prompt per finding, one cautious sentence back, each sentence
checked on its own; only sentences that pass are shown, each with the finding it rests on.

A tiny model (135-270 M parameters) cannot write a true paragraph about a whole timeline (the
benchmarks in ``benchmarks/bench_report_models.py``), but it can often phrase one sentence that
links one finding to one of the cautious readings MG Studio offers for it (:mod:`readings`). The
sentence gates (:func:`check_sentence`) reject a sentence that

- offers an emotional reading that was not offered for this finding, or one no MG reading supports
  (lying, a diagnosis), or no reading at all (it only restates the finding);
- is not cautious (no "may", "might", "could", …);
- names gesture classes, numbers or ids that are not in this finding, or a change in a direction
  the finding does not show, or calls a class frequent that occurred once or twice;
- invents events or people, loops, copies the prompt's worked example, or does not end.

A failing sentence is asked for once more (another seed); if that fails too it is dropped, and
the report says how many were dropped and why. Nothing here decides a verdict.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from mgstudio.core.errors import CancelledError
from mgstudio.reasoning.backends import Backend, LLMError
from mgstudio.reasoning.claims import builtin_label_names, check_directions, find_labels
from mgstudio.reasoning.evidence import Evidence
from mgstudio.reasoning.findings import Finding
from mgstudio.reasoning.gates import INVENTED_WORDS, check_loops, ends_a_sentence
from mgstudio.reasoning.readings import never_words_in, readings_for, state_words_in

#: At most this many findings are narrated (the most telling kinds first).
MAX_NARRATED = 5
#: The order in which finding kinds are narrated when there are more than MAX_NARRATED.
PRIORITY = ("change", "burst", "class", "cooccurrence")
MAX_TOKENS = 48
REPEAT_PENALTY = 1.3
STOP = ["\n", "Finding:", "Possible readings:"]
MIN_WORDS, MAX_WORDS = 6, 45
#: Objects and props small models add to a scene (none is ever in the evidence).
OBJECTS = ("mask", "glasses", "phone", "microphone", "camera", "pen", "cup", "bottle", "table", "chair",
           "toy", "toys", "ball", "racket", "paper", "book", "screen", "computer", "mirror")
#: A class seen fewer times than this is not "frequent".
FREQUENT_MIN = 3

HEDGES = ("may", "might", "could", "can", "perhaps", "possibly", "possible", "suggest", "suggests",
          "hint", "hints", "seem", "seems", "likely", "unlikely", "not necessarily", "or simply")
_FREQUENT = re.compile(r"\b(frequent(?:ly)?|often|many|repeated(?:ly)?|most|constant(?:ly)?|again and again)\b",
                       re.I)
_NUM = re.compile(r"(?<![\w#.])\d+(?:\.\d+)?")  # not the digits inside an id such as S45
_RISE_SAID = re.compile(r"\b(rose|rising|rise|more|increas\w*|grew|growing|went up|picked up|higher)\b", re.I)
_FALL_SAID = re.compile(r"\b(fell|falling|fewer|less|decreas\w*|dropp\w*|declin\w*|stopp\w*|disappear\w*|went down|"
                        r"no longer|settl\w*|lower|calmer)\b", re.I)
_SEVERAL = re.compile(r"\b(now and then|now and again|several|sometimes|repeated\w*|times|often|frequent\w*|again)\b",
                      re.I)
_PART = re.compile(r"\b(head|face|facial|forehead|neck|ears?|eyes?|nose|jaw|chin|cheeks?|hair|lips?|mouth|hands?|arms?|"
                   r"fingers?|nails?|back|shoulders?|torso|legs?|knees?|feet|foot|clothes|collar|tie|hat|shirt|"
                   r"button|body|chest|throat)\b", re.I)
_SAME_PART = {"facial": "face", "feet": "foot", "throat": "neck", "chest": "torso", "shirt": "clothes",
              "button": "clothes", "collar": "clothes", "tie": "clothes", "body": "torso"}


def _body_parts(text: str) -> set[str]:
    out = set()
    for m in _PART.finditer(text):
        w = m.group(1).lower()
        w = _SAME_PART.get(w, w)
        out.add(w[:-1] if w.endswith("s") and w not in ("clothes",) else w)
    return out


def _groups_text(f: Finding) -> str:
    from mgstudio.reasoning.readings import group_of

    return " ".join(group_of(lab).group for lab in f.labels)


_GESTURES = re.compile(r"\b([A-Za-z-]+)\s+gestures?\b")
_CHANGE = re.compile(r"\b(chang\w*|increas\w*|decreas\w*|rose|rising|rise|fell|falling|grew|growing|dropp\w*|"
                     r"declin\w*|more and more|less and less|later on|towards the end|over time)\b", re.I)
_IDS = re.compile(r"\b[SF]\d+\b")  # also inside pairs: "S3+S4"
#: Speaking to the reader instead of about the person in the recording.
_YOU = re.compile(r"\b(you|your|yours|yourself)\b", re.I)
#: Actions a small model puts in the place of the coded one ("tapping the ears" for 'touching ears',
#: "tearing the skin from a forehead"): a sentence may use only those of its finding's labels and
#: readings. Each is a stem with its common endings.
ACTIONS = ("tap", "tear", "pinch", "pick", "pull", "hit", "slap", "squeez", "grab", "wav", "point", "clap",
           "shak", "nod", "wip", "strok", "twist", "clench", "lick", "chew", "bit", "rub", "scratch", "touch",
           "cover", "cross", "fold", "hold", "press", "play", "dust", "buckl", "adjust", "knock", "drum",
           "fidget", "tug", "clasp", "wring", "hug", "stretch", "yawn", "sigh", "bounc", "swing", "rock")
_ACTION = re.compile(r"\b(" + "|".join(ACTIONS) + r")(?:e|es|s|ed|ing|y|ping|ting|bing|ging)?\b", re.I)
#: Stems of the finding's own text that count as the same action.
_SAME_ACTION = {"bit": ("biting", "bite"), "wav": ("wave",), "shak": ("shake",)}

INSTRUCTIONS = (
    "You help a psychologist read micro-gestures: small, mostly unconscious movements. Each "
    "finding below is followed by the readings that are possible for it. Write one cautious "
    "sentence that links the finding to one of its possible readings. Use may or might. Add no "
    "numbers, names, events or other gestures."
)

#: Two worked examples (made-up findings): a small model copies a form far better than it follows
#: instructions. Their wording is gated against (a sentence that copies them is rejected).
EXAMPLES = (
    ("'tapping foot' rose from 0.5 to 1.5 per minute between the first and the last third.",
     ("restlessness", "a release of tension"),
     "Tapping the foot more and more towards the end may hint at growing restlessness, though it "
     "could be a habit."),
    ("'stroking chin' occurred 4 times (0.6 per minute, 9% of all gestures, mean 2.1 s).",
     ("concentration while thinking", "an effort to calm oneself"),
     "Stroking the chin now and then might go with concentration while thinking."),
)
#: A run of this many words from a worked example (not in the finding or its readings) is a copy.
COPY_N = 6


@dataclass
class Reading:
    """One finding's sentence: shown only when ``problems`` is empty after the last try."""

    fid: str
    finding: str
    offered: tuple[str, ...]
    text: str = ""
    problems: list[str] = field(default_factory=list)
    tries: list[dict[str, Any]] = field(default_factory=list)  # prompt, output, problems per try

    @property
    def kept(self) -> bool:
        return bool(self.text) and not self.problems


@dataclass
class Narration:
    """Every finding that was narrated, what was kept and what was dropped."""

    model: str
    readings: list[Reading]
    elapsed_s: float = 0.0
    error: str = ""

    @property
    def kept(self) -> list[Reading]:
        return [r for r in self.readings if r.kept]

    @property
    def dropped(self) -> list[Reading]:
        return [r for r in self.readings if not r.kept]

    @property
    def summary(self) -> str:
        """One sentence on what is shown, for the report and the GUI."""
        n, k = len(self.readings), len(self.kept)
        if self.error:
            return f"No readings: {self.error}"
        if not n:
            return "No finding here calls for a reading (only counts), so no model was asked."
        drop = n - k
        head = (f"{self.model} wrote one sentence for each of {n} finding{'s' if n != 1 else ''}; "
                f"{k} passed MG Studio's checks and {'is' if k == 1 else 'are'} shown")
        if drop:
            head += f", {drop} {'was' if drop == 1 else 'were'} dropped (the reasons are in \"What was sent\")"
        return head + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "summary": self.summary, "elapsed_s": self.elapsed_s,
            "kept": [{"finding": r.fid, "text": r.text} for r in self.kept],
            "dropped": [{"finding": r.fid, "problems": r.problems} for r in self.dropped],
        }


def narrated_findings(findings: list[Finding], limit: int = MAX_NARRATED) -> list[Finding]:
    """The findings that get a sentence (those with readings), in report order."""
    have = [f for f in findings if readings_for(f)]
    ranked = sorted(have, key=lambda f: PRIORITY.index(f.kind) if f.kind in PRIORITY else len(PRIORITY))
    chosen = {f.fid for f in ranked[:limit]}
    return [f for f in findings if f.fid in chosen]


def _finding_head(f: Finding) -> str:
    """The finding without its list of segment ids (a small model copies id lists)."""
    text = f.text
    if ": " in text and re.search(r"[SF]\d+", text.rsplit(": ", 1)[1]):
        text = text.rsplit(": ", 1)[0] + "."
    return re.sub(r"; last third: .*$", ".", text).replace("..", ".")


def _block(finding: str, offered: tuple[str, ...]) -> str:
    return f"Finding: {finding}\nPossible readings: {'; '.join(offered)}.\nCautious reading:"


def sentence_messages(f: Finding) -> list[dict[str, str]]:
    """The prompt for one finding: instructions, two worked examples, the finding."""
    shots = "\n\n".join(f"{_block(t, o)} {a}" for t, o, a in EXAMPLES)
    user = f"{shots}\n\n{_block(_finding_head(f), readings_for(f))}"
    return [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": user}]


def clean_sentence(raw: str) -> str:
    """The model's text as one sentence: no label in front, only the first sentence."""
    t = " ".join(raw.replace("**", "").split())
    t = re.sub(r"^(?:(?:cautious|possible)\s+readings?|reading|answer|assistant)\s*:\s*", "", t, flags=re.I)
    m = re.search(r"[.!?](?=\s|$)", t)
    t = (t[: m.end()] if m else t).strip().strip("\"'\u201c\u201d")
    return t[:1].upper() + t[1:]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'-]*", text.lower())


def _actions(text: str) -> set[str]:
    return {m.group(1).lower() for m in _ACTION.finditer(text)}


def _subject_named(s: str, f: Finding) -> bool:
    """The sentence is about its finding: it names the finding's gesture (a content word of a
    label), or for the overall change the gestures, or for a burst the burst."""
    low = s.lower()
    if f.kind == "burst":
        return bool(re.search(r"\b(burst|cluster|flurry|bunch|moment|stretch)\b", low))
    if not f.labels:
        return bool(re.search(r"\b(gestures?|micro-gestures?|movements?)\b", low))
    stems = {w[:5] for w in _words(" ".join(f.labels))
             if len(w) > 2 and w not in ("and", "the", "off", "body", "parts", "with", "own")}
    return any(w[:5] in stems for w in _words(s))


def check_sentence(sentence: str, f: Finding, ev: Evidence) -> list[str]:
    """Every problem of one finding's sentence (empty: it may be shown)."""
    s = sentence.strip()
    words = _words(s)
    if len(words) < MIN_WORDS:
        return ["The sentence is too short to be a reading."]
    out: list[str] = []
    if len(words) > MAX_WORDS:
        out.append("The sentence is too long for one cautious reading.")
    if not ends_a_sentence(s):
        out.append("The sentence stops in the middle.")
    offered = readings_for(f)
    allowed = set(state_words_in(" ".join(offered)))
    allowed |= {part for w in allowed for part in w.split("-") if len(part) > 3}  # self-protection: protection
    never = never_words_in(s)
    if never:
        out.append(f"The sentence claims what micro-gestures cannot show: {', '.join(never[:3])}.")
    used = state_words_in(s)
    # the same word or one of its forms ("calm" / "calmer"), never a longer word that merely
    # contains it ("attention" is not "tension")
    foreign = [w for w in dict.fromkeys(used)
               if w not in allowed and not any(w.startswith(a) or a.startswith(w) for a in allowed)]
    if foreign:
        out.append(f"The sentence offers a reading that was not offered for {f.fid}: {', '.join(foreign[:3])}.")
    elif not used:
        out.append("The sentence offers no reading: it only describes the gesture.")
    low = f" {' '.join(words)} "
    if not any(f" {h} " in low for h in HEDGES):
        out.append("The sentence is not cautious (no may, might or could).")
    elif used:
        first = min(m.start() for w in used for m in re.finditer(rf"(?<!\w){re.escape(w)}", s.lower()))
        before = f" {' '.join(_words(s[:first]))} "
        if not any(f" {h} " in before for h in HEDGES):
            out.append("The sentence states its reading as a fact before any may or might.")
    stray = [m for m in re.finditer(r"['\u2018\u2019]", s)
             if not (0 < m.start() < len(s) - 1 and s[m.start() - 1].isalpha() and s[m.start() + 1].isalpha())]
    if len(stray) % 2:
        out.append("The sentence has a stray quotation mark.")
    things = [w for w in OBJECTS if re.search(rf"\b{w}\b", s.lower()) and w not in f.text.lower()]
    if things:
        out.append(f"The sentence mentions things that are not in {f.fid}: {', '.join(things[:3])}.")
    own_nums = {float(x) for x in _NUM.findall(_IDS.sub(" ", f.text))}
    bad_nums = [x for x in _NUM.findall(_IDS.sub(" ", s)) if float(x) not in own_nums]
    if bad_nums:
        out.append(f"The sentence uses numbers that are not in {f.fid}: {', '.join(bad_nums[:3])}.")
    ghost = sorted(set(_IDS.findall(s)) - {f.fid} - set(f.sids))
    if ghost:
        out.append(f"The sentence cites ids that are not in {f.fid}: {', '.join(ghost[:3])}.")
    others = (builtin_label_names() | {c.label for c in ev.classes}) - set(f.labels)
    own_spans = [(a, b) for a, b, _ in find_labels(s, set(f.labels))]
    other = [s[a:b] for a, b, lab in find_labels(s, others)
             if not any(x <= a < y + 10 for x, y in own_spans)
             and not any(lab.lower() in own.lower() or own.lower() in lab.lower() for own in f.labels)]
    own_words = set(_words(" ".join(f.labels)))
    other_words = {w for lab in others for w in _words(lab)} - own_words - {"or", "and", "the", "off", "up", "back"}
    other += [m.group(0) for m in _GESTURES.finditer(s)
              if m.group(1).lower() in other_words and m.group(0) not in other]
    if other:
        out.append(f"The sentence names gestures that are not in {f.fid}: {', '.join(repr(x) for x in other[:3])}.")
    invented = [w for w in INVENTED_WORDS if re.search(rf"\b{re.escape(w)}\b", s.lower())
                and not re.search(rf"\b{re.escape(w)}\b", f.text.lower())]
    if invented:
        out.append(f"The sentence mentions things that are not in the evidence: {', '.join(invented[:3])}.")
    out += check_directions(s, ev, [f] if f.kind == "change" else [])
    if f.kind in ("class", "cooccurrence") and _FREQUENT.search(s):
        counts = {c.label: c.count for c in ev.classes}
        n = min((counts.get(lab, 0) for lab in f.labels), default=0)
        if n < FREQUENT_MIN:
            out.append(f"The sentence calls it frequent; {f.fid} counts {n}.")
    if f.kind == "change" and not f.labels and " fell " in f" {f.text} " and _FREQUENT.search(s):
        out.append(f"The sentence speaks of frequent gestures; {f.fid} shows them falling.")
    if f.kind == "change":
        rose = " rose " in f" {f.text} "
        if (_RISE_SAID if rose else _FALL_SAID).search(s) and (_FALL_SAID if rose else _RISE_SAID).search(s):
            out.append(f"The sentence says both more and less ({f.fid} shows one direction).")
        elif not (_RISE_SAID if rose else _FALL_SAID).search(s):
            out.append(f"The sentence does not say that it {'rose' if rose else 'fell'} ({f.fid}).")
    if re.search(r"\b\d+(?:st|nd|rd|th)\b", s):
        out.append("The sentence numbers things the finding does not number.")
    if f.kind == "class" and f.labels:
        counts = {c.label: c.count for c in ev.classes}
        if counts.get(f.labels[0]) == 1 and _SEVERAL.search(s):
            out.append(f"The sentence speaks of several times; {f.fid} counts one.")
    parts = _body_parts(s) - _body_parts(" ".join(f.labels) + " " + _groups_text(f))
    if parts:
        out.append(f"The sentence names body parts that {f.fid} is not about: {', '.join(sorted(parts)[:3])}.")
    if f.kind != "change" and _CHANGE.search(s):
        out.append(f"The sentence speaks of a change over time; {f.fid} is not about one.")
    if not _subject_named(s, f):
        out.append(f"The sentence does not say which gesture it is about ({f.fid}).")
    if _YOU.search(s):
        out.append("The sentence speaks to the reader ('you'), not about the person in the recording.")
    own_text = " ".join(f.labels) + " " + _groups_text(f) + " " + " ".join(offered)
    own_actions = _actions(own_text) | {stem for stem, forms in _SAME_ACTION.items()
                                        if any(x in own_text.lower() for x in forms)}
    acts = sorted(_actions(s) - own_actions)
    if acts:
        out.append(f"The sentence describes an action that {f.fid} is not about: "
                   f"{', '.join(m.group(0) for m in _ACTION.finditer(s) if m.group(1).lower() in acts)[:60]}.")
    offered_words = set(_words(" ".join(offered)))
    turned = [w for w in words for pre in ("un", "in", "dis", "im", "non")
              if w.startswith(pre) and w[len(pre):] in offered_words and w not in offered_words]
    if turned:
        out.append(f"The sentence turns a reading around: {', '.join(dict.fromkeys(turned))}.")
    out += check_loops(s)
    own = f" {' '.join(_words(f.text + ' ' + ' '.join(offered)))} "
    for _, _, example in EXAMPLES:
        ex = _words(example)
        for i in range(len(ex) - COPY_N + 1):
            gram = " ".join(ex[i:i + COPY_N])
            if f" {gram} " in low and f" {gram} " not in own:
                out.append(f"The sentence copies the prompt's worked example ('{gram}').")
                break
    return list(dict.fromkeys(out))


def narrate(
    ev: Evidence,
    findings: list[Finding],
    backend: Backend,
    *,
    seed: int = 0,
    temperature: float = 0.2,
    retries: int = 1,
    limit: int = MAX_NARRATED,
    cancel: threading.Event | None = None,
    on_sentence: Any = None,
) -> Narration:
    """One gated sentence per narrated finding; ``on_sentence(reading)`` after each finding."""
    t0 = time.perf_counter()
    out = Narration(backend.model, [])
    for f in narrated_findings(findings, limit):
        r = Reading(f.fid, f.text, readings_for(f))
        msgs = sentence_messages(f)
        for k in range(1 + retries):
            if cancel is not None and cancel.is_set():
                raise CancelledError("The report was cancelled.")
            try:
                comp = backend.complete(msgs, max_tokens=MAX_TOKENS, temperature=temperature, seed=seed + k,
                                        repeat_penalty=REPEAT_PENALTY, stop=STOP, cancel=cancel,
                                        prefer_plain=True)
            except LLMError as exc:
                out.error = str(exc).strip().rstrip(".") + "."
                out.elapsed_s = round(time.perf_counter() - t0, 3)
                return out
            sentence = clean_sentence(comp.text)
            problems = check_sentence(sentence, f, ev)
            r.tries.append({"messages": msgs, "output": comp.text, "problems": problems})
            r.text, r.problems = sentence, problems
            if not problems:
                break
        out.readings.append(r)
        if on_sentence is not None:
            on_sentence(r)
    out.elapsed_s = round(time.perf_counter() - t0, 3)
    return out
