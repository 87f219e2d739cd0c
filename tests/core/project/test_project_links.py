"""Planted links and pipes in a project folder: writes never leave the project, readers never hang,
leftover temporary files are removed when the project is opened (issue 16.3)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from mgstudio.core.atomic import atomic_file
from mgstudio.core.errors import FormatError, MGStudioError, ProjectError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.skeleton import SkeletonSequence

SEQ = SkeletonSequence.empty(CANONICAL, 50, 25.0)


@pytest.fixture
def victim(tmp_path):
    v = tmp_path / "victim.txt"
    v.write_text("the user's own file")
    return v


def test_a_planted_temp_link_is_never_written_through(tmp_path, victim) -> None:
    with Project.create(tmp_path / "p", annotator="alice") as p:
        # The names the old code used for its temporary files, linked to the victim.
        (p.skeletons_dir / "item1_raw.npz.tmp").symlink_to(victim)
        (p.models_dir / "head_v1.pt.tmp").symlink_to(victim)
        item = p.add_skeleton_item("S01", SEQ)
        p.save_skeleton(item.id, SEQ)
        assert p.load_skeleton(item.id).xy.shape == SEQ.xy.shape
        from mgstudio.recognition.checkpoint import save_checkpoint

        save_checkpoint(p.models_dir / "head_v1.pt", {"x": 1})
        path = p.path
    assert victim.read_text() == "the user's own file"
    with Project.open(path) as p:  # opening removes the planted links (never their target)
        assert not os.path.lexists(p.skeletons_dir / "item1_raw.npz.tmp")
        assert not os.path.lexists(p.models_dir / "head_v1.pt.tmp")
    assert victim.read_text() == "the user's own file"


@pytest.mark.parametrize("folder", ["skeletons", "models", "cache"])
def test_a_project_folder_linked_outside_is_refused(tmp_path, folder) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    with Project.create(tmp_path / "p", annotator="alice") as p:
        target = p.path / folder
        if target.exists():
            target.rmdir()
        target.symlink_to(outside)
        with pytest.raises(ProjectError) as err:
            if folder == "skeletons":
                p.add_skeleton_item("S01", SEQ)
            elif folder == "models":
                p.models_dir  # noqa: B018 - the property is what writers ask for
            else:
                p.cache_dir  # noqa: B018
        msg = str(err.value)
        assert f"{folder}/" in msg and "outside the project" in msg and len(msg) <= 300
        assert p.items() == []  # no half-made item
    assert list(outside.iterdir()) == []


def _in_thread(fn, timeout: float = 10.0):
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    return t.is_alive(), out


def test_a_fifo_named_like_a_skeleton_is_refused_without_hanging(tmp_path) -> None:
    with Project.create(tmp_path / "p", annotator="alice") as p:
        item = p.add_skeleton_item("S01", SEQ)
        path = p.skeleton_file(item.id)
        path.unlink()
        os.mkfifo(path)
        t0 = time.monotonic()
        hung, out = _in_thread(lambda: p.load_skeleton(item.id))
        if hung:  # let the blocked reader go before failing
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        assert not hung and time.monotonic() - t0 < 5
        err = out.get("error")
        assert isinstance(err, FormatError) and "not a regular file" in str(err) and "item1_raw.npz" in str(err)
        # Saving replaces the pipe with a real file.
        p.save_skeleton(item.id, SEQ)
        assert p.load_skeleton(item.id) is not None


def test_leftover_temp_files_are_removed_on_open_but_not_live_ones(tmp_path) -> None:
    with Project.create(tmp_path / "p", annotator="alice") as p:
        path, sk = p.path, p.skeletons_dir
        (p.cache_dir / "pose" / "k.part").mkdir(parents=True)
    killed = sk / ".item1_raw.npz.0123456789ab.tmp"  # what a killed save_npz leaves
    killed.write_bytes(b"x" * 1000)
    deep = path / "cache" / "pose" / "k.part" / ".00000000-00000300.npz.0123456789ab.tmp"
    deep.write_bytes(b"x")
    old_style = sk / "item2_raw.npz.tmp"
    old_style.write_bytes(b"x")
    os.utime(old_style, (time.time() - 7200, time.time() - 7200))
    recent_foreign = path / "models" / "encoder_v3.pt.tmp"  # another program may still be writing it
    recent_foreign.write_bytes(b"x")
    os.mkfifo(sk / "pipe.tmp")
    with atomic_file(sk / "item9_raw.npz") as live:  # a save in progress in another window
        live.write(b"half")
        live_tmp = [f for f in sk.iterdir() if f.name.startswith(".item9_raw.npz.")]
        hung, out = _in_thread(lambda: Project.open(path))
        assert not hung and "value" in out, out
        out["value"].close()
        assert live_tmp and all(f.exists() for f in live_tmp)
    assert not killed.exists() and not deep.exists() and not old_style.exists()
    assert not os.path.lexists(sk / "pipe.tmp")
    assert recent_foreign.exists() and (sk / "item9_raw.npz").read_bytes() == b"half"


def test_messages_are_sentences(tmp_path) -> None:
    with Project.create(tmp_path / "p", annotator="alice") as p:
        (p.path / "skeletons").rmdir()
        (p.path / "skeletons").symlink_to(p.path / "skeletons")  # a link to itself
        with pytest.raises(MGStudioError) as err:
            p.add_skeleton_item("S01", SEQ)
        assert "skeletons/" in str(err.value) and len(str(err.value)) <= 300
