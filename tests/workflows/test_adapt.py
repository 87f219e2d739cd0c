"""'Adapt to this study': self-supervised training of the shipped recognizer on a project's own
skeletons (real UTKinect recordings), with checkpoints, resume and cancel; few-shot heads then
train on the adapted encoder. Runs are a few steps of 8 windows (seconds on 2 cores)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mgstudio.cli import main as cli_main
from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.formats.kinect import load_utkinect
from mgstudio.recognition.checkpoint import load_checkpoint
from mgstudio.recognition.encoder import encoder_hash, load_encoder, resolve_encoder
from mgstudio.recognition.versions import adapted_path, project_encoder
from mgstudio.workflows.adapt import STATE_KEY, adapt
from tests.conftest import require_shared


@pytest.fixture(scope="module")
def utk():
    return load_utkinect(require_shared("skeletons", "utkinect", "joints"))[:2]


@pytest.fixture
def project_path(tmp_path, utk):
    path = tmp_path / "study.mgproj"
    with Project.create(path, annotator="coder", taxonomy="utkinect") as proj:
        tier = proj.ensure_tier("coder")
        for name, seq, segs in utk:
            it = proj.add_skeleton_item(name, seq)
            last, keep = 0, []
            for s in sorted(segs, key=lambda s: s.start):  # a few UTKinect actions overlap by frames
                if s.start >= last:
                    keep.append(Segment(it.id, tier.id, s.start, s.end, s.label))
                    last = s.end
            proj.add_segments(keep)
    return path


def _windows(utk, n=6):
    from mgstudio.recognition.proposals import sequence_coords

    enc = resolve_encoder(None)
    c = sequence_coords(utk[0][1], enc)
    return np.stack([c[i * 16:i * 16 + enc.window] for i in range(n)])


def test_adapting_learns_this_study_and_learn_uses_it(project_path, utk):
    seen = []
    res = adapt(project_path, steps=16, batch_size=8, checkpoint_every=4,
                progress=lambda d, t, m: seen.append((d, t, m)))
    assert res.steps == 16 and res.stopped == "done" and len(res.losses) == 16
    # the encoder learns to tell this study's windows apart (fixed batch, fixed augmentations)
    assert res.probe[0][0] == 0 and res.probe[-1][0] == 16
    assert res.probe[-1][1] < res.probe[0][1] - 0.1, res.probe
    assert [s for s, _ in res.probe] == [0, 4, 8, 12, 16]  # a checkpoint every 4 steps
    assert seen[-1][:2] == (16, 16) and "left" in seen[-1][2] and "loss" in seen[-1][2]
    with Project.open(project_path) as proj:
        path = adapted_path(proj)
        assert proj.get_state(STATE_KEY)["steps"] == 16
        ck = load_checkpoint(path)  # weights only
        assert ck["kind"] == "adapt" and ck["train_state"]["step"] == 16
        enc = project_encoder(proj)
        shipped = resolve_encoder(None)
        assert encoder_hash(enc) != encoder_hash(shipped)
        emb = enc.embed(_windows(utk))
        assert emb.shape == (6, shipped.dim) and np.isfinite(emb).all()
        # a few-shot label model trained now is trained on the adapted encoder
        from mgstudio.recognition.learning import train_version

        mv = train_version(proj)
        assert mv.encoder_hash == encoder_hash(enc)
    assert "telling windows apart" in res.summary and "16 steps" in res.summary


def test_cancel_keeps_a_usable_checkpoint_and_resume_continues_it(tmp_path, project_path, utk):
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 5  # checked before each step: 5 steps run

    with pytest.raises(CancelledError, match="after 5 steps"):
        adapt(project_path, steps=8, batch_size=8, checkpoint_every=100, cancel=cancel)
    with Project.open(project_path) as proj:
        path = adapted_path(proj)
    ck = load_checkpoint(path)
    assert ck["train_state"]["step"] == 5
    first = list(ck["train_state"]["losses"])
    assert np.isfinite(load_encoder(path).embed(_windows(utk))).all()  # usable at once
    res = adapt(project_path, steps=8, batch_size=8, checkpoint_every=100)
    assert res.steps == 8 and res.losses[:5] == first and len(res.losses) == 8
    # the same as one uninterrupted run of 8 steps (same data order, augmentations and state)
    whole = adapt(project_path, steps=8, batch_size=8, checkpoint_every=100, fresh=True)
    assert np.allclose(whole.losses, res.losses, rtol=1e-4, atol=1e-5)
    w1 = load_encoder(path).model.state_dict()
    assert all(torch.isfinite(v).all() for v in w1.values())


def test_bad_requests_say_so(tmp_path, project_path):
    empty = tmp_path / "empty.mgproj"
    Project.create(empty, annotator="coder").close()
    with pytest.raises(MGStudioError, match="No item in this project has a skeleton"):
        adapt(empty, steps=2)
    with pytest.raises(MGStudioError, match="above zero"):
        adapt(project_path, steps=0)
    with pytest.raises(MGStudioError, match="how long"):
        adapt(project_path)
    with Project.open(project_path) as proj:
        path = adapted_path(proj)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a model")
    with pytest.raises(MGStudioError, match="not an MG Studio model"):
        adapt(project_path, steps=2)


def test_cli_adapt(project_path, capsys):
    assert cli_main(["adapt", str(project_path), "--steps", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Adapted the recognizer to this project" in out and "2 steps" in out
    assert cli_main(["adapt", str(project_path), "--steps", "3", "--no-progress"]) == 0
    assert "3 steps" in capsys.readouterr().out  # continued from step 2
