"""Frames <-> time, exactly.

Frames are the unit of truth (see :mod:`mgstudio.core.segments`); times are derived from them
with rational arithmetic (:class:`fractions.Fraction`) so that NTSC rates such as 29.97
(exactly 30000/1001) and 59.94 (60000/1001) never drift. Frame ``f`` starts at ``f / fps``
seconds. Integer milliseconds (ELAN's unit) are rounded half up, and :func:`ms_to_frame` inverts
:func:`frame_to_ms` exactly for every rate below 1000 fps (a millisecond rounding error of at
most 0.5 ms is less than half a frame).
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Real

__all__ = [
    "as_fraction", "frame_to_seconds", "seconds_to_frame", "frame_to_ms", "ms_to_frame",
    "frame_to_time", "timecode",
]

FpsLike = int | float | Fraction | str


def as_fraction(fps: FpsLike) -> Fraction:
    """The exact frame rate: ``29.97`` -> ``30000/1001``, ``25`` -> ``25``, ``"30000/1001"`` kept.

    Floats close to an NTSC rate ``N * 1000/1001`` (23.976, 29.97, 47.952, 59.94, 119.88) are
    taken to be that rate; other floats are rounded to the nearest fraction with a denominator
    of at most 1001.
    """
    if isinstance(fps, Fraction):
        value = fps
    elif isinstance(fps, int) and not isinstance(fps, bool):
        value = Fraction(fps)
    elif isinstance(fps, str):
        try:
            value = Fraction(fps.strip())
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"Not a frame rate: {fps!r}") from exc
        if value.denominator not in (1, 1001):
            value = as_fraction(float(value))
    elif isinstance(fps, Real):
        f = float(fps)
        if not math.isfinite(f) or f <= 0:
            raise ValueError(f"Frame rate must be positive, got {fps!r}")
        n = round(f * 1.001)
        if abs(f - n) > 1e-3 and abs(f - n / 1.001) < 5e-4 * max(1.0, f / 30):
            value = Fraction(n * 1000, 1001)
        else:
            value = Fraction(f).limit_denominator(1001)
    else:
        raise ValueError(f"Not a frame rate: {fps!r}")
    if value <= 0:
        raise ValueError(f"Frame rate must be positive, got {fps!r}")
    return value


def _round_half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def frame_to_time(frame: int, fps: FpsLike) -> Fraction:
    """Exact start time of ``frame`` in seconds, as a fraction."""
    return Fraction(int(frame)) / as_fraction(fps)


def frame_to_seconds(frame: int, fps: FpsLike) -> float:
    """Start time of ``frame`` in seconds (float of the exact value)."""
    return float(frame_to_time(frame, fps))


def seconds_to_frame(t: float | Fraction, fps: FpsLike, mode: str = "nearest") -> int:
    """Frame number at time ``t`` seconds.

    ``mode="nearest"`` (default) gives the frame whose start time is closest to ``t``, the
    inverse of :func:`frame_to_seconds` even for rounded times (e.g. 3 decimals in a CSV);
    ``mode="floor"`` gives the frame on screen at ``t`` (the last one starting at or before it,
    with a microsecond tolerance for float noise).
    """
    x = Fraction(t) * as_fraction(fps)
    if mode == "nearest":
        return _round_half_up(x)
    if mode == "floor":
        nearest = _round_half_up(x)
        if abs(x - nearest) * 1_000_000 < as_fraction(fps):  # within 1 microsecond
            return nearest
        return math.floor(x)
    raise ValueError(f"mode must be 'nearest' or 'floor', got {mode!r}")


def frame_to_ms(frame: int, fps: FpsLike) -> int:
    """Start time of ``frame`` in whole milliseconds (rounded half up)."""
    return _round_half_up(frame_to_time(frame, fps) * 1000)


def ms_to_frame(ms: int | float, fps: FpsLike) -> int:
    """Frame whose start time is nearest to ``ms`` milliseconds; inverts :func:`frame_to_ms`."""
    return _round_half_up(Fraction(ms) * as_fraction(fps) / 1000)


def timecode(frame: int, fps: FpsLike) -> str:
    """``"HH:MM:SS.mmm"`` for the start of ``frame`` (negative frames get a leading ``-``)."""
    return ms_timecode(frame_to_ms(frame, fps))


def ms_timecode(ms: int) -> str:
    """``"HH:MM:SS.mmm"`` for a time in integer milliseconds (negative times get a leading ``-``)."""
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, msec = divmod(rest, 1000)
    return f"{sign}{h:02d}:{m:02d}:{s:02d}.{msec:03d}"
