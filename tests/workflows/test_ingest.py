"""Adding recordings: ``mgstudio add`` and File ▸ Add are one behaviour (workflows.ingest)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mgstudio.cli import main
from mgstudio.core.project import Project
from mgstudio.workflows.ingest import add_paths, add_recordings
from tests.media.test_pose import write_video


def openpose_folder(folder: Path, n: int = 30, garbage: int = 0) -> Path:
    """A real-shaped OpenPose BODY_25 output folder: one ``*_keypoints.json`` per frame."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        pts = np.column_stack([rng.uniform(100, 300, 25), rng.uniform(50, 400, 25), np.full(25, 0.9)])
        person = {"person_id": [-1], "pose_keypoints_2d": pts.ravel().round(2).tolist(),
                  "face_keypoints_2d": [], "hand_left_keypoints_2d": [], "hand_right_keypoints_2d": []}
        (folder / f"0042_{i:012d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": [person]}))
    for i in range(n, n + garbage):
        (folder / f"0042_{i:012d}_keypoints.json").write_text("{ this is not JSON")
    return folder


def summary(proj: Path) -> list[tuple]:
    with Project.open(proj, read_only=True) as p:
        return [(it.name, it.kind, it.frame_count, it.fps, p.has_skeleton(it.id)) for it in p.items()]


def test_cli_and_python_add_the_same_items(tmp_path, capsys) -> None:
    video = write_video(tmp_path / "session1.mp4", [np.full((48, 64, 3), 40 * k, np.uint8) for k in range(5)])
    skel = openpose_folder(tmp_path / "0042_openpose")
    junk = tmp_path / "notes.skeleton"
    junk.write_text("not a Kinect file\n")
    a, b = tmp_path / "a.mgproj", tmp_path / "b.mgproj"
    for proj in (a, b):
        Project.create(proj, annotator="ana").close()

    code = main(["add", str(a), str(video), "--skeleton", str(skel), "--skeleton", str(junk), "--fps", "25"])
    out, err = capsys.readouterr()
    assert code == 1  # some were added, one was not: said, not hidden
    assert "notes.skeleton" in err and "Traceback" not in err
    with Project.open(b) as p:
        result = add_paths(p, [video, skel, junk], fps=25)
    assert len(result.problems) == 1 and "notes.skeleton" in result.problems[0]
    assert summary(a) == summary(b)
    # one video and one skeleton in one call: the skeleton is the video's (both ways)
    assert summary(a) == [("session1", "video", 5, 25.0, True)]
    assert "Stored the skeleton '0042_openpose' for video 'session1' (warning: the skeleton has 30 frames, " \
           "the video 5)" in out
    assert any("the video 5" in n for n in result.notes)


def test_openpose_without_a_rate_is_refused_and_fps_and_name_are_taken(tmp_path, capsys) -> None:
    skel = openpose_folder(tmp_path / "0042_openpose", n=25)
    proj = tmp_path / "p.mgproj"
    Project.create(proj).close()
    assert main(["add", str(proj), "--skeleton", str(skel)]) == 2
    err = capsys.readouterr().err
    assert "--fps" in err and "0042_openpose" in err and err.count("\n") == 1
    assert summary(proj) == []  # nothing silently taken as 30 fps
    assert main(["add", str(proj), "--skeleton", str(skel), "--fps", "25", "--name", "0042"]) == 0
    assert "Added skeleton item '0042': 25 frames at 25 fps" in capsys.readouterr().out
    with Project.open(proj) as p:
        it = p.item_by_name("0042")
        assert it.duration == pytest.approx(1.0)  # 25 frames at 25 fps is one second
        assert p.load_skeleton(it.id).fps == 25.0
    with pytest.raises(SystemExit) as done:  # argparse: usage + one line
        main(["add", str(proj), "--skeleton", str(skel), "--fps", "0"])
    assert done.value.code == 2 and "--fps must be a positive number" in capsys.readouterr().err


def test_an_all_garbage_openpose_folder_is_refused_saying_how_many_files_were_bad(tmp_path, capsys) -> None:
    skel = tmp_path / "0043_openpose"
    skel.mkdir()
    for i in range(12):  # OpenPose-named files, valid JSON with people lists but not one point
        (skel / f"0043_{i:012d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": []}))
    for i in range(12, 20):
        (skel / f"0043_{i:012d}_keypoints.json").write_text("\x00garbage")
    proj = tmp_path / "p.mgproj"
    with Project.create(proj) as p:
        result = add_recordings(p, skeletons=[skel], fps=25)
        assert result.added == [] and p.items() == []
    assert len(result.problems) == 1
    msg = result.problems[0]
    assert "0043_openpose" in msg and "20 JSON files" in msg and "8 of them" in msg and len(msg) <= 300
    assert main(["add", str(proj), "--skeleton", str(skel), "--fps", "25"]) == 2
    assert "holds no readable person" in capsys.readouterr().err


def test_some_bad_frame_files_are_counted_and_the_rest_is_added(tmp_path) -> None:
    skel = openpose_folder(tmp_path / "0044_openpose", n=20, garbage=3)
    with Project.create(tmp_path / "p.mgproj") as p:
        result = add_recordings(p, skeletons=[skel], fps=25)
        assert len(result.added) == 1 and not result.problems
    assert any("3 of its 23 frame files could not be read" in n for n in result.notes)


def test_a_truncated_video_is_added_saying_it_is_damaged_and_where(tmp_path, capsys) -> None:
    from tests.support.clips import make_numbered_clip, truncate

    src = make_numbered_clip(tmp_path / "whole.avi", n_frames=90, codec="mjpeg", size=(160, 120))
    cut = truncate(src, tmp_path / "cut.avi", keep=0.5)
    proj = tmp_path / "p.mgproj"
    Project.create(proj).close()
    assert main(["add", str(proj), str(cut)]) == 0
    out = capsys.readouterr().out
    with Project.open(proj) as p:
        n = p.item_by_name("cut").frame_count
    assert 10 < n < 90
    assert f"cut.avi is damaged (cut short): it stops at frame {n}" in out
