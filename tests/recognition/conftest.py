"""Fixtures for recognizer tests: a small real MSR Action3D subset, a tiny config, one thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require_shared

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

MSR_PARTS = ("skeletons", "msr_action3d", "real_world_coordinates")


@pytest.fixture(scope="session")
def msr_small(tmp_path_factory) -> Path:
    """30 real MSR clips: actions 1-5, subjects 1-4, takes 1-2 (the set has no a01-a05 of subject 4):
    20 train (subjects 1, 3), 10 test (subject 2)."""
    src = require_shared(*MSR_PARTS)
    dst = tmp_path_factory.mktemp("msr_small")
    for a in range(1, 6):
        for s in range(1, 5):
            for e in (1, 2):
                f = src / f"a{a:02d}_s{s:02d}_e{e:02d}_skeleton3D.txt"
                if f.exists():
                    (dst / f.name).symlink_to(f)
    return dst


@pytest.fixture
def tiny_cfg():
    from mgstudio.recognition.config import load_config

    return load_config("tiny")


@pytest.fixture(scope="session")
def tiny_models(msr_small, tmp_path_factory) -> dict[str, Path]:
    """A tiny pretrained encoder and a linear classifier on it (real MSR clips, seconds)."""
    from mgstudio.recognition.config import load_config
    from mgstudio.recognition.train import run_training

    out = tmp_path_factory.mktemp("tiny_models")
    cfg = load_config("tiny")
    run_training("pretrain", cfg, msr_small, out / "pre.pt", log=None, show_bar=False)
    run_training("linear", cfg, msr_small, out / "linear.pt", encoder=out / "pre.pt", log=None, show_bar=False)
    return {"pretrain": out / "pre.pt", "linear": out / "linear.pt"}
