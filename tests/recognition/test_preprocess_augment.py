"""Normalisation, missing joints and augmentations: shapes and the invariants a user relies on."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mgstudio.core.errors import MGStudioError
from mgstudio.core.layouts import CANONICAL
from mgstudio.recognition.augment import (CropResize, JointJitter, PosterizeTime, RepeatSubclip, Rotate, Shear,
                                          build_augment)
from mgstudio.recognition.preprocess import fit_channels, normalise, prepare_windows


def _windows(n=3, t=20, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(n, t, CANONICAL.num_joints, 3)).astype(np.float32)
    ls, rs = CANONICAL.index("left_shoulder"), CANONICAL.index("right_shoulder")
    w[:, :, ls] = [0.2, 0.0, 0.0]
    w[:, :, rs] = [-0.2, 0.0, 0.0]
    return w


def test_normalisation_removes_position_and_body_size():
    w = _windows()
    x1, m1 = normalise(w, CANONICAL)
    x2, m2 = normalise(w * 3.5 + np.array([10.0, -4.0, 2.0], np.float32), CANONICAL)
    np.testing.assert_allclose(x1, x2, atol=1e-4)
    np.testing.assert_array_equal(m1, m2)
    ls, rs = CANONICAL.index("left_shoulder"), CANONICAL.index("right_shoulder")
    assert np.allclose(np.linalg.norm(x1[:, :, ls] - x1[:, :, rs], axis=-1), 1.0, atol=1e-4)


def test_missing_joints_become_zero_with_mask_and_all_nan_is_finite():
    w = _windows()
    w[0, :, 30:] = np.nan          # hands missing
    w[1] = np.nan                  # nothing seen at all
    w[2, 5, 3, 1] = np.inf         # a glitch
    x, m = normalise(w, CANONICAL)
    assert np.isfinite(x).all()
    assert (m[0, :, 30:] == 0).all() and (x[0, :, 30:] == 0).all()
    assert (m[1] == 0).all() and (x[1] == 0).all()
    assert m[2, 5, 3] == 0 and m[2, 5, 4] == 1


def test_prepare_resamples_and_pads_2d():
    w2d = _windows(t=7)[..., :2]
    x, m = prepare_windows(w2d, CANONICAL, window=16, channels=3)
    assert x.shape == (3, 16, CANONICAL.num_joints, 3) and m.shape == (3, 16, CANONICAL.num_joints)
    assert (x[..., 2] == 0).all()
    with pytest.raises(MGStudioError, match="layout"):
        prepare_windows(np.zeros((1, 16, 20, 3), np.float32), CANONICAL, 16, 3)
    assert fit_channels(np.zeros((1, 2, 3, 3)), 2).shape == (1, 2, 3, 2)


def _batch(t=16):
    x, m = normalise(_windows(n=4, t=t), CANONICAL)
    m[:, :, 40:] = 0
    x[:, :, 40:] = 0
    return torch.from_numpy(x), torch.from_numpy(m)


@pytest.mark.parametrize("tr", [JointJitter(), Rotate(), Shear(), RepeatSubclip(p=1.0), PosterizeTime(p=1.0),
                                CropResize()])
def test_every_transform_keeps_shapes_and_missing_joints_missing(tr):
    x, m = _batch()
    y, my = tr(x, m, torch.Generator().manual_seed(1))
    assert y.shape == x.shape and my.shape == m.shape
    assert torch.isfinite(y).all()
    assert (my[:, :, 40:] == 0).all() and (y[:, :, 40:] == 0).all()


def test_rotation_keeps_distances_and_jitter_is_small():
    x, m = _batch()
    g = torch.Generator().manual_seed(0)
    y, _ = Rotate(max_yaw=15, max_tilt=5)(x, m, g)
    torch.testing.assert_close(y.norm(dim=-1), x.norm(dim=-1), atol=1e-4, rtol=1e-4)
    assert not torch.allclose(y, x)
    j, _ = JointJitter(sigma=0.02)(x, m, g)
    assert 0 < (j - x).abs().max() < 0.2


def test_posterize_holds_frames_and_repeat_tiles_a_subclip():
    x, m = _batch(t=16)
    g = torch.Generator().manual_seed(3)
    y, _ = PosterizeTime(min_hold=2, max_hold=2, p=1.0)(x, m, g)
    torch.testing.assert_close(y[:, 1], y[:, 0])
    torch.testing.assert_close(y[:, 0], x[:, 0])
    r, _ = RepeatSubclip(min_frac=0.25, max_frac=0.25, p=1.0)(x, m, g)  # 4-frame sub-clip, 4 times
    torch.testing.assert_close(r[:, :4], r[:, 4:8])
    torch.testing.assert_close(r[:, :4], r[:, 12:16])


def test_config_switches_choose_the_transforms():
    names = lambda c: [type(t).__name__ for t in build_augment(c).transforms]  # noqa: E731
    assert set(names({"mg": True, "usual": False})) == {"JointJitter", "Rotate", "RepeatSubclip", "PosterizeTime"}
    assert set(names({"mg": False, "usual": True})) == {"Shear", "CropResize"}
    assert "Rotate" not in names({"mg": True, "rotate": {"enabled": False}})
    assert build_augment({"mg": True, "jitter": {"sigma": 0.5}}).transforms[-1].sigma == 0.5


def test_json_config_files_and_overrides(tmp_path):
    from mgstudio.recognition.config import load_config

    p = tmp_path / "mine.json"
    p.write_text('{"model": {"streams": "temporal", "fusion": false}, "train": {"epochs": 3}}')
    cfg = load_config(p, ["contrast.queue=64", "augment.usual=true", 'train.device="cpu"'])
    assert cfg["model"]["streams"] == "temporal" and cfg["train"]["epochs"] == 3
    assert cfg["contrast"]["queue"] == 64 and cfg["augment"]["usual"] is True and cfg["train"]["device"] == "cpu"
    assert cfg["contrast"]["temperature"] == 0.07  # untouched defaults stay
    p.write_text('{"model": {"streams": "both"')
    with pytest.raises(MGStudioError, match="not valid"):
        load_config(p)
    with pytest.raises(MGStudioError, match="streams"):
        load_config(overrides=['model.streams="three"'])
