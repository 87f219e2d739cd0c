"""Motion energy: how much each body part moves, frame by frame, relative to the torso.

Micro-gestures are small: a finger rubbing, a lip press, a shoulder shake. Annotators spot them
faster when the timeline shows, under the segments, a curve per body part that rises whenever
that part moves. The recognizer and the reports reuse the same numbers.

Definition (**ours**): the sequence is mapped to the canonical layout; every joint is expressed
relative to the torso (the mean of the shoulders, plus the hips when they are seen in most
frames) so that leaning or the camera panning does not count as movement; joints whose
confidence is below ``min_conf`` count as missing. A part's energy at frame ``t`` is the mean
joint speed of that part between ``t-1`` and ``t``, in **body sizes per second** (the body size
being the median shoulder width), lightly smoothed. Frames where a part is not seen are NaN.

Parts (:data:`PARTS`): ``head`` (face anchors and head), ``left_hand`` and ``right_hand``
(the 21 hand joints each), ``arms`` (shoulders, elbows, wrists). Everything here is numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.skeleton import SkeletonSequence

PARTS: tuple[str, ...] = ("head", "left_hand", "right_hand", "arms")
PART_TITLES: dict[str, str] = {
    "head": "Head & face",
    "left_hand": "Left hand",
    "right_hand": "Right hand",
    "arms": "Arms",
}
UNIT = "body sizes / s"
MIN_DISPLAY_SCALE = 0.5  # body sizes / s: a row is never scaled up so far that tracker jitter fills it

_ARM_JOINTS = ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist")


def part_joints(part: str) -> tuple[int, ...]:
    """Canonical joint indices of a motion part (see :data:`PARTS`)."""
    if part == "head":
        return tuple(CANONICAL.parts["face"])
    if part in ("left_hand", "right_hand"):
        return tuple(CANONICAL.parts[part])
    if part == "arms":
        return tuple(CANONICAL.index(j) for j in _ARM_JOINTS)
    raise ValueError(f"unknown motion part {part!r}; expected one of {PARTS}")


@dataclass
class MotionEnergy:
    """Per-frame motion energy of each part (arrays of length T, NaN where the part is unseen).

    Frame ``i`` of the arrays is media frame ``start_frame + i``.
    """

    parts: dict[str, np.ndarray]
    fps: float
    start_frame: int = 0
    unit: str = UNIT
    _scales: dict[str, float] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(next(iter(self.parts.values()))) if self.parts else 0

    @property
    def end_frame(self) -> int:
        return self.start_frame + len(self)

    def window(self, part: str, start: int, end: int) -> np.ndarray:
        """Energy of ``part`` over media frames [start, end); NaN outside the sequence."""
        out = np.full(max(0, end - start), np.nan, np.float32)
        a, b = max(start, self.start_frame), min(end, self.end_frame)
        if b > a:
            out[a - start:b - start] = self.parts[part][a - self.start_frame:b - self.start_frame]
        return out

    def envelope(self, part: str, start: float, end: float, n_bins: int) -> np.ndarray:
        """Maximum energy of ``part`` in each of ``n_bins`` equal bins covering frames [start, end).

        Used to draw the curve at any zoom: a one-frame spike stays visible when a pixel covers
        hundreds of frames. Bins with no seen frame are NaN. Bins narrower than a frame repeat
        the value of the frame they fall in.
        """
        n_bins = int(n_bins)
        if n_bins <= 0 or end <= start:
            return np.zeros(0, np.float32)
        edges = np.floor(np.linspace(start, end, n_bins + 1)).astype(np.int64)
        lo, hi = int(edges[0]), int(max(edges[-1], edges[0] + 1))
        win = self.window(part, lo, hi)
        idx = np.clip(edges[:-1] - lo, 0, len(win) - 1)
        filled = np.where(np.isnan(win), -np.inf, win)
        # reduceat needs strictly valid start indices; equal consecutive indices give that one element.
        out = np.maximum.reduceat(filled, idx).astype(np.float32)
        out[~np.isfinite(out)] = np.nan
        return out

    def baseline(self, part: str) -> float:
        """The part's resting level: its median energy (tracker jitter, breathing)."""
        key = f"{part}:base"
        if key not in self._scales:
            v = self.parts[part]
            v = v[np.isfinite(v)]
            self._scales[key] = float(np.median(v)) if v.size else 0.0
        return self._scales[key]

    def scale(self, part: str, quantile: float = 0.99) -> float:
        """Full-scale value above :meth:`baseline` for drawing ``part``: its 99th percentile minus
        the baseline, at least :data:`MIN_DISPLAY_SCALE` so that a still part stays flat."""
        key = f"{part}:{quantile}"
        if key not in self._scales:
            v = self.parts[part]
            v = v[np.isfinite(v)]
            top = float(np.quantile(v, quantile)) if v.size else 0.0
            self._scales[key] = max(top - self.baseline(part), MIN_DISPLAY_SCALE)
        return self._scales[key]

    def display(self, part: str, values: np.ndarray) -> np.ndarray:
        """``values`` of ``part`` mapped to 0..1 for drawing (NaN stays NaN)."""
        return np.clip((values - self.baseline(part)) / self.scale(part), 0.0, 1.0)


