"""``mgstudio extract``: real MediaPipe over a real project, in parallel, and Ctrl+C + resume."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from mgstudio.cli import main
from mgstudio.core.project import Project
from tests.conftest import ROOT, require_shared
from tests.media.pose_spy import extract_recording_progress
from tests.media.test_pose import CARPHONE, astronaut, write_video


def video_info(path: Path) -> dict:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        n = s.frames or sum(1 for _ in c.decode(s))
        return {"fps": s.average_rate, "frame_count": n, "width": s.width, "height": s.height}


def head_of(src: Path, dst: Path, frames: int) -> Path:
    import av

    with av.open(str(src)) as c:
        imgs = [f.to_ndarray(format="rgb24") for _, f in zip(range(frames), c.decode(video=0))]
    return write_video(dst, imgs, fps=30)


def make_project(tmp_path: Path, videos: dict[str, Path]) -> Path:
    proj = tmp_path / "study.mgproj"
    with Project.create(proj, annotator="ana") as p:
        for name, v in videos.items():
            p.add_video(v, name=name, info=video_info(v))
    return proj


def test_extract_all_in_two_processes_saves_skeletons(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    astro = write_video(tmp_path / "astro.mp4", [astronaut()] * 6)
    car = head_of(require_shared(*CARPHONE), tmp_path / "car.mp4", 20)
    proj = make_project(tmp_path, {"astro": astro, "car": car})

    assert main(["extract", str(proj), "--all", "--jobs", "2"]) == 0
    out = capsys.readouterr()
    assert "astro: 6 frames, a person in 6 (100%)" in out.out
    assert "26/26" in out.err, "one progress bar over all frames"
    with Project.open(proj) as p:
        for name, n in (("astro", 6), ("car", 20)):
            seq = p.load_skeleton(p.item_by_name(name).id)
            assert seq is not None and seq.layout.name == "mediapipe_holistic" and len(seq) == n
            assert seq.mask[:, 0].mean() >= 0.9
            assert seq.world is not None and seq.image_size is not None
    # Done videos are not extracted again.
    assert main(["extract", str(proj), "--all"]) == 0
    assert "Nothing to extract" in capsys.readouterr().out


def test_extract_named_item_with_smoothing_keeps_raw(tmp_path: Path) -> None:
    car = head_of(require_shared(*CARPHONE), tmp_path / "car.mp4", 12)
    proj = make_project(tmp_path, {"car": car})
    assert main(["extract", str(proj), "car", "--smooth"]) == 0
    with Project.open(proj) as p:
        item = p.item_by_name("car").id
        raw, smooth = p.load_skeleton(item), p.load_skeleton(item, kind="smooth")
    assert raw is not None and smooth is not None and len(raw) == len(smooth) == 12
    assert raw.meta.get("smoothed") is False
    assert not np.allclose(np.nan_to_num(raw.xy), np.nan_to_num(smooth.xy)), "raw data stays unsmoothed"


def test_extract_reports_bad_requests_clearly(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    astro = write_video(tmp_path / "astro.mp4", [astronaut()] * 2)
    proj = make_project(tmp_path, {"astro": astro})
    assert main(["extract", str(proj)]) == 2
    assert "Name the videos to extract, or pass --all" in capsys.readouterr().err
    assert main(["extract", str(proj), "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err
    assert main(["extract", str(proj), "--all", "--subject-box", "1,2,3"]) == 2
    assert "X,Y,W,H" in capsys.readouterr().err
    assert main(["extract", str(proj), "--all", "--subject-box", "1,2,3,4"]) == 2
    assert "name exactly one video" in capsys.readouterr().err
    astro.unlink()
    assert main(["extract", str(proj), "--all"]) == 0
    assert "astro: skipped, the video is missing" in capsys.readouterr().err


def test_ctrl_c_stops_cleanly_and_the_next_run_continues(tmp_path: Path) -> None:
    car = tmp_path / "car.mp4"
    shutil.copy(require_shared(*CARPHONE), car)
    proj = make_project(tmp_path, {"car": car})
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "mgstudio", "extract", str(proj), "--all"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        while ch := proc.stderr.read(1):
            err.append(ch)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 90
    import re

    while time.monotonic() < deadline and proc.poll() is None:
        counts = [int(m) for m in re.findall(r"\| *(\d+)/120", "".join(err))]
        if counts and max(counts) >= 15:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "extraction finished before it could be interrupted:\n" + "".join(err)
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=60)
    reader.join(timeout=5)
    text = "".join(err)
    assert rc == 130, text
    assert "Run the same command again to continue" in text and "Traceback" not in text
    parts = list((proj / "cache" / "pose").glob("*.part/*.npz"))
    assert parts, "the frames done before Ctrl+C are kept"
    kept = max(int(p.stem.split("-")[1]) for p in parts)
    assert kept >= 15
    with Project.open(proj) as p:
        assert not p.has_skeleton(p.item_by_name("car").id)

    # Run again (in-process): it continues from the checkpoint and finishes.
    rc, starts = extract_recording_progress(["extract", str(proj), "--all"])
    assert rc == 0
    assert starts[0] == kept
    with Project.open(proj) as p:
        seq = p.load_skeleton(p.item_by_name("car").id)
    assert seq is not None and len(seq) == 120 and seq.mask[:, 0].mean() >= 0.9
