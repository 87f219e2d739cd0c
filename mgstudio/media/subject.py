"""Following the main subject through a video (interviewer, audience cut-aways, passers-by).

MediaPipe holistic tracks *one* person and, when several are in view, may switch to whoever its
detector scores highest. :class:`SubjectTracker` decides, frame by frame, whether a detected pose
is the subject being followed:

- **continuity**: the subject's torso anchor (shoulder midpoint, scaled by shoulder width or
  head-to-shoulder distance) moves little between frames; a pose that jumps far, or changes size
  abruptly, is someone else. Tolerances widen with the number of frames since the subject was
  last seen.
- **size**: when the subject has been gone for long (a cut-away, a shot change), the next pose
  that is large enough in the frame is taken as the subject again; small background figures are
  not.
- **the user's choice**: a box drawn around a person (``subject_box`` at ``subject_frame``)
  pins the subject: poses outside it are rejected until the subject is found inside it.

When the full-frame pose is rejected, the extractor runs holistic again on :meth:`crop_box`, a
region around where the subject was last seen, and keeps that result if it passes the same test.
This module only does geometry (numpy); it never calls MediaPipe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOSE, L_SHOULDER, R_SHOULDER = 0, 11, 12
UPPER_BODY = np.arange(0, 23)  # face, shoulders, arms, hands (hips and legs are often off-screen)


@dataclass(frozen=True)
class Anchor:
    """Where a person's torso is: shoulder midpoint (pixels) and a body scale (pixels)."""

    x: float
    y: float
    size: float


def pose_anchor(xy: np.ndarray, conf: np.ndarray, min_conf: float = 0.5) -> Anchor | None:
    """Torso anchor of one 33-point pose (``xy`` 33 x 2 pixels, ``conf`` 33), or None."""
    if conf[L_SHOULDER] >= min_conf and conf[R_SHOULDER] >= min_conf:
        mid = (xy[L_SHOULDER] + xy[R_SHOULDER]) / 2
        size = float(np.linalg.norm(xy[L_SHOULDER] - xy[R_SHOULDER]))
        if conf[NOSE] >= min_conf:
            # Turned sideways the shoulders overlap; the head-to-shoulder distance does not shrink.
            size = max(size, 2.0 * float(np.linalg.norm(xy[NOSE] - mid)))
        if size > 1.0:
            return Anchor(float(mid[0]), float(mid[1]), size)
    ok = conf[UPPER_BODY] >= min_conf
    if ok.sum() < 3:
        return None
    pts = xy[UPPER_BODY][ok]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    size = float(max(hi - lo) / 2)
    if size <= 1.0:
        return None
    return Anchor(float((lo[0] + hi[0]) / 2), float(lo[1] + (hi[1] - lo[1]) / 3), size)


def _clip_box(x0: float, y0: float, x1: float, y1: float, width: int, height: int) -> tuple[int, int, int, int] | None:
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(width, int(np.ceil(x1))), min(height, int(np.ceil(y1)))
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    return x0, y0, x1 - x0, y1 - y0


class SubjectTracker:
    """Accepts or rejects each detected pose as the subject (see the module docstring).

    ``fps`` sets time-based tolerances; ``subject_box`` is ``(x, y, w, h)`` in pixels.
    """

    def __init__(self, width: int, height: int, fps: float,
                 subject_box: tuple[float, float, float, float] | None = None,
                 subject_frame: int = 0, *, reacquire_after_s: float = 1.0,
                 min_size_frac: float = 0.04, crop_scale: float = 3.2) -> None:
        self.width, self.height = int(width), int(height)
        self.fps = float(fps)
        self.user_box = tuple(float(v) for v in subject_box) if subject_box is not None else None
        self.subject_frame = int(subject_frame)
        self.reacquire_after = max(1, int(round(reacquire_after_s * self.fps)))
        self.min_size = min_size_frac * min(self.width, self.height)
        self.crop_scale = crop_scale
        self.anchor: Anchor | None = None
        self.last_seen = -(10**9)
        self._crop: tuple[int, int, int, int] | None = None

    # ------------------------------------------------------------------ decisions
    def _in_user_box(self, a: Anchor) -> bool:
        assert self.user_box is not None
        x, y, w, h = self.user_box
        mx, my = 0.1 * w, 0.1 * h
        return x - mx <= a.x <= x + w + mx and y - my <= a.y <= y + h + my

    def accepts(self, frame: int, xy: np.ndarray, conf: np.ndarray) -> bool:
        """Is this 33-point pose (pixels) the subject at ``frame``? Updates the track if so."""
        a = pose_anchor(xy, conf)
        if a is None:
            return False
        if self.user_box is not None and frame == self.subject_frame:
            # The frame where the user picked the subject: the picked box rules over the track.
            self.anchor = None
        if self.anchor is None:
            ok = self._in_user_box(a) if self.user_box is not None else a.size >= self.min_size
        else:
            gap = frame - self.last_seen
            if gap > self.reacquire_after and self.user_box is None:
                ok = a.size >= self.min_size  # after a cut-away: the next sizeable person
            else:
                p = self.anchor
                slack = min(gap, self.reacquire_after) / self.reacquire_after
                dist = np.hypot(a.x - p.x, a.y - p.y) / p.size
                ratio = a.size / p.size
                max_ratio = 1.6 + 1.4 * slack
                ok = dist <= 0.8 + 1.7 * slack and 1 / max_ratio <= ratio <= max_ratio
        if ok:
            self._update(frame, a)
        return ok

    def _update(self, frame: int, a: Anchor) -> None:
        self.anchor = a
        self.last_seen = frame
        if self._crop is not None:
            # Keep the crop still while the subject stays well inside it (a still input helps
            # MediaPipe's own tracking); re-centre it when the subject drifts towards an edge.
            x, y, w, h = self._crop
            cx, cy = x + w / 2, y + h / 2
            if abs(a.x - cx) > 0.15 * w or abs(a.y - cy) > 0.15 * h or not (0.7 < self._side(a) / max(w, h) < 1.4):
                self._crop = None

    def _side(self, a: Anchor) -> float:
        return self.crop_scale * 2 * a.size

    # ------------------------------------------------------------------ crops
    @property
    def has_subject(self) -> bool:
        return self.anchor is not None or self.user_box is not None

    def lost_for(self, frame: int) -> int:
        """Frames since the subject was last accepted (large when never seen)."""
        return frame - self.last_seen

    def crop_box(self) -> tuple[int, int, int, int] | None:
        """``(x, y, w, h)`` region around the subject to run holistic on, clipped to the frame."""
        if self._crop is not None:
            return self._crop
        if self.anchor is not None:
            a = self.anchor
            half = self._side(a) / 2
            cy = a.y + 0.35 * half  # the body extends below the shoulders
            box = _clip_box(a.x - half, cy - half, a.x + half, cy + half, self.width, self.height)
        elif self.user_box is not None:
            x, y, w, h = self.user_box
            m = 0.15 * max(w, h)
            box = _clip_box(x - m, y - m, x + w + m, y + h + m, self.width, self.height)
        else:
            box = None
        self._crop = box
        return box
