"""Inference API: ``load_encoder(path=None) -> Encoder`` and ``Encoder.embed(windows)``.

The default model is the checkpoint shipped in ``models/`` (see ``models/MODEL_CARD.md``).
``Encoder`` takes raw windows in the model's layout (NaN = missing joint, any scale, 2D or 3D),
and does resampling, normalisation, masking, batching and device placement itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.jobs import is_cancelled
from mgstudio.core.layouts import JointLayout
from mgstudio.recognition.checkpoint import checkpoint_layout, load_checkpoint
from mgstudio.recognition.device import pick_device
from mgstudio.recognition.model import DualStreamEncoder, ModelConfig
from mgstudio.recognition.preprocess import prepare_windows
from mgstudio.resources import models_dir

MODELS_DIR = models_dir()  # also inside the packaged app
DEFAULT_MODEL = MODELS_DIR / "mg_encoder.pt"


def default_model_path() -> Path:
    """``$MGSTUDIO_MODEL`` when set, else the shipped ``models/mg_encoder.pt``."""
    env = os.environ.get("MGSTUDIO_MODEL")
    return Path(env) if env else DEFAULT_MODEL


class Encoder:
    """A trained encoder (and its linear head when the checkpoint has one), ready for inference."""

    def __init__(self, checkpoint: dict, device: str | torch.device | None = None, batch_size: int = 64) -> None:
        self.checkpoint = checkpoint
        self.layout: JointLayout = checkpoint_layout(checkpoint)
        self.config = ModelConfig.from_dict(checkpoint["config"]["model"])
        self.device = pick_device(device) if not isinstance(device, torch.device) else device
        self.batch_size = batch_size
        self.model = DualStreamEncoder(self.config, self.layout.adjacency())
        try:
            self.model.load_state_dict(checkpoint["encoder"])
        except RuntimeError as exc:
            raise MGStudioError("The model file does not match its own configuration (damaged file?).",
                                str(exc)) from exc
        self.model.to(self.device).eval()
        self.classes: list[str] = list(checkpoint.get("classes") or [])
        self.head: torch.nn.Linear | None = None
        if checkpoint.get("head") is not None and self.classes:
            self.head = torch.nn.Linear(self.model.embed_dim, len(self.classes))
            self.head.load_state_dict(checkpoint["head"])
            self.head.to(self.device).eval()
        self.provenance: dict = dict(checkpoint.get("provenance") or {})

    # ------------------------------------------------------------------ properties
    @property
    def window(self) -> int:
        """Frames per window the model was trained on."""
        return int(self.config.window)

    @property
    def dim(self) -> int:
        """Length of an embedding vector."""
        return int(self.model.embed_dim)

    @property
    def has_head(self) -> bool:
        return self.head is not None

    # ------------------------------------------------------------------ inference
    def _batches(self, windows: np.ndarray, progress: Callable[[int, int], None] | None,
                 cancel: Callable[[], bool] | None):
        w = np.asarray(windows, dtype=np.float32)
        if w.ndim == 3:
            w = w[None]
        n = len(w)
        for start in range(0, n, self.batch_size):
            if cancelled(cancel):
                raise CancelledError()
            x, m = prepare_windows(w[start:start + self.batch_size], self.layout, self.window,
                                   self.config.in_channels)
            yield (torch.from_numpy(x).to(self.device), torch.from_numpy(m).to(self.device))
            if progress is not None:
                progress(min(n, start + self.batch_size), n)

    @torch.no_grad()
    def embed(self, windows: np.ndarray, progress: Callable[[int, int], None] | None = None,
              cancel: Callable[[], bool] | None = None) -> np.ndarray:
        """Embeddings ``[N, D]`` (float32, finite) of windows ``[N, T, J, C]`` (NaN = missing).

        Windows of another length than :attr:`window` are resampled to it.
        """
        outs = [self.model.embed(x, m).float().cpu().numpy() for x, m in self._batches(windows, progress, cancel)]
        if not outs:
            return np.zeros((0, self.dim), np.float32)
        return np.concatenate(outs)

    @torch.no_grad()
    def classify(self, windows: np.ndarray, progress: Callable[[int, int], None] | None = None,
                 cancel: Callable[[], bool] | None = None) -> np.ndarray:
        """Class probabilities ``[N, K]`` (columns in :attr:`classes` order)."""
        if self.head is None:
            raise MGStudioError("This model has no classifier: train one first (mgstudio train linear).")
        outs = []
        for x, m in self._batches(windows, progress, cancel):
            outs.append(torch.softmax(self.head(self.model.embed(x, m)), dim=1).float().cpu().numpy())
        if not outs:
            return np.zeros((0, len(self.classes)), np.float32)
        return np.concatenate(outs)

    def __repr__(self) -> str:
        return (f"Encoder(layout={self.layout.name!r}, window={self.window}, dim={self.dim}, "
                f"classes={len(self.classes)}, device={self.device})")


cancelled = is_cancelled  # the job protocol of mgstudio.core.jobs
_cancelled = is_cancelled  # old name kept


def load_encoder(path: str | Path | None = None, device: str | None = None,
                 layout: JointLayout | str | None = None) -> Encoder:
    """Load an encoder checkpoint (default: the shipped one); refuses another ``layout``."""
    p = Path(path) if path is not None else default_model_path()
    if path is None and not p.exists():
        raise MGStudioError("The built-in recognizer model is missing from this installation.", str(p))
    return Encoder(load_checkpoint(p, layout=layout), device=device)


def resolve_encoder(model: "Encoder | str | Path | None" = None) -> Encoder:
    """``model`` itself when it is an :class:`Encoder`, else the checkpoint it names (default: the
    shipped one), remembering the file it came from (heads record it)."""
    if isinstance(model, Encoder):
        return model
    enc = load_encoder(model)
    enc._mg_source = str(model if model is not None else default_model_path())
    return enc


def encoder_hash(enc) -> str:
    """A short fingerprint of an encoder's weights (which checkpoint a head was trained on)."""
    import hashlib

    cached = getattr(enc, "_mg_hash", None)
    if cached:
        return cached
    h = hashlib.sha256()
    for k, v in sorted(enc.model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    enc._mg_hash = h.hexdigest()[:16]
    return enc._mg_hash
