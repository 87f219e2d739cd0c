"""Following the main subject through a video (interviewer, audience cut-aways, passers-by).

MediaPipe holistic tracks *one* person and, when several are in view, may switch to whoever its
detector scores highest. :class:`SubjectTracker` decides, frame by frame, whether a detected pose
is the subject being followed:

- **continuity**: the subject's torso anchor (shoulder midpoint, scaled by shoulder width or
  head-to-shoulder distance) moves little between frames; a pose that jumps far, or changes size
  abruptly, is someone else. Tolerances widen with the number of frames since the subject was
  last seen.
- **size and clothing**: when the subject has been gone for long (a cut-away) or the shot
  changed, position says little: the next pose is taken as the subject again if it is large
  enough in the frame (not a background figure) and the colours of its chest (a coarse
  hue/saturation/value histogram of the clothing between the shoulders, kept in memory only,
  never stored) resemble the subject's. If no pose has passed for ``give_up_s`` seconds, the next
  sizeable person is taken and their colours learned (lighting changes between shots).
- **the user's choice**: a box drawn around a person (``subject_box`` at ``subject_frame``)
  pins the subject: poses outside it are rejected until the subject is found inside it.

When the full-frame pose is rejected, the extractor runs holistic again on :meth:`crop_box`, a
region around where the subject was last seen, and keeps that result if it passes the same test.
OpenCV's bundled HOG people detector was tried for finding candidates and found no one in the
interview frames here (seated, upper-body shots), so the crop of the last known position and the
clothing colours are used instead. This module only does geometry and colours (numpy; cv2 for
the colour conversion); it never calls MediaPipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def chest_histogram(rgb: np.ndarray, xy: np.ndarray, conf: np.ndarray, min_conf: float = 0.5) -> np.ndarray | None:
    """Normalised colour histogram of the chest below the shoulders: 4 grey levels + 8 hues x 2."""
    if conf[L_SHOULDER] < min_conf or conf[R_SHOULDER] < min_conf:
        return None
    ls, rs = xy[L_SHOULDER], xy[R_SHOULDER]
    x0, x1 = sorted((float(ls[0]), float(rs[0])))
    w = x1 - x0
    x0, x1 = x0 + 0.15 * w, x1 - 0.15 * w
    y0 = (float(ls[1]) + float(rs[1])) / 2 + 0.1 * w
    y1 = y0 + 0.7 * w
    h_img, w_img = rgb.shape[:2]
    xa, xb, ya, yb = max(0, int(x0)), min(w_img, int(x1)), max(0, int(y0)), min(h_img, int(y1))
    if xb - xa < 4 or yb - ya < 4:
        return None
    step = max(1, max(xb - xa, yb - ya) // 32)
    patch = np.ascontiguousarray(rgb[ya:yb:step, xa:xb:step])
    import cv2  # imported here: cv2 changes Qt's environment when imported

    hsv = cv2.cvtColor(patch, cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.int32)
    hue, sat, val = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    # Greys, black and white (suits, shirts) have no meaningful hue: bin them by brightness only.
    grey = (sat < 60) | (val < 50)
    bins = np.where(grey, np.minimum(val // 64, 3), 4 + (hue * 8 // 180) * 2 + (val >= 150))
    hist = np.bincount(bins, minlength=20).astype(np.float64)
    return hist / hist.sum()


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
                 min_size_frac: float = 0.04, crop_scale: float = 2.0, give_up_s: float = 4.0,
                 min_similarity: float = 0.5) -> None:
        self.width, self.height = int(width), int(height)
        self.fps = float(fps)
        self.user_box = tuple(float(v) for v in subject_box) if subject_box is not None else None
        self.subject_frame = int(subject_frame)
        self.reacquire_after = max(1, int(round(reacquire_after_s * self.fps)))
        self.min_size = min_size_frac * min(self.width, self.height)
        self.crop_scale = crop_scale
        self.give_up = max(self.reacquire_after + 1, int(round(give_up_s * self.fps)))
        self.min_similarity = min_similarity
        self.appearance: np.ndarray | None = None
        self.similarity: float | None = None  # of the last pose tested after a cut (diagnostics)
        self.anchor: Anchor | None = None
        self.last_seen = -(10**9)
        self.cut_at = -1
        self._crop: tuple[int, int, int, int] | None = None

    # ------------------------------------------------------------------ decisions
    def _in_user_box(self, a: Anchor) -> bool:
        assert self.user_box is not None
        x, y, w, h = self.user_box
        mx, my = 0.1 * w, 0.1 * h
        return x - mx <= a.x <= x + w + mx and y - my <= a.y <= y + h + my

    def accepts(self, frame: int, xy: np.ndarray, conf: np.ndarray, rgb: np.ndarray | None = None) -> bool:
        """Is this 33-point pose (pixels in ``rgb``, the full frame) the subject at ``frame``?

        Updates the track (and the clothing colours, from ``rgb``) when it is.
        """
        a = pose_anchor(xy, conf)
        if a is None:
            return False
        hist: np.ndarray | None = None
        if self.user_box is not None and frame == self.subject_frame:
            # The frame where the user picked the subject: the picked box rules over the track.
            self.anchor = None
        if self.anchor is None:
            ok = self._in_user_box(a) if self.user_box is not None else a.size >= self.min_size
        else:
            gap = frame - self.last_seen
            if self.cut_at > self.last_seen:
                gap = max(gap, self.reacquire_after + 1)  # a new shot: where they were means little
            if gap > self.reacquire_after:
                # After a cut-away or a shot change: a sizeable person dressed like the subject
                # (anyone sizeable once the subject has been gone for give_up frames).
                ok = a.size >= self.min_size or self.user_box is not None
                if ok and self.appearance is not None and gap <= self.give_up and rgb is not None:
                    hist = chest_histogram(rgb, xy, conf)
                    self.similarity = None if hist is None else float(np.minimum(hist, self.appearance).sum())
                    ok = self.similarity is not None and self.similarity >= self.min_similarity
                elif ok and gap > self.give_up:
                    self.appearance = None
            else:
                p = self.anchor
                slack = min(gap, self.reacquire_after) / self.reacquire_after
                dist = np.hypot(a.x - p.x, a.y - p.y) / p.size
                ratio = a.size / p.size
                max_ratio = 1.6 + 1.4 * slack
                ok = dist <= 0.8 + 1.7 * slack and 1 / max_ratio <= ratio <= max_ratio
        if ok:
            self._update(frame, a)
            if rgb is not None and (frame % 3 == 0 or self.appearance is None):
                h = hist if hist is not None else chest_histogram(rgb, xy, conf)
                if h is not None:
                    self.appearance = h if self.appearance is None else 0.8 * self.appearance + 0.2 * h
        return ok

    def state(self) -> dict[str, Any]:
        """What the tracker knows, as JSON-able values (saved with checkpoints so a resumed
        extraction keeps following the same person)."""
        a = self.anchor
        return {"anchor": None if a is None else [a.x, a.y, a.size], "last_seen": self.last_seen,
                "cut_at": self.cut_at,
                "appearance": None if self.appearance is None else [float(v) for v in self.appearance]}

    def restore(self, state: dict[str, Any]) -> None:
        """Take back a :meth:`state`."""
        a = state.get("anchor")
        self.anchor = None if a is None else Anchor(float(a[0]), float(a[1]), float(a[2]))
        self.last_seen = int(state.get("last_seen", self.last_seen))
        self.cut_at = int(state.get("cut_at", self.cut_at))
        app = state.get("appearance")
        self.appearance = None if app is None else np.asarray(app, np.float64)
        self._crop = None

    def scene_cut(self, frame: int) -> None:
        """The shot changed at ``frame``: continuity no longer tells who the subject is."""
        self.cut_at = frame
        self._crop = None

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
        """Frames since the subject was last accepted (since the start when never seen)."""
        return frame - max(self.last_seen, -1)

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
