"""SkeletonSequence: validation, missing joints, slicing in media frames, resampling, .npz files."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import CANONICAL, MEDIAPIPE_HOLISTIC, get_layout
from mgstudio.core.skeleton import SkeletonSequence


def _seq(t: int = 10, layout: str = "coco17", world: bool = True, fps: float = 30.0) -> SkeletonSequence:
    lay = get_layout(layout)
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 100, (t, lay.num_joints, 2)).astype(np.float32)
    xy[:, 0, 0] = np.arange(t)  # joint 0's x = frame index, to check slicing and resampling
    w = rng.normal(size=(t, lay.num_joints, 3)).astype(np.float32) if world else None
    return SkeletonSequence(lay, xy, np.full((t, lay.num_joints), 0.9), fps, w, (640, 480))


def test_shapes_are_checked_with_clear_errors():
    lay = get_layout("coco17")
    with pytest.raises(FormatError, match="17"):
        SkeletonSequence(lay, np.zeros((3, 16, 2)), np.zeros((3, 16)), 30)
    with pytest.raises(FormatError, match="frames x joints x 2"):
        SkeletonSequence(lay, np.zeros((3, 17, 3)), np.zeros((3, 17)), 30)
    with pytest.raises(FormatError, match="Confidences"):
        SkeletonSequence(lay, np.zeros((3, 17, 2)), np.zeros((3, 16)), 30)
    with pytest.raises(FormatError, match="World"):
        SkeletonSequence(lay, np.zeros((3, 17, 2)), np.zeros((3, 17)), 30, np.zeros((3, 17, 2)))
    with pytest.raises(FormatError, match="Frame rate"):
        SkeletonSequence(lay, np.zeros((3, 17, 2)), np.zeros((3, 17)), 0)


def test_non_finite_values_become_missing_without_touching_the_callers_arrays():
    lay = get_layout("coco17")
    xy = np.ones((2, 17, 2), np.float32)
    xy[0, 3, 1] = np.inf
    world = np.ones((2, 17, 3), np.float32)
    world[1, 5, 2] = np.nan
    conf = np.full((2, 17), 2.0)  # out of range -> clipped
    seq = SkeletonSequence(lay, xy, conf, 25, world)
    assert not seq.mask[0, 3] and not seq.mask[1, 5] and seq.mask.sum() == 32
    assert seq.conf[0, 3] == 0 and seq.conf.max() == 1.0
    assert np.isnan(seq.world[0, 3]).all() and np.isnan(seq.xy[1, 5]).all()
    assert np.isinf(xy[0, 3, 1]) and np.isfinite(world[0, 3]).all()  # inputs unchanged


def test_slice_uses_media_frame_numbers_and_clips():
    seq = _seq(10)
    part = seq.slice(3, 7)
    assert part.start_frame == 3 and len(part) == 4 and part.end_frame == 7
    np.testing.assert_array_equal(part.xy[:, 0, 0], [3, 4, 5, 6])
    again = part.slice(5, 100)  # media frames again, clipped at the end
    assert again.start_frame == 5 and len(again) == 2 and again.xy[0, 0, 0] == 5
    assert len(part.slice(0, 2)) == 0
    part.xy[0, 0, 0] = -1
    assert seq.xy[3, 0, 0] == 3  # a slice is a copy
    seq.meta["frame_ids"] = list(range(100, 110))  # per-frame meta follows the frames
    assert seq.slice(3, 5).meta["frame_ids"] == [103, 104]
    assert "frame_ids" not in seq.resample(4).meta


def test_resample_keeps_duration_and_missing_stays_missing():
    seq = _seq(11)
    seq.xy[5, 2] = np.nan
    seq.conf[5, 2] = 0
    r = seq.resample(21)
    assert len(r) == 21 and r.fps == pytest.approx(30 * 21 / 11)
    np.testing.assert_allclose(r.xy[:, 0, 0], np.linspace(0, 10, 21), atol=1e-5)
    assert not r.mask[9:12, 2].any() and r.mask[:9, 2].all()
    half = seq.resample_fps(15)
    assert len(half) == 6 and half.fps == pytest.approx(30 * 6 / 11)
    with pytest.raises(ValueError):
        seq.resample(0)


def test_to_canonical_and_back_is_the_same_layout_instance_when_equal():
    seq = _seq(4, "mediapipe_holistic")
    assert seq.to_layout(MEDIAPIPE_HOLISTIC) is seq
    canon = seq.to_layout(CANONICAL)
    assert canon.layout is CANONICAL and canon.meta["source_layout"] == "mediapipe_holistic"
    # MediaPipe has no head joint: missing, not invented.
    assert not canon.mask[:, CANONICAL.index("head")].any()
    ls, rs = MEDIAPIPE_HOLISTIC.index("left_shoulder"), MEDIAPIPE_HOLISTIC.index("right_shoulder")
    np.testing.assert_allclose(canon.world[:, CANONICAL.index("neck")], (seq.world[:, ls] + seq.world[:, rs]) / 2,
                               rtol=1e-5, atol=1e-6)


def test_npz_round_trip_keeps_everything(tmp_path):
    seq = _seq(7)
    seq.start_frame = 120
    seq.meta = {"subject": 3, "note": "é"}
    seq.xy[2, 4] = np.nan
    seq.world[2, 4] = np.nan
    seq.conf[2, 4] = 0
    f = tmp_path / "s.npz"
    seq.save_npz(f)
    back = SkeletonSequence.load_npz(f)
    np.testing.assert_array_equal(back.xy, seq.xy)
    np.testing.assert_array_equal(back.conf, seq.conf)
    np.testing.assert_array_equal(back.world, seq.world)
    assert (back.fps, back.start_frame, back.image_size, back.meta) == (30.0, 120, (640, 480), seq.meta)
    assert back.layout is get_layout("coco17")
    no_world = _seq(3, world=False)
    no_world.image_size = None
    no_world.save_npz(f)
    back = SkeletonSequence.load_npz(f)
    assert back.world is None and back.image_size is None


def test_failed_save_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    f = tmp_path / "s.npz"
    _seq(5).save_npz(f)
    before = f.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError):
        _seq(9).save_npz(f)
    assert f.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["s.npz"]


def test_unreadable_npz_files_give_a_clear_error(tmp_path):
    with pytest.raises(FormatError, match="not found"):
        SkeletonSequence.load_npz(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FormatError, match="not a readable MG Studio skeleton"):
        SkeletonSequence.load_npz(bad)
    newer = tmp_path / "newer.npz"
    np.savez(newer, version=np.int64(99), xy=np.zeros((1, 17, 2)))
    with pytest.raises(FormatError, match="newer MG Studio"):
        SkeletonSequence.load_npz(newer)


def test_empty_sequence_is_all_missing():
    seq = SkeletonSequence.empty("canonical", 5, 25.0, with_world=True)
    assert len(seq) == 5 and not seq.mask.any() and seq.world.shape == (5, 61, 3)
    assert seq.duration == pytest.approx(0.2)
