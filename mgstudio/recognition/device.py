"""Automatic device choice: CUDA, then Apple MPS, then CPU (``MGSTUDIO_DEVICE`` overrides)."""

from __future__ import annotations

import os

import torch

from mgstudio.core.errors import MGStudioError


def pick_device(name: str | None = None) -> torch.device:
    """``name`` ("auto", "cpu", "cuda", "cuda:1", "mps") or $MGSTUDIO_DEVICE, else the best available."""
    name = (name or os.environ.get("MGSTUDIO_DEVICE") or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(name)
    except RuntimeError as exc:
        raise MGStudioError(f"Unknown compute device '{name}' (use auto, cpu, cuda or mps).") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise MGStudioError("A CUDA GPU was requested but none is available; use --device auto or cpu.")
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise MGStudioError("Apple MPS was requested but is not available; use --device auto or cpu.")
    return dev
