"""``ChangeTracker``: lets one view learn which segments changed since it last looked.

``AppState.segmentsChanged`` carries no ids on purpose: whoever emits it (a key, the inspector,
the timeline, undo, a worker that wrote proposals from its own process) need not know what
changed. Each view keeps a tracker and asks the project instead: the audit log names every
segment each saved change touched (:meth:`~mgstudio.core.project.Project.changes_since`), so a
view patches just those, and a view that was hidden catches up with everything it missed::

    self.changes = ChangeTracker()
    ...
    self.changes.reset(project)          # before a full read of what the view shows
    ...
    cs = self.changes.pull(project)      # on segmentsChanged
    if cs is None: re-read everything    # unknown, bulk, another project, ...
    elif cs: patch project.segments_by_id(cs.segment_ids)

No Qt here.
"""

from __future__ import annotations

from typing import Any, TYPE_CHECKING

from mgstudio.core.errors import MGStudioError
from mgstudio.core.project import ChangeSet

if TYPE_CHECKING:
    from mgstudio.core.project import Project

__all__ = ["ChangeTracker", "ChangeSet"]


class ChangeTracker:
    """How far one view has seen a project's changes."""

    def __init__(self) -> None:
        self._project: Any = None
        self._counter: int | None = None
        self.full_reads = 0  # how often pull() answered "re-read everything" (tests, benchmarks)

    def reset(self, project: Project) -> None:
        """The view is about to read everything of ``project``: changes count from now."""
        self._project = project
        self._counter = None
        if project is not None and hasattr(project, "change_counter"):
            try:
                self._counter = project.change_counter()
            except MGStudioError:
                self._counter = None

    def pull(self, project: Project) -> ChangeSet | None:
        """The segments changed since the last call (or :meth:`reset`); ``None``: re-read
        everything (the tracker is then reset, so call this *before* re-reading)."""
        cs: ChangeSet | None = None
        if project is not None and project is self._project and self._counter is not None:
            try:
                cs = project.changes_since(self._counter)
            except MGStudioError:
                cs = None
        if cs is None:
            self.full_reads += 1
            self.reset(project)
        else:
            self._counter = cs.counter
        return cs
