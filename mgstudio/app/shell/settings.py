"""User settings in ``QSettings``: window layout and docks, recent projects, theme, last session,
and who is coding on this computer (asked on first start, File ▸ Switch coder… changes it).

``MGSTUDIO_SETTINGS=/path/file.ini`` keeps them in one INI file instead (tests, portable use).
Keyboard shortcuts live in the same store (group ``review/keymap``, see
:mod:`mgstudio.app.review.keymap`).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

MAX_RECENT = 8
THEMES = ("dark", "light")
LAYOUT_VERSION = 1  # bump when the docks change so that an old saved layout is not restored


def app_settings() -> QSettings:
    path = os.environ.get("MGSTUDIO_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("MGStudio", "MG Studio")


class Settings:
    """Typed access to the app's ``QSettings``."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or app_settings()

    # ------------------------------------------------------------------ recent projects
    def recent_projects(self) -> list[Path]:
        raw = self.q.value("recent/projects", [])
        if isinstance(raw, str):
            raw = [raw]
        return [Path(p) for p in (raw or [])]

    def add_recent(self, path: str | Path) -> None:
        p = str(Path(path).resolve())
        items = [str(x) for x in self.recent_projects() if str(x) != p]
        self.q.setValue("recent/projects", [p, *items][:MAX_RECENT])
        self.q.sync()

    def remove_recent(self, path: str | Path) -> None:
        p = str(Path(path).resolve())
        self.q.setValue("recent/projects", [str(x) for x in self.recent_projects() if str(x) != p])

    # ------------------------------------------------------------------ last session (crash recovery)
    @property
    def last_project(self) -> Path | None:
        v = self.q.value("session/last_project", "")
        return Path(v) if v else None

    @last_project.setter
    def last_project(self, path: str | Path | None) -> None:
        self.q.setValue("session/last_project", str(Path(path).resolve()) if path else "")
        self.q.sync()

    # ------------------------------------------------------------------ who is coding
    @property
    def coder(self) -> str:
        """The name of the person coding ("" before they said it): their tier and audit name."""
        v = self.q.value("user/coder", "")
        return v.strip() if isinstance(v, str) else ""

    @coder.setter
    def coder(self, name: str) -> None:
        name = (name or "").strip()
        self.q.setValue("user/coder", name)
        if name:
            self.q.setValue("user/coders", [name, *[c for c in self.known_coders() if c != name]][:MAX_RECENT])
        self.q.sync()

    def known_coders(self) -> list[str]:
        """Names that coded on this computer, the latest first."""
        raw = self.q.value("user/coders", [])
        if isinstance(raw, str):
            raw = [raw]
        return [str(c) for c in (raw or []) if str(c).strip()]

    # ------------------------------------------------------------------ theme
    @property
    def theme(self) -> str:
        t = str(self.q.value("ui/theme", "dark"))
        return t if t in THEMES else "dark"

    @theme.setter
    def theme(self, name: str) -> None:
        self.q.setValue("ui/theme", name if name in THEMES else "dark")

    # ------------------------------------------------------------------ folders
    @property
    def coding_dir(self) -> str:
        """The folder of the last coding file imported or exported ("" before the first)."""
        return str(self.q.value("files/coding_dir", ""))

    @coding_dir.setter
    def coding_dir(self, folder: str | Path) -> None:
        self.q.setValue("files/coding_dir", str(folder))

    # ------------------------------------------------------------------ window layout
    def save_window(self, window: QMainWindow) -> None:
        self.q.setValue("window/geometry", window.saveGeometry())
        self.q.setValue("window/state", window.saveState(LAYOUT_VERSION))
        self.q.sync()

    def restore_window(self, window: QMainWindow) -> bool:
        """Restore geometry and docks; False when nothing (usable) was saved."""
        geom, state = self.q.value("window/geometry"), self.q.value("window/state")
        ok = False
        if isinstance(geom, QByteArray) and not geom.isEmpty():
            ok = window.restoreGeometry(geom)
        if isinstance(state, QByteArray) and not state.isEmpty():
            ok = window.restoreState(state, LAYOUT_VERSION) and ok
        return ok

    def clear_layout(self) -> None:
        self.q.remove("window/state")
