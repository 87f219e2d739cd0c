"""Recognizer checkpoints: plain containers and tensors, read with ``weights_only=True``.

A checkpoint is a dict::

    format      "mgstudio-recognizer"
    version     CHECKPOINT_VERSION (an unknown one is refused)
    kind        "pretrain" | "linear" | "finetune" | "supervised"
    config      the full training config (plain dict; its "model" part rebuilds the encoder)
    layout      {"name": ..., "joints": [...]} the encoder's joint layout
    classes     class names of the head, or None
    provenance  {"data", "epochs", "metrics", "mgstudio_version", "torch_version", "created",
                 "seed", "world_size", ...}
    encoder     state dict of the query encoder
    head        state dict of the linear head, or None
    train_state resumable state (optimiser, momentum encoder, queues, epoch) or None

Writes are atomic (temporary file, fsync, rename), so a cancelled or crashed run always
leaves the previous checkpoint readable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from mgstudio.core.atomic import atomic_file
from mgstudio.core.errors import MGStudioError
from mgstudio.core.layouts import JointLayout, get_layout

FORMAT = "mgstudio-recognizer"
CHECKPOINT_VERSION = 1


def save_checkpoint(path: str | Path, ckpt: dict[str, Any]) -> Path:
    """Write ``ckpt`` atomically to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dict(ckpt)
    data["format"] = FORMAT
    data["version"] = CHECKPOINT_VERSION
    with atomic_file(path, "wb") as fh:  # a new exclusive temp file: a planted link is never written through
        torch.save(data, fh)
    return path


def load_checkpoint(path: str | Path, layout: JointLayout | str | None = None) -> dict[str, Any]:
    """Read a checkpoint safely; refuse other formats, unknown versions and another layout."""
    path = Path(path)
    if not path.exists():
        raise MGStudioError(f"Model file not found: {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError for anything that is not plain data, zip errors...
        raise MGStudioError(f"{path.name} is not an MG Studio model file (or it is damaged).",
                            f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MGStudioError(f"{path.name} is not an MG Studio recognizer model.")
    version = data.get("version")
    if version != CHECKPOINT_VERSION:
        raise MGStudioError(
            f"{path.name} was saved by another version of MG Studio (model format {version}); "
            f"this version reads format {CHECKPOINT_VERSION}.")
    lay = data.get("layout") or {}
    if layout is not None:
        want = get_layout(layout)
        if lay.get("name") != want.name or list(lay.get("joints", [])) != list(want.joints):
            raise MGStudioError(
                f"{path.name} was trained for joint layout '{lay.get('name')}', not '{want.name}'; "
                "convert the skeletons or pick a model trained for this layout.")
    return data


def checkpoint_layout(data: dict[str, Any]) -> JointLayout:
    """The registered layout a checkpoint was trained on (its joint list must match)."""
    lay = data.get("layout") or {}
    name = lay.get("name", "")
    try:
        layout = get_layout(name)
    except MGStudioError as exc:
        raise MGStudioError(f"The model was trained for a joint layout this MG Studio does not know ('{name}').",
                            str(exc)) from exc
    if list(layout.joints) != list(lay.get("joints", [])):
        raise MGStudioError(f"The model's joint list differs from MG Studio's layout '{name}'.",
                            "the layout's definition changed since the model was trained")
    return layout


def layout_record(layout: JointLayout) -> dict[str, Any]:
    return {"name": layout.name, "joints": list(layout.joints)}


def strip_for_release(path: str | Path, out: str | Path | None = None) -> Path:
    """Drop the resumable training state (optimiser, momentum encoder, queues): a small file to ship."""
    data = load_checkpoint(path)
    data["train_state"] = None
    return save_checkpoint(out or path, data)
