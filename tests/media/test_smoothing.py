"""One-Euro smoothing and short-gap filling: less jitter, little lag, gaps handled honestly."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.layouts import get_layout
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.skeletons import load_skeletons
from mgstudio.media.smoothing import fill_gaps, one_euro
from tests.conftest import require_shared

FPS = 30.0


def _noisy(t: int = 300, noise: float = 3.0, seed: int = 0):
    """COCO skeleton in pixels: still body, right wrist waving at 1 Hz, plus detector jitter."""
    lay = get_layout("coco17")
    rng = np.random.default_rng(seed)
    base = rng.uniform(200, 400, (lay.num_joints, 2))
    truth = np.repeat(base[None], t, axis=0).astype(np.float64)
    wrist = lay.index("right_wrist")
    time = np.arange(t) / FPS
    truth[:, wrist, 0] += 60 * np.sin(2 * np.pi * 1.0 * time)
    raw = truth + rng.normal(0, noise, truth.shape)
    seq = SkeletonSequence(lay, raw, np.ones((t, lay.num_joints)), FPS, None, (640, 480))
    return seq, truth, wrist


def test_one_euro_removes_jitter_on_still_joints_and_follows_moving_ones():
    seq, truth, wrist = _noisy()
    out = one_euro(seq)
    still = [j for j in range(seq.layout.num_joints) if j != wrist]
    raw_err = np.abs(seq.xy[30:, still] - truth[30:, still]).mean()
    sm_err = np.abs(out.xy[30:, still] - truth[30:, still]).mean()
    assert sm_err < 0.6 * raw_err  # jitter cut by more than 40 % where nothing moves
    # The waving wrist: still closer to the truth than the raw track (no large lag).
    raw_w = np.abs(seq.xy[30:, wrist] - truth[30:, wrist]).mean()
    sm_w = np.abs(out.xy[30:, wrist] - truth[30:, wrist]).mean()
    assert sm_w < raw_w
    # Raw data is untouched; a new sequence is returned with its settings recorded.
    assert out is not seq and np.array_equal(seq.xy, _noisy()[0].xy)
    assert out.meta["smoothing"]["filter"] == "one_euro"


def test_one_euro_keeps_missing_samples_missing_and_restarts_after_gaps():
    seq, truth, wrist = _noisy(60)
    seq.xy[20:25, wrist] = np.nan
    seq.conf[20:25, wrist] = 0
    out = one_euro(seq)
    assert not out.mask[20:25, wrist].any() and out.mask[25:, wrist].all()
    # First sample after the gap is the raw sample (fresh start, no smearing across the gap).
    np.testing.assert_allclose(out.xy[25, wrist], seq.xy[25, wrist], rtol=1e-6)


def test_one_euro_works_in_metres_too():
    [(_, seq)] = load_skeletons(require_shared("skeletons", "msr_action3d", "real_world_coordinates",
                                               "a01_s01_e01_skeleton3D.txt"))
    out = one_euro(seq)
    assert out.world is not None and out.mask.sum() == seq.mask.sum()
    # Smoothed world track has less frame-to-frame acceleration (jerk) than the raw one.
    acc = lambda a: np.nanmean(np.abs(np.diff(a, n=2, axis=0)))  # noqa: E731
    assert acc(out.world) < acc(seq.world)
    # ... and stays within a few centimetres of it on average (no drift).
    assert np.nanmean(np.linalg.norm(out.world - seq.world, axis=2)) < 0.03


def test_fill_gaps_fills_short_gaps_linearly_and_leaves_long_ones():
    lay = get_layout("coco17")
    t = 40
    xy = np.tile(np.linspace(0, 39, t)[:, None, None], (1, lay.num_joints, 2)).astype(np.float32)
    world = np.concatenate([xy, np.zeros((t, lay.num_joints, 1), np.float32)], axis=2)
    conf = np.full((t, lay.num_joints), 0.8, np.float32)
    xy[5:8, 0] = np.nan  # 3 missing frames
    xy[15:25, 1] = np.nan  # 10 missing frames
    xy[:3, 2] = np.nan  # missing at the start: nothing before it
    xy[37:, 3] = np.nan  # missing at the end
    seq = SkeletonSequence(lay, xy, conf, FPS, world)
    out = fill_gaps(seq, max_gap=5)
    np.testing.assert_allclose(out.xy[5:8, 0, 0], [5, 6, 7], atol=1e-5)
    np.testing.assert_allclose(out.world[5:8, 0, 0], [5, 6, 7], atol=1e-5)
    assert (out.conf[5:8, 0] == pytest.approx(0.4)) and out.conf[4, 0] == pytest.approx(0.8)
    assert not out.mask[15:25, 1].any()  # too long: stays missing
    assert not out.mask[:3, 2].any() and not out.mask[37:, 3].any()  # no extrapolation
    assert out.meta["gap_filling"]["filled_joint_frames"] == 3
    assert not seq.mask[5:8, 0].any()  # the raw track is untouched
    assert fill_gaps(seq, max_gap=10).mask[15:25, 1].all()
    assert fill_gaps(seq, max_gap=0).mask.sum() == seq.mask.sum()


def test_fill_then_smooth_on_an_empty_and_a_one_frame_sequence():
    for n in (0, 1):
        seq = SkeletonSequence.empty("coco17", n, FPS, with_world=True)
        assert len(one_euro(fill_gaps(seq))) == n
