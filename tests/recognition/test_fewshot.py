"""Few-shot heads on frozen embeddings of real MSR Action3D clips: prototype and linear heads,
single examples, calibration, saving, and clusters of similar windows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mgstudio.core.errors import MGStudioError
from mgstudio.formats.kinect import load_msr_clips
from mgstudio.recognition.clusters import kmeans
from mgstudio.recognition.encoder import load_encoder
from mgstudio.recognition.fewshot import (BACKGROUND, Head, cross_validate, expected_calibration_error,
                                          fit_temperature, softmax, train_head)
from mgstudio.recognition.proposals import sequence_coords
from tests.recognition.conftest import MSR_PARTS
from tests.conftest import require_shared

CLASSES = (1, 2, 6, 10, 14, 19)  # high arm wave, horizontal arm wave, high throw, hand clap... (distinct actions)


@pytest.fixture(scope="module")
def msr():
    """Embeddings of real MSR clips of 6 actions: train = subjects 1,3,5,7,9; test = even subjects."""
    enc = load_encoder()
    clips = [(seq, a, s) for seq, a, s in load_msr_clips(require_shared(*MSR_PARTS)) if a in CLASSES]
    emb = enc.embed(np.stack([_resample(sequence_coords(seq, enc), enc.window) for seq, _, _ in clips]))
    labels = [f"a{a:02d}" for _, a, _ in clips]
    subj = np.array([s for _, _, s in clips])
    tr, te = np.flatnonzero(subj % 2 == 1), np.flatnonzero(subj % 2 == 0)
    return emb, labels, subj, tr, te


def _resample(c, w):
    from mgstudio.recognition.preprocess import resample_time

    return resample_time(c, w)


def _pick(labels, idx, n, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for c in sorted(set(labels)):
        cand = [i for i in idx if labels[i] == c]
        out += list(rng.choice(cand, min(n, len(cand)), replace=False))
    return np.array(out)


def _acc(head, emb, labels, idx):
    pred = head.predict(emb[idx])
    return float(np.mean([p == labels[i] for p, i in zip(pred, idx)]))


def test_few_examples_per_class_already_help(msr):
    emb, labels, _, tr, te = msr
    chance = 1.0 / len(CLASSES)
    res = {}
    for n in (1, 3, 5):
        accs = []
        for seed in range(3):
            sel = _pick(labels, tr, n, seed)
            head = train_head(emb[sel], [labels[i] for i in sel], kind="prototype")
            accs.append(_acc(head, emb, labels, te))
        res[n] = float(np.mean(accs))
    assert res[1] > 2 * chance, res
    assert res[5] > res[1] and res[5] > 0.6, res
    sel = _pick(labels, tr, 5)
    lin = train_head(emb[sel], [labels[i] for i in sel], kind="linear")
    assert lin.kind == "linear" and _acc(lin, emb, labels, te) > 0.6


def test_single_examples(msr):
    emb, labels, _, tr, te = msr
    sel = _pick(labels, tr, 1)
    lab = [labels[i] for i in sel]
    with pytest.raises(MGStudioError, match="at least two examples"):
        train_head(emb[sel], lab, kind="linear")
    auto = train_head(emb[sel], lab)  # auto: prototype, with a note saying why
    assert auto.kind == "prototype" and "only one example" in auto.meta["notes"][0]
    assert np.isfinite(auto.proba(emb[te])).all()
    with pytest.raises(MGStudioError, match="two different labels"):
        train_head(emb[sel[:1]], lab[:1])
    with pytest.raises(MGStudioError, match="no labelled examples"):
        train_head(emb[:0], [])


def test_temperature_scaling_calibrates():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    logits = rng.normal(size=(400, 3))
    logits[np.arange(400), y] += 1.0
    over = logits * 8  # an overconfident model
    t = fit_temperature(over, y)
    assert 4 < t < 16
    assert expected_calibration_error(softmax(over / t), y) < expected_calibration_error(softmax(over), y) / 2


def test_cross_validation_by_subject(msr):
    emb, labels, subj, tr, _ = msr
    sel = _pick(labels, tr, 4)
    cv = cross_validate(emb[sel], [labels[i] for i in sel], [str(subj[i]) for i in sel], grouping="subject")
    assert cv.n_folds >= 2 and set(cv.per_class) == {f"a{a:02d}" for a in CLASSES}
    assert 0.3 < cv.accuracy <= 1.0 and cv.temperature > 0


def test_save_and_load_with_weights_only(msr, tmp_path):
    emb, labels, _, tr, te = msr
    sel = _pick(labels, tr, 3)
    head = train_head(emb[sel], [labels[i] for i in sel] , kind="linear")
    head.temperature = 1.7
    p = head.save(tmp_path / "h.pt")
    back = Head.load(p)
    assert back.classes == head.classes and back.temperature == 1.7
    assert np.allclose(back.proba(emb[te]), head.proba(emb[te]))
    (tmp_path / "evil.pt").write_bytes(b"not a model")
    with pytest.raises(MGStudioError, match="not an MG Studio label model"):
        Head.load(tmp_path / "evil.pt")
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    with pytest.raises(MGStudioError, match="not an MG Studio label model"):
        Head.load(tmp_path / "other.pt")


def test_background_class_is_last_and_reported(msr):
    emb, labels, _, tr, _ = msr
    sel = _pick(labels, tr, 3)
    lab = [labels[i] if k % 4 else BACKGROUND for k, i in enumerate(sel)]
    head = train_head(emb[sel], lab)
    assert head.classes[-1] == BACKGROUND and head.has_background and BACKGROUND not in head.mg_classes


def test_kmeans_groups_the_same_action(msr):
    emb, labels, _, tr, _ = msr
    x = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    assign, centres = kmeans(x, len(CLASSES), seed=0)
    assert centres.shape == (len(CLASSES), emb.shape[1])
    # purity: most members of a cluster share an action (chance purity ~ 1/6)
    purity = sum(max(np.sum(np.array(labels)[assign == j] == c) for c in set(labels))
                 for j in range(len(CLASSES))) / len(labels)
    assert purity > 0.45
