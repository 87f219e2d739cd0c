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


# Python hands the GIL from a busy thread to a waiting one every 5 ms by default. The GUI thread
# gives the GIL up around many Qt calls while it plays a frame, and waited up to 5 ms to get it
# back each time a worker thread was computing: 250-370 ms gaps during playback. At 0.5 ms the
# gaps are 30-60 ms (benchmarks/bench_gil.py); threads doing the work take a little longer.
GIL_SWITCH_S = 0.0005


def make_application(argv: list[str] | None = None):
    """The ``QApplication`` (created once), with the environment cleaned of OpenCV's Qt paths,
    and the GIL switch interval the window needs (:data:`GIL_SWITCH_S`)."""
    sys.setswitchinterval(GIL_SWITCH_S)
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


PALETTES = {  # role -> colour; custom-painted widgets (timeline, player) read the palette
    "dark": {"Window": "#1E2127", "WindowText": "#D8DEE9", "Base": "#16181D", "AlternateBase": "#1B1E24",
             "Text": "#D8DEE9", "Button": "#2B3039", "ButtonText": "#D8DEE9", "Highlight": "#3B6EA8",
             "HighlightedText": "#FFFFFF", "ToolTipBase": "#2B3039", "ToolTipText": "#ECEFF4",
             "PlaceholderText": "#7B8494", "Mid": "#3A404B", "Dark": "#101216", "Light": "#4C566A",
             "Midlight": "#343A44", "Shadow": "#000000", "BrightText": "#FFFFFF", "Link": "#88C0D0"},
    "light": {"Window": "#F4F5F7", "WindowText": "#1F2430", "Base": "#FFFFFF", "AlternateBase": "#F3F5F8",
              "Text": "#1F2430", "Button": "#FFFFFF", "ButtonText": "#1F2430", "Highlight": "#2F6DB5",
              "HighlightedText": "#FFFFFF", "ToolTipBase": "#FFFFDC", "ToolTipText": "#1F2430",
              "PlaceholderText": "#8C96A6", "Mid": "#B8BEC9", "Dark": "#8C96A6", "Light": "#FFFFFF",
              "Midlight": "#E6E8EC", "Shadow": "#5C6370", "BrightText": "#FFFFFF", "Link": "#2F6DB5"},
}


def theme_palette(name: str):
    """The ``QPalette`` of a theme (``dark`` or ``light``)."""
    from PySide6.QtGui import QColor, QPalette

    pal = QPalette()
    for role, colour in PALETTES.get(name, PALETTES["dark"]).items():
        pal.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role in ("WindowText", "Text", "ButtonText"):
        pal.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor("#7B8494"))
    return pal


def apply_theme(app, name: str) -> None:
    """Apply the dark or light theme: Fusion style, palette and style sheet."""
    from mgstudio.app.theme_style import ThemeStyle

    if not isinstance(app.style(), ThemeStyle):
        app.setStyle(ThemeStyle())  # Fusion, with check boxes and file-dialog icons visible on dark
    app.setPalette(theme_palette(name))
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
    if not settings.coder and not os.environ.get("MGSTUDIO_STARTUP_PROBE"):
        window.ask_coder(first_run=True)  # first start: who is coding (remembered; File ▸ Switch coder…)
    if demo:
        window.open_demo()
    elif project is not None:
        window.open_project(project)
    elif settings.last_project is not None and settings.last_project.exists():
        window.open_project(settings.last_project)  # where the user was, also after a crash
    return app.exec()
