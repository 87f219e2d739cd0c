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
    assert len(load_skeletons(folder.parent)) == 567  # the data set's top folder works too
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


# ---------------------------------------------------------------- UCI gesture phase
def test_gesture_phase_recordings_with_phase_segments():
    folder = require_shared("skeletons", "gesture_phase_segmentation", "raw")
    seqs = dict(load_skeletons(folder))
    assert sorted(seqs) == ["a1", "a2", "a3", "b1", "b3", "c1", "c3"]
    a1 = seqs["a1"]
    assert a1.layout.name == "gesture_phase6" and len(a1) == 1747  # data_description.txt
    assert 25 < a1.fps < 40
    phases = a1.meta["phases"]
    assert phases[0][0] == "Rest" and phases[-1][2] == len(a1)
    # Segments tile the recording without gaps or overlaps.
    assert all(p[2] == q[1] for p, q in zip(phases, phases[1:]))
    labels = {p[0] for s in seqs.values() for p in s.meta["phases"]}
    assert labels == {"Rest", "Preparation", "Stroke", "Hold", "Retraction"}  # Portuguese mapped
    # Image-like y (down): the head is above the spine, the wrists below it on average.
    lay = a1.layout
    assert np.nanmean(a1.xy[:, lay.index("head"), 1]) < np.nanmean(a1.xy[:, lay.index("spine"), 1])
    canon = a1.to_layout(CANONICAL)
    assert canon.mask[:, CANONICAL.index("head")].all() and not canon.mask[:, CANONICAL.index("nose")].any()


def test_gesture_phase_processed_file_is_refused_clearly():
    f = require_shared("skeletons", "gesture_phase_segmentation", "processed", "a1_va3.csv")
    with pytest.raises(FormatError, match="not a skeleton file"):
        load_skeletons(f)


# ---------------------------------------------------------------- JHMDB pickles
def test_jhmdb_pickles_load_through_the_restricted_unpickler():
    folder = require_shared("skeletons", "jhmdb_ddnet")
    seqs = load_skeletons(folder)
    assert len(seqs) == 433 + 176
    name, seq = seqs[0]
    assert name.startswith("GT_test_1/0000_") and seq.layout.name == "jhmdb15"
    assert 15 <= len(seq) <= 40 and seq.meta["label"]
    clips = load_labelled_clips(folder / "GT_train_1.pkl")
    assert len(clips) == 433 and len({lbl for _, lbl, _ in clips}) == 14
    # Plausible anatomy in canonical space (y down): head above neck above pelvis.
    c = seq.to_layout(CANONICAL)
    y = {j: np.nanmean(c.xy[:, CANONICAL.index(j), 1]) for j in ("head", "neck", "pelvis")}
    assert y["head"] < y["neck"] < y["pelvis"]


class _Evil:
    def __reduce__(self):
        import os
        return (os.system, ("touch /tmp/mgstudio_pwned_by_pickle",))


def test_malicious_pickle_is_refused_before_running_anything(tmp_path):
    import pickle

    marker = Path("/tmp/mgstudio_pwned_by_pickle")
    marker.unlink(missing_ok=True)
    f = tmp_path / "poses.pkl"
    f.write_bytes(pickle.dumps({"pose": [_Evil()], "label": ["x"]}))
    with pytest.raises(FormatError, match="will not load") as info:
        load_skeletons(f)
    assert "system" in (info.value.detail or "")
    assert not marker.exists()
    # eval via builtins is refused too.
    f.write_bytes(b"cbuiltins\neval\n(V__import__('os').system('touch /tmp/mgstudio_pwned_by_pickle')\ntR.")
    with pytest.raises(FormatError, match="will not load"):
        load_skeletons(f)
    assert not marker.exists()


def test_pyskl_style_annotations_are_read(tmp_path):
    import pickle

    rng = np.random.default_rng(1)
    anns = [{"frame_dir": f"clip{i}", "label": i, "img_shape": (480, 640),
             "keypoint": rng.uniform(0, 400, (2, 12, 17, 2)).astype(np.float32),
             "keypoint_score": rng.uniform(0, 1, (2, 12, 17)).astype(np.float32)} for i in range(3)]
    f = tmp_path / "ann.pkl"
    f.write_bytes(pickle.dumps({"split": {"train": ["clip0"]}, "annotations": anns}))
    seqs = load_skeletons(f)
    assert [n for n, _ in seqs] == ["clip0", "clip1", "clip2"]
    assert seqs[1][1].layout.name == "coco17" and seqs[1][1].image_size == (640, 480)
    np.testing.assert_allclose(seqs[2][1].xy, anns[2]["keypoint"][0])
    assert seqs[2][1].meta["persons"] == 2


def test_pickle_with_unknown_content_is_refused(tmp_path):
    import pickle

    f = tmp_path / "other.pkl"
    f.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(FormatError, match="not a pose set"):
        load_skeletons(f)
    f.write_bytes(pickle.dumps({"pose": [np.zeros((5, 9, 2))], "label": ["a"]}))
    with pytest.raises(FormatError, match="9 joints"):
        load_skeletons(f)


