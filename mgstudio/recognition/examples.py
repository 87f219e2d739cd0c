"""Training examples for "Learn from my labels", taken from what a coder has reviewed only.

:func:`collect_examples` embeds windows of the encoder's length (centred on short segments,
sliding inside long ones: what the proposal engine sees) for

- every accepted/edited segment with an MG label (its label);
- **background** ("no MG here", :data:`~.fewshot.BACKGROUND`) windows taken only from
  *reviewed* time (:func:`reviewed_spans`): rejected proposals, segments labelled as a non-MG
  class (iMiGUE's ``non-MG`` / class 99, see :func:`is_non_mg`), and the gaps between labels
  inside the item's reviewed spans. Unreviewed time is never background: that is where the
  MGs nobody has coded yet are.

Reviewed spans of an item: its ``reviewed_spans`` attribute (``[[start, end], ...]`` media
frames, set with :func:`mark_reviewed`, e.g. "the first half is coded") when present; else the
stretch from the first to the last reviewed segment (a coder who labelled segments there looked
at what lies between them).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.segments import Segment, Status
from mgstudio.recognition.encoder import cancelled
from mgstudio.recognition.fewshot import BACKGROUND

REVIEWED_ATTR = "reviewed_spans"
_NON_MG = re.compile(r"^\s*(non[\s_-]*mg|no[\s_-]*mg|99|background|none|__background__)\s*$", re.IGNORECASE)


def is_non_mg(label: str) -> bool:
    """True for labels that mean "no micro-gesture" (``non-MG``, iMiGUE class ``99``, ``background``)."""
    return bool(_NON_MG.match(label or ""))


@dataclass
class LabelledSet:
    emb: np.ndarray
    labels: list[str]
    groups: list[str]
    grouping: str
    counts: Counter
    segment_ids: list[int]


def windows_for(a: int, b: int, n: int, w: int) -> list[int]:
    """Window starts covering the segment [a, b) of a sequence of n frames."""
    if n <= w:
        return [0]
    if b - a <= w:
        s = (a + b) // 2 - w // 2
        return [int(min(max(0, s), n - w))]
    starts = list(range(a, b - w + 1, max(1, w // 2)))
    if starts[-1] != b - w:
        starts.append(b - w)
    return [int(min(max(0, s), n - w)) for s in starts]


def mark_reviewed(project, item_id: int, start: int, end: int) -> list[list[int]]:
    """Add [start, end) (media frames) to the item's reviewed spans; returns them merged."""
    spans = [list(map(int, s)) for s in ((project.item(item_id).attributes or {}).get(REVIEWED_ATTR) or [])]
    spans.append([int(start), int(end)])
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    project.set_item_attribute(item_id, REVIEWED_ATTR, merged)
    return merged


def reviewed_spans(project, item_id: int, segments: list[Segment] | None = None) -> list[tuple[int, int]]:
    """The item's reviewed time as half-open media-frame spans (see the module docstring)."""
    attr = (project.item(item_id).attributes or {}).get(REVIEWED_ATTR)
    if attr:
        try:
            return [(int(a), int(b)) for a, b in attr if int(b) > int(a)]
        except (TypeError, ValueError):
            raise MGStudioError(f"The reviewed spans of item {item_id} are not a list of [start, end] frames.",
                                repr(attr)) from None
    segs = segments if segments is not None else project.segments(item_id, statuses=list(
        (Status.ACCEPTED, Status.EDITED, Status.REJECTED)))
    segs = [s for s in segs if s.status != Status.PROPOSED]
    if not segs:
        return []
    return [(min(s.start for s in segs), max(s.end for s in segs))]


