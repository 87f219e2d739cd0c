"""Skeleton augmentations as composable, configurable, batched transforms.

Every transform maps ``(x [N,T,J,C], mask [N,T,J])`` to the same shapes, draws its randomness
per clip from the given ``torch.Generator`` and keeps missing joints missing (mask 0, value 0).

MG-specific (the paper's choice for subtle, repetitive movements):
- ``JointJitter``    small Gaussian noise on present joints (coordinate perturbation);
- ``Rotate``         small viewpoint rotation (≤ 15° about the vertical axis, ≤ 5° others);
- ``RepeatSubclip``  a random sub-clip tiled over the window (MGs repeat: scratching, rubbing);
- ``PosterizeTime``  hold every k-th frame for k frames (lower temporal resolution).
Usual (full-body action methods): ``Shear`` (random shear of the coordinate axes) and
``CropResize`` (random temporal crop stretched back to the window). Strong versions of
these can erase a micro-movement, which the ablations in ``benchmarks/bench_msr.py`` measure.

Magnitudes (ours): coordinates are in shoulder widths after normalisation, so jitter σ=0.02
is ~8 mm for a 40 cm shoulder width, smaller than typical MG amplitudes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

Pair = tuple[torch.Tensor, torch.Tensor]


def _uniform(n: int, lo: float, hi: float, g: torch.Generator, device: torch.device) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=g).to(device)


def _apply_prob(p: float, n: int, g: torch.Generator, device: torch.device) -> torch.Tensor:
    return (torch.rand(n, generator=g) < p).to(device)


def _gather_time(x: torch.Tensor, mask: torch.Tensor, idx: torch.Tensor) -> Pair:
    """Pick frames per clip: ``idx`` is ``[N, T]`` long."""
    n, t, j, c = x.shape
    xi = idx[:, :, None, None].expand(n, idx.shape[1], j, c)
    mi = idx[:, :, None].expand(n, idx.shape[1], j)
    return torch.gather(x, 1, xi), torch.gather(mask, 1, mi)


def _interp_time(x: torch.Tensor, mask: torch.Tensor, pos: torch.Tensor) -> Pair:
    """Linear interpolation at fractional frame positions ``pos`` ``[N, T]``; a frame is present
    only where both neighbours are."""
    t = x.shape[1]
    pos = pos.clamp(0, t - 1)
    lo = pos.floor().long()
    hi = (lo + 1).clamp(max=t - 1)
    w = (pos - lo.float())[:, :, None, None]
    xl, ml = _gather_time(x, mask, lo)
    xh, mh = _gather_time(x, mask, hi)
    m = ml * mh
    return (xl * (1 - w) + xh * w) * m.unsqueeze(-1), m


@dataclass
class JointJitter:
    sigma: float = 0.02
    p: float = 1.0

    def __call__(self, x: torch.Tensor, mask: torch.Tensor, g: torch.Generator) -> Pair:
        on = _apply_prob(self.p, x.shape[0], g, x.device).float()[:, None, None, None]
        noise = torch.randn(x.shape, generator=g).to(x.device) * self.sigma
        return x + noise * on * mask.unsqueeze(-1), mask


def _rot(axis: int, ang: torch.Tensor) -> torch.Tensor:
    c, s = torch.cos(ang), torch.sin(ang)
    o, z = torch.ones_like(ang), torch.zeros_like(ang)
    if axis == 0:
        rows = [[o, z, z], [z, c, -s], [z, s, c]]
    elif axis == 1:
        rows = [[c, z, s], [z, o, z], [-s, z, c]]
    else:
        rows = [[c, -s, z], [s, c, z], [z, z, o]]
    return torch.stack([torch.stack(r, dim=-1) for r in rows], dim=-2)  # N 3 3


@dataclass
class Rotate:
    """Viewpoint perturbation: about the vertical axis up to ``max_yaw`` degrees, others ``max_tilt``."""

    max_yaw: float = 15.0
    max_tilt: float = 5.0
    p: float = 1.0

    def __call__(self, x: torch.Tensor, mask: torch.Tensor, g: torch.Generator) -> Pair:
        n, c = x.shape[0], x.shape[-1]
        on = _apply_prob(self.p, n, g, x.device).float()
        rad = math.pi / 180
        if c == 2:  # in-plane rotation only
            ang = _uniform(n, -self.max_tilt, self.max_tilt, g, x.device) * rad * on
            r = _rot(2, ang)[:, :2, :2]
        else:
            r = _rot(1, _uniform(n, -self.max_yaw, self.max_yaw, g, x.device) * rad * on)
            r = r @ _rot(0, _uniform(n, -self.max_tilt, self.max_tilt, g, x.device) * rad * on)
            r = r @ _rot(2, _uniform(n, -self.max_tilt, self.max_tilt, g, x.device) * rad * on)
        return torch.einsum("ntjc,ndc->ntjd", x, r.to(x.dtype)), mask


@dataclass
class Shear:
    """Random shear of the coordinate axes (off-diagonal terms uniform in ±``amount``)."""

    amount: float = 0.3
    p: float = 1.0

    def __call__(self, x: torch.Tensor, mask: torch.Tensor, g: torch.Generator) -> Pair:
        n, c = x.shape[0], x.shape[-1]
        on = _apply_prob(self.p, n, g, x.device).float()[:, None, None]
        s = _uniform(n * c * c, -self.amount, self.amount, g, x.device).view(n, c, c) * on
        eye = torch.eye(c, device=x.device).expand(n, c, c)
        m = eye + s * (1 - eye)
        return torch.einsum("ntjc,ndc->ntjd", x, m.to(x.dtype)), mask


@dataclass
class RepeatSubclip:
    """Tile a random sub-clip of ``min_frac``–``max_frac`` of the window over the whole window."""

    min_frac: float = 0.3
    max_frac: float = 0.6
    p: float = 0.5

    def __call__(self, x: torch.Tensor, mask: torch.Tensor, g: torch.Generator) -> Pair:
        n, t = x.shape[:2]
        on = _apply_prob(self.p, n, g, x.device)
        length = (_uniform(n, self.min_frac, self.max_frac, g, x.device) * t).long().clamp(2, t)
        start = (torch.rand(n, generator=g).to(x.device) * (t - length + 1).float()).long()
        ar = torch.arange(t, device=x.device)[None, :]
        idx = start[:, None] + ar % length[:, None]
        idx = torch.where(on[:, None], idx, ar.expand(n, t))
        return _gather_time(x, mask, idx)


@dataclass
class PosterizeTime:
    """Hold frames: every ``k``-th frame (k uniform in [min_hold, max_hold]) is shown k times."""

    min_hold: int = 2
    max_hold: int = 4
    p: float = 0.5

    def __call__(self, x: torch.Tensor, mask: torch.Tensor, g: torch.Generator) -> Pair:
        n, t = x.shape[:2]
        on = _apply_prob(self.p, n, g, x.device)
        k = torch.randint(self.min_hold, self.max_hold + 1, (n,), generator=g).to(x.device)
        ar = torch.arange(t, device=x.device)[None, :]
        idx = torch.where(on[:, None], (ar // k[:, None]) * k[:, None], ar.expand(n, t))
        return _gather_time(x, mask, idx)


@dataclass
class CropResize:
    """Random temporal crop of ``min_ratio``–1 of the window, linearly resized back to it."""

    min_ratio: float = 0.5
    p: float = 1.0

    def __call__(self, x: torch.Tensor, mask: torch.Tensor, g: torch.Generator) -> Pair:
        n, t = x.shape[:2]
        on = _apply_prob(self.p, n, g, x.device).float()
        ratio = 1 - (1 - _uniform(n, self.min_ratio, 1.0, g, x.device)) * on
        span = ratio * (t - 1)
        start = torch.rand(n, generator=g).to(x.device) * (t - 1 - span)
        pos = start[:, None] + torch.linspace(0, 1, t, device=x.device)[None, :] * span[:, None]
        return _interp_time(x, mask, pos)


TRANSFORMS = {
    "jitter": JointJitter, "rotate": Rotate, "repeat": RepeatSubclip, "posterize": PosterizeTime,
    "shear": Shear, "crop_resize": CropResize,
}
MG_SET = ("jitter", "rotate", "repeat", "posterize")
USUAL_SET = ("shear", "crop_resize")


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms: Sequence) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: torch.Tensor, mask: torch.Tensor, g: torch.Generator) -> Pair:
        for tr in self.transforms:
            x, mask = tr(x, mask, g)
        return x, mask

    def __repr__(self) -> str:
        return f"Compose({self.transforms})"


def build_augment(cfg: dict) -> Compose:
    """Build from the config's ``[augment]`` table.

    ``mg`` / ``usual`` (bool) switch the two families; a sub-table per transform name sets its
    parameters, and ``enabled = false`` in it removes one transform (ablation switches).
    """
    names: list[str] = []
    if cfg.get("mg", True):
        names += MG_SET
    if cfg.get("usual", False):
        names += USUAL_SET
    out = []
    # temporal first (they reorder frames), then spatial (they act per frame)
    order = ("repeat", "posterize", "crop_resize", "rotate", "shear", "jitter")
    for name in order:
        if name not in names:
            continue
        params = dict(cfg.get(name, {}) or {})
        if not params.pop("enabled", True):
            continue
        out.append(TRANSFORMS[name](**params))
    return Compose(out)
