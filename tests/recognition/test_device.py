"""Automatic device choice: CUDA, then Apple MPS, then CPU; a clear message for a missing GPU."""

from __future__ import annotations

import pytest
import torch

from mgstudio.core.errors import MGStudioError
from mgstudio.recognition.device import pick_device


def test_auto_picks_the_best_available_device(monkeypatch):
    monkeypatch.delenv("MGSTUDIO_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert pick_device().type == expected
    assert pick_device("cpu").type == "cpu"
    monkeypatch.setenv("MGSTUDIO_DEVICE", "cpu")
    assert pick_device().type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_asking_for_a_missing_gpu_is_a_clear_error():
    with pytest.raises(MGStudioError, match="no.*available|none is available"):
        pick_device("cuda")
    with pytest.raises(MGStudioError, match="Unknown compute device"):
        pick_device("tpu9")