def collect_examples(project, enc, *, background_ratio: float = 1.0, max_background: int = 400, seed: int = 0,
                     progress=None, cancel=None, agnostic: bool = False) -> LabelledSet:
    """Embed the project's reviewed segments and reviewed background windows.

    ``agnostic``: every MG label becomes ``"MG"`` (the class-agnostic MG-vs-background head)."""
    from mgstudio.recognition.proposals import sequence_coords

    reviewed = project.segments(None, statuses=[Status.ACCEPTED, Status.EDITED, Status.REJECTED])
    labelled = [s for s in reviewed if s.status != Status.REJECTED and s.label and not is_non_mg(s.label)]
    if not labelled:
        raise MGStudioError("There are no accepted labels in this project yet: accept or draw a few segments first.")
    items = {it.id: it for it in project.items()}
    subjects = {i: str((it.attributes or {}).get("subject", "")) for i, it in items.items()}
    with_subject = [s for s in subjects.values() if s]
    grouping = "subject" if len(set(with_subject)) >= 2 and len(with_subject) == len(subjects) else "item"
    rng = np.random.default_rng(seed)
    w = enc.window
    wins: list[np.ndarray] = []
    labels: list[str] = []
    groups: list[str] = []
    seg_ids: list[int] = []
    per_item: dict[int, list[Segment]] = {}
    for s in reviewed:
        per_item.setdefault(s.item_id, []).append(s)
    bg_jobs: list[tuple[int, int]] = []
    coords_cache: dict[int, np.ndarray] = {}
    n_pos = 0
    lab_ids = {id(s) for s in labelled}
    for item_id in sorted(per_item):
        if cancelled(cancel):
            raise CancelledError()
        seq = project.load_skeleton(item_id)
        if seq is None:
            continue
        coords = sequence_coords(seq, enc)
        coords_cache[item_id] = coords
        n, off = len(coords), int(seq.start_frame)
        g = subjects.get(item_id) if grouping == "subject" else str(item_id)
        mg = np.zeros(n, bool)
        for s in per_item[item_id]:
            if id(s) in lab_ids:
                mg[max(0, s.start - off):max(0, min(n, s.end - off))] = True
        for s in per_item[item_id]:
            a, b = max(0, s.start - off), min(n, s.end - off)
            if b <= a or id(s) not in lab_ids:
                continue
            seg_ids.append(int(s.id or 0))
            for st in windows_for(a, b, n, w):
                wins.append(coords[st:st + w])
                labels.append("MG" if agnostic else s.label)
                groups.append(g)
                n_pos += 1
        if n < w:
            continue
        # background: rejected proposals and non-MG labels first, then free reviewed time
        for s in per_item[item_id]:
            if id(s) in lab_ids:
                continue
            a, b = max(0, s.start - off), min(n, s.end - off)
            for st in windows_for(a, b, n, w)[:3] if b > a else []:
                if not mg[st:st + w].any():
                    bg_jobs.append((item_id, st))
        for ra, rb in reviewed_spans(project, item_id, per_item[item_id]):
            a, b = max(0, ra - off), min(n, rb - off)
            for st in range(a, b - w + 1, max(1, w // 2)):
                if not mg[st:st + w].any():
                    bg_jobs.append((item_id, st))
    if not wins:
        raise MGStudioError("The accepted labels are on items without a skeleton: extract the skeletons first.")
    bg_jobs = sorted(set(bg_jobs))
    if not bg_jobs and len(set(labels)) < 2:
        raise MGStudioError("To learn what is not an MG, reject a few wrong proposals or mark a stretch you have "
                            "fully coded as reviewed; unreviewed time is never used as 'no MG'.")
    n_bg = int(min(max_background, max(10, round(background_ratio * n_pos))))
    if len(bg_jobs) > n_bg:
        pick = rng.choice(len(bg_jobs), n_bg, replace=False)
        bg_jobs = [bg_jobs[i] for i in sorted(pick)]
    for item_id, st in bg_jobs:
        wins.append(coords_cache[item_id][st:st + w])
        labels.append(BACKGROUND)
        groups.append(subjects.get(item_id) if grouping == "subject" else str(item_id))
    arr = np.stack([_fit_len(x, w) for x in wins])
    visible = np.isfinite(arr).any(axis=(1, 2, 3))
    if not visible.any():
        raise MGStudioError("No joint is visible in any labelled segment, so there is nothing to learn from.")
    arr = arr[visible]
    labels = [lab for lab, v in zip(labels, visible) if v]
    groups = [g for g, v in zip(groups, visible) if v]
    emb = enc.embed(arr, progress=progress, cancel=cancel)
    counts: Counter = Counter()
    for s in labelled:
        counts["MG" if agnostic else s.label] += 1
    counts[BACKGROUND] = labels.count(BACKGROUND)
    if len(set(groups)) < 2 and grouping == "item":
        grouping = "examples"
    return LabelledSet(emb, labels, groups, grouping, counts, seg_ids)


def _fit_len(x: np.ndarray, w: int) -> np.ndarray:
    if len(x) == w:
        return x
    from mgstudio.recognition.preprocess import resample_time

    return resample_time(x, w)
