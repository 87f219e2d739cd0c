"""Long jobs the window runs in a child process (:class:`~mgstudio.app.workers.ProcessWorker`).

Module-level and Qt-free so that a spawned process can import and run them. Each opens its own
connection to the project (SQLite in WAL mode lets the window keep reading meanwhile), does its
work through the packages and the ``Project`` commands, and returns a small picklable summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def extract_job(project_path: str | Path, item_id: int, annotator: str | None = None,
                progress: Any = None, cancel: Any = None) -> int:
    """Extract the item's skeleton with MediaPipe and save it into the project; returns its frames."""
    from mgstudio.core.project import Project
    from mgstudio.media.pose import extract_pose

    with Project.open(project_path, annotator=annotator) as project:
        item = project.item(item_id)
        seq = extract_pose(item.video_path, progress=progress, cancel=cancel)
        project.save_skeleton(item_id, seq)
        return len(seq.xy)


def propose_job(project_path: str | Path, item_id: int, annotator: str | None = None,
                progress: Any = None, cancel: Any = None) -> int:
    """Propose segments for one item (``replace_proposals``, one undo step); returns how many."""
    import torch

    torch.set_num_threads(max(1, (torch.get_num_threads() or 2) - 1))  # leave a core to the window
    from mgstudio.core.project import Project
    from mgstudio.recognition.proposals import propose_item

    with Project.open(project_path, annotator=annotator) as project:
        return len(propose_item(project, item_id, progress=progress, cancel=cancel))


def train_labels_job(project_path: str | Path, annotator: str | None = None, progress: Any = None,
                     cancel: Any = None, kind: str = "auto", epochs: int = 3) -> tuple[int, str]:
    """Train a label model on the project's accepted labels, NOT yet used; returns its version
    number and the cross-validated accuracy summary the user decides on (``kind="finetune"``
    also fine-tunes the recognizer)."""
    from mgstudio.core.project import Project
    from mgstudio.recognition.learning import train_version

    with Project.open(project_path, annotator=annotator) as project:
        version = train_version(project, progress=progress, cancel=cancel, kind=kind, epochs=epochs)
        return version.version, version.summary


def use_labels_job(project_path: str | Path, version: int, annotator: str | None = None, progress: Any = None,
                   cancel: Any = None) -> int:
    """Make ``version`` the project's label model and re-propose the un-reviewed parts."""
    from mgstudio.core.project import Project
    from mgstudio.recognition.learning import activate_version, repropose_project

    with Project.open(project_path, annotator=annotator) as project:
        activate_version(project, version)
        return repropose_project(project, progress=progress, cancel=cancel)



def cluster_job(project_path: str | Path, annotator: str | None = None, progress: Any = None,
                cancel: Any = None) -> list[tuple[int, list[tuple[int, int, int]], float]]:
    """Group the project's unlabelled moving windows by similarity; returns ``(id, members, spread)``
    per group, largest first (members nearest the centre first: the first is the representative)."""
    import torch

    torch.set_num_threads(max(1, (torch.get_num_threads() or 2) - 1))  # leave a core to the window
    from mgstudio.core.project import Project
    from mgstudio.recognition.clusters import cluster_windows

    with Project.open(project_path, annotator=annotator) as project:
        return [(c.id, list(c.members), c.spread) for c in cluster_windows(project, progress=progress, cancel=cancel)]


# ---------------------------------------------------------------------- the movement-rows helper
# (mgstudio.app.timeline.motion_job keeps one such process for long recordings; these run there)
MOTION_STOP_SLOTS = 4096
_motion_flags: Any = None


def motion_helper_init(flags: Any) -> None:
    """The helper process starts: remember the shared stop flags, give the window the CPU first."""
    global _motion_flags
    from mgstudio.app.background import lower_process_priority

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