# ---------------------------------------------------------------- OpenPose JSON folders
# A seated subject in BODY_25 pixel coordinates (x right, y down) on a 640 x 360 frame.
_BODY25_TEMPLATE = {
    "nose": (320, 80), "neck": (320, 130), "right_shoulder": (270, 135), "right_elbow": (250, 200),
    "right_wrist": (280, 250), "left_shoulder": (370, 135), "left_elbow": (390, 200),
    "left_wrist": (360, 250), "mid_hip": (320, 280), "right_hip": (295, 280), "left_hip": (345, 280),
    "right_eye": (310, 70), "left_eye": (330, 70), "right_ear": (300, 75), "left_ear": (340, 75),
}


def _person(shift: float, scale: float = 1.0, face_hands: bool = False, rng=None) -> dict:
    from mgstudio.core.layouts import OPENPOSE_BODY25_JOINTS

    pose = []
    for j in OPENPOSE_BODY25_JOINTS:
        if j in _BODY25_TEMPLATE:
            x, y = _BODY25_TEMPLATE[j]
            pose += [shift + (x - 320) * scale + 320, (y - 180) * scale + 180, 0.9]
        else:
            pose += [0, 0, 0]  # legs not detected
    person = {"person_id": [-1], "pose_keypoints_2d": pose}
    if face_hands:
        rng = rng or np.random.default_rng(0)
        face = []
        for i in range(70):
            face += [shift + 320 + 20 * np.cos(i), 85 + 15 * np.sin(i), 0.8]
        person["face_keypoints_2d"] = face
        for side, wx in (("left", 360), ("right", 280)):
            hand = []
            for i in range(21):
                hand += [shift + wx + (i % 5) * 3, 250 + (i // 5) * 6, 0.7]
            person[f"hand_{side}_keypoints_2d"] = hand
    return person


def _write_openpose(folder: Path, frames: list[list[dict] | None | str]) -> None:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    for i, people in enumerate(frames):
        if people is None:
            continue  # a frame file that is missing
        f = folder / f"interview_{i:012d}_keypoints.json"
        f.write_text(people if isinstance(people, str) else json.dumps({"version": 1.3, "people": people}))


def test_openpose_folder_follows_the_main_subject(tmp_path):
    frames: list = []
    for i in range(30):
        main = _person(shift=i * 2.0)  # the subject drifts right slowly
        audience = _person(shift=-250, scale=0.4)  # a small person at the left edge
        frames.append([audience, main] if i % 2 else [main, audience])
    frames[10] = [audience]  # the subject is occluded for one frame: only the audience is seen
    frames[12] = None  # frame file missing
    frames[13] = "{ this is not json"
    _write_openpose(tmp_path / "vid", frames)
    [(name, seq)] = load_skeletons(tmp_path / "vid")
    assert name == "vid" and seq.layout.name == "openpose_body25" and len(seq) == 30
    assert seq.meta["max_people"] == 2 and seq.meta["frames_with_several_people"] == 27
    assert seq.meta["bad_frames"] == ["interview_000000000013_keypoints.json"]
    nose = seq.layout.index("nose")
    xs = seq.xy[:, nose, 0]
    for i in range(30):
        if i in (10, 12, 13):
            # 10: only the small audience member was seen, never taken for the subject;
            # 12, 13: missing / malformed frame files -> missing joints.
            assert not seq.mask[i].any()
        else:
            assert xs[i] == pytest.approx(320 + 2.0 * i)  # always the subject, whatever the order
    assert not seq.mask[:, seq.layout.index("left_knee")].any()  # 0,0,0 -> missing
    assert seq.meta["subject_jumps"] == 0
    canon = seq.to_layout(CANONICAL)
    assert canon.xy[0, CANONICAL.index("head"), 0] != canon.xy[0, CANONICAL.index("head"), 0]  # NaN
    assert canon.mask[0, CANONICAL.index("spine")]  # midpoint of neck and mid-hip


def test_openpose_subject_is_found_again_after_a_camera_move(tmp_path):
    # Frames 0-9 the subject is centred; from frame 10 the camera reframes and the subject
    # (same size) is 200 px to the left, while a small audience member stays at the right.
    frames = [[_person(0), _person(250, 0.4)] for _ in range(10)]
    frames += [[_person(250, 0.4), _person(-200)] for _ in range(10)]
    _write_openpose(tmp_path / "v", frames)
    [(_, seq)] = load_skeletons(tmp_path / "v")
    nose = seq.xy[:, seq.layout.index("nose"), 0]
    np.testing.assert_allclose(nose[:10], 320)
    np.testing.assert_allclose(nose[10:], 120)
    assert seq.meta["subject_jumps"] == 1


def test_utkinect_clips_keep_their_own_frame_ids():
    clip = load_labelled_clips(require_shared(*UTK))[0][0]
    assert len(clip.meta["frame_ids"]) == len(clip)  # per-frame meta follows the slice


def test_openpose_137_keeps_hands_and_only_mouth_corners_reach_canonical(tmp_path):
    _write_openpose(tmp_path / "v", [[_person(0, face_hands=True)] for _ in range(5)])
    [(_, seq)] = load_skeletons(tmp_path / "v")
    assert seq.layout.name == "openpose_137" and seq.start_frame == 0
    # Identity-free by default: the face mesh is dropped except the mouth corners.
    assert not seq.mask[:, seq.layout.index("face_30")].any() and not seq.meta["face_mesh_kept"]
    assert seq.mask[:, seq.layout.index("face_48")].all()
    from mgstudio.formats.openpose import read_openpose_folder

    full = read_openpose_folder(tmp_path / "v", keep_face=True)
    assert full.mask[:, full.layout.index("face_30")].all()
    canon = seq.to_layout(CANONICAL)
    assert canon.mask[:, CANONICAL.index("left_hand_index_tip")].all()
    assert canon.mask[:, CANONICAL.index("mouth_left")].all()
    np.testing.assert_allclose(canon.xy[:, CANONICAL.index("mouth_left")],
                               seq.xy[:, seq.layout.index("face_54")])


def test_folder_of_openpose_folders_gives_one_sequence_per_video(tmp_path):
    for v in ("clip_a", "clip_b"):
        _write_openpose(tmp_path / v, [[_person(0)] for _ in range(3)])
    assert [n for n, _ in load_skeletons(tmp_path)] == ["clip_a", "clip_b"]


def test_json_folder_that_is_not_openpose_is_refused(tmp_path):
    (tmp_path / "a.json").write_text('{"annotations": []}')
    with pytest.raises(FormatError, match="No skeleton files"):
        load_skeletons(tmp_path)
    with pytest.raises(FormatError, match="choose the folder"):
        load_skeletons(tmp_path / "a.json")
    from mgstudio.formats.openpose import read_openpose_folder

    with pytest.raises(FormatError, match="not an OpenPose output folder"):
        read_openpose_folder(tmp_path)


# ---------------------------------------------------------------- NTU RGB+D .skeleton
def _ntu_from_utkinect(n_frames: int = 40) -> tuple[list, np.ndarray]:
    """Kinect v2 bodies made from a real UTKinect recording (camera space, SDK order)."""
    from mgstudio.core.layouts import KINECT_V1, KINECT_V2

    [(_, seq)] = load_skeletons(require_shared(*UTK, "joints_s02_e01.txt"))
    cam = seq.world[:n_frames].copy()
    cam[..., 0] *= -1
    cam[..., 2] *= -1  # back to Kinect camera space
    v2 = np.zeros((n_frames, 25, 3))
    for i, j in enumerate(KINECT_V2.joints):
        src = {"spine_base": "hip_center", "spine_mid": "spine", "spine_shoulder": "shoulder_center",
               "neck": "shoulder_center", "left_hand_tip": "left_hand", "left_thumb": "left_hand",
               "right_hand_tip": "right_hand", "right_thumb": "right_hand"}.get(j, j)
        v2[:, i] = cam[:, KINECT_V1.index(src)]
    return [[b] for b in v2], v2


def test_ntu_skeleton_file_round_trip_and_main_body(tmp_path):
    from mgstudio.formats.ntu import format_skeleton

    frames, v2 = _ntu_from_utkinect()
    # A second, static person in half of the frames: the main subject is the one seen longest.
    other = v2[0] + np.array([1.5, 0, 0.5])
    frames = [([other, b[0]] if i % 2 else b) for i, b in enumerate(frames)]
    ids = [[2, 1] if i % 2 else [1] for i in range(len(frames))]
    f = tmp_path / "S001C002P003R002A023.skeleton"
    f.write_text(format_skeleton(frames, ids))
    [(name, seq)] = load_skeletons(f)
    assert name == "S001C002P003R002A023" and seq.layout.name == "kinect_v2" and seq.fps == 30.0
    assert seq.meta["bodies"] == 2 and seq.meta["subject"] == 3 and seq.meta["action"] == 23
    np.testing.assert_allclose(seq.world[..., 1], v2[..., 1], atol=1e-5)
    np.testing.assert_allclose(seq.world[..., 2], -v2[..., 2], atol=1e-5)
    assert seq.image_size == (1920, 1080)
    c = seq.to_layout(CANONICAL)
    assert np.nanmean(c.world[:, CANONICAL.index("head"), 1]) > np.nanmean(c.world[:, CANONICAL.index("pelvis"), 1])
    # Subject's left shoulder appears on the image's right.
    assert np.nanmean(c.xy[:, CANONICAL.index("left_shoulder"), 0]) > np.nanmean(c.xy[:, CANONICAL.index("right_shoulder"), 0])


def test_truncated_ntu_file_gives_a_clear_error(tmp_path):
    from mgstudio.formats.ntu import format_skeleton

    frames, _ = _ntu_from_utkinect(5)
    text = format_skeleton(frames)
    f = tmp_path / "x.skeleton"
    f.write_text(text[: len(text) // 2])
    with pytest.raises(FormatError, match="ends too early"):
        load_skeletons(f)
    f.write_text("3\n1\n" + "0 " * 10 + "25\n" + "x " * 300)
    with pytest.raises(FormatError, match="not an NTU .skeleton file .non-numeric"):
        load_skeletons(f)
