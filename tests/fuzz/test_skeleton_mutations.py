"""Mutated skeleton files (OpenPose JSON folders, NTU .skeleton, MSR / UTKinect text) through
``load_skeletons``: each input gives sequences or one clear sentence naming the file."""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgstudio.core.errors import FormatError
from mgstudio.formats.ntu import format_skeleton
from mgstudio.formats.skeletons import load_skeletons
from tests.fuzz.check import assert_clean, check_input
from tests.fuzz.mutators import mutate_bytes, mutate_doc, mutate_number_text, to_json_text
from tests.fuzz.registry import Target
from tests.fuzz.runner import examples, fixtures_of, run_paths

LOADER = "mgstudio.formats.skeletons:load_skeletons"


# ----------------------------------------------------------------------- valid seeds
def openpose_frames(rng: random.Random, n: int = 8, extras: bool = False) -> list[dict]:
    frames = []
    for t in range(n):
        people = []
        for p in range(rng.choice([1, 1, 2])):
            pts = np.column_stack([rng.uniform(100, 500) + 50 * np.sin(np.arange(25) + t),
                                   rng.uniform(100, 400) + 80 * np.cos(np.arange(25)),
                                   np.full(25, 0.8)]).round(3)
            person = {"person_id": [-1], "pose_keypoints_2d": pts.ravel().tolist()}
            if extras:
                person["face_keypoints_2d"] = [300.0, 200.0, 0.9] * 70
                person["hand_left_keypoints_2d"] = [250.0, 300.0, 0.7] * 21
                person["hand_right_keypoints_2d"] = [350.0, 300.0, 0.7] * 21
            people.append(person)
        frames.append({"version": 1.3, "people": people})
    return frames


def write_openpose(folder: Path, frames: list, rng: random.Random) -> Path:
    folder.mkdir(parents=True)
    for t, doc in enumerate(frames):
        (folder / f"vid_{t:012d}_keypoints.json").write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return folder


def ntu_text(rng: random.Random, n: int = 6) -> str:
    frames, ids = [], []
    for t in range(n):
        bodies = [np.column_stack([np.linspace(-0.3, 0.3, 25) + 0.01 * t, np.linspace(-0.8, 0.6, 25),
                                   np.full(25, 2.5)])]
        if rng.random() < 0.5:
            bodies.append(bodies[0] + [0.8, 0, 0.2])
        frames.append(bodies)
        ids.append([72057594037931100 + b for b in range(len(bodies))])
    return format_skeleton(frames, ids)


def ntu_count_lines(text: str) -> list[int]:
    """Line indices that hold counts (frame count, body counts, joint counts)."""
    return [i for i, ln in enumerate(text.splitlines()) if len(ln.split()) == 1]


def msr_text(rng: random.Random, n: int = 5) -> str:
    rows = []
    for t in range(n):
        for j in range(20):
            rows.append(f"{0.1 * j - 1:.4f} {0.05 * j + 0.01 * t:.4f} {2.5 + 0.01 * j:.4f} 1")
    return "\n".join(rows) + "\n"


def utk_text(rng: random.Random, n: int = 5) -> str:
    rows = []
    for t in range(n):
        vals = [str(10 + 3 * t)] + [f"{0.1 * j - 1:.4f} {0.05 * j:.4f} {2.5 + 0.01 * j:.4f}" for j in range(20)]
        rows.append(" ".join(vals))
    return "\n".join(rows) + "\n"


# ----------------------------------------------------------------------- mutated inputs
def make_openpose(folder: Path, n: int, seed: int) -> list[Path]:
    out = []
    for k in range(n):
        rng = random.Random(seed * 1_000_003 + k)
        frames: list = openpose_frames(rng, rng.randint(1, 10), rng.random() < 0.3)
        mode = rng.random()
        if mode < 0.6:  # damage one to three frame documents
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(frames))
                frames[i] = to_json_text(mutate_doc(frames[i], rng), rng)
        elif mode < 0.8:  # damage the bytes of frames
            for _ in range(rng.randint(1, len(frames))):
                i = rng.randrange(len(frames))
                frames[i] = mutate_bytes(json.dumps(frames[i]).encode(), rng).decode("latin1")
        else:  # damage every frame (nothing valid left, or all slightly off)
            frames = [to_json_text(mutate_doc(f, rng, 1), rng) for f in frames]
        d = write_openpose(folder / f"op{k:05d}", frames, rng)
        files = sorted(d.iterdir())
        r = rng.random()
        if r < 0.05:
            files[0].rename(d / "notes.json")
        elif r < 0.1:
            (d / "sub.json").mkdir()
        elif r < 0.13:
            os.mkfifo(d / "vid_999999999999_keypoints.json")
        elif r < 0.16:
            files[-1].rename(d / f"vid_{10**15:012d}_keypoints.json")
        elif r < 0.18:
            (d / files[0].name).write_bytes(b"")
        out.append(d)
    return out


def _text_inputs(folder: Path, n: int, seed: int, name: str, make, counts) -> list[Path]:
    out = []
    for k in range(n):
        rng = random.Random(seed * 1_000_003 + k)
        text = make(rng)
        if rng.random() < 0.85:
            data = mutate_number_text(text, rng, counts(text)).encode("utf-8", "surrogateescape")
        else:
            data = mutate_bytes(text.encode(), rng)
        d = folder / f"in{k:05d}"
        d.mkdir()
        p = d / name
        p.write_bytes(data)
        out.append(p)
    return out


