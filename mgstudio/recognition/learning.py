""""Learn from my labels": train a few-shot head on a project's reviewed segments.

:func:`train_version` embeds the project's accepted/edited segments (windows of the encoder's
length at the native frame rate: centred on short segments, sliding inside long ones, exactly
what the proposal engine sees) plus **background** windows from reviewed time only (rejected
proposals, non-MG labels, gaps inside reviewed spans: :mod:`~.examples`), cross-validates (subject-wise folds
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
from pathlib import Path

from mgstudio.core.atomic import atomic_file
from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.recognition.fewshot import BACKGROUND, cross_validate, train_head
from mgstudio.recognition.encoder import cancelled, resolve_encoder
from mgstudio.recognition.examples import LabelledSet, collect_examples, windows_for  # noqa: F401 - re-exported
from mgstudio.recognition.proposals import Cancel, Progress, propose_item
from mgstudio.recognition.versions import (STATE_KEY, ModelVersion, activate_version, active_encoder,  # noqa: F401
                                           active_version, encoder_hash, list_versions, load_active_head,
                                           project_encoder)


def _report(progress: Progress, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def train_version(project, model=None, kind: str = "auto", progress: Progress = None, cancel: Cancel = None,
                  *, seed: int = 0, epochs: int = 3, detector: bool = False) -> ModelVersion:
    """Train, cross-validate and save a new label model version (not activated).

    ``kind="finetune"`` also fine-tunes the encoder (``epochs``) on the labels and saves it with the
    version (see :mod:`mgstudio.recognition.learning_finetune`); it is checked on held-out groups.
    ``detector``: with two or more labels, also learn a class-agnostic "MG vs background" head from
    the same reviewed examples (accepted segments vs rejected proposals and reviewed gaps), which
    then decides p(background) (:class:`~.fewshot.Head`)."""
    if project.read_only:
        raise MGStudioError("The project is open read-only, so a new label model cannot be saved.")
    enc = project_encoder(project, model)
    if kind == "finetune":
        return _train_finetune(project, enc, progress, cancel, seed=seed, epochs=epochs)
    return _train_head_version(project, enc, kind, progress, cancel, seed=seed, detector=detector)


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
                        held_out: tuple | None = None, detector: bool = False) -> ModelVersion:
    data = collect_examples(project, enc, seed=seed, progress=progress, cancel=cancel)
    mg = Counter(lab for lab in data.labels if lab != BACKGROUND)
    if not mg:
        raise MGStudioError("There are no accepted labels in this project yet: accept or draw a few segments first.")
    notes: list[str] = []
    cv = cross_validate(data.emb, data.labels, data.groups if data.grouping != "examples" else None, kind=kind,
                        grouping=data.grouping, examples=dict(data.counts))
    if cancelled(cancel):
        raise CancelledError()
    head = train_head(data.emb, data.labels, kind=kind, seed=seed, examples=dict(data.counts))
    notes += list(head.meta.get("notes", []))
    head.temperature = cv.temperature
    if detector and len(mg) >= 2 and BACKGROUND in data.labels:
        head.detector = _train_detector(data, seed)
        notes.append(f"MG vs no MG decided by a class-agnostic head (cross-validated accuracy "
                     f"{head.detector.meta['cv_accuracy']:.0%})")
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


def _train_detector(data: LabelledSet, seed: int):
    """The class-agnostic "MG vs background" head: every accepted label is one class (rejections
    and reviewed gaps the other); calibrated by its own cross-validation."""
    from mgstudio.recognition.fewshot import MG_ANY

    labels = [BACKGROUND if lab == BACKGROUND else MG_ANY for lab in data.labels]
    counts = {MG_ANY: sum(v for k, v in data.counts.items() if k != BACKGROUND), BACKGROUND: data.counts[BACKGROUND]}
    groups = data.groups if data.grouping != "examples" else None
    cv = cross_validate(data.emb, labels, groups, kind="linear", grouping=data.grouping, examples=counts)
    det = train_head(data.emb, labels, kind="linear", seed=seed, examples=counts)
    det.temperature = cv.temperature
    det.meta["cv_accuracy"] = float(cv.accuracy)
    return det


def repropose_project(project, model=None, progress: Progress = None, cancel: Cancel = None,
                      item_ids: list[int] | None = None) -> int:
    """Re-propose every item with a skeleton using the active label model (and its own encoder
    when it was fine-tuned); returns the number of proposals written. Reviewed segments are kept."""
    enc = active_encoder(project, model)
    head = load_active_head(project, enc)
    items = [it for it in project.items() if (item_ids is None or it.id in item_ids) and project.has_skeleton(it.id)]
    total = 0
    for k, it in enumerate(items):
        if cancelled(cancel):
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
    enc = project_encoder(project, model)
    mv = train_version(project, enc, kind=kind, progress=progress, cancel=cancel, epochs=epochs)
    if activate:
        activate_version(project, mv)
        if repropose:
            repropose_project(project, enc, cancel=cancel)
    return mv
