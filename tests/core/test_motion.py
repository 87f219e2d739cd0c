"""Motion energy: a part that moves lights up, the rest stays dark, whole-body shifts do not count."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import CANONICAL, MEDIAPIPE_HOLISTIC
from mgstudio.core.motion import PARTS, motion_energy, part_joints
from mgstudio.core.skeleton import SkeletonSequence

FPS = 25.0
SHOULDER_WIDTH = 0.4


def still_body(n: int, seed: int = 0) -> np.ndarray:
    """n x 61 x 3 canonical world coordinates of a body that does not move."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(-0.3, 0.3, size=(CANONICAL.num_joints, 3)).astype(np.float32)
    base[CANONICAL.index("left_shoulder")] = (-SHOULDER_WIDTH / 2, 0.0, 0.0)
    base[CANONICAL.index("right_shoulder")] = (SHOULDER_WIDTH / 2, 0.0, 0.0)
    return np.repeat(base[None], n, axis=0)


def seq_from(world: np.ndarray, conf: np.ndarray | None = None) -> SkeletonSequence:
    n, j = world.shape[:2]
    return SkeletonSequence(CANONICAL, world[..., :2] * 100 + 300, np.ones((n, j)) if conf is None else conf,
                            FPS, world)


def test_moving_left_hand_shows_only_on_left_hand_track():
    w = still_body(200)
    lh = list(part_joints("left_hand"))
    # the left hand slides sideways between frames 100 and 125 at 0.5 body sizes per second
    step = 0.5 * SHOULDER_WIDTH / FPS
    for t in range(100, 125):
        w[t:, lh, 0] += step
    me = motion_energy(seq_from(w), smooth_s=0.0)
    assert set(me.parts) == set(PARTS)
    assert np.allclose(me.parts["left_hand"][101:125], 0.5, atol=1e-3)
    assert np.nanmax(me.parts["left_hand"][:100]) < 1e-4
    assert np.nanmax(me.parts["left_hand"][126:]) < 1e-4
    for other in ("right_hand", "head", "arms"):
        assert np.nanmax(me.parts[other]) < 1e-4, other


def test_leaning_or_camera_pan_is_not_movement():
    w = still_body(100)
    w += np.linspace(0, 1.0, 100)[:, None, None].astype(np.float32)  # everything drifts together
    me = motion_energy(seq_from(w))
    for part in PARTS:
        assert np.nanmax(me.parts[part]) < 1e-3, part


def test_unseen_frames_are_gaps_not_zero_or_spikes():
    w = still_body(60)
    conf = np.ones(w.shape[:2], np.float32)
    rh = list(part_joints("right_hand"))
    conf[20:30, rh] = 0.05  # right hand lost by the tracker
    w[20:30, rh] += 5.0  # garbage coordinates while lost must not show as a burst of movement
    me = motion_energy(seq_from(w, conf), smooth_s=0.0)
    e = me.parts["right_hand"]
    assert np.isnan(e[20:31]).all()
    assert np.nanmax(e) < 1e-4
    assert np.isfinite(me.parts["head"][1:]).all()


def test_mediapipe_sequence_and_envelope_keep_single_frame_spike():
    n = 3000
    rng = np.random.default_rng(1)
    xy = np.repeat(rng.uniform(100, 300, (1, MEDIAPIPE_HOLISTIC.num_joints, 2)), n, axis=0).astype(np.float32)
    xy[1500, MEDIAPIPE_HOLISTIC.parts["face"], 1] += 20  # one-frame head jerk
    seq = SkeletonSequence(MEDIAPIPE_HOLISTIC, xy, np.ones(xy.shape[:2]), FPS, start_frame=1000)
    me = motion_energy(seq, smooth_s=0.0)
    assert me.start_frame == 1000 and len(me) == n
    assert me.window("head", 2499, 2502)[1] > 0.1  # media frame 2500 = array index 1500
    env = me.envelope("head", 1000, 4000, 100)  # 30 frames per bin
    assert env.shape == (100,)
    assert np.nanargmax(env) == 50  # the bin holding frame 2500
    assert np.nanmax(env) == pytest.approx(np.nanmax(me.parts["head"]))
    # zoomed in further than one frame per bin: bins repeat their frame's value
    fine = me.envelope("head", 2499, 2502, 30)
    assert fine.shape == (30,) and fine[10:20].min() > 0.1 and fine[:10].max() < 0.1
    # outside the sequence there is nothing to show
    assert np.isnan(me.envelope("head", 0, 900, 10)).all()
    assert me.scale("head") > 0


def test_empty_sequence_is_a_clear_error():
    with pytest.raises(FormatError, match="no frames"):
        motion_energy(SkeletonSequence.empty(CANONICAL, 0, FPS))


def test_display_keeps_jitter_low_and_gestures_high():
    rng = np.random.default_rng(5)
    w = still_body(500) + rng.normal(0, 0.001, (500, CANONICAL.num_joints, 3)).astype(np.float32)
    rh = list(part_joints("right_hand"))
    for t in range(200, 240):  # a clear hand movement
        w[t:, rh, 1] += 0.02
    me = motion_energy(seq_from(w))
    head = me.display("head", me.parts["head"])
    hand = me.display("right_hand", me.parts["right_hand"])
    assert np.nanmax(head) < 0.3  # jitter alone does not fill the row
    assert np.nanmax(hand[205:235]) == pytest.approx(1.0)
    assert np.nanmedian(hand[:150]) < 0.1


def noisy_mediapipe(n: int, seed: int = 4) -> SkeletonSequence:
    """A MediaPipe sequence with drifting joints, uncertain joints and lost joints."""
    rng = np.random.default_rng(seed)
    j = MEDIAPIPE_HOLISTIC.num_joints
    w = (rng.uniform(-0.3, 0.3, (1, j, 3)) + np.cumsum(rng.normal(0, 0.003, (n, j, 3)), axis=0)).astype(np.float32)
    w[rng.random((n, j)) < 0.02] = np.nan
    conf = rng.uniform(0.0, 1.0, (n, j)).astype(np.float32)
    return SkeletonSequence(MEDIAPIPE_HOLISTIC, w[..., :2] * 500 + 300, conf, 30.0, w, start_frame=7)


@pytest.mark.parametrize("prefer_world", [True, False])
def test_result_does_not_depend_on_the_chunk_size(prefer_world):
    for n, chunks in ((3_001, (1000, 3_000)), (301, (1, 2, 7, 300))):  # 3,000 and 300 leave a one-frame tail
        seq = noisy_mediapipe(n)
        whole = motion_energy(seq, chunk=n, prefer_world=prefer_world)
        assert np.isfinite(whole.parts["arms"]).mean() > 0.1  # the comparison is not about NaNs only
        for chunk in chunks:
            got = motion_energy(seq, chunk=chunk, prefer_world=prefer_world)
            assert got.start_frame == whole.start_frame
            for part in PARTS:
                assert np.array_equal(got.parts[part], whole.parts[part], equal_nan=True), (n, chunk, part)


def test_cancel_is_checked_between_chunks_and_stops_the_work():
    from mgstudio.core.motion import MotionCancelled

    seq = noisy_mediapipe(10_000)
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return False

    motion_energy(seq, chunk=1000, cancelled=cancelled)
    assert len(asked) >= 2 * 10  # before each chunk of both passes: never more than 1,000 frames apart
    asked.clear()

    def after_three() -> bool:
        asked.append(1)
        return len(asked) >= 3

    with pytest.raises(MotionCancelled):
        motion_energy(seq, chunk=1000, cancelled=after_three)
    assert len(asked) == 3  # it stopped at once
