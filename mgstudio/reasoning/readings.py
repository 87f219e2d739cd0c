"""Cautious readings of micro-gesture findings, vetted by hand: what a kind of gesture is often
taken to suggest in the nonverbal-behaviour literature, worded as possibilities, never as facts.

A language model that narrates a finding is offered only these readings for it, and a sentence
that reaches for any other emotional reading is rejected (:mod:`narration`). The wording is MG
Studio's own summary of common readings (self-touch as self-soothing or discomfort, closed arms as
holding back, steepling as confidence, …); none is validated for a particular person, which every
report says. Labels MG Studio does not know get the generic readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mgstudio.reasoning.findings import Finding


@dataclass(frozen=True)
class Readings:
    """A group of gestures and the readings allowed for it."""

    group: str
    readings: tuple[str, ...]


#: The gesture groups (iMiGUE's classes; SMG's and a few common custom names by keyword).
GROUPS: dict[str, Readings] = {
    "self_touch": Readings("touching one's own head, face or neck",
                           ("discomfort or unease", "an effort to calm oneself", "concentration while thinking")),
    "covering": Readings("covering or rubbing the face or eyes",
                         ("embarrassment or a wish to hide a reaction", "tiredness", "discomfort or unease")),
    "nails": Readings("biting nails", ("nervousness or tension", "an effort to calm oneself")),
    "hands": Readings("touching one's own hands, arms or back",
                      ("tension or unease", "an effort to calm oneself")),
    "closed": Readings("closing or holding back the arms",
                       ("holding back or closing off", "self-protection", "comfort in a familiar posture")),
    "clothes": Readings("adjusting clothes", ("unease", "a wish to look composed")),
    "restless": Readings("moving the torso or shoulders", ("restlessness or agitation", "a release of tension")),
    "upright": Readings("sitting up straight", ("an effort to look composed or attentive",)),
    "shrink": Readings("pulling the head into the shoulders", ("insecurity or feeling under pressure",)),
    "confident": Readings("steepling, hands on hips or the head held up",
                          ("confidence or a sense of control", "a wish to appear confident")),
    "lips": Readings("pressing the lips or a deep breath",
                     ("holding back words or a reaction", "tension", "an effort to calm oneself")),
    "objects": Readings("playing with objects", ("restlessness", "an effort to calm oneself", "boredom")),
    "illustrative": Readings("gestures that go with speech", ("engagement in explaining",)),
    "generic": Readings("micro-gestures", ("a change in how comfortable the person felt",)),
}

#: Keywords of a label → its group (first match wins; iMiGUE's class names are covered).
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("deep breath", "lips"), ("pressing lips", "lips"), ("covering face", "covering"), ("rubbing eyes", "covering"), ("biting nails", "nails"),
    ("turtle neck", "shrink"), ("suprasternal", "self_touch"), ("neck", "self_touch"),
    ("head up", "confident"), ("minaret", "confident"), ("akimbo", "confident"),
    ("head", "self_touch"), ("forehead", "self_touch"), ("facial", "self_touch"), ("face", "self_touch"),
    ("ears", "self_touch"), ("jaw", "self_touch"), ("chin", "self_touch"), ("nose", "self_touch"),
    ("hair", "self_touch"), ("hat", "self_touch"),
    ("folding arms", "closed"), ("arms crossed", "closed"), ("crossing arms", "closed"),
    ("holding back arms", "closed"), ("arms behind", "closed"),
    ("button", "clothes"), ("collar", "clothes"), ("tie", "clothes"), ("clothes", "clothes"),
    ("torso", "restless"), ("shoulders", "restless"), ("sitting straightly", "upright"),
    ("lips", "lips"),
    ("objects", "objects"), ("illustrative", "illustrative"),
    ("hands", "hands"), ("fingers", "hands"), ("arms", "hands"), ("back", "hands"),
)

#: Readings of the overall change between the first and the last third.
RISE = ("growing tension or arousal", "growing engagement")
FALL = ("settling down as the recording went on", "becoming calmer or more at ease")
BURST = ("a moment of heightened tension or a reaction to what was happening then",)

#: What no reading of micro-gestures supports: never offered, always rejected.
NEVER = ("lying", "lie", "lies", "lied", "liar", "deceptive", "deception", "deceiving", "dishonest",
         "honest", "honesty", "truthful", "untruthful", "guilty", "guilt", "diagnosis", "disorder",
         "depressed", "depression", "autism", "adhd", "psychopath", "narcissist", "mentally ill",
         "hide something", "hiding something", "hides something", "secret", "secrets", "conceal", "concealing")

#: Words that name an emotion or mental state. A sentence may use only those of the readings it was
#: offered (or none of these): an emotional reading outside them is not vetted for the finding.
STATE_WORDS = (
    "nervous", "nervousness", "anxious", "anxiety", "stress", "stressed", "tension", "tense", "discomfort",
    "uncomfortable", "uneasy", "unease", "calm", "calmer", "relaxed", "relaxation", "comfort", "comfortable",
    "confident", "confidence", "insecure", "insecurity", "engaged", "engagement", "interest", "interested",
    "bored", "boredom", "tired", "tiredness", "fatigue", "embarrassed", "embarrassment", "shame", "ashamed",
    "hide", "hiding", "angry", "anger", "frustrated", "frustration", "irritated", "irritation", "happy",
    "happiness", "sad", "sadness", "upset", "excited", "excitement", "joy", "joyful", "fear", "afraid",
    "scared", "worried", "worry", "attentive", "attention", "concentration", "concentrating", "focus",
    "focused", "thinking", "thought", "relief", "relieved", "agitation", "agitated", "restless",
    "restlessness", "arousal", "aroused", "soothe", "soothing", "self-soothing", "defensive", "protection",
    "self-protection", "protect", "control", "composed", "composure", "pressure", "dominance", "dominant",
    "pride", "proud", "satisfied", "satisfaction", "disappointed", "disappointment", "surprise",
    "surprised", "curious", "curiosity", "enthusiasm", "enthusiastic", "eager", "empathy", "trust",
    "submissive", "aggressive", "aggression", "hostile", "hostility", "love", "lonely", "loneliness",
    "emotional", "emotions", "emotion", "mood", "feelings", "vulnerable", "vulnerability", "panic",
    "explaining", "explain", "holding back", "closing off", "at ease", "secure", "security", "safe",
    "threatened", "threat", "danger", "nervously", "calmly", "confidently", "shy", "shyness", "doubt",
    "uncertain", "uncertainty", "hesitant", "hesitation", "impatient", "impatience", "annoyed", "annoyance",
    "defense", "defence", "thoughts", "attention-seeking", "seeking", "self-esteem", "esteem", "insecure", "secure", "discomfort",
)


def group_of(label: str) -> Readings:
    """The reading group of a label (generic for labels MG Studio does not know)."""
    low = f" {label.lower()} "
    for key, group in _KEYWORDS:
        if re.search(rf"\b{re.escape(key)}\b", low):
            return GROUPS[group]
    return GROUPS["generic"]


def readings_for(finding: Finding) -> tuple[str, ...]:
    """The readings a model may offer for one finding (empty: the finding is not narrated)."""
    if finding.kind == "class" and finding.labels:
        return group_of(finding.labels[0]).readings
    if finding.kind == "change":
        if finding.labels:
            return group_of(finding.labels[0]).readings
        if " rose " in f" {finding.text} ":
            return RISE
        if " fell " in f" {finding.text} ":
            return FALL
        return ()  # "about the same": nothing to read into
    if finding.kind == "burst":
        return BURST
    if finding.kind == "cooccurrence" and len(finding.labels) == 2:
        a, b = (group_of(lab).readings for lab in finding.labels)
        return tuple(dict.fromkeys(a + b))[:4]
    return ()  # overall counts and the study comparison are facts, not readings


def state_words_in(text: str) -> list[str]:
    """The emotion or state words a text uses (as listed in :data:`STATE_WORDS`), in order."""
    low = text.lower()
    found = [(m.start(), w) for w in STATE_WORDS for m in re.finditer(rf"(?<!\w){re.escape(w)}(?!\w)", low)]
    return [w for _, w in sorted(found)]


def never_words_in(text: str) -> list[str]:
    low = text.lower()
    return [w for w in NEVER if re.search(rf"\b{re.escape(w)}\b", low)]
