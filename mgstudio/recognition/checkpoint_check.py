"""Validate a recognizer checkpoint's fields *before* a model is built from it.

``torch.load(weights_only=True)`` already refuses code; this refuses the structurally wrong:
a missing or mistyped ``config``, a layout given as a string, a head of the wrong shape, or sizes
such as ``time_tokens = 10**6`` that would ask for terabytes. Sizes are bounded first, then the
expected parameter shapes come from a model built on PyTorch's ``meta`` device (no memory), and
every tensor in the file must match them. Each refusal is one sentence naming the file.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from mgstudio.core.errors import MGStudioError
from mgstudio.core.layouts import get_layout

# field: (type, low, high) for the model config; the bounds keep a model small enough to build.
_INT_FIELDS = {"in_channels": (2, 3), "window": (4, 4096), "temporal_kernel": (1, 63), "gru_hidden": (1, 4096),
               "gru_layers": (1, 16), "fusion_dim": (4, 4096), "time_tokens": (1, 256)}
_MAX_PARAMS = 200_000_000
_KINDS = ("pretrain", "linear", "finetune", "supervised", "adapt")  # adapt: mgstudio.workflows.adapt


class CheckpointInvalid(MGStudioError):
    """A checkpoint's content is not what MG Studio wrote (one sentence naming the file)."""


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _model_config(name: str, cfg: Any) -> dict[str, Any]:
    from mgstudio.recognition.model import ModelConfig

    if not isinstance(cfg, dict) or not isinstance(cfg.get("model"), dict):
        raise CheckpointInvalid(f"{name} has no model configuration (damaged or not an MG Studio model).")
    m = cfg["model"]
    bad = sorted(k for k in m if k not in ModelConfig.__dataclass_fields__)
    if bad:
        raise CheckpointInvalid(f"{name}: unknown model setting '{str(bad[0])[:40]}' in its configuration.")
    for key, (lo, hi) in _INT_FIELDS.items():
        if key in m and not (_int(m[key]) and lo <= m[key] <= hi):
            raise CheckpointInvalid(f"{name}: model setting {key} = {str(m[key])[:40]} is not a whole number "
                                    f"from {lo} to {hi}.")
    for key in ("gcn_channels", "gcn_strides"):
        if key in m:
            v = m[key]
            hi = 4096 if key == "gcn_channels" else 4
            if (not isinstance(v, (list, tuple)) or not 1 <= len(v) <= 16
                    or not all(_int(x) and 1 <= x <= hi for x in v)):
                raise CheckpointInvalid(f"{name}: model setting {key} must be 1 to 16 whole numbers from 1 to {hi}.")
    chans, strides = m.get("gcn_channels", [0]), m.get("gcn_strides", [0])
    if len(chans) != len(strides):
        raise CheckpointInvalid(f"{name}: model settings gcn_channels and gcn_strides differ in length.")
    if m.get("streams", "both") not in ("both", "spatial", "temporal"):
        raise CheckpointInvalid(f"{name}: model setting streams must be 'both', 'spatial' or 'temporal'.")
    if "fusion" in m and not isinstance(m["fusion"], bool):
        raise CheckpointInvalid(f"{name}: model setting fusion must be true or false.")
    d = m.get("dropout", 0.0)
    if not isinstance(d, (int, float)) or isinstance(d, bool) or not (0.0 <= d < 1.0):
        raise CheckpointInvalid(f"{name}: model setting dropout must be a number in [0, 1).")
    return m


def _layout(name: str, lay: Any):
    if not isinstance(lay, dict) or not isinstance(lay.get("name"), str) or not isinstance(lay.get("joints"), list):
        raise CheckpointInvalid(f"{name} does not record its joint layout as a name and a joint list.")
    try:
        layout = get_layout(lay["name"])
    except (MGStudioError, KeyError, TypeError, ValueError):
        raise CheckpointInvalid(f"{name} was trained for a joint layout this MG Studio does not know "
                                f"('{lay['name'][:40]}').") from None
    if list(layout.joints) != lay["joints"]:
        raise CheckpointInvalid(f"{name}: the model's joint list differs from MG Studio's layout '{layout.name}'.")
    return layout


def _state(name: str, what: str, sd: Any, expected: dict[str, torch.Size]) -> None:
    if not isinstance(sd, dict):
        raise CheckpointInvalid(f"{name}: the {what} weights are missing or not a table of tensors.")
    missing = [k for k in expected if k not in sd]
    extra = [k for k in sd if k not in expected]
    if missing or extra:
        k = (missing or extra)[0]
        raise CheckpointInvalid(f"{name}: the {what} weights {'lack' if missing else 'have an unexpected'} "
                                f"'{str(k)[:60]}' ({len(missing)} missing, {len(extra)} unexpected).")
    for k, shape in expected.items():
        t = sd[k]
        if not isinstance(t, torch.Tensor) or not (t.is_floating_point()):
            raise CheckpointInvalid(f"{name}: the {what} weight '{k[:60]}' is not a floating-point tensor.")
        if t.shape != shape:
            raise CheckpointInvalid(f"{name}: the {what} weight '{k[:60]}' has shape {tuple(t.shape)}, "
                                    f"its configuration needs {tuple(shape)}.")
        if not bool(torch.isfinite(t).all()):
            raise CheckpointInvalid(f"{name}: the {what} weight '{k[:60]}' holds NaN or infinite values.")


def validate_checkpoint(data: dict[str, Any], name: str) -> None:
    """Refuse a checkpoint dict whose fields could crash or mislead model construction."""
    from mgstudio.recognition.model import DualStreamEncoder, ModelConfig

    if data.get("kind") not in _KINDS:
        raise CheckpointInvalid(f"{name}: unknown model kind '{str(data.get('kind'))[:40]}'.")
    m = _model_config(name, data.get("config"))
    layout = _layout(name, data.get("layout"))
    classes = data.get("classes")
    if classes is not None and (not isinstance(classes, list) or not all(isinstance(c, str) for c in classes)
                                or len(classes) > 100_000):
        raise CheckpointInvalid(f"{name}: its class names are not a list of texts.")
    for key in ("provenance", "train_state"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise CheckpointInvalid(f"{name}: its '{key}' record is damaged.")
    try:
        cfg = ModelConfig.from_dict(m)
        with torch.device("meta"):
            model = DualStreamEncoder(cfg, layout.adjacency())
    except (TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointInvalid(f"{name}: its model configuration cannot be built ({type(exc).__name__}).") from exc
    expected = {k: v.shape for k, v in model.state_dict().items()}
    if sum(math.prod(s) for s in expected.values()) > _MAX_PARAMS:
        raise CheckpointInvalid(f"{name}: its configuration describes a model far larger than MG Studio builds.")
    _state(name, "encoder", data.get("encoder"), expected)
    head = data.get("head")
    if head is not None:
        if not classes:
            raise CheckpointInvalid(f"{name} has classifier weights but no class names.")
        _state(name, "classifier", head, {"weight": torch.Size([len(classes), model.embed_dim]),
                                          "bias": torch.Size([len(classes)])})
