"""Runs ``mgstudio extract`` in-process and records the frame counts its pose extraction reports."""
from __future__ import annotations

from collections.abc import Sequence

from mgstudio.cli import main
from mgstudio.media import pose


def extract_recording_progress(argv: Sequence[str]) -> tuple[int, list[int]]:
    """The CLI's exit code and every ``done`` value ``extract_pose`` reported, in order.

    The first value tells where extraction started: 0 for a fresh run, the checkpointed frame
    count for a run that continued.
    """
    starts: list[int] = []
    real = pose.extract_pose

    def spy(*a, progress=None, **k):  # type: ignore[no-untyped-def]
        def prog(d: int, t: int) -> None:
            starts.append(d)
            if progress:
                progress(d, t)
        return real(*a, progress=prog, **k)

    pose.extract_pose = spy
    try:
        rc = main(list(argv))
    finally:
        pose.extract_pose = real
    return rc, starts
