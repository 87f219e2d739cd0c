"""Planted links and pipes where extraction keeps its pose cache (issue 16.3): a ``cache/`` or
``cache/pose/`` that leads outside the project is refused before anything is written, and a FIFO
named like a checkpoint block or the state file never hangs the reader.

The other planted-file cases (``skeletons/*.npz.tmp`` and ``models/*.pt.tmp`` links, ``skeletons/``
``models/`` ``cache/`` linked outside, a FIFO named like a skeleton, leftover temp files) are
pinned in ``tests/core/project/test_project_links.py``; see docs/fuzzing.md for the list.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from mgstudio.core.errors import MGStudioError
from mgstudio.core.project import Project
from mgstudio.media.pose_cache import PoseCache
from mgstudio.workflows.extract import pose_cache_dir


@pytest.mark.parametrize("link", ["cache", "cache/pose"])
def test_a_pose_cache_linked_outside_is_refused_before_any_write(tmp_path, link) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    with Project.create(tmp_path / "p.mgproj", annotator="alice") as p:
        path = p.path
    target = path / link
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        target.rmdir()
    target.symlink_to(outside)
    with pytest.raises(MGStudioError) as err:
        PoseCache(pose_cache_dir(path), "k").write_block(0, {"xy": np.zeros((3, 2))})
    msg = str(err.value)
    assert "outside the project" in msg and "p.mgproj" in msg and len(msg) <= 300 and "\n" not in msg
    assert list(outside.rglob("*")) == []


def _returns_within(fn, seconds: float = 5.0):
    out: dict = {}
    t = threading.Thread(target=lambda: out.setdefault("value", fn()), daemon=True)
    t.start()
    t.join(seconds)
    return not t.is_alive(), out.get("value")


def test_fifos_named_like_pose_checkpoints_never_hang(tmp_path) -> None:
    cache = PoseCache(tmp_path / "pose", "k")
    cache.write_block(0, {"xy": np.ones((3, 2), np.float32)})
    os.mkfifo(cache.part_dir / "state.json")
    os.mkfifo(cache.part_dir / "00000003-00000006.npz")
    try:
        done, state = _returns_within(cache.read_state)
        assert done and state is None
        assert cache.resume_point() == 3  # the pipe is no checkpoint
        done, blocks = _returns_within(lambda: cache.read_blocks(6))
        assert done and blocks["xy"].shape == (3, 2)
    finally:  # let a reader that did block go
        for name in ("state.json", "00000003-00000006.npz"):
            try:
                os.close(os.open(cache.part_dir / name, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
