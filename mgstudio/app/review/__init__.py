"""Keyboard-first review: the controller (keys), label palette, segment inspector, proposals list.

Exports :class:`ReviewController` (``ReviewController(state, window)`` makes and docks the
timeline and the three review docks), :class:`LabelPaletteDock`, :class:`SegmentInspectorDock`,
:class:`ProposalsDock` and :class:`ReviewProgressBar` for use on their own.
"""

from mgstudio.app.review.controller import ReviewController
from mgstudio.app.review.inspector import SegmentInspectorDock
from mgstudio.app.review.palette import LabelPaletteDock
from mgstudio.app.review.proposals import ProposalsDock, ReviewProgressBar, review_progress

__all__ = ["ReviewController", "LabelPaletteDock", "SegmentInspectorDock", "ProposalsDock", "ReviewProgressBar",
           "review_progress"]
