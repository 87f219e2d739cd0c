"""Fixing mistakes from the command line as a user types it: ``remove``, ``set``, ``relink``,
``undo``; misspelt names; ``info | head``; read-only projects (asked for, or a folder that cannot
be written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mgstudio.cli import main
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from tests.core.project.test_project_faults import _without_root_powers

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def study(tmp_path) -> Path:
    """Two 750-frame OpenPose-like recordings taken as 30 fps, one coded; a video that moved."""
    with Project.create(tmp_path / "study", annotator="alice") as p:
        first = p.add_skeleton_item("session1", SkeletonSequence.empty(CANONICAL, 750, 30.0))
        it = p.add_skeleton_item("session2", SkeletonSequence.empty(CANONICAL, 750, 30.0))
        p.add_segments([Segment(first.id, p.add_annotator("bob").id, 10, 40, "touching jaw")])
        tier = p.tier("alice").id
        p.add_segments([Segment(it.id, tier, 10, 40, "touching jaw"), Segment(it.id, tier, 50, 90, "folding arms")])
        video = tmp_path / "interview.mp4"
        video.write_bytes(np.random.default_rng(0).bytes(8192))
        p.add_video(video, info={"fps": 25, "frame_count": 100}, name="interview")
        (tmp_path / "moved").mkdir()
        video.rename(tmp_path / "moved" / "interview.mp4")
        return p.path


def test_remove_says_what_goes_asks_and_undo_brings_it_back(study, capsys) -> None:
    code, out, err = run(capsys, "remove", str(study), "session2")  # no terminal to answer on: refused
    assert code == 2 and "2 segments (2 on alice)" in out and "--yes" in err
    with Project.open(study, read_only=True) as p:
        assert [i.name for i in p.items()] == ["session1", "session2", "interview"]
    code, out, _ = run(capsys, "remove", str(study), "session2", "--yes")
    assert code == 0 and "Removed." in out and "mgstudio undo" in out
    code, out, _ = run(capsys, "info", str(study))
    assert "session2" not in out and "2 item(s)" in out
    code, out, _ = run(capsys, "undo", str(study))
    assert code == 0 and "Remove recording 'session2' (2 segments)" in out
    with Project.open(study, read_only=True) as p:
        assert p.count_segments(p.item_by_name("session2").id) == 2


def test_set_corrects_rate_name_and_attributes(study, capsys) -> None:
    code, out, _ = run(capsys, "set", str(study), "session1", "--fps", "25", "--name", "0042", "--subject", "P7",
                       "--split", "test", "--outcome", "won")
    assert code == 0 and "'0042': 25 fps, 30.0 s" in out and "split=test" in out
    code, out, _ = run(capsys, "info", str(study))
    row = next(line for line in out.splitlines() if line.startswith("0042"))
    assert row.split()[2:5] == ["750", "25", "0:30.0"]  # 750 frames at 25 fps: 30 s, not 25 s
    code, out, err = run(capsys, "set", str(study), "0042", "--split", "training")
    assert code == 2 and "train, val, test" in err
    code, _, err = run(capsys, "set", str(study), "interview", "--fps", "30")
    assert code == 2 and "read from the file" in err
    code, out, _ = run(capsys, "undo", str(study))
    assert "Set name '0042', 25 fps" in out
    with Project.open(study, read_only=True) as p:
        assert p.item_by_name("session1").fps == 30.0


def test_misspelt_item_names_get_a_suggestion(study, capsys) -> None:
    for argv in (["info", str(study), "sesion1"], ["set", str(study), "sesion1", "--subject", "P1"],
                 ["remove", str(study), "Session1", "--yes"], ["export", str(study), "--out", "x.csv",
                                                               "--item", "sesion1"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "did you mean 'session1'" in err and err.count("\n") == 1, argv


def test_info_shows_missing_videos_and_relink_fixes_them(study, capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "info", str(study))
    row = next(line for line in out.splitlines() if line.startswith("interview"))
    assert "[missing]" in row and "mgstudio relink" in out
    code, out, _ = run(capsys, "relink", str(study), "interview", str(tmp_path / "moved" / "interview.mp4"))
    assert code == 0 and "[ok]" in out
    code, out, _ = run(capsys, "info", str(study))
    assert "[missing]" not in out
    other = tmp_path / "other.mp4"
    other.write_bytes(b"x" * 9000)
    code, _, err = run(capsys, "relink", str(study), "interview", str(other))
    assert code == 2 and "not the same video" in err


def test_info_into_head_ends_quietly(study) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(30):  # a long listing into a reader that stops at once
        with Project.open(study) as p:
            if len(p.items()) > 400:
                break
            for k in range(20):
                p.add_skeleton_item(f"extra{len(p.items())}_{k}", SkeletonSequence.empty(CANONICAL, 5, 25.0))
    res = subprocess.run(f"'{sys.executable}' -m mgstudio info '{study}' | head -2", shell=True,
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.stdout.count("\n") == 2
    assert "Broken pipe" not in res.stderr and "Traceback" not in res.stderr and "Exception" not in res.stderr


def test_read_only_flag_reads_and_never_writes(study, capsys, tmp_path) -> None:
    before = (study / "project.sqlite").stat().st_mtime_ns
    code, out, _ = run(capsys, "export", str(study), "--out", str(tmp_path / "all.csv"), "--read-only")
    assert code == 0 and "Wrote 3 segment(s)" in out
    code, out, _ = run(capsys, "agree", str(study), "--read-only")
    assert code == 0 and "alice" in out and "bob" in out
    with Project.open(study, read_only=True) as p:
        assert p.annotators() == ["alice", "bob"]  # the login name was not added as a coder
    assert (study / "project.sqlite").stat().st_mtime_ns == before


CHILD = """
import json, sys
from mgstudio.cli import main
out = {}
for name, argv in (("info", ["info", sys.argv[1]]), ("export", ["export", sys.argv[1], "--out", sys.argv[2]]),
                   ("set", ["set", sys.argv[1], "session1", "--subject", "P1"]),
                   ("remove", ["remove", sys.argv[1], "session1", "--yes"])):
    import contextlib, io
    err, so = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(so):
        code = main(argv)
    out[name] = [code, so.getvalue(), err.getvalue()]
