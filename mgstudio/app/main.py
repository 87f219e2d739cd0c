"""Start the app: ``run(project=None, demo=False)`` (``mgstudio gui`` calls it)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

try:  # the packaged app keeps resources elsewhere (see mgstudio.resources)
    from mgstudio.resources import resource_path

    STYLE_DIR = resource_path("style")
except ImportError:  # pragma: no cover
    STYLE_DIR = Path(__file__).resolve().parents[2] / "resources" / "style"


def make_application(argv: list[str] | None = None):
    """The ``QApplication`` (created once), with the environment cleaned of OpenCV's Qt paths."""
    # `import cv2` points Qt at its own (Qt5) plugins and fonts: remove those before Qt starts.
    for key in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        os.environ.pop(key, None)
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        # One set of GL resources for every context: pyqtgraph caches its shaders across widgets,
        # and a floated/re-docked 3D view gets a new context.
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setOrganizationName("MGStudio")
    app.setApplicationName("MG Studio")
    app.setApplicationDisplayName("MG Studio")
    return app


def apply_theme(app, name: str) -> None:
    """Apply the dark or light style sheet (and matching pyqtgraph colours)."""
    path = STYLE_DIR / f"{name}.qss"
    app.setStyleSheet(path.read_text(encoding="utf-8") if path.is_file() else "")
    app.setProperty("mgstudio_theme", name)


def run(project: str | Path | None = None, demo: bool = False) -> int:
    """Open the main window (on ``project``, the demo, or the last project) and run the event loop."""
    app = make_application()
    from mgstudio.app.main_window import MainWindow
    from mgstudio.app.settings import Settings

    settings = Settings()
    apply_theme(app, settings.theme)
    window = MainWindow(settings)
    window.show()
    from mgstudio.app import startup_probe

    startup_probe.install(app, window)  # only with MGSTUDIO_STARTUP_PROBE=1 (benchmarks, smoke test)
    if demo:
        window.open_demo()
    elif project is not None:
        window.open_project(project)
    elif settings.last_project is not None and settings.last_project.exists():
        window.open_project(settings.last_project)  # where the user was, also after a crash
    return app.exec()