def _nan_moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average along axis 0 ignoring NaNs; stays NaN where the input is NaN."""
    if width <= 1 or len(x) == 0:
        return x
    ok = np.isfinite(x)
    vals = np.where(ok, x, 0.0).astype(np.float64)
    c = np.concatenate([[0.0], np.cumsum(vals)])
    n = np.concatenate([[0.0], np.cumsum(ok.astype(np.float64))])
    half = width // 2
    lo = np.clip(np.arange(len(x)) - half, 0, len(x))
    hi = np.clip(np.arange(len(x)) + width - half, 0, len(x))
    cnt = n[hi] - n[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = (c[hi] - c[lo]) / cnt
    return np.where(ok, avg, np.nan).astype(np.float32)


def _torso(coords: np.ndarray, with_hips: bool) -> np.ndarray:
    """T x C torso reference: mean of the shoulders (and hips when ``with_hips``); NaN if one is missing."""
    names = ["left_shoulder", "right_shoulder"] + (["left_hip", "right_hip"] if with_hips else [])
    idx = [CANONICAL.index(n) for n in names]
    sub = coords[:, idx]
    complete = np.isfinite(sub).all(axis=(1, 2))
    out = np.full((len(coords), coords.shape[2]), np.nan, np.float32)
    out[complete] = sub[complete].mean(axis=1)
    return out


class MotionCancelled(Exception):
    """Raised by :func:`motion_energy` when its ``cancelled`` callback returned true."""


CHUNK_FRAMES = 2048  # frames per step: ~10 ms of work, so a cancel is noticed quickly


def _canonical_chunk(seq: SkeletonSequence, a: int, b: int, prefer_world: bool, min_conf: float) -> np.ndarray:
    """Frames [a, b) (array indices) of ``seq`` in the canonical layout; unsure joints are NaN."""
    part = SkeletonSequence(seq.layout, seq.xy[a:b], seq.conf[a:b], seq.fps,
                            None if seq.world is None or not prefer_world else seq.world[a:b])
    can = part.to_layout(CANONICAL)
    coords = np.array(can.coords(prefer_world), dtype=np.float32, copy=True)
    coords[can.conf < min_conf] = np.nan
    return coords


def _part_mean(speed: np.ndarray, joints: list[int]) -> np.ndarray:
    """Per frame, the mean speed of the seen ``joints`` (NaN when none is seen)."""
    s = speed[:, joints]
    seen = np.isfinite(s)
    cnt = seen.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.where(cnt > 0, np.where(seen, s, 0.0).sum(axis=1) / np.maximum(cnt, 1), np.nan)
    return e.astype(np.float32)


def motion_energy(seq: SkeletonSequence, parts: tuple[str, ...] = PARTS, *, min_conf: float = 0.3,
                  smooth_s: float = 0.1, prefer_world: bool = True,
                  cancelled: Callable[[], bool] | None = None, chunk: int = CHUNK_FRAMES) -> MotionEnergy:
    """Motion energy per part of ``seq`` (see the module docstring for the definition).

    ``prefer_world`` uses metric 3D world coordinates when the sequence has them (MediaPipe,
    Kinect), otherwise image coordinates; both are normalised by the body size, so curves from
    different sources are comparable. Raises :class:`FormatError` for an empty sequence.

    The frames are processed ``chunk`` at a time (the result does not depend on ``chunk``), so
    that no single numpy call holds a thread for long and ``cancelled`` (checked between chunks)
    stops the work within milliseconds by raising :class:`MotionCancelled`.
    """
    if len(seq) == 0:
        raise FormatError("This skeleton has no frames, so there is no movement to show.")

    def check() -> None:
        if cancelled is not None and cancelled():
            raise MotionCancelled("The movement computation was stopped.")

    n, step = len(seq), max(2, int(chunk))
    bounds = [(a, min(n, a + step)) for a in range(0, n, step)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:  # numpy sums one-frame arrays
        bounds[-2:] = [(bounds[-2][0], n)]  # differently (last bit): keep results chunk-independent
    ls, rs = CANONICAL.index("left_shoulder"), CANONICAL.index("right_shoulder")
    hips = [CANONICAL.index("left_hip"), CANONICAL.index("right_hip")]
    prefer_world = prefer_world and seq.world is not None
    # Pass 1: canonical coordinates, how often the hips are seen, the shoulder widths.
    chunks: list[np.ndarray] = []
    widths: list[np.ndarray] = []
    hips_seen = 0
    for a, b in bounds:
        check()
        c = _canonical_chunk(seq, a, b, prefer_world, min_conf)
        hips_seen += int(np.isfinite(c[:, hips]).all(axis=2).all(axis=1).sum())
        widths.append(np.linalg.norm(c[:, ls] - c[:, rs], axis=1))
        chunks.append(c)
    with_hips = hips_seen / n >= 0.9
    width = np.concatenate(widths)
    width = width[np.isfinite(width) & (width > 0)]
    body = float(np.median(width)) if width.size else 1.0

    # Pass 2: joint speeds relative to the torso, averaged per part.
    joints = {part: list(part_joints(part)) for part in parts}
    energy: dict[str, list[np.ndarray]] = {part: [] for part in parts}
    prev: np.ndarray | None = None  # the last relative pose of the previous chunk
    while chunks:
        check()
        c = chunks.pop(0)  # freed as we go
        rel = c - _torso(c, with_hips)[:, None, :]
        speed = np.full(rel.shape[:2], np.nan, np.float32)  # frames x joints
        if prev is not None:
            speed[:1] = np.linalg.norm((rel[0] - prev)[None], axis=2) * (seq.fps / body)
        if len(rel) > 1:
            speed[1:] = np.linalg.norm(np.diff(rel, axis=0), axis=2) * (seq.fps / body)
        prev = rel[-1]
        for part in parts:
            energy[part].append(_part_mean(speed, joints[part]))
    check()
    smooth = max(1, int(round(smooth_s * seq.fps)))
    out = {part: _nan_moving_average(np.concatenate(energy[part]), smooth) for part in parts}
    return MotionEnergy(out, seq.fps, seq.start_frame)
