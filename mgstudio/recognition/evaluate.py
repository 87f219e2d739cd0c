"""Evaluation: classification of labelled clips and spotting in untrimmed sequences.

``evaluate(model, data)`` prints top-1 / top-5 and per-class accuracy, writes a confusion-matrix
PNG, and, where the data has untrimmed sequences with ground-truth segments (a project's items,
UTKinect recordings), scores spotting with the MiGA protocol (``core.metrics.spotting_scores``,
temporal IoU > 0.3, label must match).

Spotting here is a plain baseline (ours), not the app's proposal engine: windows of the model's
length slide over the sequence (stride ¼ window), each frame gets the mean class probabilities
of the windows covering it, frames whose best probability is below ``threshold`` are
background, and runs of one label at least ¼ window long become segments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mgstudio.core.errors import FormatError, MGStudioError
from mgstudio.recognition.data import _coords, _is_project, load_clips
from mgstudio.recognition.encoder import Encoder, load_encoder
from mgstudio.recognition.train import classify_metrics, extract_features


@dataclass
class SpotSegment:
    item_id: str
    start: int
    end: int
    label: str
    confidence: float = 0.0


def format_report(metrics: dict[str, Any]) -> str:
    lines = [f"clips: {metrics['n']}", f"top-1: {100 * metrics['top1']:.1f}%",
             f"top-5: {100 * metrics['top5']:.1f}%", "per-class accuracy:"]
    for c, acc in metrics["per_class"].items():
        lines.append(f"  {c:<28} {'-' if acc is None else f'{100 * acc:5.1f}%'}")
    if "spotting" in metrics:
        s = metrics["spotting"]
        lines.append(f"spotting (IoU > 0.3): precision {s['precision']:.3f}, recall {s['recall']:.3f}, "
                     f"F1 {s['f1']:.3f} ({s['n_pred']} predicted, {s['n_gt']} true)")
    return "\n".join(lines)


def save_confusion_png(cm: list[list[int]], classes: list[str], path: str | Path, title: str = "") -> Path:
    """Row-normalised confusion matrix (rows = truth) as a PNG (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    a = np.asarray(cm, dtype=float)
    norm = a / np.maximum(a.sum(1, keepdims=True), 1)
    k = len(classes)
    size = max(4.0, 0.35 * k + 2)
    fig = Figure(figsize=(size + 1, size))
    ax = fig.add_subplot(111)
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(k), classes, rotation=90, fontsize=7)
    ax.set_yticks(range(k), classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title, fontsize=9)
    if k <= 25:
        for i in range(k):
            for j in range(k):
                if a[i, j]:
                    ax.text(j, i, int(a[i, j]), ha="center", va="center", fontsize=6,
                            color="white" if norm[i, j] > 0.5 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def spot_sequence(enc: Encoder, coords: np.ndarray, item_id: str = "", threshold: float = 0.5) -> list[SpotSegment]:
    """Baseline spotting over one untrimmed ``[T, J, C]`` sequence (see the module docstring)."""
    t, w = coords.shape[0], enc.window
    if t == 0:
        return []
    stride = max(1, w // 4)
    starts = list(range(0, max(1, t - w + 1), stride))
    if t > w and starts[-1] != t - w:
        starts.append(t - w)
    wins = np.stack([coords[s:s + w] for s in starts]) if t >= w else coords[None]
    probs = enc.classify(wins)
    acc = np.zeros((t, probs.shape[1]), np.float32)
    cnt = np.zeros(t, np.float32)
    for s, p in zip(starts, probs):
        acc[s:s + w] += p
        cnt[s:s + w] += 1
    acc /= np.maximum(cnt, 1)[:, None]
    best, conf = acc.argmax(1), acc.max(1)
    lab = np.where(conf >= threshold, best, -1)
    segs: list[SpotSegment] = []
    s = 0
    for i in range(1, t + 1):
        if i == t or lab[i] != lab[s]:
            if lab[s] >= 0 and i - s >= max(1, w // 4):
                segs.append(SpotSegment(item_id, s, i, enc.classes[lab[s]], float(conf[s:i].mean())))
            s = i
    return segs


def _untrimmed(data: Path, enc: Encoder, split: str) -> list[tuple[str, np.ndarray, list[SpotSegment]]]:
    """Untrimmed sequences with ground-truth segments (frame indices into the sequence)."""
    cfg = enc.checkpoint["config"]
    prefer_world = bool(cfg["data"]["prefer_world"])
    out = []
    if _is_project(data):
        from mgstudio.core.project import Project
        from mgstudio.core.segments import Status

        with Project.open(data) as proj:
            for item in proj.items():
                test = str((item.attributes or {}).get("split", "")).lower() == "test"
                if split == "test" and not test:
                    continue
                seq = proj.load_skeleton(item.id)
                if seq is None:
                    continue
                gt = [SpotSegment(str(item.id), s.start - seq.start_frame, s.end - seq.start_frame, s.label)
                      for s in proj.segments(item.id, statuses=[Status.ACCEPTED, Status.EDITED])]
                if gt:
                    out.append((str(item.id), _coords(seq, enc.layout, prefer_world), gt))
        return out
    from mgstudio.formats.skeletons import load_skeletons

    try:
        loaded = load_skeletons(data)
    except FormatError:
        return []
    for name, seq in loaded:
        actions = seq.meta.get("actions")
        if not actions:
            continue
        subject = seq.meta.get("subject")
        if split == "test" and subject is not None and int(subject) % 2 == 1:
            continue
        gt = [SpotSegment(name, int(a[1]), int(a[2]), str(a[0])) for a in actions]
        out.append((name, _coords(seq, enc.layout, prefer_world), gt))
    return out


def evaluate(model: str | Path, data: str | Path, *, split: str = "test", confusion_png: str | Path | None = None,
             spotting: bool = True, threshold: float = 0.5, device: str | None = None,
             log: Callable[[str], None] | None = print) -> dict[str, Any]:
    """Score a classifier checkpoint on ``data`` (see the module docstring); returns the metrics."""
    enc = load_encoder(model, device=device)
    if not enc.has_head:
        raise MGStudioError("This model has no classifier to evaluate: train one with 'mgstudio train linear'.")
    data = Path(data)
    cfg = enc.checkpoint["config"]
    metrics: dict[str, Any] = {}
    try:
        clips = load_clips(data, cfg, labelled=True, split=split, classes=enc.classes)
    except MGStudioError as exc:
        clips = None
        if log:
            log(f"no labelled clips to classify: {exc}")
    if clips is not None:
        with torch.no_grad():
            f = extract_features(enc.model, clips, enc.device)
            logits = enc.head(f).cpu()
        metrics = classify_metrics(logits, torch.from_numpy(clips.labels), enc.classes)
        if confusion_png:
            save_confusion_png(metrics["confusion"], enc.classes, confusion_png,
                               f"top-1 {100 * metrics['top1']:.1f}% on {len(clips)} clips")
            metrics["confusion_png"] = str(confusion_png)
    if spotting:
        seqs = _untrimmed(data, enc, split)
        if seqs:
            from mgstudio.core.metrics import spotting_scores

            pred, gt = [], []
            for name, coords, g in seqs:
                pred += spot_sequence(enc, coords, name, threshold)
                gt += g
            s = spotting_scores(pred, gt, iou=0.3)
            metrics["spotting"] = {"precision": s.precision, "recall": s.recall, "f1": s.f1,
                                   "tp": s.tp, "n_pred": s.n_pred, "n_gt": s.n_gt}
    if not metrics:
        raise MGStudioError(f"Nothing to evaluate in {data.name}: no labelled clips or segments found.")
    if log and "top1" in metrics:
        log(format_report(metrics))
    elif log and "spotting" in metrics:
        s = metrics["spotting"]
        log(f"spotting (IoU > 0.3): precision {s['precision']:.3f}, recall {s['recall']:.3f}, F1 {s['f1']:.3f}")
    return metrics
