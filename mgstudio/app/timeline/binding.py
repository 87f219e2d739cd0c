"""Keeps a :class:`TimelineDock` in step with the app state (item, frame, selection, edits)."""

from __future__ import annotations

from typing import Any


class StateBinding:
    """Connects the state's signals to the dock and the timeline's requests back to the state."""

    def __init__(self, dock: Any, state: Any) -> None:
        self.dock, self.state = dock, state
        tl = dock.timeline
        tl.seekRequested.connect(self._seek)
        tl.selectionChanged.connect(self._select)
        tl.edited.connect(self._edited)

    def _seek(self, frame: int) -> None:
        self.state.set_frame(frame)

    def _select(self, ids: list[int]) -> None:
        self.state.set_selection(ids)

    def _edited(self) -> None:
        self.state.notify_segments_changed()
