"""Movement rows computed in the timeline's helper process (:mod:`mgstudio.app.timeline.motion_job`).

That process is started with :func:`motion_helper_init` and never imports Qt: its functions live
here. Each computation stops when its slot in the shared stop flags is set.
"""

from __future__ import annotations

from typing import Any

MOTION_STOP_SLOTS = 4096
_motion_flags: Any = None


def motion_helper_init(flags: Any) -> None:
    """The helper process starts: remember the shared stop flags, give the window the CPU first."""
    global _motion_flags
    from mgstudio.core.jobs import lower_process_priority

    _motion_flags = flags
    lower_process_priority()


def motion_helper_ready() -> bool:
    return True


def motion_from_file(path: str, number: int) -> Any:
    """Read a stored skeleton and compute its movement rows, stopping when job ``number``'s flag is
    set (``MotionCancelled``)."""
    from mgstudio.core.motion import MotionCancelled, motion_energy
    from mgstudio.core.skeleton import SkeletonSequence

    slot = number % MOTION_STOP_SLOTS

    def stopped() -> bool:
        return bool(_motion_flags[slot])

    if stopped():
        raise MotionCancelled
    seq = SkeletonSequence.load_npz(path)
    if stopped():
        raise MotionCancelled
    return motion_energy(seq, cancelled=stopped)
