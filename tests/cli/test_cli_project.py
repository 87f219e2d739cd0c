"""``mgstudio new / add / info`` as a user types them: clear output, clear errors, no tracebacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mgstudio.cli import main
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from tests.conftest import require_shared

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_new_and_info_of_an_empty_project(tmp_path, capsys) -> None:
    code, out, _ = run(capsys, "new", str(tmp_path / "study"), "--taxonomy", "gesture_phases", "--annotator", "alice")
    assert code == 0 and "study.mgproj" in out and "gesture_phases" in out
    code, out, _ = run(capsys, "info", str(tmp_path / "study.mgproj"))
    assert code == 0 and "No items yet" in out and "alice (human)" in out and "proposals (model)" in out


@pytest.mark.parametrize("argv, message", [
    (["new", "{tmp}/x", "--taxonomy", "nonsense"], "No taxonomy called 'nonsense'"),
    (["info", "{tmp}/missing.mgproj"], "There is no project"),
    (["add", "{tmp}/p.mgproj"], "at least one video"),
    (["add", "{tmp}/p.mgproj", "{tmp}/none.mp4"], "does not exist"),
    (["add", "{tmp}/p.mgproj", "--skeleton", "{tmp}/none"], "not found"),
    (["add", "{tmp}/p.mgproj", "--skeleton", "{tmp}/junk.txt"], "not a skeleton file"),
    (["add", "{tmp}/p.mgproj", "--skeleton", "{tmp}/junk.txt", "--attr", "oops"], "KEY=VALUE"),
    (["info", "{tmp}/p.mgproj", "ghost"], "no item called 'ghost'"),
    (["new", "{tmp}/p.mgproj"], "already exists"),
])
def test_bad_input_gives_one_sentence_and_exit_2(tmp_path, capsys, argv, message) -> None:
    Project.create(tmp_path / "p.mgproj", annotator="alice").close()
    (tmp_path / "junk.txt").write_text("hello\n")
    code, out, err = run(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.startswith("mgstudio: ") and err.count("\n") == 1


def test_help_has_examples(capsys) -> None:
    for cmd in ("new", "add", "info"):
        with pytest.raises(SystemExit) as done:
            main([cmd, "--help"])
        assert done.value.code == 0
        assert "examples:" in capsys.readouterr().out


def test_add_skeleton_files_and_info_counts(tmp_path, capsys) -> None:
    msr = require_shared("skeletons", "msr_action3d", "real_world_coordinates")
    src = tmp_path / "msr"
    src.mkdir()
    for name in ("a01_s01_e01_skeleton3D.txt", "a02_s02_e01_skeleton3D.txt"):
        shutil.copy(msr / name, src / name)
    proj = tmp_path / "actions.mgproj"
    run(capsys, "new", str(proj), "--taxonomy", "msr_action3d", "--annotator", "alice")
    code, out, err = run(capsys, "add", str(proj), "--skeleton", str(src), "--attr", "set=train")
    assert code == 0, err
    assert "Added skeleton item 'a01_s01_e01'" in out and "Added skeleton item 'a02_s02_e01'" in out

    with Project.open(proj) as p:
        item = p.item_by_name("a01_s01_e01")
        assert item.kind == "skeleton" and item.attributes == {"set": "train"} and p.has_skeleton(item.id)
        n = item.frame_count
        p.add_segments([Segment(item.id, p.proposals_tier.id, 0, 5, "high arm wave", source=Source.MODEL,
                                status=Status.PROPOSED, confidence=0.9),
                        Segment(item.id, p.proposals_tier.id, 5, 10, "hammer", source=Source.MODEL,
                                status=Status.PROPOSED, confidence=0.4)])
        p.accept(p.segments(item.id)[0].id)
    code, out, _ = run(capsys, "info", str(proj))
    line = next(ln for ln in out.splitlines() if ln.startswith("a01_s01_e01"))
    cols = line.split()
    assert cols[:3] == ["a01_s01_e01", "skeleton", str(n)] and cols[5:7] == ["-", "yes"]  # no video; skeleton
    assert cols[7:] == ["1", "1", "0", "0", "50%"]
    code, out, _ = run(capsys, "info", str(proj), "a01_s01_e01")
    assert code == 0 and "set: train" in out and "skeletons: raw" in out and "reviewed: 50% of 2" in out


def _write_video(path: Path, n: int = 30, fps: int = 25) -> Path:
    av = pytest.importorskip("av")
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(n):
            img = np.full((48, 64, 3), (i * 8) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_add_video_with_its_skeleton(tmp_path, capsys) -> None:
    pytest.importorskip("mgstudio.media.video")
    video = _write_video(tmp_path / "session1.mp4")
    proj = tmp_path / "v.mgproj"
    run(capsys, "new", str(proj), "--annotator", "alice")
    code, out, err = run(capsys, "add", str(proj), str(video), "--attr", "outcome=win")
    assert code == 0, err
    assert "Added video 'session1': 30 frames at 25 fps, 64x48" in out
    code, out, err = run(capsys, "add", str(proj), str(video))
    assert code == 2 and "already in the project" in err
    code, out, _ = run(capsys, "info", str(proj), "session1")
    assert "[ok]" in out and "outcome: win" in out and "00:00:01.200" in out
    assert "skeletons: none" in out

    # A skeleton file for the only video given is stored as that video's skeleton.
    video2 = _write_video(tmp_path / "session2.mp4", n=20)
    rng = np.random.default_rng(0)
    skel = tmp_path / "a01_s01_e01_skeleton3D.txt"  # MSR Action3D text: 20 joints x (x y z c) per frame
    skel.write_text("\n".join(" ".join(f"{v:.4f}" for v in (*rng.random(3), 1.0)) for _ in range(20 * 20)) + "\n")
    code, out, err = run(capsys, "add", str(proj), str(video2), "--skeleton", str(skel))
    assert code == 0, err
    assert "Stored the skeleton 'a01_s01_e01' for video 'session2'" in out and "warning" not in out
    with Project.open(proj) as p:
        item = p.item_by_name("session2")
        assert p.has_skeleton(item.id) and p.load_skeleton(item.id).num_frames == 20
        assert [i.name for i in p.items()] == ["session1", "session2"]


def test_cli_never_prints_a_traceback_as_a_process(tmp_path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-m", "mgstudio", "info", str(tmp_path / "nothing.mgproj")],
                         capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "There is no project" in res.stderr
