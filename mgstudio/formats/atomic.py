"""Moved to :mod:`mgstudio.core.atomic` (the one atomic write); kept for old imports."""

from mgstudio.core.atomic import atomic_file, atomic_path, atomic_write

__all__ = ["atomic_file", "atomic_path", "atomic_write"]
