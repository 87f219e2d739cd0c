"""MoCo-style dual-stream contrastive learning with cross-stream positives.

``QueryNet`` = encoder + one projection head per feature (spatial, temporal, fused); its
momentum copy (``KeyNet``) encodes the second augmented view. For each feature there is a
queue of past keys (negatives). The loss sums InfoNCE terms (weights in ``[contrast]``):

- within-stream: spatial query vs spatial keys, temporal query vs temporal keys;
- cross-stream: spatial query vs *temporal* keys (and queue), temporal query vs spatial keys —
  the two views of the same clip seen by the other stream are the positives (the paper's
  cross-stream contrast);
- fused: the fused clip embedding's query vs its momentum keys, so the embedding the app uses
  is itself trained contrastively.

Choices (ours): one augmented pair per clip (no symmetric swap: half the compute on 2 CPU
cores); keys gathered from every DistributedDataParallel rank before they enter the queue so
all ranks keep the same queue; a non-finite loss stops training with a clear error instead of
corrupting the weights.
"""

from __future__ import annotations

import copy

import torch
import torch.distributed as dist
from torch import nn
from torch.nn import functional as F

from mgstudio.core.errors import MGStudioError
from mgstudio.recognition.model import DualStreamEncoder

FEATURES = ("spatial", "temporal", "fused")


def _mlp(din: int, dout: int) -> nn.Module:
    return nn.Sequential(nn.Linear(din, din), nn.ReLU(), nn.Linear(din, dout))


class QueryNet(nn.Module):
    """Encoder + projection heads; returns L2-normalised projections per feature."""

    def __init__(self, encoder: DualStreamEncoder, proj_dim: int) -> None:
        super().__init__()
        self.encoder = encoder
        dims = {}
        if encoder.spatial is not None:
            dims["spatial"] = encoder.spatial.out_dim
        if encoder.temporal is not None:
            dims["temporal"] = encoder.temporal.out_dim
        if encoder.fusion is not None:
            dims["fused"] = encoder.fusion.out_dim
        self.heads = nn.ModuleDict({k: _mlp(d, proj_dim) for k, d in dims.items()})

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        feats = self.encoder(x, mask)
        return {k: F.normalize(h(feats[k]), dim=1) for k, h in self.heads.items()}


def _gather(t: torch.Tensor) -> torch.Tensor:
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return t
    parts = [torch.zeros_like(t) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, t.contiguous())
    return torch.cat(parts)


class MoCo(nn.Module):
    """Query net (trained), key net (momentum copy), one queue per feature."""

    def __init__(self, query: QueryNet, cfg: dict) -> None:
        super().__init__()
        self.query = query
        self.key = copy.deepcopy(query)
        for p in self.key.parameters():
            p.requires_grad_(False)
        self.k = int(cfg["queue"])
        self.t = float(cfg["temperature"])
        self.m = float(cfg["momentum"])
        self.w_within, self.w_cross, self.w_fused = float(cfg["within"]), float(cfg["cross"]), float(cfg["fused"])
        dim = int(cfg["proj_dim"])
        for f in query.heads:
            self.register_buffer(f"queue_{f}", F.normalize(torch.randn(dim, self.k), dim=0))
        self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))

    def queue(self, f: str) -> torch.Tensor:
        return getattr(self, f"queue_{f}")

    @torch.no_grad()
    def momentum_update(self, query: nn.Module | None = None) -> None:
        src = query if query is not None else self.query
        for pk, pq in zip(self.key.parameters(), src.parameters()):
            pk.mul_(self.m).add_(pq.detach(), alpha=1 - self.m)

    def _nce(self, q: torch.Tensor, k: torch.Tensor, queue: torch.Tensor) -> torch.Tensor:
        pos = (q * k).sum(dim=1, keepdim=True)
        neg = q @ queue.clone().detach()
        logits = torch.cat([pos, neg], dim=1) / self.t
        return F.cross_entropy(logits, torch.zeros(q.shape[0], dtype=torch.long, device=q.device))

    def loss(self, q: dict[str, torch.Tensor], k: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        """Weighted sum of the InfoNCE terms (see the module docstring) and each term's value."""
        terms: dict[str, tuple[float, torch.Tensor]] = {}
        for f in ("spatial", "temporal"):
            if f in q and self.w_within:
                terms[f"within_{f}"] = (self.w_within, self._nce(q[f], k[f], self.queue(f)))
        if "spatial" in q and "temporal" in q and self.w_cross:
            terms["cross_s2t"] = (self.w_cross, self._nce(q["spatial"], k["temporal"], self.queue("temporal")))
            terms["cross_t2s"] = (self.w_cross, self._nce(q["temporal"], k["spatial"], self.queue("spatial")))
        if "fused" in q and self.w_fused:
            terms["fused"] = (self.w_fused, self._nce(q["fused"], k["fused"], self.queue("fused")))
        if not terms:
            raise MGStudioError("Every contrastive loss term is switched off for these streams; "
                                "set contrast.within, contrast.cross or contrast.fused above 0.")
        total = sum(w * v for w, v in terms.values()) / sum(w for w, _ in terms.values())
        return total, {n: float(v.detach()) for n, (_, v) in terms.items()}

    @torch.no_grad()
    def keys(self, x: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.key(x, mask)

    @torch.no_grad()
    def enqueue(self, k: dict[str, torch.Tensor]) -> None:
        ptr = int(self.queue_ptr)
        n = 0
        for f, v in k.items():
            v = _gather(v)
            if v.shape[0] > self.k:
                v = v[-self.k:]
            n = v.shape[0]
            q = self.queue(f)
            q[:, (torch.arange(n, device=q.device) + ptr) % self.k] = v.T.to(q.dtype)
        self.queue_ptr[0] = (ptr + n) % self.k
