"""The one atomic write: the old file survives a failure; no temporary file is left; links are not followed."""

from __future__ import annotations

import os

import numpy as np
import pytest

from mgstudio.core.atomic import atomic_file, atomic_path, atomic_write
from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.skeleton import SkeletonSequence


def test_failure_keeps_the_previous_file_and_leaves_no_temporary(tmp_path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(target, "w") as fh:
            fh.write("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["a.txt"]
    with atomic_write(target) as fh:
        fh.write("new")
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["a.txt"]


def test_external_writer_and_missing_folder(tmp_path) -> None:
    target = tmp_path / "v.bin"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and not tmp.exists()
        tmp.write_bytes(b"x")
    assert target.read_bytes() == b"x"
    with pytest.raises(FormatError, match="Nothing was written"):
        with atomic_path(target):
            pass
    with pytest.raises(FormatError, match="does not exist"):
        with atomic_write(tmp_path / "nope" / "x.csv"):
            pass


def test_a_link_at_the_target_is_replaced_not_followed(tmp_path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "out.txt"
    link.symlink_to(victim)
    with atomic_file(link, "w") as fh:
        fh.write("export")
    assert victim.read_text() == "precious" and not link.is_symlink() and link.read_text() == "export"


def test_skeleton_save_uses_it(tmp_path) -> None:
    seq = SkeletonSequence.empty(CANONICAL, 10, 25.0)
    path = tmp_path / "s.npz"
    seq.save_npz(path)
    assert os.listdir(tmp_path) == ["s.npz"]
    assert np.array_equal(SkeletonSequence.load_npz(path).conf, seq.conf)
