"""Moved to :mod:`mgstudio.core.project.schema`; this name is the same module (kept for old imports)."""

import sys

from mgstudio.core.project import schema as _schema

sys.modules[__name__] = _schema
