"""Screenshots of the timeline and the review docks on the demo project (for docs/images).

``python -m mgstudio.app.devtools.review_shots docs/images`` (under Xvfb or offscreen) writes
``review.png`` (player, label palette, inspector, proposals list, timeline) and ``timeline.png``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mgstudio.app.devtools.shots import Shots


def save_screenshots(out_dir: str | Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    shots = Shots(out_dir, "mg-review-shots-", theme=None)  # Qt's own look, as these always were
    tmp = shots.tmp
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMainWindow

    from mgstudio.app.player.player import PlayerWidget
    from mgstudio.app.review import ReviewController
    from mgstudio.app.shell.review_docks import make_review_docks
    from mgstudio.app.session.state import AppState
    from mgstudio.core.project import Project

    project = Project.open(shots.demo())
    win = QMainWindow()
    win.setWindowTitle("MG Studio — review")
    state = AppState()
    win.setCentralWidget(PlayerWidget(state))
    review = ReviewController(state, win, settings=QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    make_review_docks(state, win, review)
    state.set_project(project)
    state.set_item(project.items()[0].id)
    win.resize(1400, 900)
    win.show()
    review.timeline_dock.motion.wait()
    shots.settle(500)
    review.next_uncertain()
    shots.settle(1500)
    shots.save(win, "review.png")
    tl = review.timeline_dock.timeline
    state.set_frame(235)
    review.timeline_dock.resize(1400, 300)
    tl.zoom(2.0)
    shots.settle(300)
    shots.save(review.timeline_dock, "timeline.png")
    project.close()
    return shots.saved


if __name__ == "__main__":
    for p in save_screenshots(sys.argv[1] if len(sys.argv) > 1 else "docs/images"):
        print(p)
