"""Training on real MSR clips: learning, resume, cancel, DDP with two gloo processes, bad input."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.layouts import CANONICAL
from mgstudio.recognition.augment import build_augment
from mgstudio.recognition.checkpoint import load_checkpoint
from mgstudio.recognition.config import apply_override, load_config
from mgstudio.recognition.contrastive import MoCo, QueryNet
from mgstudio.recognition.data import load_clips
from mgstudio.recognition.model import DualStreamEncoder, ModelConfig
from mgstudio.recognition.train import run_training

ROOT = Path(__file__).resolve().parents[2]


def test_contrastive_loss_decreases_on_real_msr_clips(msr_small, tiny_cfg):
    torch.manual_seed(0)
    clips = load_clips(msr_small, tiny_cfg, labelled=False, split="train")
    assert len(clips) == 20 and clips.labels.max() == -1
    moco = MoCo(QueryNet(DualStreamEncoder(ModelConfig.from_dict(tiny_cfg["model"]), CANONICAL.adjacency()), 16),
                tiny_cfg["contrast"])
    aug = build_augment(tiny_cfg["augment"])
    g = torch.Generator().manual_seed(0)
    x, m = torch.from_numpy(clips.x), torch.from_numpy(clips.mask)
    v1, v2 = aug(x, m, g), aug(x, m, g)
    opt = torch.optim.Adam(moco.query.parameters(), lr=3e-3)
    losses = []
    for _ in range(12):
        k = moco.keys(*v2)
        loss, terms = moco.loss(moco.query(*v1), k)
        assert set(terms) == {"within_spatial", "within_temporal", "cross_s2t", "cross_t2s", "fused"}
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert np.isfinite(losses).all()
    assert losses[-1] < 0.8 * losses[0], losses


def test_supervised_finetune_learns_and_reports_accuracy(msr_small, tiny_cfg, tmp_path):
    cfg = apply_override(apply_override(tiny_cfg, "train.epochs=6"), "train.max_steps=0")
    res = run_training("supervised", cfg, msr_small, tmp_path / "sup.pt", log=None, show_bar=False)
    assert res.history[-1] < res.history[0]
    assert 0.0 <= res.metrics["top1"] <= 1.0 and res.metrics["n"] == 10  # test split: even subjects
    ck = load_checkpoint(tmp_path / "sup.pt")
    assert ck["kind"] == "supervised" and ck["provenance"]["epochs"] == 6


def _weights(path: Path) -> dict:
    return load_checkpoint(path)["encoder"]


def test_resume_gives_the_same_model_as_an_uninterrupted_run(msr_small, tiny_cfg, tmp_path):
    run_training("pretrain", tiny_cfg, msr_small, tmp_path / "full.pt", log=None, show_bar=False)
    one = apply_override(tiny_cfg, "train.epochs=1")
    run_training("pretrain", one, msr_small, tmp_path / "part.pt", log=None, show_bar=False)
    assert load_checkpoint(tmp_path / "part.pt")["train_state"]["epoch"] == 1
    logs: list[str] = []
    res = run_training("pretrain", tiny_cfg, msr_small, tmp_path / "part.pt", resume=True, log=logs.append,
                       show_bar=False)
    assert res.epochs == 2 and any("resuming" in s for s in logs)
    a, b = _weights(tmp_path / "full.pt"), _weights(tmp_path / "part.pt")
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=1e-5, rtol=1e-4)


def test_cancel_stops_cleanly_and_keeps_the_last_checkpoint(msr_small, tiny_cfg, tmp_path):
    out = tmp_path / "pre.pt"
    stop = threading.Event()

    def progress(done, total, text):
        if done >= 3:  # first step of epoch 2 (2 steps per epoch)
            stop.set()

    with pytest.raises(CancelledError, match="kept"):
        run_training("pretrain", tiny_cfg, msr_small, out, progress=progress, cancel=stop, log=None, show_bar=False)
    assert load_checkpoint(out)["train_state"]["epoch"] == 1
    assert not out.with_name(out.name + ".tmp").exists()
    res = run_training("pretrain", tiny_cfg, msr_small, out, resume=True, log=None, show_bar=False)
    assert res.epochs == 2
    with pytest.raises(CancelledError, match="nothing was saved"):
        run_training("pretrain", tiny_cfg, msr_small, tmp_path / "never.pt", cancel=lambda: True, log=None)
    assert not (tmp_path / "never.pt").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_distributed_data_parallel_with_two_gloo_processes(msr_small, tmp_path):
    out = tmp_path / "ddp.pt"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT), MGSTUDIO_DEVICE="cpu")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
           f"--master_port={_free_port()}", "-m", "mgstudio", "train", "pretrain", str(msr_small),
           "--config", "tiny", "--out", str(out), "--no-progress"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    prov = load_checkpoint(out)["provenance"]
    assert prov["world_size"] == 2 and prov["ddp_ranks_in_sync"] is True
    assert np.isfinite(prov["metrics"]["loss"])
    # supervised training (encoder + head) under DDP too
    sup = tmp_path / "sup.pt"
    cmd[cmd.index("pretrain")] = "finetune"
    cmd[cmd.index(str(out))] = str(sup)
    port_arg = next(i for i, a in enumerate(cmd) if a.startswith("--master_port="))
    cmd[port_arg] = f"--master_port={_free_port()}"
    proc = subprocess.run(cmd + ["--scratch"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ck = load_checkpoint(sup)
    assert ck["kind"] == "supervised" and ck["provenance"]["world_size"] == 2 and "top1" in ck["provenance"]["metrics"]


def test_bad_input_gets_a_clear_message(msr_small, tiny_cfg, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MGStudioError, match="No skeleton files"):
        run_training("pretrain", tiny_cfg, empty, tmp_path / "x.pt", log=None)
    with pytest.raises(MGStudioError, match="not found"):
        run_training("pretrain", tiny_cfg, tmp_path / "nowhere", tmp_path / "x.pt", log=None)
    # one label only: no classifier can be trained
    one = tmp_path / "one"
    one.mkdir()
    for f in sorted(msr_small.glob("a01_*")):
        (one / f.name).symlink_to(f.resolve())
    with pytest.raises(MGStudioError, match="two different labels"):
        run_training("supervised", tiny_cfg, one, tmp_path / "x.pt", log=None)
    # a label with a single example: trained, with a note
    few = tmp_path / "few"
    few.mkdir()
    for f in sorted(msr_small.glob("a01_s01_*")) + sorted(msr_small.glob("a02_s01_e01*")):
        (few / f.name).symlink_to(f.resolve())
    notes: list[str] = []
    run_training("supervised", apply_override(tiny_cfg, "data.split=\"all\""), few, tmp_path / "few.pt",
                 log=notes.append, show_bar=False)
    assert any("only one example" in n for n in notes)
    # a config typo is refused, not ignored
    with pytest.raises(MGStudioError, match="Unknown setting"):
        load_config(overrides=["train.epoch=3"])


def test_invalid_numbers_stop_training_instead_of_a_silent_nan(msr_small, tiny_cfg, tmp_path):
    clips = load_clips(msr_small, tiny_cfg, labelled=False, split="train")
    clips.x[:] = np.nan  # bypasses the cleaning that load_clips does
    with pytest.raises(MGStudioError, match="loss became invalid"):
        run_training("pretrain", tiny_cfg, clips, tmp_path / "nan.pt", log=None, show_bar=False)


def test_finetune_starts_from_the_pretrained_encoder_and_changes_it(msr_small, tiny_cfg, tiny_models, tmp_path):
    res = run_training("finetune", tiny_cfg, msr_small, tmp_path / "ft.pt", encoder=tiny_models["pretrain"],
                       log=None, show_bar=False)
    ck = load_checkpoint(tmp_path / "ft.pt")
    assert ck["kind"] == "finetune" and len(ck["classes"]) == 5 and "top1" in res.metrics
    assert ck["provenance"]["encoder_from"]["epochs"] == 2  # where the encoder came from is recorded
    base = load_checkpoint(tiny_models["pretrain"])["encoder"]
    assert any(not torch.equal(base[k], ck["encoder"][k]) for k in base)
    # the linear head leaves the encoder exactly as it was
    lin = load_checkpoint(tiny_models["linear"])["encoder"]
    assert all(torch.equal(base[k], lin[k]) for k in base)


def test_supervised_resume_matches_an_uninterrupted_run(msr_small, tiny_cfg, tmp_path):
    run_training("supervised", tiny_cfg, msr_small, tmp_path / "full.pt", log=None, show_bar=False)
    run_training("supervised", apply_override(tiny_cfg, "train.epochs=1"), msr_small, tmp_path / "part.pt",
                 log=None, show_bar=False)
    res = run_training("supervised", tiny_cfg, msr_small, tmp_path / "part.pt", resume=True, log=None,
                       show_bar=False)
    assert res.epochs == 2
    a, b = load_checkpoint(tmp_path / "full.pt"), load_checkpoint(tmp_path / "part.pt")
    for part in ("encoder", "head"):
        for k in a[part]:
            torch.testing.assert_close(a[part][k], b[part][k], atol=1e-5, rtol=1e-4)
    with pytest.raises(MGStudioError, match="cannot be resumed"):
        run_training("pretrain", tiny_cfg, msr_small, tmp_path / "part.pt", resume=True, log=None)
