"""The dual-stream encoder: spatial GCN stream, temporal GRU stream, balancing fusion.

Input everywhere: ``x`` ``[N, T, J, C]`` normalised coordinates (missing joints = 0) and
``mask`` ``[N, T, J]`` (1 = present); the mask is appended as an extra channel.

Choices (ours; the paper fixes the idea, not these details):

- **Spatial stream**: ST-GCN-style blocks (graph conv over the layout's bone graph, then a
  temporal conv of kernel 5), with a learnable per-edge importance as in ST-GCN. One
  symmetric-normalised adjacency with self loops rather than ST-GCN's three partitions: fewer
  parameters for small MG datasets, and the fusion's adaptive graph learns the rest.
- **GroupNorm instead of BatchNorm**: MoCo with BatchNorm leaks batch statistics between query
  and key (MoCo needs "shuffle BN" to fix it); GroupNorm has no batch dependence, works with
  batch size 1 at inference, and needs no SyncBatchNorm under DistributedDataParallel.
- **Temporal stream**: each frame's joint vector (J x (C+1)) is embedded by a linear layer
  and read by a 2-layer bidirectional GRU (the paper's temporal stream is GRU-based).
- **Balancing fusion**: joints (from the spatial stream, pooled over time) and ``S``
  temporal segment tokens (from the GRU, pooled per segment) become the nodes of one graph.
  Its adjacency is adaptive (2s-AGCN style): a fixed prior (bones between joints, a chain
  between time tokens) + a learned matrix + a data-dependent attention graph. After one
  residual graph convolution, joint nodes and time nodes are read out *separately*, each
  layer-normalised, and concatenated: the two streams enter the clip embedding with equal
  scale, so the temporal evidence (which MGs' repetition lives in) cannot be drowned by the
  much larger spatial feature map. With ``fusion = false`` (ablation) the same readout is used
  without the adaptive graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class ModelConfig:
    """Sizes of the encoder (defaults sized for 2 CPU cores; see docs/recognizer.md)."""

    in_channels: int = 3
    window: int = 32
    gcn_channels: tuple[int, ...] = (32, 64, 64)
    gcn_strides: tuple[int, ...] = (1, 2, 1)
    temporal_kernel: int = 5
    gru_hidden: int = 64
    gru_layers: int = 2
    fusion_dim: int = 96
    time_tokens: int = 4
    streams: str = "both"  # "both" | "spatial" | "temporal"
    fusion: bool = True
    dropout: float = 0.0

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        for k in ("gcn_channels", "gcn_strides"):
            if k in known:
                known[k] = tuple(int(v) for v in known[k])
        return cls(**known)

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def normalised_adjacency(adj: np.ndarray) -> torch.Tensor:
    """D^-1/2 A D^-1/2 of a 0/1 adjacency with self loops."""
    a = torch.as_tensor(adj, dtype=torch.float32)
    d = a.sum(1).clamp(min=1.0).pow(-0.5)
    return d[:, None] * a * d[None, :]


def _groups(c: int) -> int:
    for g in (8, 4, 2):
        if c % g == 0:
            return g
    return 1


class STGCNBlock(nn.Module):
    """Graph conv over joints, temporal conv over frames, GroupNorm, residual."""

    def __init__(self, cin: int, cout: int, adj: torch.Tensor, stride: int = 1, kernel: int = 5,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("adj", adj)
        self.edge_importance = nn.Parameter(torch.ones_like(adj))
        self.gcn = nn.Conv2d(cin, cout, 1)
        self.gn1 = nn.GroupNorm(_groups(cout), cout)
        self.tcn = nn.Conv2d(cout, cout, (kernel, 1), (stride, 1), (kernel // 2, 0))
        self.gn2 = nn.GroupNorm(_groups(cout), cout)
        self.drop = nn.Dropout(dropout)
        if cin == cout and stride == 1:
            self.res: nn.Module = nn.Identity()
        else:
            self.res = nn.Sequential(nn.Conv2d(cin, cout, 1, (stride, 1)), nn.GroupNorm(_groups(cout), cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # N C T J
        a = self.adj * self.edge_importance
        y = torch.einsum("nctj,jk->nctk", self.gcn(x), a)
        y = F.relu(self.gn1(y))
        y = self.gn2(self.tcn(self.drop(y)))
        return F.relu(y + self.res(x))


class SpatialStream(nn.Module):
    """GCN stream: ``[N, C+1, T, J]`` -> feature map ``[N, C_s, T', J]``."""

    def __init__(self, cfg: ModelConfig, adj: np.ndarray) -> None:
        super().__init__()
        a = normalised_adjacency(adj)
        chans = (cfg.in_channels + 1,) + tuple(cfg.gcn_channels)
        self.blocks = nn.ModuleList(
            STGCNBlock(chans[i], chans[i + 1], a, cfg.gcn_strides[i], cfg.temporal_kernel, cfg.dropout)
            for i in range(len(cfg.gcn_channels)))
        self.out_dim = chans[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for b in self.blocks:
            x = b(x)
        return x


class TemporalStream(nn.Module):
    """GRU stream: ``[N, T, J*(C+1)]`` -> hidden states ``[N, T, 2*H]``."""

    def __init__(self, cfg: ModelConfig, joints: int) -> None:
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(joints * (cfg.in_channels + 1), cfg.gru_hidden * 2),
                                   nn.LayerNorm(cfg.gru_hidden * 2), nn.ReLU())
        self.gru = nn.GRU(cfg.gru_hidden * 2, cfg.gru_hidden, num_layers=cfg.gru_layers,
                          batch_first=True, bidirectional=True,
                          dropout=cfg.dropout if cfg.gru_layers > 1 else 0.0)
        self.out_dim = cfg.gru_hidden * 2

    def forward(self, seq: torch.Tensor) -> torch.Tensor:
        h, _ = self.gru(self.embed(seq))
        return h


class BalancingFusion(nn.Module):
    """Adaptive-graph fusion of joint tokens and time tokens, balanced readout (see module doc)."""

    def __init__(self, spatial_dim: int, temporal_dim: int, adj: np.ndarray, cfg: ModelConfig) -> None:
        super().__init__()
        d, s, j = cfg.fusion_dim, cfg.time_tokens, adj.shape[0]
        self.time_tokens = s
        self.joints = j
        self.use_graph = cfg.fusion
        self.proj_s = nn.Linear(spatial_dim, d)
        self.proj_t = nn.Linear(temporal_dim, d)
        self.norm_s = nn.LayerNorm(d)
        self.norm_t = nn.LayerNorm(d)
        self.joint_pos = nn.Parameter(torch.zeros(j, d))
        self.time_pos = nn.Parameter(torch.zeros(s, d))
        nn.init.normal_(self.joint_pos, std=0.02)
        nn.init.normal_(self.time_pos, std=0.02)
        if self.use_graph:
            prior = np.zeros((j + s, j + s), np.float32)
            prior[:j, :j] = adj
            for i in range(s):
                prior[j + i, j + i] = 1.0
                if i + 1 < s:
                    prior[j + i, j + i + 1] = prior[j + i + 1, j + i] = 1.0
            self.register_buffer("prior", normalised_adjacency(prior))
            self.learned = nn.Parameter(torch.zeros(j + s, j + s))
            self.att_q = nn.Linear(d, d // 4)
            self.att_k = nn.Linear(d, d // 4)
            self.gconv = nn.Linear(d, d)
            self.gnorm = nn.LayerNorm(d)
        self.out_norm_s = nn.LayerNorm(d)
        self.out_norm_t = nn.LayerNorm(d)
        self.out_dim = d * (1 + s)

    def forward(self, fmap: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        # joint tokens: spatial map pooled over time
        js = self.norm_s(self.proj_s(fmap.mean(dim=2).transpose(1, 2))) + self.joint_pos  # N J d
        # time tokens: GRU states pooled in S equal segments
        n, t, _ = hidden.shape
        seg = F.adaptive_avg_pool1d(hidden.transpose(1, 2), self.time_tokens).transpose(1, 2)
        ts = self.norm_t(self.proj_t(seg)) + self.time_pos  # N S d
        nodes = torch.cat([js, ts], dim=1)
        if self.use_graph:
            att = torch.softmax(self.att_q(nodes) @ self.att_k(nodes).transpose(1, 2)
                                / math.sqrt(self.att_q.out_features), dim=-1)
            a = self.prior + self.learned + att  # N V V (broadcast)
            nodes = nodes + F.relu(self.gnorm(self.gconv(a @ nodes)))
        s = self.out_norm_s(nodes[:, : self.joints].mean(dim=1))
        tt = self.out_norm_t(nodes[:, self.joints:]).flatten(1)  # time tokens kept in order
        return torch.cat([s, tt], dim=1)


class DualStreamEncoder(nn.Module):
    """Spatial + temporal streams and the fusion; ``forward`` returns every feature.

    ``embed`` gives the clip embedding: the fusion output for ``streams="both"``, else the
    pooled feature of the single stream.
    """

    def __init__(self, cfg: ModelConfig, adjacency: np.ndarray) -> None:
        super().__init__()
        if cfg.streams not in ("both", "spatial", "temporal"):
            raise ValueError(f"unknown streams setting {cfg.streams!r}")
        self.cfg = cfg
        j = adjacency.shape[0]
        self.joints = j
        self.spatial = SpatialStream(cfg, adjacency) if cfg.streams in ("both", "spatial") else None
        self.temporal = TemporalStream(cfg, j) if cfg.streams in ("both", "temporal") else None
        self.fusion = (BalancingFusion(self.spatial.out_dim, self.temporal.out_dim, adjacency, cfg)
                       if cfg.streams == "both" else None)
        if self.fusion is not None:
            self.embed_dim = self.fusion.out_dim
        elif self.spatial is not None:
            self.embed_dim = self.spatial.out_dim
        else:
            self.embed_dim = self.temporal.out_dim

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{"spatial": [N,Cs], "temporal": [N,Ct], "fused": [N,D], "embedding": [N,D]}``."""
        inp = torch.cat([x, mask.unsqueeze(-1)], dim=-1)  # N T J C+1
        out: dict[str, torch.Tensor] = {}
        fmap = hidden = None
        if self.spatial is not None:
            fmap = self.spatial(inp.permute(0, 3, 1, 2).contiguous())
            out["spatial"] = fmap.mean(dim=(2, 3))
        if self.temporal is not None:
            hidden = self.temporal(inp.flatten(2))
            out["temporal"] = hidden.mean(dim=1)
        if self.fusion is not None:
            out["fused"] = self.fusion(fmap, hidden)
            out["embedding"] = out["fused"]
        else:
            out["embedding"] = out["spatial"] if self.spatial is not None else out["temporal"]
        return out

    def embed(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.forward(x, mask)["embedding"]


class Classifier(nn.Module):
    """Encoder + linear head (linear evaluation freezes the encoder, fine-tuning does not)."""

    def __init__(self, encoder: DualStreamEncoder, num_classes: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.embed_dim, num_classes)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder.embed(x, mask))
