"""Shared fixtures: paths to ../shared/data, fail-not-skip under CI, small generated data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MGSTUDIO_SHARED_DATA", ROOT.parent / "shared" / "data"))

# Qt widgets that are not OpenGL run offscreen unless a display (Xvfb) is there.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
# Keep torch/BLAS to the machine's size so parallel work does not oversubscribe.
os.environ.setdefault("OMP_NUM_THREADS", "2")


def require_shared(*parts: str) -> Path:
    """Path under ../shared/data; fails under CI=true when missing, skips elsewhere."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        msg = f"shared test data missing: {path}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture
def shared_data() -> Path:
    """The ``../shared/data`` folder (fail under CI when missing, else skip)."""
    return require_shared()
