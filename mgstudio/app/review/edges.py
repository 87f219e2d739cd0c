"""Keyboard edits of a segment's edges: nudge one frame, or snap an edge to the playhead.

Segments are half-open ``[start, end)``: ``start`` is the first frame, ``end - 1`` the last.
:func:`new_bounds` works out the new ``(start, end)`` or, when the edit would leave the video or
empty the segment, a sentence saying why nothing changed (the edit is clamped: never applied
half-way). No Qt and no project here: the controller applies the result as one undoable edit.
"""

from __future__ import annotations

from typing import Literal

Edge = Literal["start", "end"]


def nudge(start: int, end: int, edge: Edge, frames: int, n_frames: int) -> tuple[int, int] | str:
    """Move ``edge`` by ``frames`` (negative: earlier); ``n_frames`` is the video's length (0: unknown)."""
    if edge == "start":
        new = start + frames
        if new < 0:
            return "The segment already starts at the first frame of the video."
        if new >= end:
            return "The segment is one frame long: its start cannot move past its last frame."
        return new, end
    new = end + frames
    if n_frames > 0 and new > n_frames:
        return "The segment already ends at the last frame of the video."
    if new <= start:
        return "The segment is one frame long: its end cannot move before its first frame."
    return start, new


def to_playhead(start: int, end: int, edge: Edge, frame: int) -> tuple[int, int] | str:
    """Start at ``frame`` (``edge="start"``) or end with ``frame`` included (``edge="end"``)."""
    if edge == "start":
        if frame >= end:
            return (f"The playhead (frame {frame}) is after the segment's last frame ({end - 1}); "
                    "go back to where the gesture starts and press the key again.")
        return frame, end
    if frame < start:
        return (f"The playhead (frame {frame}) is before the segment's first frame ({start}); "
                "go forward to where the gesture ends and press the key again.")
    return start, frame + 1
