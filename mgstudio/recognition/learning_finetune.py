"""Fine-tuning on request for "Learn from my labels" (``train_version(kind="finetune")``).

The encoder (+ a classifier head) is fine-tuned on the project's accepted/edited segments with
the recognizer's own supervised training (:func:`mgstudio.recognition.train.run_training`, mode
``finetune``). Its accuracy is measured *before use* on held-out groups (subjects, else items): an
encoder is fine-tuned on the other groups only, the few-shot head is trained on its embeddings of
those groups and scored on the held-out ones. The final encoder is fine-tuned on everything and
saved in ``project.models_dir`` next to the version's head (read back with ``weights_only=True``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.jobs import is_cancelled
from mgstudio.core.segments import Status

MIN_EXAMPLES = 4
MIN_CLASSES = 2


def check_enough_labels(project) -> Counter:
    """Refuse fine-tuning on too few labels (the prototype/linear heads cope with those)."""
    counts = Counter(s.label for s in project.segments(None, statuses=[Status.ACCEPTED, Status.EDITED]) if s.label)
    if len(counts) < MIN_CLASSES or sum(counts.values()) < MIN_EXAMPLES:
        raise MGStudioError(
            f"Fine-tuning needs at least {MIN_CLASSES} different labels and {MIN_EXAMPLES} labelled segments "
            f"(this project has {len(counts)} label(s), {sum(counts.values())} segment(s)); use the prototype or "
            "linear head instead.", f"counts: {dict(counts)}")
    return counts


def _config(enc, epochs: int, seed: int) -> dict:
    from mgstudio.recognition.config import load_config

    cfg = load_config(overrides=[f"train.epochs={int(epochs)}", "data.split=\"all\"", f"train.seed={int(seed)}",
                                 f"data.layout=\"{enc.layout.name}\"", f"model.window={int(enc.window)}"])
    cfg["model"] = dict(enc.checkpoint["config"]["model"])
    return cfg


def finetune_encoder(project, enc, out: Path, *, epochs: int, seed: int = 0, groups_out: set[str] | None = None,
                     group_of: dict[str, str] | None = None, progress=None, cancel=None):
    """Fine-tune ``enc`` on the project's labelled clips (minus ``groups_out``); write ``out``;
    return the fine-tuned :class:`Encoder`."""
    from mgstudio.recognition.data import load_clips
    from mgstudio.recognition.encoder import load_encoder
    from mgstudio.recognition.encoder import default_model_path
    from mgstudio.recognition.train import run_training

    cfg = _config(enc, epochs, seed)
    clips = load_clips(Path(project.path), cfg, labelled=True, split="train")
    if groups_out:
        keep = np.array([i for i, g in enumerate(clips.groups) if (group_of or {}).get(g, g) not in groups_out])
        clips = clips.subset(keep)
    source = getattr(enc, "_mg_source", None) or str(default_model_path())

    def prog(done: int, total: int, *_: Any) -> None:
        if progress is not None:
            progress(done, total)

    run_training("finetune", cfg, clips, out, encoder=source, progress=prog, cancel=cancel, log=None,
                 show_bar=False)
    ft = load_encoder(out, device=str(enc.device))
    ft._mg_source = str(out)
    return ft


def held_out_accuracy(project, enc, data_groups: list[str], grouping: str, kind: str, tmp: Path, *, epochs: int,
                      seed: int, progress=None, cancel=None) -> tuple[dict[str, float | None], float, int]:
    """Per-class accuracy on held-out groups of an encoder fine-tuned without them, with the
    few-shot ``kind`` head on top; returns (per-class, accuracy, accuracy of the same head on
    ``enc`` unchanged, for comparison)."""
    from mgstudio.recognition.examples import collect_examples

    uniq = sorted(set(data_groups))
    if len(uniq) < 2:
        raise MGStudioError("Fine-tuning needs labels on at least two items (or subjects) so that its accuracy "
                            "can be checked on one it did not see; use the prototype or linear head instead.")
    rng = np.random.default_rng(seed)
    held = set(rng.choice(uniq, max(1, len(uniq) // 3), replace=False).tolist())
    items = {it.name: it for it in project.items()}
    group_of = {n: (str((it.attributes or {}).get("subject", "")) if grouping == "subject" else str(it.id))
                for n, it in items.items()}
    fold_enc = finetune_encoder(project, enc, tmp, epochs=epochs, seed=seed, groups_out=held, group_of=group_of,
                                progress=progress, cancel=cancel)
    data = collect_examples(project, fold_enc, seed=seed, cancel=cancel)
    per, acc = _score(data, held, kind, seed)
    if is_cancelled(cancel):
        raise CancelledError()
    _, base_acc = _score(collect_examples(project, enc, seed=seed, cancel=cancel), held, kind, seed)
    return per, acc, base_acc


def _score(data, held: set[str], kind: str, seed: int) -> tuple[dict[str, float | None], float]:
    """Train the few-shot head on the groups not in ``held``, score it on ``held``."""
    from mgstudio.recognition.fewshot import BACKGROUND, train_head

    tr = np.array([g not in held for g in data.groups])
    te = ~tr
    if len(set(np.asarray(data.labels)[tr]) - {BACKGROUND}) < 1 or not te.any():
        raise MGStudioError("The held-out check of fine-tuning has no example to learn or test on; "
                            "use the prototype or linear head instead.")
    head = train_head(data.emb[tr], [lab for lab, t in zip(data.labels, tr) if t], kind=kind, seed=seed)
    pred = [head.classes[j] for j in head.proba(data.emb[te]).argmax(1)]
    truth = [lab for lab, t in zip(data.labels, te) if t]
    per: dict[str, float | None] = {}
    for c in sorted(set(data.labels)):
        idx = [i for i, t in enumerate(truth) if t == c]
        per[c] = float(np.mean([pred[i] == c for i in idx])) if idx else None
    return per, float(np.mean([a == b for a, b in zip(pred, truth)]))
