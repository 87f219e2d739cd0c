"""Screenshots of the start screens (welcome page, "Who is coding?", the MG label asked when a
movement event is accepted, the learn result) as the user sees them, the whole screen grabbed::

    xvfb-run -a -s "-screen 0 1366x768x24" python -m mgstudio.app.devtools.start_shots docs/images
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def _settle(app, ms: int = 400) -> None:
    import time

    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def take(out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="mgstudio-start-shots-"))
    os.environ["MGSTUDIO_SETTINGS"] = str(tmp / "settings.ini")
    os.environ.setdefault("MGSTUDIO_DATA_DIR", str(tmp / "data"))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from mgstudio.app.main import make_application
    from mgstudio.app.shell.theme import apply_theme

    app = make_application()
    apply_theme(app, "dark")
    from mgstudio.app.shell.main_window import MainWindow

    screen = app.primaryScreen().geometry()
    tag = f"{screen.width()}x{screen.height()}"
    paths: list[Path] = []

    def shot(name: str) -> None:
        _settle(app)
        p = out / f"{name}_{tag}.png"
        app.primaryScreen().grabWindow(0).save(str(p))
        paths.append(p)

    def when_modal(fn) -> None:
        def run() -> None:
            dlg = QApplication.activeModalWidget()
            if dlg is None:
                QTimer.singleShot(100, run)
                return
            fn(dlg)
        QTimer.singleShot(100, run)

    win = MainWindow()
    win.setGeometry(app.primaryScreen().availableGeometry())  # no window manager under Xvfb to maximise it
    win.show()
    _settle(app, 1500)

    def coder(dlg) -> None:
        dlg.combo.setCurrentText("Anna K.")
        shot("coder_prompt")
        dlg.accept()
    when_modal(coder)
    win.ask_coder(first_run=True)
    shot("welcome")

    def new_project(dlg) -> None:
        dlg.name_edit.setText("Interview study 2026")
        dlg.folder_edit.setText(str(Path.home() / "studies"))
        shot("new_project")
        dlg.reject()
    when_modal(new_project)
    win.new_project()

    from mgstudio.core.segments import Segment, Source, Status
    from mgstudio.recognition.proposals import MOVEMENT_LABEL
    from mgstudio.workflows.demo import build_demo_project

    win.open_project(build_demo_project(tmp / "demo"))
    _settle(app, 1500)
    p, item = win.project, win.state.item
    (ev,) = p.add_segments([Segment(item.id, p.proposals_tier.id, 10, 40, MOVEMENT_LABEL, source=Source.MODEL,
                                    status=Status.PROPOSED, confidence=0.8)], "movement events")
    win.state.notify_segments_changed()
    win.review.jump_to(ev)

    def picker(dlg) -> None:
        shot("label_picker_movement_event")
        dlg.reject()
    when_modal(picker)
    win.review.accept()
    shot("movement_event_not_accepted")

    from mgstudio.app.shell.learn_choice import LearnOutcome

    box, _use = win.learn_box(LearnOutcome(3, "Label model v3\nCross-validated accuracy (5 folds by item): 37%",
                                           0.37, 5, 2, 0.54))
    box.show()
    shot("learn_worse_model")
    box.close()
    win.close()
    return paths


if __name__ == "__main__":  # pragma: no cover
    for p in take(sys.argv[1] if len(sys.argv) > 1 else "docs/images"):
        print(p)
