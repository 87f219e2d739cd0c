"""Moving around a recording: one behaviour for the review keys and the transport buttons.

No widgets here (the rule of ``app/session``): the functions take the :class:`AppState`.

Decisions, documented in the user guide:

- "Next / previous segment" (N / P, and the transport's segment buttons) goes to the nearest
  segment of any tier starting after (before) the selected one, else the playhead, and selects
  it. **Rejected proposals are skipped**: a rejected proposal is not coding.
- "Step one second" (Shift+arrows, and the transport's second buttons) pauses, as stepping one
  frame does: after a step the frame shown is the frame stepped to.
"""

from __future__ import annotations

from typing import Any

from mgstudio.core.errors import MGStudioError
from mgstudio.core.segments import Segment, Status


def step(state: Any, frames: int) -> None:
    """Pause and move by ``frames``."""
    state.set_playing(False)
    state.step(int(frames))


def step_seconds(state: Any, seconds: float) -> None:
    """Pause and move by ``seconds`` (rounded to whole frames)."""
    step(state, int(round(seconds * state.fps)))


def segments_from(state: Any, frame: int, forward: bool, **filters: Any) -> list[Segment]:
    """Segments of the current item starting at/after (or at/before) ``frame``, nearest first,
    searched in growing windows (a long recording is never read whole)."""
    project, item_id = state.project, state.item_id
    if project is None or item_id is None:
        return []
    n = max(1, state.frame_count)
    span = max(250, int(state.fps * 30))
    while True:
        a, b = (frame, min(n, frame + span)) if forward else (max(0, frame - span), frame + 1)
        segs = project.segments(item_id, start=a, end=b, **filters)
        segs = [s for s in segs if (s.start >= frame if forward else s.start <= frame)]
        if segs or (b >= n if forward else a <= 0):
            return sorted(segs, key=lambda s: (s.start, s.id), reverse=not forward)
        span *= 4


def neighbour_segment(state: Any, forward: bool) -> Segment | None:
    """The next (previous) segment after the selected one, else after the playhead; rejected
    proposals are skipped. None when there is none that way."""
    if state.project is None or state.item_id is None:
        return None
    cur = None
    if state.selection:
        try:
            cur = state.project.segment(state.selection[0])
        except MGStudioError:
            cur = None
    if cur is not None:
        ref: tuple[int, float] = (cur.start, cur.id)
    else:
        ref = (state.frame, -1) if forward else (state.frame, float("inf"))
    for s in segments_from(state, int(ref[0]), forward):
        if s.status == Status.REJECTED:
            continue
        if (forward and (s.start, s.id) > ref) or (not forward and (s.start, s.id) < ref):
            return s
    return None


def go_to(state: Any, seg: Segment) -> None:
    """Pause and show ``seg``: its item, its first frame, selected (a segment loop follows it)."""
    if seg.item_id != state.item_id:
        state.set_item(seg.item_id)
    state.set_playing(False)
    state.set_frame(seg.start)
    state.set_selection([seg.id])
    if state.loop is not None:
        state.set_loop((seg.start, seg.end))


__all__ = ["step", "step_seconds", "segments_from", "neighbour_segment", "go_to"]
