"""Keeps a :class:`TimelineDock` in step with the :class:`~mgstudio.app.session.state.AppState`.

State -> dock: project, item, frame (the playhead), selection, segments changed (re-read).
Dock -> state: the user's seeks, selections and edits (``notify_segments_changed``).
"""

from __future__ import annotations

from typing import Any


class StateBinding:
    """Connects the state's signals to the dock and the timeline's requests back to the state."""

    def __init__(self, dock: Any, state: Any) -> None:
        self.dock, self.state = dock, state
        tl = dock.timeline
        tl.seekRequested.connect(state.set_frame)
        tl.selectionChanged.connect(state.set_selection)
        tl.edited.connect(state.notify_segments_changed)
        state.projectChanged.connect(self._project)
        state.itemChanged.connect(self._item)
        state.frameChanged.connect(tl.set_frame)
        state.selectionChanged.connect(tl.set_selection)
        state.segmentsChanged.connect(tl.refresh)

    def _project(self, _project: Any) -> None:
        self.dock.reload_project()

    def _item(self, item_id: Any) -> None:
        # the rows may still be of the project before (a projectChanged handler ahead of ours set an item)
        other_project = self.state.project is not self.dock.timeline.shown_project
        if item_id != self.dock.timeline.item_id or other_project:
            if other_project:
                self.dock.reload_project()
            else:
                self.dock.set_item(item_id)
        else:  # the same item again (state.refresh_item, e.g. after extracting its skeleton)
            self.dock.timeline.reload_tiers()
            self.dock.load_motion(reload=True)
        self.dock.timeline.set_frame(self.state.frame)
        self.dock.timeline.set_selection(self.state.selection)
