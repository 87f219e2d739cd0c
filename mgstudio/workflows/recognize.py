"""The recognizer on a project: propose, train / use a label model, find similar moments.

The window runs these in a child process (:class:`~mgstudio.app.concurrency.workers.ProcessWorker`): each is
module-level and Qt-free, opens its own connection to the project (SQLite in WAL mode lets the
window keep reading meanwhile), works through :mod:`mgstudio.recognition` and the ``Project``
commands, and returns a small picklable summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mgstudio.core.jobs import Cancel, Progress, is_cancelled


def propose(project_path: str | Path, item_id: int, annotator: str | None = None,
                progress: Progress | None = None, cancel: Cancel = None) -> int:
    """Propose segments for one item (``replace_proposals``, one undo step); returns how many."""
    import torch

    torch.set_num_threads(max(1, (torch.get_num_threads() or 2) - 1))  # leave a core to the window
    from mgstudio.core.project import Project
    from mgstudio.recognition.proposals import propose_item

    with Project.open(project_path, annotator=annotator) as project:
        return len(propose_item(project, item_id, progress=progress, cancel=cancel))


def train_label_model(project_path: str | Path, annotator: str | None = None, progress: Progress | None = None,
                     cancel: Cancel = None, kind: str = "auto", epochs: int = 3) -> tuple[int, str]:
    """Train a label model on the project's accepted labels, NOT yet used; returns its version
    number and the cross-validated accuracy summary the user decides on (``kind="finetune"``
    also fine-tunes the recognizer)."""
    from mgstudio.core.project import Project
    from mgstudio.recognition.learning import train_version

    with Project.open(project_path, annotator=annotator) as project:
        version = train_version(project, progress=progress, cancel=cancel, kind=kind, epochs=epochs)
        return version.version, version.summary


def use_label_model(project_path: str | Path, version: int, annotator: str | None = None, progress: Progress | None = None,
                   cancel: Cancel = None) -> int:
    """Make ``version`` the project's label model and re-propose the un-reviewed parts."""
    from mgstudio.core.project import Project
    from mgstudio.recognition.learning import activate_version, repropose_project

    with Project.open(project_path, annotator=annotator) as project:
        activate_version(project, version)
        return repropose_project(project, progress=progress, cancel=cancel)


def similar_moments(project_path: str | Path, annotator: str | None = None, progress: Progress | None = None,
                cancel: Cancel = None) -> list[tuple[int, list[tuple[int, int, int]], float]]:
    """Group the project's unlabelled moving windows by similarity; returns ``(id, members, spread)``
    per group, largest first (members nearest the centre first: the first is the representative)."""
    import torch

    torch.set_num_threads(max(1, (torch.get_num_threads() or 2) - 1))  # leave a core to the window
    from mgstudio.core.project import Project
    from mgstudio.recognition.clusters import cluster_windows

    with Project.open(project_path, annotator=annotator) as project:
        return [(c.id, list(c.members), c.spread) for c in cluster_windows(project, progress=progress, cancel=cancel)]


def active_review_order(project_path: str | Path, item_id: int, progress: Progress | None = None,
                        cancel: Cancel = None) -> list[int]:
    """Ids of the item's unreviewed proposals in active-learning order
    (:func:`mgstudio.recognition.active.review_order`: uncertain, typical and new first); read only."""
    import torch

    torch.set_num_threads(1)  # a background ordering: leave the other core to the window
    from mgstudio.core.errors import CancelledError
    from mgstudio.core.project import Project
    from mgstudio.recognition.active import review_order

    with Project.open(project_path, read_only=True) as project:
        ranked = review_order(project, item_id, cancel=cancel)
    if is_cancelled(cancel):
        raise CancelledError("Ordering the proposals was cancelled.")
    return [int(s.id) for s, _ in ranked]
