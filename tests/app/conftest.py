"""Qt set-up shared by the app tests (must run before pytest-qt creates the QApplication)."""

import os

for _key in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):  # set by `import cv2`
    os.environ.pop(_key, None)

try:
    from PySide6.QtCore import QCoreApplication, Qt

    # As in mgstudio.app.main: every OpenGL context shares resources (pyqtgraph caches shaders).
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    # As in mgstudio.app.main: the GUI thread gets the GIL back quickly from worker threads.
    import sys

    from mgstudio.app.main import GIL_SWITCH_S

    sys.setswitchinterval(GIL_SWITCH_S)
except ImportError:  # pragma: no cover - the tests skip without PySide6
    pass
