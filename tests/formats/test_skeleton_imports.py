"""Skeleton importers on the real files in ../shared/data/skeletons (and on broken copies)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import CANONICAL
from mgstudio.formats import kinect
from mgstudio.formats.skeletons import load_labelled_clips, load_skeletons
from tests.conftest import require_shared

MSR = ("skeletons", "msr_action3d", "real_world_coordinates")
UTK = ("skeletons", "utkinect", "joints")


def _canon_mean(seq, joint: str, space: str = "world") -> np.ndarray:
    c = seq.to_layout(CANONICAL)
    arr = c.world if space == "world" else c.xy
    return np.nanmean(arr[:, CANONICAL.index(joint)], axis=0)


# ---------------------------------------------------------------- MSR Action3D
def test_msr_file_maps_to_a_plausible_canonical_skeleton():
    path = require_shared(*MSR, "a01_s01_e01_skeleton3D.txt")
    [(name, seq)] = load_skeletons(path)
    assert name == "a01_s01_e01"
    assert seq.layout.name == "kinect_v1" and seq.fps == 15.0
    assert len(seq) == 54  # 1080 lines / 20 joints
    assert seq.meta["action_name"] == "high arm wave" and seq.meta["subject"] == 1
    # World space: metres, y up, head above neck above pelvis; the subject stands ~2.7 m away.
    head, neck, pelvis = (_canon_mean(seq, j) for j in ("head", "neck", "pelvis"))
    assert head[1] > neck[1] + 0.1 > pelvis[1] + 0.3
    assert -3.2 < neck[2] < -2.0
    shoulder_width = np.linalg.norm(_canon_mean(seq, "left_shoulder") - _canon_mean(seq, "right_shoulder"))
    assert 0.25 < shoulder_width < 0.5
    # Image: head above the shoulders (y down), the subject's left shoulder on the image's right.
    hxy, lxy, rxy = (_canon_mean(seq, j, "xy") for j in ("head", "left_shoulder", "right_shoulder"))
    assert hxy[1] < lxy[1] and hxy[1] < rxy[1]
    assert lxy[0] > rxy[0]
    pts = seq.xy[seq.mask]
    assert ((pts >= 0) & (pts < [640, 480])).all()  # projected into the nominal Kinect image


def test_msr_one_arm_actions_move_the_right_hand():
    """MSR subjects did one-arm actions with the right arm: the left/right mapping must say so."""
    folder = require_shared(*MSR)
    for f in ("a01_s01_e01", "a03_s02_e02", "a06_s05_e02"):
        seq = kinect.read_msr(folder / f"{f}_skeleton3D.txt").to_layout(CANONICAL)
        r = np.nanstd(seq.world[:, CANONICAL.index("right_wrist")], axis=0).sum()
        left = np.nanstd(seq.world[:, CANONICAL.index("left_wrist")], axis=0).sum()
        assert r > 2 * left, f


def test_msr_folder_loads_every_file_with_names_and_labelled_clips():
    folder = require_shared(*MSR)
    seqs = load_skeletons(folder)
    assert len(seqs) == 567
    names = {n for n, _ in seqs}
    assert "a20_s10_e03" in names
    clips = load_labelled_clips(folder)
    assert len(clips) == 557  # the clean list of the CVPR'12 protocol
    assert {lbl for _, lbl, _ in clips} == set(kinect.MSR_ACTIONS)
    assert {s for _, _, s in clips} == set(range(1, 11))


def test_msr_truncated_file_keeps_complete_frames_and_says_so(tmp_path):
    src = require_shared(*MSR, "a01_s01_e01_skeleton3D.txt")
    lines = src.read_text().splitlines()
    (tmp_path / "a01_s01_e01_skeleton3D.txt").write_text("\n".join(lines[:50]) + "\n")
    seq = kinect.read_msr(tmp_path / "a01_s01_e01_skeleton3D.txt")
    assert len(seq) == 2 and "incomplete frame" in seq.meta["warning"]


def test_untracked_zero_joints_become_missing(tmp_path):
    src = require_shared(*MSR, "a01_s01_e01_skeleton3D.txt")
    lines = src.read_text().splitlines()[:20]
    lines[19] = "0 0 0 0"  # MSR row 20 is the head
    f = tmp_path / "a02_s01_e01_skeleton3D.txt"
    f.write_text("\n".join(lines))
    seq = kinect.read_msr(f)
    head = seq.layout.index("head")
    assert not seq.mask[0, head] and seq.conf[0, head] == 0
    assert seq.to_layout(CANONICAL).mask[0, CANONICAL.index("head")] == False  # noqa: E712


# ---------------------------------------------------------------- UTKinect
def test_utkinect_recording_with_action_segments():
    folder = require_shared(*UTK)
    seqs = dict(load_skeletons(folder))
    assert len(seqs) == 20
    seq = seqs["s01_e01"]
    assert seq.layout.name == "kinect_v1" and len(seq) == 560
    assert seq.meta["subject"] == 1 and seq.meta["take"] == 1
    assert seq.meta["frame_ids"][0] == 190 and seq.meta["frame_ids"][-1] == 2290
    assert 7 < seq.fps < 9
    actions = seq.meta["actions"]
    assert [a[0] for a in actions] == ["walk", "sitDown", "standUp", "pickUp", "carry", "throw",
                                      "push", "pull", "waveHands", "clapHands"]
    # walk: frames 252..390 -> the samples whose frame ids lie there.
    ids = np.array(seq.meta["frame_ids"])
    _, a, b = actions[0]
    assert ids[a] >= 252 and ids[a - 1] < 252 and ids[b - 1] <= 390 and ids[b] > 390
    head, pelvis = _canon_mean(seq, "head"), _canon_mean(seq, "pelvis")
    assert head[1] > pelvis[1] + 0.3


def test_utkinect_throw_moves_the_right_hand():
    recs = {n: (s, segs) for n, s, segs in kinect.load_utkinect(require_shared(*UTK))}
    seq, segs = recs["s01_e01"]
    throw = next(s for s in segs if s.label == "throw")
    clip = seq.slice(throw.start, throw.end).to_layout(CANONICAL)
    r = np.nanstd(clip.world[:, CANONICAL.index("right_wrist")], axis=0).sum()
    left = np.nanstd(clip.world[:, CANONICAL.index("left_wrist")], axis=0).sum()
    assert r > left


def test_utkinect_labels_total_and_nan_actions_skipped():
    folder = require_shared(*UTK)
    labels = kinect.read_utkinect_labels(folder / "actionLabel.txt")
    assert len(labels) == 20
    assert sum(len(v) for v in labels.values()) == 199  # one 'carry: NaN NaN' is left out
    clips = load_labelled_clips(folder)
    assert len(clips) == 199
    assert {lbl for _, lbl, _ in clips} == set(kinect.UTKINECT_ACTIONS)


# ---------------------------------------------------------------- errors
def test_not_a_skeleton_file_gives_a_clear_error(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello world, these are my notes\n")
    with pytest.raises(FormatError, match="not a skeleton file"):
        load_skeletons(f)
    with pytest.raises(FormatError, match="not found"):
        load_skeletons(tmp_path / "missing")
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    with pytest.raises(FormatError, match="No skeleton files"):
        load_skeletons(empty)


def test_msr_named_file_with_garbage_gives_a_clear_error(tmp_path):
    f = tmp_path / "a01_s01_e01_skeleton3D.txt"
    f.write_text("x y z c\n" * 40)
    with pytest.raises(FormatError, match="non-numeric"):
        load_skeletons(f)
    f.write_bytes(b"\x00\xff\x10" * 100)
    with pytest.raises(FormatError):
        load_skeletons(f)


def test_utkinect_file_with_wrong_columns_is_refused(tmp_path):
    f = tmp_path / "joints_s01_e01.txt"
    f.write_text("1 2 3\n4 5 6\n")
    with pytest.raises(FormatError, match="not a UTKinect"):
        load_skeletons(f)


def test_imported_sequence_survives_npz_round_trip(tmp_path: Path):
    [(_, seq)] = load_skeletons(require_shared(*MSR, "a02_s03_e01_skeleton3D.txt"))
    seq.save_npz(tmp_path / "s.npz")
    back = type(seq).load_npz(tmp_path / "s.npz")
    np.testing.assert_array_equal(back.world, seq.world)
    assert back.meta["action"] == 2 and back.layout.name == "kinect_v1"
