"""Keyboard-first review: the controller (keys), label palette, segment inspector, proposals list.

Exports :class:`ReviewController` (``ReviewController(state, window)``: the keys; the shell makes
the docks and hands them over with ``attach_docks``, see ``app/shell/review_docks.py``),
:class:`LabelPaletteDock`, :class:`SegmentInspectorDock`, :class:`ProposalsDock` (on the app state)
and :class:`ReviewProgressBar`.
"""

from mgstudio.app.review.controller import ReviewController
from mgstudio.app.review.inspector import SegmentInspectorDock
from mgstudio.app.review.palette import LabelPaletteDock
from mgstudio.app.review.proposals import ProposalsDock, ReviewProgressBar, review_progress

__all__ = ["ReviewController", "LabelPaletteDock", "SegmentInspectorDock", "ProposalsDock", "ReviewProgressBar",
           "review_progress"]
