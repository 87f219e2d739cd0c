"""Fixtures for segment-format tests: a real project with skeleton-only items."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mgstudio.core.layouts import CANONICAL
from mgstudio.core.skeleton import SkeletonSequence


def make_project(path: Path, fps: float = 25.0, n_frames: int = 3000, items: tuple[str, ...] = ("session1",),
                 taxonomy: str = "imigue"):
    from mgstudio.core.project import Project

    project = Project.create(path, taxonomy=taxonomy, annotator="alice")
    for name in items:
        seq = SkeletonSequence.empty(CANONICAL, n_frames, fps)
        seq.xy[:] = np.random.default_rng(0).random((n_frames, CANONICAL.num_joints, 2)).astype(np.float32)
        seq.conf[:] = 1.0
        project.add_skeleton_item(name, seq)
    return project


@pytest.fixture
def project_factory(tmp_path):
    made = []

    def factory(name: str = "p", **kw):
        p = make_project(tmp_path / f"{name}.mgproj", **kw)
        made.append(p)
        return p

    yield factory
    for p in made:
        p.close()
