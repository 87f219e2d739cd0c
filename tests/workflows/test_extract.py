"""Extraction: one checkpoint folder for the window and the CLI, and ``--force`` really re-extracts.

Real MediaPipe on a short real picture (the astronaut) so the test stays a few seconds long.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mgstudio.cli import main
from mgstudio.core.errors import CancelledError
from mgstudio.core.project import Project
from mgstudio.media.pose import PoseSettings
from mgstudio.workflows.extract import extract_item, pose_cache_dir
from mgstudio.workflows.ingest import add_recordings
from tests.media.test_pose import astronaut, write_video


def make_project(tmp_path: Path, frames: int) -> tuple[Path, int]:
    video = write_video(tmp_path / "astro.mp4", [astronaut()] * frames)
    proj = tmp_path / "study.mgproj"
    with Project.create(proj, annotator="ana") as p:
        result = add_recordings(p, [video])
        assert not result.problems
        return proj, result.added[0]


def test_a_run_stopped_in_the_window_continues_in_the_cli(tmp_path: Path, capsys) -> None:
    from mgstudio.media import pose

    proj, item_id = make_project(tmp_path, 6)
    seen: list[int] = []

    def stop_after_four() -> bool:
        return bool(seen) and seen[-1] >= 4

    with pytest.raises(CancelledError):  # the window's job, cancelled by the user at frame 4
        extract_item(proj, item_id, settings=PoseSettings(checkpoint_every=2),
                     progress=lambda d, t: seen.append(d), cancel=stop_after_four)
    parts = sorted(pose_cache_dir(proj).glob("*.part/*.npz"))
    assert [p.name for p in parts][:2] == ["00000000-00000002.npz", "00000002-00000004.npz"]

    starts: list[int] = []
    real = pose.extract_pose

    def spy(*a, progress=None, **k):  # type: ignore[no-untyped-def]
        def prog(d: int, t: int) -> None:
            starts.append(d)
            if progress:
                progress(d, t)
        return real(*a, progress=prog, **k)

    pose.extract_pose = spy
    try:
        assert main(["extract", str(proj), "--all"]) == 0
    finally:
        pose.extract_pose = real
    assert starts[0] >= 4, "the CLI continued from the window's checkpoints"
    assert "astro: 6 frames, a person in 6 (100%)" in capsys.readouterr().out
    with Project.open(proj) as p:
        assert len(p.load_skeleton(item_id)) == 6


def test_force_extracts_again_and_rewrites_the_pose_cache(tmp_path: Path, capsys) -> None:
    proj, item_id = make_project(tmp_path, 3)
    assert extract_item(proj, item_id) == 3  # the window's job
    cached = list(pose_cache_dir(proj).glob("*.npz"))
    assert len(cached) == 1, "the window's result lies in the project's cache/pose"
    before = cached[0].stat().st_mtime_ns
    with Project.open(proj) as p:
        skel_before = p.skeletons_dir.glob(f"item{item_id}_raw.npz").__next__().stat().st_mtime_ns

    assert main(["extract", str(proj), "astro"]) == 0  # without --force: kept as it is
    assert "already has a skeleton" in capsys.readouterr().err
    assert cached[0].stat().st_mtime_ns == before

    assert main(["extract", str(proj), "astro", "--force"]) == 0
    assert "astro: 3 frames" in capsys.readouterr().out
    assert cached[0].exists() and cached[0].stat().st_mtime_ns > before, "--force re-extracted"
    with Project.open(proj) as p:
        assert next(p.skeletons_dir.glob(f"item{item_id}_raw.npz")).stat().st_mtime_ns > skel_before
