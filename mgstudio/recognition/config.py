"""Training configuration: defaults, TOML/JSON files (``resources/configs/``), overrides.

A config is a plain nested dict (so it goes into checkpoints as-is). A file only states what
differs from :data:`DEFAULTS`; an unknown key is refused (a typo must not be silently ignored).
Overrides on the command line: ``--set contrast.queue=512`` (values parsed as TOML scalars).
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

from mgstudio.core.errors import MGStudioError
from mgstudio.recognition.model import ModelConfig
from mgstudio.resources import resource_path

CONFIG_DIR = resource_path("configs")  # also inside the packaged app

DEFAULTS: dict[str, Any] = {
    "model": ModelConfig().to_dict(),
    "contrast": {
        # Ours (see docs/recognizer.md): MoCo v2-like values; momentum 0.99 rather than 0.999
        # because MG datasets give few hundred steps, in which 0.999 barely moves the key encoder.
        "queue": 1024,
        "temperature": 0.07,
        "momentum": 0.99,
        "proj_dim": 128,
        "within": 1.0,   # each stream against its own momentum keys
        "cross": 1.0,    # spatial query vs temporal keys and vice versa
        "fused": 1.0,    # fused embedding against its momentum keys
    },
    "augment": {
        "mg": True,
        "usual": False,
        "jitter": {"sigma": 0.02, "p": 1.0},
        "rotate": {"max_yaw": 15.0, "max_tilt": 5.0, "p": 1.0},
        "repeat": {"min_frac": 0.3, "max_frac": 0.6, "p": 0.5},
        "posterize": {"min_hold": 2, "max_hold": 4, "p": 0.5},
        "shear": {"amount": 0.3, "p": 1.0},
        "crop_resize": {"min_ratio": 0.5, "p": 1.0},
    },
    "train": {
        "epochs": 30,
        "batch_size": 32,
        "lr": 1e-3,
        "weight_decay": 1e-4,
        "seed": 0,
        "device": "auto",
        "save_every": 1,      # epochs between checkpoints
        "max_steps": 0,       # at most this many optimiser steps per epoch (0 = all; quick runs, tests)
    },
    "linear": {"epochs": 200, "lr": 0.01, "weight_decay": 1e-4},
    "data": {
        "layout": "canonical",
        "split": "auto",        # auto | cross_subject | all | none
        "stride": 0,            # window stride for unlabelled windows (0 = window / 2)
        "max_windows": 20000,   # cap of unlabelled windows per run (memory)
        "prefer_world": True,   # 3D world coordinates when a source has them
    },
}


def _merge(base: dict, over: dict, where: str = "") -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        key = f"{where}{k}"
        if k not in base:
            raise MGStudioError(f"Unknown setting '{key}' in the training configuration.",
                                f"known at this level: {', '.join(sorted(base))}")
        if isinstance(base[k], dict):
            if not isinstance(v, dict):
                raise MGStudioError(f"Setting '{key}' must be a table of settings.")
            out[k] = _merge(base[k], v, key + ".")
        else:
            out[k] = v
    return out


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> dict:
    """Defaults, then the file (a path, or a name in ``resources/configs``), then overrides."""
    cfg = copy.deepcopy(DEFAULTS)
    if path:
        p = Path(path)
        if not p.exists():
            for cand in (CONFIG_DIR / p.name, CONFIG_DIR / f"{p.name}.toml", CONFIG_DIR / f"{p.name}.json"):
                if cand.exists():
                    p = cand
                    break
        if not p.exists():
            raise MGStudioError(f"Training configuration not found: {path}")
        try:
            text = p.read_text(encoding="utf-8")
            data = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise MGStudioError(f"The training configuration {p.name} is not valid.", str(exc)) from exc
        cfg = _merge(cfg, data)
    for item in overrides or []:
        cfg = apply_override(cfg, item)
    validate(cfg)
    return cfg


def apply_override(cfg: dict, item: str) -> dict:
    """Apply ``section.key=value`` (value as a TOML scalar, else a string)."""
    if "=" not in item:
        raise MGStudioError(f"A setting override must look like section.key=value, got '{item}'.")
    key, raw = item.split("=", 1)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    nested: Any = value
    for part in reversed(key.strip().split(".")):
        nested = {part: nested}
    return _merge(cfg, nested)


def validate(cfg: dict) -> None:
    """Refuse settings that would crash or silently produce nonsense later."""
    m, c, t = cfg["model"], cfg["contrast"], cfg["train"]
    if m["streams"] not in ("both", "spatial", "temporal"):
        raise MGStudioError("model.streams must be 'both', 'spatial' or 'temporal'.")
    if len(m["gcn_channels"]) != len(m["gcn_strides"]):
        raise MGStudioError("model.gcn_channels and model.gcn_strides must have the same length.")
    if int(m["window"]) < 4:
        raise MGStudioError("model.window must be at least 4 frames.")
    if not (0.0 <= float(c["momentum"]) < 1.0) or float(c["temperature"]) <= 0:
        raise MGStudioError("contrast.momentum must be in [0, 1) and contrast.temperature positive.")
    if int(c["queue"]) < 1:
        raise MGStudioError("contrast.queue must be at least 1.")
    if int(t["epochs"]) < 1 or int(t["batch_size"]) < 2:
        raise MGStudioError("train.epochs must be at least 1 and train.batch_size at least 2.")