def make_ntu(folder: Path, n: int, seed: int) -> list[Path]:
    paths = _text_inputs(folder, n, seed, "S001C001P001R001A001.skeleton", ntu_text, ntu_count_lines)
    if n >= 3:  # the classic bombs: many empty frames, an impossible count, a FIFO
        paths[0].write_text("1000000\n" + "0\n" * 1_000_000)
        paths[1].write_text("999999\n1\n")
        paths[2].unlink()
        os.mkfifo(paths[2])
    return paths


def make_msr(folder: Path, n: int, seed: int) -> list[Path]:
    return _text_inputs(folder, n, seed, "a01_s01_e01_skeleton3D.txt", msr_text, lambda t: [])


def make_utk(folder: Path, n: int, seed: int) -> list[Path]:
    return _text_inputs(folder, n, seed, "joints_s01_e01.txt", utk_text, lambda t: [])


TARGETS = [
    Target("OpenPose JSON folder", "openpose", LOADER, make_openpose),
    Target("NTU .skeleton", "ntu", LOADER, make_ntu),
    Target("MSR Action3D .txt", "msr", LOADER, make_msr),
    Target("UTKinect .txt", "utkinect", LOADER, make_utk),
]
_BY_AREA = {t.area: t for t in TARGETS}
FUZZ = settings(max_examples=examples(25), deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("area", list(_BY_AREA))
@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_skeleton_file_loads_or_says_why(area, seed):
    target = _BY_AREA[area]
    with tempfile.TemporaryDirectory() as d:
        (path,) = target.make_inputs(Path(d), 1, seed)
        assert_clean(target, path)


def test_ntu_million_empty_frames_is_refused_quickly(tmp_path):
    f = tmp_path / "S001C001P001R001A001.skeleton"
    f.write_text("1000000\n" + "0\n" * 1_000_000)
    out = assert_clean(_BY_AREA["ntu"], f)
    assert out.kind == "clean" and "1,000,000" in out.message and out.rss_growth < 300e6


def test_ntu_count_larger_than_the_file_is_refused(tmp_path):
    f = tmp_path / "S001C001P001R001A001.skeleton"
    f.write_text("999999\n1\n")
    with pytest.raises(FormatError, match="999,999 frames"):
        load_skeletons(f)


def test_ntu_many_body_ids_main_body_is_chosen_in_linear_time(tmp_path):
    rng = random.Random(0)
    frames, ids = [], []
    for t in range(600):  # a new body id in every frame, the main subject throughout
        main = np.column_stack([np.linspace(-0.3, 0.3, 25) + 0.01 * np.sin(t), np.linspace(-0.8, 0.6, 25),
                                np.full(25, 2.5)])
        frames.append([main, main + [1.0, 0, 0]])
        ids.append([1, 1000 + t])
    f = tmp_path / "S001C001P001R001A001.skeleton"
    f.write_text(format_skeleton(frames, ids))
    out = assert_clean(_BY_AREA["ntu"], f)
    assert out.kind == "ok" and out.seconds < 5.0
    (name, seq), = load_skeletons(f)
    assert seq.meta["bodies"] == 601 and np.isfinite(seq.xy).all()
    del rng


def test_openpose_deep_nesting_in_the_only_frames(tmp_path):
    d = tmp_path / "clip"
    d.mkdir()
    for t in range(3):
        (d / f"clip_{t:012d}_keypoints.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FormatError) as info:
        load_skeletons(d)
    assert "clip" in str(info.value) and len(str(info.value)) <= 300


def test_openpose_folder_where_nothing_valid_was_read_says_how_many_files_were_bad(tmp_path):
    d = tmp_path / "clip"
    d.mkdir()
    (d / "clip_000000000000_keypoints.json").write_text('{"people": [{"pose_keypoints_2d": "x"}]}')
    (d / "clip_000000000001_keypoints.json").write_text('{"people": [')
    (d / "clip_000000000002_keypoints.json").write_text('{"people": [1, 2]}')
    with pytest.raises(FormatError) as info:
        load_skeletons(d)
    msg = str(info.value)
    assert "clip" in msg and "3" in msg and len(msg) <= 300


def test_a_fifo_named_like_a_skeleton_does_not_hang(tmp_path):
    for name in ("S001C001P001R001A001.skeleton", "poses.pkl", "a01_s01_e01_skeleton3D.txt"):
        p = tmp_path / name
        os.mkfifo(p)
        out = assert_clean(_BY_AREA["ntu"], p)
        assert out.kind == "clean" and out.seconds < 5
        p.unlink()


def test_mutated_inputs_in_a_worker_process():
    """The same mutators through the subprocess runner (signals and hangs observed, not suffered)."""
    for target in TARGETS:
        with tempfile.TemporaryDirectory() as d:
            summary = run_paths(target, target.make_inputs(Path(d), examples(8), seed=7))
        bad = summary.failures()
        assert not bad, f"{target.name}: {[(o.path.name, o.kind, o.message[-300:]) for o in bad[:3]]}"


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.area)
def test_replay_fixtures(target):
    """Every input that once failed is kept under fixtures/<area>/ and must stay fixed."""
    for path in fixtures_of(target):
        with tempfile.TemporaryDirectory() as d:  # replay from a copy: loaders must not write there
            copy = Path(d) / path.name
            (shutil.copytree if path.is_dir() else shutil.copyfile)(path, copy)
            out = check_input(target, copy)
        assert out.kind in ("ok", "clean"), f"{path.name}: {out.kind}: {out.message[-500:]}"
