"""Turn raw skeleton windows into model input: resampling, normalisation, missing-joint masks.

numpy only (no torch), so proposal and dataset code can share it.

Choices (ours; the paper does not fix them):

- **Missing joints** (NaN) become zeros *after* normalisation (i.e. they sit at the body centre)
  and a separate 0/1 presence mask is kept; the model appends the mask as an extra input
  channel so it can tell "joint at the centre" from "joint not seen". Sources differ in what
  they supply (Kinect v1 has no fingers, MediaPipe no spine), so the mask is what lets one
  canonical model serve them all.
- **Centre**: the mean position over the window of the layout's neck (else spine, else the
  mean of all present joints). One centre per window, not per frame, so whole-body sway inside
  the window (e.g. "moving torso") is kept.
- **Scale**: the median shoulder width over the window (else median neck–pelvis distance,
  else the RMS spread of present joints). Shoulder width is visible in seated interviews and
  comparable across MediaPipe (metres or pixels), Kinect (metres) and OpenPose (pixels).
- Coordinates are then clipped to ±10 shoulder widths so a tracking glitch cannot blow up
  the loss.
- **2D sources** are given a zero depth channel when a 3D model is used (and a 3D input is cut
  to x, y for a 2D model).
"""

from __future__ import annotations

import numpy as np

from mgstudio.core.errors import MGStudioError
from mgstudio.core.layouts import JointLayout

CLIP_LIMIT = 10.0


def _index(layout: JointLayout, name: str) -> int | None:
    try:
        return layout.index(name)
    except KeyError:
        return None


def resample_time(coords: np.ndarray, n_frames: int) -> np.ndarray:
    """Linearly resample ``[T, J, C]`` to ``n_frames`` (NaN where a neighbour is missing)."""
    t = coords.shape[0]
    if t == 0:
        raise MGStudioError("A skeleton clip has no frames.")
    if t == n_frames:
        return coords.astype(np.float32, copy=False)
    pos = np.linspace(0.0, t - 1, n_frames) if t > 1 else np.zeros(n_frames)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, t - 1)
    w = (pos - lo).astype(np.float32)[:, None, None]
    return (coords[lo] * (1 - w) + coords[hi] * w).astype(np.float32)


def fit_channels(windows: np.ndarray, channels: int) -> np.ndarray:
    """Pad with zero depth (2D into a 3D model) or cut extra channels (3D into a 2D model)."""
    c = windows.shape[-1]
    if c == channels:
        return windows
    if c > channels:
        return windows[..., :channels]
    pad = np.zeros(windows.shape[:-1] + (channels - c,), dtype=windows.dtype)
    # keep "missing" missing in the padded channel too
    pad[~np.isfinite(windows).all(axis=-1)] = np.nan
    return np.concatenate([windows, pad], axis=-1)


def normalise(windows: np.ndarray, layout: JointLayout) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale windows ``[N, T, J, C]``; returns ``(coords, mask)``.

    ``coords`` is float32 with missing joints set to 0; ``mask`` is float32 ``[N, T, J]``
    (1 = present). A window with no present joint at all comes back as zeros with mask 0
    (its embedding is then the model's "nothing seen" vector, finite by construction).
    """
    x = np.asarray(windows, dtype=np.float32)
    if x.ndim != 4:
        raise MGStudioError(f"Skeleton windows must be windows x frames x joints x coordinates, got shape {x.shape}.")
    if x.shape[2] != layout.num_joints:
        raise MGStudioError(
            f"The skeleton has {x.shape[2]} joints but the model expects layout '{layout.name}' "
            f"with {layout.num_joints}. Convert it to that layout first.")
    present = np.isfinite(x).all(axis=-1)  # N T J
    out = np.zeros_like(x)
    neck = _index(layout, "neck")
    own_centre = _index(layout, layout.center) if layout.center else None
    spine, pelvis = _index(layout, "spine"), _index(layout, "pelvis")
    ls, rs = _index(layout, "left_shoulder"), _index(layout, "right_shoulder")
    for i in range(x.shape[0]):
        w, p = x[i], present[i]
        if not p.any():
            continue
        centre = None
        for j in (neck, own_centre, spine):
            if j is not None and p[:, j].any():
                centre = w[p[:, j], j].mean(axis=0)
                break
        if centre is None:
            centre = w[p].mean(axis=0)
        scale = 0.0
        if ls is not None and rs is not None:
            both = p[:, ls] & p[:, rs]
            if both.any():
                scale = float(np.median(np.linalg.norm(w[both, ls] - w[both, rs], axis=-1)))
        if scale <= 1e-6 and neck is not None and pelvis is not None:
            both = p[:, neck] & p[:, pelvis]
            if both.any():
                scale = float(np.median(np.linalg.norm(w[both, neck] - w[both, pelvis], axis=-1))) / 2
        if scale <= 1e-6:
            scale = float(np.sqrt(np.mean(np.sum((w[p] - centre) ** 2, axis=-1))))
        if not np.isfinite(scale) or scale <= 1e-6:
            scale = 1.0
        v = (w - centre) / scale
        v[~p] = 0.0
        out[i] = np.clip(v, -CLIP_LIMIT, CLIP_LIMIT)
    return out, present.astype(np.float32)


def prepare_windows(windows: np.ndarray, layout: JointLayout, window: int,
                    channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Resample each window to ``window`` frames, fit channels, normalise: ``(coords, mask)``."""
    x = np.asarray(windows, dtype=np.float32)
    if x.ndim != 4:
        raise MGStudioError(f"Skeleton windows must be windows x frames x joints x coordinates, got shape {x.shape}.")
    if x.shape[1] == 0:
        raise MGStudioError("Skeleton windows have no frames.")
    x = fit_channels(x, channels)
    if x.shape[1] != window:
        x = np.stack([resample_time(w, window) for w in x]) if len(x) else np.zeros(
            (0, window) + x.shape[2:], np.float32)
    return normalise(x, layout)