print(json.dumps(out))
"""


def test_a_project_that_cannot_be_written_opens_read_only(study, tmp_path) -> None:
    files = [study, *study.rglob("*")]
    for f in files:
        f.chmod(0o555 if f.is_dir() else 0o444)
    try:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        res = subprocess.run([*_without_root_powers(), sys.executable, "-c", CHILD, str(study),
                              str(tmp_path / "out.csv")], capture_output=True, text=True, env=env, timeout=120)
        assert res.returncode == 0, res.stderr
        out = json.loads(res.stdout)
    finally:
        for f in files:
            f.chmod(0o755 if f.is_dir() else 0o644)
    assert out["info"][0] == 0 and "session1" in out["info"][1]
    code, stdout, stderr = out["export"]
    assert code == 0 and "Wrote 3 segment(s)" in stdout
    assert "cannot be written, so it was opened read-only" in stderr and stderr.count("\n") == 1
    for edit in ("set", "remove"):
        code, _, stderr = out[edit]
        assert code == 2 and "read-only" in stderr and stderr.count("\n") == 1 and "Traceback" not in stderr
    with Project.open(study, read_only=True) as p:
        assert p.item_by_name("session1").attributes == {}


def test_eval_says_when_it_scored_the_training_clips(study) -> None:
    from mgstudio.cli.train_cmds import _what_was_scored

    note = _what_was_scored(str(study), "test")
    assert "no recording of study.mgproj is marked split=test" in note and "training clips included" in note
    assert "--split test" in note
    assert "training clips" in _what_was_scored(str(study), "train")
    with Project.open(study) as p:
        p.update_item(p.item_by_name("session2").id, split="test")
    assert _what_was_scored(str(study), "test") is None  # held-out recordings exist: nothing to add
