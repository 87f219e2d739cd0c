"""The encoder shipped in models/: loads by default, canonical layout, works on any source."""

from __future__ import annotations

import numpy as np

from mgstudio.core.layouts import CANONICAL, MEDIAPIPE_HOLISTIC
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.recognition.encoder import DEFAULT_MODEL, load_encoder


def test_shipped_encoder_is_small_self_supervised_and_embeds_mediapipe_skeletons():
    assert DEFAULT_MODEL.exists() and DEFAULT_MODEL.stat().st_size < 5 * 1024 * 1024
    enc = load_encoder()
    assert enc.layout is CANONICAL and enc.window >= 16 and not enc.has_head
    assert enc.checkpoint["kind"] == "pretrain" and enc.checkpoint["train_state"] is None
    assert "msr" in enc.provenance["data"].lower() and enc.provenance["epochs"] >= 10
    # a MediaPipe-like 2D track in pixels, hands missing half the time, mapped to the canonical layout
    rng = np.random.default_rng(0)
    t, j = 3 * enc.window, MEDIAPIPE_HOLISTIC.num_joints
    xy = 300 + 40 * rng.normal(size=(1, j, 2)) + np.cumsum(rng.normal(size=(t, j, 2)), axis=0)
    xy[::2, 33:] = np.nan
    seq = SkeletonSequence(MEDIAPIPE_HOLISTIC, xy, np.ones((t, j)), fps=30.0).to_layout(CANONICAL)
    c = seq.coords(prefer_world=False)
    windows = np.stack([c[s:s + enc.window] for s in range(0, t - enc.window + 1, enc.window // 2)])
    e = enc.embed(windows)
    assert e.shape == (len(windows), enc.dim) and np.isfinite(e).all()
    assert np.std(e, axis=0).mean() > 0  # different windows, different embeddings
