"""Screenshots of the timeline and the review docks on the demo project (for docs/images).

``python -m mgstudio.app.devtools.review_shots docs/images`` (under Xvfb or offscreen) writes
``review.png`` (player, label palette, inspector, proposals list, timeline) and ``timeline.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def _settle(app: object, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def save_screenshots(out_dir: str | Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMainWindow

    from mgstudio.workflows.demo import build_demo_project
    from mgstudio.app.player.player import PlayerWidget
    from mgstudio.app.review import ReviewController
    from mgstudio.app.session.state import AppState
    from mgstudio.core.project import Project

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="mg-review-shots-"))
    path = build_demo_project(tmp)
    project = Project.open(path)
    win = QMainWindow()
    win.setWindowTitle("MG Studio — review")
    state = AppState()
    win.setCentralWidget(PlayerWidget(state))
    review = ReviewController(state, win, settings=QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    state.set_project(project)
    state.set_item(project.items()[0].id)
    win.resize(1400, 900)
    win.show()
    review.timeline_dock.motion.wait()
    _settle(app, 0.5)
    review.next_uncertain()
    _settle(app, 1.5)
    saved = [out / "review.png", out / "timeline.png"]
    win.grab().save(str(saved[0]))
    tl = review.timeline_dock.timeline
    state.set_frame(235)
    review.timeline_dock.resize(1400, 300)
    tl.zoom(2.0)
    _settle(app, 0.3)
    review.timeline_dock.grab().save(str(saved[1]))
    project.close()
    return saved


if __name__ == "__main__":
    for p in save_screenshots(sys.argv[1] if len(sys.argv) > 1 else "docs/images"):
        print(p)
