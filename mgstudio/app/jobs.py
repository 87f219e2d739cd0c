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


def learn_job(project_path: str | Path, annotator: str | None = None, progress: Any = None,
              cancel: Any = None) -> str:
    """Learn from the project's labels (train, activate, re-propose); returns a one-line summary."""
    from mgstudio.core.project import Project
    from mgstudio.recognition.learning import learn_from_project

    with Project.open(project_path, annotator=annotator) as project:
        version = learn_from_project(project, progress=progress, cancel=cancel)
        return str(getattr(version, "summary", None) or version)
