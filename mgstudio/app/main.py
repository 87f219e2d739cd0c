"""Start the app: ``run(project=None, demo=False)`` (``mgstudio gui`` calls it)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mgstudio.app.shell.theme import apply_theme

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


def run(project: str | Path | None = None, demo: bool = False) -> int:
    """Open the main window (on ``project``, the demo, or the last project) and run the event loop."""
    app = make_application()
    from mgstudio.app.shell.main_window import MainWindow
    from mgstudio.app.shell.settings import Settings

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
