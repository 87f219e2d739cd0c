"""Frames <-> time must be exact at the rates users record at, including NTSC 29.97/59.94."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgstudio.core.timebase import (as_fraction, frame_to_ms, frame_to_seconds, frame_to_time, ms_to_frame,
                                    seconds_to_frame, timecode)

RATES = [25, 29.97, 30, 50, 59.94, Fraction(30000, 1001), "60000/1001", 23.976]


@pytest.mark.parametrize("fps, exact", [
    (25, Fraction(25)), (25.0, Fraction(25)), (29.97, Fraction(30000, 1001)),
    (29.97002997002997, Fraction(30000, 1001)), (30, Fraction(30)), (50.0, Fraction(50)),
    (59.94, Fraction(60000, 1001)), (23.976, Fraction(24000, 1001)), ("30000/1001", Fraction(30000, 1001)),
    (12.5, Fraction(25, 2)), (Fraction(15), Fraction(15)),
])
def test_as_fraction_recognises_ntsc_rates(fps, exact) -> None:
    assert as_fraction(fps) == exact


@pytest.mark.parametrize("bad", [0, -25, float("nan"), float("inf"), "abc", None])
def test_as_fraction_refuses_nonsense(bad) -> None:
    with pytest.raises(ValueError):
        as_fraction(bad)


def test_one_hour_of_ntsc_video_does_not_drift() -> None:
    # 107892 frames at 29.97 fps are exactly 3599.9964 s; a 29.97 float would drift 0.4 ms.
    assert frame_to_time(107892, 29.97) == Fraction(107892 * 1001, 30000)
    assert frame_to_ms(107892, 29.97) == 3599996
    assert timecode(107892, 29.97) == "00:59:59.996"
    assert frame_to_ms(1, 59.94) == 17 and frame_to_ms(3, 29.97) == 100


@pytest.mark.parametrize("fps", RATES)
@settings(max_examples=150, deadline=None)
@given(frame=st.integers(min_value=0, max_value=10_000_000))
def test_ms_and_seconds_round_trip_exactly(fps, frame) -> None:
    assert ms_to_frame(frame_to_ms(frame, fps), fps) == frame
    assert seconds_to_frame(frame_to_seconds(frame, fps), fps) == frame
    assert seconds_to_frame(frame_to_seconds(frame, fps), fps, mode="floor") == frame
    # Times rounded to 3 decimals (a CSV) still map back to the same frame.
    assert seconds_to_frame(round(frame_to_seconds(frame, fps), 3), fps) == frame


def test_floor_mode_gives_frame_on_screen() -> None:
    assert seconds_to_frame(0.039, 25, mode="floor") == 0
    assert seconds_to_frame(0.039, 25) == 1
    assert seconds_to_frame(0.04, 25, mode="floor") == 1
    with pytest.raises(ValueError):
        seconds_to_frame(1.0, 25, mode="ceil")


def test_timecode_format() -> None:
    assert timecode(0, 25) == "00:00:00.000"
    assert timecode(25 * 3661 + 12, 25) == "01:01:01.480"
    assert timecode(-25, 25) == "-00:00:01.000"
