"""Moved to :mod:`mgstudio.core.jobs` (the one job protocol); kept for old imports."""

from mgstudio.core.jobs import BACKGROUND_NICE, lower_process_priority

__all__ = ["BACKGROUND_NICE", "lower_process_priority"]
