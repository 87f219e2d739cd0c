"""One spotting protocol: proposals scored against a reference tier (MiGA-style).

A proposal is correct when it is matched one-to-one to a reference segment with temporal IoU
above the bound (0.1, 0.3, 0.5), label-matched or class-agnostic; proposals are taken by
confidence, highest first (:func:`mgstudio.core.metrics.spotting_scores`). Besides P/R/F1:
precision of the top 10 and top 25 % proposals by confidence, and the calibration error (ECE)
of the confidences against "was correct at IoU 0.3".

:func:`evaluate_project` runs it on a project: the cold start on every item with a skeleton and
reference segments; with ``split_half`` the first half of each item is treated as coded (its
reference segments accepted, that half marked reviewed) in a temporary copy, a label model is
learnt from it, and the second half is proposed and scored. The user's project is not changed.
Reference labels that mean "no MG" (:func:`~.examples.is_non_mg`) are not gestures to find.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from mgstudio.core.errors import MGStudioError
from mgstudio.core.metrics import spotting_scores, temporal_iou
from mgstudio.core.segments import Segment, Status
from mgstudio.recognition.calibration import expected_calibration_error
from mgstudio.recognition.examples import is_non_mg

IOUS = (0.1, 0.3, 0.5)


def matched(pred: list[Any], gt: list[Any], iou: float = 0.3, class_agnostic: bool = True) -> np.ndarray:
    """Per prediction (in the given order): True when greedy one-to-one matching by confidence
    pairs it with a reference segment of IoU > ``iou`` (same item; same label unless agnostic)."""
    order = sorted(range(len(pred)), key=lambda i: -(getattr(pred[i], "confidence", None) or 0.0))
    used = [False] * len(gt)
    by_item: dict[Any, list[int]] = {}
    for k, g in enumerate(gt):
        by_item.setdefault(g.item_id, []).append(k)
    ok = np.zeros(len(pred), bool)
    for i in order:
        p = pred[i]
        best, best_v = -1, iou
        for k in by_item.get(p.item_id, []):
            if used[k] or (not class_agnostic and gt[k].label != p.label):
                continue
            v = temporal_iou(p, gt[k])
            if v > best_v:
                best, best_v = k, v
        if best >= 0:
            used[best] = True
            ok[i] = True
    return ok


def top_precision(pred: list[Any], correct: np.ndarray, k: int) -> float:
    """Precision of the ``k`` most confident predictions."""
    if not pred or k <= 0:
        return float("nan")
    order = np.argsort([-(p.confidence or 0.0) for p in pred], kind="stable")[:k]
    return float(np.mean(correct[order]))


def score(pred: Iterable[Any], gt: Iterable[Any], ious: tuple[float, ...] = IOUS) -> dict[str, Any]:
    """P/R/F1 (labelled and class-agnostic) per IoU bound, top-10 / top-25 % precision, ECE."""
    pred, gt = list(pred), [g for g in gt if not is_non_mg(g.label)]
    out: dict[str, Any] = {"n_pred": len(pred), "n_ref": len(gt)}
    for t in ious:
        for agn in (False, True):
            s = spotting_scores(pred, gt, iou=t, class_agnostic=agn)
            out[f"{'agnostic' if agn else 'labelled'}@{t}"] = {"P": s.precision, "R": s.recall, "F1": s.f1}
    correct = matched(pred, gt, 0.3, True)
    out["top10_precision"] = top_precision(pred, correct, 10)
    out["top25pct_precision"] = top_precision(pred, correct, max(1, int(round(0.25 * len(pred)))))
    conf = np.array([p.confidence or 0.0 for p in pred], float)
    out["ece"] = expected_calibration_error(conf, correct) if pred else float("nan")
    return out


def format_scores(name: str, sc: dict[str, Any]) -> str:
    """A few readable lines of :func:`score` output."""
    lines = [f"{name}: {sc['n_pred']} proposals, {sc['n_ref']} reference segments"]
    for t in IOUS:
        a, lab = sc[f"agnostic@{t}"], sc[f"labelled@{t}"]
        lines.append(f"  IoU>{t}: class-agnostic P {a['P']:.2f} R {a['R']:.2f} F1 {a['F1']:.2f}   "
                     f"label-matched P {lab['P']:.2f} R {lab['R']:.2f} F1 {lab['F1']:.2f}")
    lines.append(f"  top-10 precision {sc['top10_precision']:.2f}, top-25 % precision "
                 f"{sc['top25pct_precision']:.2f}, calibration error (ECE) {sc['ece']:.2f}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- on a project
def _reference(project, tier) -> dict[int, list[Segment]]:
    try:
        t = project.tier(tier)
    except Exception as exc:  # noqa: BLE001 - the store's own message names the tier
        raise MGStudioError(f"This project has no tier '{tier}'; see 'mgstudio info' for its tiers.") from exc
    ref: dict[int, list[Segment]] = {}
    for s in project.segments(None, t.id):
        if s.status != Status.REJECTED and s.status != Status.PROPOSED:
            ref.setdefault(s.item_id, []).append(s)
    if not ref:
        raise MGStudioError(f"Tier '{t.name}' has no reviewed segments to score against.")
    return ref


def evaluate_project(project, reference_tier: int | str, *, split_half: bool = False, model=None,
                     log: Callable[[str], None] | None = None, cues=None, detector: bool = False) -> dict[str, Any]:
    """Score proposals on ``project`` against ``reference_tier`` (see the module docstring);
    ``cues``: the cold start's :class:`~.coldstart.CueParams` (default settings when None)."""
    from mgstudio.recognition.encoder import resolve_encoder
    from mgstudio.recognition.proposals import propose

    ref = _reference(project, reference_tier)
    items = [it for it in project.items() if it.id in ref and project.has_skeleton(it.id)]
    if not items:
        raise MGStudioError("No item with reference segments has a skeleton: run 'mgstudio extract' first.")
    enc = resolve_encoder(model)
    labels = list(project.taxonomy.names)
    seqs = {it.id: project.load_skeleton(it.id) for it in items}
    result: dict[str, Any] = {"items": [it.name for it in items]}
    cold: list[Segment] = []
    halves: dict[int, int] = {}
    notes: list[str] = []
    for it in items:
        seq = seqs[it.id]
        halves[it.id] = int(seq.start_frame + len(seq) // 2)
        try:
            got = propose(seq, enc, None, movement=True, labels=labels, cues=cues)
        except MGStudioError as exc:  # too short, nothing visible: scored as no proposals, and said
            got, why = [], str(exc)
        else:
            from mgstudio.recognition.coldstart import no_proposals_note

            why = no_proposals_note(seq, cues) if not got else ""
        if why:
            notes.append(f"{it.name}: no proposals. {why}")
        cold += [s.with_(item_id=it.id) for s in got]
    result["notes"] = notes
    gt = [s for it in items for s in ref[it.id]]
    result["cold_start"] = score(cold, gt)
    if split_half:
        late_gt = [s for s in gt if s.start >= halves[s.item_id]]
        late_cold = [s for s in cold if s.start >= halves[s.item_id]]
        result["cold_start_second_half"] = score(late_cold, late_gt)
        # calibration as a coder's reviews would give it: the first half's proposals, kept when correct
        from mgstudio.recognition.calibration import apply, fit

        early = [s for s in cold if s.start < halves[s.item_id]]
        early_gt = [s for s in gt if s.start < halves[s.item_id]]
        cal = fit(np.array([s.confidence for s in early]), matched(early, early_gt, 0.3, True).astype(float))
        result["cold_start_second_half_calibrated"] = score(apply(late_cold, cal), late_gt) if cal else None
        result.update(_learn_first_half(project, items, seqs, ref, halves, enc, labels, log, cues, detector))
        result["learnt_second_half"] = score(result.pop("_learnt"), late_gt)
        result["learnt_cues_second_half"] = score(result.pop("_cues"), late_gt)
    return result


def _learn_first_half(project, items, seqs, ref, halves, enc, labels, log, cue_params=None,
                      detector: bool = False) -> dict[str, Any]:
    """Learn from the first halves in a temporary project; propose on the second halves."""
    from mgstudio.core.project import Project
    from mgstudio.recognition.coldstart import cold_start_segments
    from mgstudio.recognition.examples import mark_reviewed
    from mgstudio.recognition.learning import train_version
    from mgstudio.recognition.proposals import propose

    learnt: list[Segment] = []
    cues: list[Segment] = []
    with tempfile.TemporaryDirectory() as tmp:
        with Project.create(Path(tmp) / "half.mgproj", annotator="reference", taxonomy=project.taxonomy) as tp:
            tier = tp.ensure_tier("reference")
            ids = {}
            for it in items:
                new = tp.add_skeleton_item(it.name, seqs[it.id], attributes=dict(it.attributes or {}))
                ids[it.id] = new.id
                first = [s for s in ref[it.id] if s.end <= halves[it.id]]
                tp.add_segments([Segment(new.id, tier.id, s.start, s.end, s.label) for s in first])
                mark_reviewed(tp, new.id, seqs[it.id].start_frame, halves[it.id])
            mv = train_version(tp, enc, kind="auto", detector=detector)
            if log is not None:
                log(mv.summary)
            from mgstudio.recognition.fewshot import Head

            head = Head.load(mv.path)
            for it in items:
                seq = seqs[it.id]
                try:
                    late = [s for s in propose(seq, enc, head) if s.start >= halves[it.id]]
                    ev = [s for s in cold_start_segments(seq, labels, cue_params) if s.start >= halves[it.id]]
                except MGStudioError:  # too short or nothing visible: no proposals, said for the cold start
                    continue
                learnt += [s.with_(item_id=it.id) for s in late]
                cues += [s.with_(item_id=it.id) for s in label_events(seq, enc, head, ev)]
    return {"_learnt": learnt, "_cues": cues, "label_model": mv.summary}


def label_events(seq, enc, head, events: list[Segment]) -> list[Segment]:
    """Cold-start events re-scored by a learnt head: label = its most likely MG class over the
    event's windows, confidence = its MG-vs-background probability (1 - p(background))."""
    from mgstudio.recognition.examples import windows_for
    from mgstudio.recognition.fewshot import BACKGROUND
    from mgstudio.recognition.proposals import sequence_coords

    if not events:
        return []
    coords = sequence_coords(seq, enc)
    n, w, off = len(coords), enc.window, int(seq.start_frame)
    if n < w:
        return events
    spans, wins = [], []
    for e in events:
        st = windows_for(e.start - off, e.end - off, n, w)
        spans.append((len(wins), len(wins) + len(st)))
        wins += [coords[s:s + w] for s in st]
    proba = head.proba(enc.embed(np.stack(wins)))
    mg = [i for i, c in enumerate(head.classes) if c != BACKGROUND]
    bg = head.classes.index(BACKGROUND) if BACKGROUND in head.classes else None
    out = []
    for e, (a, b) in zip(events, spans):
        p = proba[a:b].mean(0)
        label = head.classes[mg[int(np.argmax(p[mg]))]] if mg else e.label
        conf = float(1.0 - p[bg]) if bg is not None else float(p[mg].max())
        out.append(e.with_(label=label, confidence=round(conf, 4)))
    return out
