"""Which frames the timeline shows: the mapping between frames and pixels, zoom and scroll.

Pure Python (no Qt) so it is easy to test. The view shows frames ``[first, first + width*fpp)``
where ``fpp`` is frames per pixel: ``fpp = frame_count / width`` shows the whole video,
``fpp = MIN_FPP`` shows single frames as wide cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIN_FPP = 1.0 / 48.0  # most zoomed in: one frame is 48 px wide


@dataclass
class Viewport:
    """Frames <-> x pixels for a timeline ``width`` pixels wide over ``frame_count`` frames."""

    frame_count: int
    width: int = 800
    first: float = 0.0  # frame at x = 0
    fpp: float = 1.0  # frames per pixel

    def __post_init__(self) -> None:
        self.frame_count = max(1, int(self.frame_count))
        self.width = max(1, int(self.width))
        self.fit()

    # ------------------------------------------------------------------ mapping
    def x_of(self, frame: float) -> float:
        return (frame - self.first) / self.fpp

    def frame_at(self, x: float) -> float:
        return self.first + x * self.fpp

    def frame_index_at(self, x: float) -> int:
        """The frame whose cell holds pixel ``x`` (clamped to the video)."""
        return min(self.frame_count - 1, max(0, int(self.frame_at(x) // 1)))

    def snap(self, x: float) -> int:
        """The frame boundary nearest to pixel ``x`` (clamped to [0, frame_count])."""
        return min(self.frame_count, max(0, int(round(self.frame_at(x)))))

    @property
    def last(self) -> float:
        """One past the last visible frame (float)."""
        return self.first + self.width * self.fpp

    @property
    def max_fpp(self) -> float:
        return max(MIN_FPP, self.frame_count / self.width)

    @property
    def visible_range(self) -> tuple[int, int]:
        """Integer frames [a, b) at least partly visible."""
        return max(0, int(self.first)), min(self.frame_count, int(self.last) + 1)

    # ------------------------------------------------------------------ changes
    def resize(self, width: int) -> None:
        whole = self.fpp >= self.max_fpp - 1e-12
        self.width = max(1, int(width))
        if whole:
            self.fit()
        else:
            self._clamp()

    def fit(self) -> None:
        """Show the whole video."""
        self.fpp = self.max_fpp
        self.first = 0.0

    def set_fpp(self, fpp: float, anchor_x: float | None = None) -> None:
        """Zoom to ``fpp`` keeping the frame under ``anchor_x`` (default: centre) in place."""
        ax = self.width / 2 if anchor_x is None else anchor_x
        anchor = self.frame_at(ax)
        self.fpp = min(self.max_fpp, max(MIN_FPP, fpp))
        self.first = anchor - ax * self.fpp
        self._clamp()

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        """``factor`` > 1 zooms in (fewer frames per pixel)."""
        self.set_fpp(self.fpp / factor, anchor_x)

    def scroll_frames(self, frames: float) -> None:
        self.first += frames
        self._clamp()

    def scroll_to(self, first: float) -> None:
        self.first = first
        self._clamp()

    def ensure_visible(self, frame: int, margin: float = 0.1) -> bool:
        """Page so that ``frame`` is visible; True when the view moved."""
        span = self.width * self.fpp
        if self.first <= frame and frame + 1 <= self.last:
            return False
        self.first = frame - margin * span
        self._clamp()
        return True

    def _clamp(self) -> None:
        span = self.width * self.fpp
        self.first = min(max(0.0, self.frame_count - span), max(0.0, self.first))


# ---------------------------------------------------------------- the canvas's geometry
HEADER_W = 150
RULER_H = 26
TIER_H = 30
MOTION_H = 24
EDGE_PX = 5  # how close to a segment's edge (pixels) the pointer resizes instead of moving
DRAG_PX = 3  # pointer travel before a press becomes a drag

_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def ruler_step(fps: float, fpp: float, min_px: float = 90.0) -> int:
    """Frames between labelled ruler ticks: 1, 2, 5, 10 frames or a round number of seconds."""
    for f in (1, 2, 5, 10):
        if f / fpp >= min_px and f < fps:
            return f
    for s in _STEPS_S:
        f = max(1, int(round(s * fps)))
        if f / fpp >= min_px:
            return f
    return max(1, int(round(_STEPS_S[-1] * fps)))


def short_time(frame: int, fps: float, with_ms: bool = False) -> str:
    """``M:SS`` or ``H:MM:SS`` (``.mmm`` when asked) for the ruler."""
    t = frame / fps
    h, rem = divmod(int(t), 3600)
    m, s = divmod(rem, 60)
    out = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    if with_ms:
        out += f".{int(round((t - int(t)) * 1000)) % 1000:03d}"
    return out


@dataclass
class Row:
    """One horizontal band of the timeline: a tier or a motion part."""

    kind: str  # "tier" | "motion"
    top: int
    height: int
    title: str
    tier: Any = None  # core Tier for kind == "tier"
    part: str = ""  # motion part for kind == "motion"
