"""The four review docks, made by the shell: the review room makes no docks of its own.

:func:`make_review_docks` builds the timeline, label palette, segment inspector and proposals
list on the app state, docks them in ``window`` (timeline at the bottom, labels on the left,
segment and proposals on the right) and hands them to the review controller, which wires its keys
and messages to them. Use::

    review = ReviewController(state, window)
    docks = make_review_docks(state, window, review)   # [timeline, palette, inspector, proposals]
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

from mgstudio.app.review import LabelPaletteDock, ProposalsDock, ReviewController, SegmentInspectorDock
from mgstudio.app.timeline import TimelineDock


def make_review_docks(state: Any, window: QMainWindow, review: ReviewController) -> list[QDockWidget]:
    """Make, dock and attach the review docks; returns them (timeline, palette, inspector, proposals)."""
    timeline = TimelineDock(state, window)
    palette = LabelPaletteDock(review.taxonomy, window)
    inspector = SegmentInspectorDock(state, window)
    proposals = ProposalsDock(state, window)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, timeline)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, palette)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, inspector)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, proposals)
    review.attach_docks(timeline, palette, inspector, proposals)
    return [timeline, palette, inspector, proposals]
