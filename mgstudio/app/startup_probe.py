"""Start-up probe: with ``MGSTUDIO_STARTUP_PROBE=1`` the app reports when its window is up, then quits.

Used by ``benchmarks/bench_startup.py`` and ``make package-smoke``. Once the main window has
been painted for the first time, it prints one line ``MGSTUDIO_WINDOW_SHOWN <unix time>
heavy=<modules> project_open=yes|no`` on stdout, where ``heavy`` lists the slow-to-import
libraries already loaded (torch, mediapipe, cv2, llama_cpp: they should not be, they are
imported when first needed) and ``project_open`` says whether a project was already open at that
first paint, and ``usable=<unix time>`` when the window is fully usable: a project open and
the 3D view built and drawn by OpenGL at least once (not its placeholder); ``view3d=drawn``, or
``view3d=none`` when the 3D view could not be made (no OpenGL) or did not draw within 60 s. With ``MGSTUDIO_STARTUP_SCREENSHOT=PATH``
it first saves a picture of the window there. Without the variable nothing happens.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from mgstudio.app.concurrency.first_paint import after_first_paint
from mgstudio.app.player.grab import grab

ENV = "MGSTUDIO_STARTUP_PROBE"
SCREENSHOT_ENV = "MGSTUDIO_STARTUP_SCREENSHOT"
HEAVY = ("torch", "mediapipe", "cv2", "llama_cpp", "matplotlib", "sklearn", "jax")
MARKER = "MGSTUDIO_WINDOW_SHOWN"


def heavy_modules() -> list[str]:
    """The slow-to-import libraries present in ``sys.modules`` now."""
    return [name for name in HEAVY if name in sys.modules]


def install(app: QApplication, window: QWidget, delay_ms: int = 300, timeout_s: float = 120.0) -> bool:
    """If the probe is asked for, report the window's first paint, then quit ``delay_ms`` later.

    The time printed is taken just after the main window's first paint (the user sees it); the
    delay lets queued start-up work (opening the project, first frame) run before the
    screenshot. Returns True when the probe is active.
    """
    if not os.environ.get(ENV):
        return False

    shown: dict[str, float] = {}
    if os.environ.get(SCREENSHOT_ENV):
        delay_ms = max(delay_ms, 2000)  # let the 3D view (built after the first paint) draw too

    def first_paint() -> None:
        if "t" not in shown:
            shown["t"] = time.time()
            shown["project"] = getattr(window, "project", None) is not None  # usable: a project is open
            wait_for_3d()

    def drawn() -> None:
        if "usable" not in shown:
            shown["usable"] = time.time()
            shown["view3d"] = "drawn"
            QTimer.singleShot(delay_ms, finish)

    def wait_for_3d(tries: list[int] = [0]) -> None:  # noqa: B006 - one counter per probe
        view = getattr(window, "view3d", None)
        gl = getattr(view, "gl", None)
        signal = getattr(gl, "frameSwapped", None)
        if signal is not None and getattr(window, "project", None) is not None:
            signal.connect(drawn)
            gl.update()  # a view that has drawn already draws again: the stamp is its next swap
            return
        tries[0] += 1
        if tries[0] > 2000 or (view is None and "3D view" not in type(window).__name__ and
                                not hasattr(window, "view3d")):
            shown.setdefault("usable", time.time())
            shown.setdefault("view3d", "none")
            QTimer.singleShot(delay_ms, finish)
            return
        QTimer.singleShot(5, wait_for_3d)

    def finish() -> None:
        path = os.environ.get(SCREENSHOT_ENV)
        if path:
            grab(window).save(path)
        print(f"{MARKER} {shown['t']:.6f} heavy={','.join(heavy_modules()) or '-'} "
              f"project_open={'yes' if shown['project'] else 'no'} usable={shown.get('usable', shown['t']):.6f} "
              f"view3d={shown.get('view3d', 'none')}", flush=True)
        app.quit()

    after_first_paint(window, first_paint)
    QTimer.singleShot(int(timeout_s * 1000), first_paint)  # never paints: report anyway
    return True
