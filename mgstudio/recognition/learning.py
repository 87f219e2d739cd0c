""""Learn from my labels": train a few-shot head on a project's reviewed segments.

:func:`train_version` embeds the project's accepted/edited segments (windows of the encoder's
length at the native frame rate: centred on short segments, sliding inside long ones, exactly
what the proposal engine sees) plus **background** windows (rejected proposals and windows
sampled from the unlabelled stretches of labelled items), cross-validates (subject-wise folds
when items carry a ``subject`` attribute, else item-wise, else stratified), fits the calibration
temperature on the out-of-fold logits, trains the final head on everything and saves it as a new
**version** in ``project.models_dir`` with its provenance. It does *not* activate it: the caller
shows the cross-validated accuracy first, then :func:`activate_version` and
:func:`repropose_project`. :func:`learn_from_project` does all three (the CLI's ``learn``).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mgstudio.core.atomic import atomic_file
from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.segments import Status
from mgstudio.recognition.fewshot import BACKGROUND, Head, cross_validate, train_head
from mgstudio.recognition.proposals import (Cancel, Progress, _cancelled, _model, encoder_hash, propose_item,
                                            sequence_coords)

STATE_KEY = "recognition.active_head"


@dataclass
class ModelVersion:
    """One trained label model of a project, with its provenance."""

    version: int
    path: Path
    kind: str
    classes: list[str]
    counts: dict[str, int]  # examples (segments) per label; background windows under BACKGROUND
    cv_per_class: dict[str, float | None]
    cv_accuracy: float
    cv_folds: int
    cv_grouping: str
    temperature: float
    created: str
    encoder: str  # checkpoint file name
    encoder_hash: str
    segment_ids: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """A few lines for people: CV accuracy per label, the version."""
        lines = [f"Label model v{self.version} ({self.kind} head, {sum(v for k, v in self.counts.items() if k != BACKGROUND)} "
                 f"labelled segments, {len(self.classes) - (BACKGROUND in self.classes)} labels)",
                 (f"Held-out accuracy (on {self.cv_grouping}s the fine-tuned recognizer did not see): "
                  f"{self.cv_accuracy:.0%}" if self.kind == "finetune" else
                  f"Cross-validated accuracy ({self.cv_folds} folds by {self.cv_grouping}): {self.cv_accuracy:.0%}")]
        for c in self.classes:
            acc = self.cv_per_class.get(c)
            name = "(no MG)" if c == BACKGROUND else c
            lines.append(f"  {name:<24} {self.counts.get(c, 0):>4} examples   "
                         + (f"{acc:.0%}" if acc is not None else "not testable (one example)"))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


@dataclass
class LabelledSet:
    emb: np.ndarray
    labels: list[str]
    groups: list[str]
    grouping: str
    counts: Counter
    segment_ids: list[int]


def _report(progress: Progress, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _windows_for(a: int, b: int, n: int, w: int) -> list[int]:
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


def collect_examples(project, enc, *, background_ratio: float = 1.0, max_background: int = 400, seed: int = 0,
                     progress: Progress = None, cancel: Cancel = None) -> LabelledSet:
    """Embed the project's reviewed segments and background windows (see the module docstring)."""
    labelled = [s for s in project.segments(None, statuses=[Status.ACCEPTED, Status.EDITED]) if s.label]
    rejected = project.segments(None, statuses=[Status.REJECTED])
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
    per_item: dict[int, list] = {}
    for s in labelled:
        per_item.setdefault(s.item_id, []).append(s)
    for s in rejected:
        per_item.setdefault(s.item_id, [])
    n_pos_windows = 0
    bg_jobs: list[tuple[int, int]] = []  # (item, start)
    done = 0
    coords_cache: dict[int, np.ndarray] = {}
    for item_id in sorted(per_item):
        if _cancelled(cancel):
            raise CancelledError()
        seq = project.load_skeleton(item_id)
        if seq is None:
            continue
        coords = sequence_coords(seq, enc)
        coords_cache[item_id] = coords
        n, off = len(coords), int(seq.start_frame)
        g = subjects.get(item_id) if grouping == "subject" else str(item_id)
        covered = np.zeros(n + 1, bool)
        for s in per_item[item_id]:
            a, b = max(0, s.start - off), min(n, s.end - off)
            if b <= a:
                continue
            covered[a:b] = True
            seg_ids.append(int(s.id or 0))
            for st in _windows_for(a, b, n, w):
                wins.append(coords[st:st + w])
                labels.append(s.label)
                groups.append(g)
                n_pos_windows += 1
        for s in [r for r in rejected if r.item_id == item_id]:
            a, b = max(0, s.start - off), min(n, s.end - off)
            for st in _windows_for(a, b, n, w)[:2] if b > a else []:
                if not covered[st:st + w].any():
                    bg_jobs.append((item_id, st))
        if per_item[item_id] and n > w:
            free = [st for st in range(0, n - w + 1, max(1, w // 2)) if not covered[st:st + w].any()]
            bg_jobs.extend((item_id, st) for st in free)
        done += 1
    if not wins:
        raise MGStudioError("The accepted labels are on items without a skeleton: extract the skeletons first.")
    n_bg = int(min(max_background, max(10, round(background_ratio * n_pos_windows))))
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
    arr, labels, groups = arr[visible], [lab for lab, v in zip(labels, visible) if v], \
        [g for g, v in zip(groups, visible) if v]
    emb = enc.embed(arr, progress=progress, cancel=cancel)
    counts = Counter()
    for s in labelled:
        counts[s.label] += 1
    counts[BACKGROUND] = labels.count(BACKGROUND)
    if len(set(groups)) < 2 and grouping == "item":
        grouping = "examples"
    return LabelledSet(emb, labels, groups, grouping, counts, seg_ids)


def _fit_len(x: np.ndarray, w: int) -> np.ndarray:
    if len(x) == w:
        return x
    from mgstudio.recognition.preprocess import resample_time

    return resample_time(x, w)


def list_versions(project) -> list[ModelVersion]:
    """The project's saved label models, oldest first."""
    out = []
    for p in sorted(Path(project.models_dir).glob("head_v*.json")):
        try:
            d = json.loads(p.read_text())
            d["path"] = Path(project.models_dir) / Path(d["path"]).name
            out.append(ModelVersion(**d))
        except (OSError, ValueError, TypeError):
            continue
    return sorted(out, key=lambda v: v.version)


def active_version(project) -> ModelVersion | None:
    """The version proposals use (project state), or None before any ``learn``."""
    v = project.get_state(STATE_KEY)
    for mv in list_versions(project):
        if mv.version == v:
            return mv
    return None


def activate_version(project, version: int | ModelVersion | None) -> None:
    """Make ``version`` the one proposals use (None: back to movement events)."""
    if version is None:
        project.set_state(STATE_KEY, None)
        return
    v = version.version if isinstance(version, ModelVersion) else int(version)
    if not any(mv.version == v for mv in list_versions(project)):
        raise MGStudioError(f"This project has no label model version {v}.")
    project.set_state(STATE_KEY, v)


def load_active_head(project, enc=None) -> Head | None:
    """The active version's head (checked against ``enc``), or None."""
    mv = active_version(project)
    if mv is None:
        return None
    head = Head.load(mv.path)
    if enc is not None and head.meta.get("encoder_hash") and head.meta["encoder_hash"] != encoder_hash(enc):
        raise MGStudioError(f"Label model v{mv.version} was trained with another recognizer model; run "
                            "'learn' again.")
    return head


def train_version(project, model=None, kind: str = "auto", progress: Progress = None, cancel: Cancel = None,
                  *, seed: int = 0, epochs: int = 3) -> ModelVersion:
    """Train, cross-validate and save a new label model version (not activated).

    ``kind="finetune"`` also fine-tunes the encoder (``epochs``) on the labels and saves it with the
    version (see :mod:`mgstudio.recognition.learning_finetune`); it is checked on held-out groups."""
    if project.read_only:
        raise MGStudioError("The project is open read-only, so a new label model cannot be saved.")
    enc = _model(model)
    if kind == "finetune":
        return _train_finetune(project, enc, progress, cancel, seed=seed, epochs=epochs)
    return _train_head_version(project, enc, kind, progress, cancel, seed=seed)


def _next_version(project) -> int:
    versions = list_versions(project)
    return (max(mv.version for mv in versions) + 1) if versions else 1


def _train_finetune(project, enc, progress: Progress, cancel: Cancel, *, seed: int, epochs: int) -> ModelVersion:
    from mgstudio.recognition.learning_finetune import check_enough_labels, finetune_encoder, held_out_accuracy

    check_enough_labels(project)
    base = collect_examples(project, enc, seed=seed, cancel=cancel)  # groups and grouping only
    v = _next_version(project)
    models = Path(project.models_dir)
    models.mkdir(parents=True, exist_ok=True)
    final, fold = models / f"encoder_v{v}.pt", models / f"encoder_v{v}.fold.pt.tmp"
    tmp_final = models / f"encoder_v{v}.pt.tmp"
    try:
        per, acc, base_acc = held_out_accuracy(project, enc, base.groups, base.grouping, "auto", fold, epochs=epochs,
                                            seed=seed, progress=progress, cancel=cancel)
        ft = finetune_encoder(project, enc, tmp_final, epochs=epochs, seed=seed, progress=progress, cancel=cancel)
        tmp_final.replace(final)
        ft._mg_source = str(final)
        mv = _train_head_version(project, ft, "auto", None, cancel, seed=seed, version=v, kind_name="finetune",
                                 held_out=(per, acc, 1, base_acc))
    except BaseException:
        for p in (final, tmp_final, fold):
            p.unlink(missing_ok=True)
        raise
    finally:
        fold.unlink(missing_ok=True)
    return mv


def _train_head_version(project, enc, kind: str, progress: Progress, cancel: Cancel, *, seed: int,
                        version: int | None = None, kind_name: str | None = None,
                        held_out: tuple | None = None) -> ModelVersion:
    data = collect_examples(project, enc, seed=seed, progress=progress, cancel=cancel)
    mg = Counter(lab for lab in data.labels if lab != BACKGROUND)
    if not mg:
        raise MGStudioError("There are no accepted labels in this project yet: accept or draw a few segments first.")
    notes: list[str] = []
    cv = cross_validate(data.emb, data.labels, data.groups if data.grouping != "examples" else None, kind=kind,
                        grouping=data.grouping, examples=dict(data.counts))
    if _cancelled(cancel):
        raise CancelledError()
    head = train_head(data.emb, data.labels, kind=kind, seed=seed, examples=dict(data.counts))
    notes += list(head.meta.get("notes", []))
    head.temperature = cv.temperature
    v = version if version is not None else _next_version(project)
    source = getattr(enc, "_mg_source", None)
    per, acc, folds = held_out[:3] if held_out is not None else (cv.per_class, cv.accuracy, cv.n_folds)
    if held_out is not None:
        notes.append(f"recognizer fine-tuned on these labels; accuracy measured on held-out {data.grouping}s "
                     f"with one fine-tuned without them (the unchanged recognizer scores {held_out[3]:.0%} there)")
    mv = ModelVersion(
        version=v, path=Path(project.models_dir) / f"head_v{v}.pt", kind=kind_name or head.kind,
        classes=list(head.classes),
        counts={k: int(c) for k, c in data.counts.items()}, cv_per_class=per, cv_accuracy=acc,
        cv_folds=folds, cv_grouping=data.grouping, temperature=cv.temperature,
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        encoder=Path(source).name if source else
        f"encoder created {enc.provenance.get('created', '?')} from {enc.provenance.get('data', '?')}",
        encoder_hash=encoder_hash(enc), segment_ids=data.segment_ids, notes=notes)
    head.meta.update(encoder_hash=mv.encoder_hash, version=v, created=mv.created)
    head.save(mv.path)
    with atomic_file(mv.path.with_suffix(".json"), "w") as fh:
        fh.write(json.dumps(mv.to_json(), indent=1))
    return mv


def active_encoder(project, model=None):
    """The encoder proposals use: the active version's own fine-tuned one, else ``model``."""
    mv = active_version(project)
    if mv is not None and mv.kind == "finetune":
        path = Path(project.models_dir) / Path(mv.encoder).name
        if not path.exists():
            raise MGStudioError(f"The fine-tuned recognizer of label model v{mv.version} is missing; run 'learn' "
                                "again.", str(path))
        return _model(path)
    return _model(model)


def repropose_project(project, model=None, progress: Progress = None, cancel: Cancel = None,
                      item_ids: list[int] | None = None) -> int:
    """Re-propose every item with a skeleton using the active label model (and its own encoder
    when it was fine-tuned); returns the number of proposals written. Reviewed segments are kept."""
    enc = active_encoder(project, model)
    head = load_active_head(project, enc)
    items = [it for it in project.items() if (item_ids is None or it.id in item_ids) and project.has_skeleton(it.id)]
    total = 0
    for k, it in enumerate(items):
        if _cancelled(cancel):
            raise CancelledError()
        seq_len = len(project.load_skeleton(it.id))
        if seq_len < enc.window:
            continue
        total += len(propose_item(project, it.id, enc, head, cancel=cancel, movement=head is None))
        _report(progress, k + 1, len(items))
    return total


def learn_from_project(project, progress: Progress = None, cancel: Cancel = None, *, model=None, kind: str = "auto",
                       activate: bool = True, repropose: bool = True, epochs: int = 3) -> ModelVersion:
    """Train a new version, then (by default) activate it and re-propose the un-reviewed parts."""
    enc = _model(model)
    mv = train_version(project, enc, kind=kind, progress=progress, cancel=cancel, epochs=epochs)
    if activate:
        activate_version(project, mv)
        if repropose:
            repropose_project(project, enc, cancel=cancel)
    return mv
