"""The inference API and checkpoints: finite embeddings, round trip, refusals."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from mgstudio.core.errors import MGStudioError
from mgstudio.core.layouts import CANONICAL
from mgstudio.recognition.checkpoint import CHECKPOINT_VERSION, load_checkpoint, save_checkpoint
from mgstudio.recognition.encoder import load_encoder


def _raw_windows(n, t, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.normal(scale=0.3, size=(n, t, CANONICAL.num_joints, 3)).astype(np.float32)
    w[:, :, 19:] = np.nan  # no hands, as from a Kinect
    return w


def test_embeddings_are_finite_with_missing_joints(tiny_models):
    enc = load_encoder(tiny_models["pretrain"], device="cpu")
    assert enc.layout.name == "canonical" and enc.window == 16
    w = _raw_windows(5, enc.window)
    w[1] = np.nan                    # nothing tracked
    w[2, :, :8] = np.nan             # face lost as well
    w[3, 3:9] = np.nan               # a gap of frames
    e = enc.embed(w)
    assert e.shape == (5, enc.dim) and e.dtype == np.float32
    assert np.isfinite(e).all()
    # a window shorter than the model's is resampled, not refused; one 3D window works too
    assert enc.embed(_raw_windows(2, 5)).shape == (2, enc.dim)
    assert enc.embed(_raw_windows(1, enc.window)[0]).shape == (1, enc.dim)
    assert enc.embed(np.zeros((0, enc.window, CANONICAL.num_joints, 3))).shape == (0, enc.dim)


def test_embedding_does_not_depend_on_position_or_scale(tiny_models):
    enc = load_encoder(tiny_models["pretrain"], device="cpu")
    w = _raw_windows(3, enc.window)
    a = enc.embed(w)
    b = enc.embed(w * 1000.0 + 250.0)  # e.g. the same person in pixels instead of metres
    np.testing.assert_allclose(a, b, atol=1e-3)


def test_checkpoint_round_trip_and_head(tiny_models, tmp_path):
    ck = load_checkpoint(tiny_models["linear"])
    assert ck["kind"] == "linear" and ck["layout"]["name"] == "canonical"
    assert ck["classes"] and len(ck["classes"]) == 5
    prov = ck["provenance"]
    assert prov["epochs"] >= 1 and "top1" in prov["metrics"] and prov["mgstudio_version"]
    copy = save_checkpoint(tmp_path / "copy.pt", ck)
    w = _raw_windows(4, 16)
    e1, e2 = load_encoder(tiny_models["linear"]), load_encoder(copy)
    np.testing.assert_allclose(e1.embed(w), e2.embed(w), atol=1e-6)
    p = e2.classify(w)
    assert p.shape == (4, 5) and np.allclose(p.sum(1), 1, atol=1e-5)
    with pytest.raises(MGStudioError, match="no classifier"):
        load_encoder(tiny_models["pretrain"]).classify(w)


def test_refuses_other_version_layout_and_foreign_files(tiny_models, tmp_path):
    ck = load_checkpoint(tiny_models["pretrain"])
    bad = dict(ck)
    torch.save({**bad, "version": CHECKPOINT_VERSION + 1}, tmp_path / "future.pt")
    with pytest.raises(MGStudioError, match="another version"):
        load_encoder(tmp_path / "future.pt")
    with pytest.raises(MGStudioError, match="layout"):
        load_encoder(tiny_models["pretrain"], layout="mediapipe_holistic")
    odd = dict(ck, layout={"name": "canonical", "joints": list(CANONICAL.joints[:-1])})
    save_checkpoint(tmp_path / "odd.pt", odd)
    with pytest.raises(MGStudioError, match="joint list"):
        load_encoder(tmp_path / "odd.pt")
    with pytest.raises(MGStudioError, match="not found"):
        load_encoder(tmp_path / "missing.pt")
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(MGStudioError, match="not an MG Studio model"):
        load_encoder(tmp_path / "text.pt")


class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_pickle_with_code_is_refused_not_executed(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as fh:
        pickle.dump({"format": "mgstudio-recognizer", "version": 1, "x": _Evil()}, fh)
    with pytest.raises(MGStudioError):
        load_encoder(path)
    assert "must never run" not in capsys.readouterr().out
