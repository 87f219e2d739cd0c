"""The timeline: tiers of segments, zoom from the whole video to single frames, motion energy.

Exports :class:`TimelineDock` (dock it at the bottom of the main window) and
:class:`TimelineWidget` (the canvas alone).
"""

from mgstudio.app.timeline.dock import TimelineDock
from mgstudio.app.timeline.canvas import TimelineWidget

__all__ = ["TimelineDock", "TimelineWidget"]
