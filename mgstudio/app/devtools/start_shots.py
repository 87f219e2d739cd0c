"""Screenshots of the start screens (welcome page, "Who is coding?", the MG label asked when a
movement event is accepted, the learn result) as the user sees them, the whole screen grabbed::

    xvfb-run -a -s "-screen 0 1366x768x24" python -m mgstudio.app.devtools.start_shots docs/images
"""

from __future__ import annotations

import sys
from pathlib import Path

from mgstudio.app.devtools.shots import Shots


def take(out_dir: str | Path) -> list[Path]:
    shots = Shots(out_dir, "mgstudio-start-shots-", fresh_settings=True)  # a first run: no settings yet
    import os

    os.environ.setdefault("MGSTUDIO_DATA_DIR", str(shots.tmp / "data"))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    screen = shots.app.primaryScreen().geometry()
    tag = f"{screen.width()}x{screen.height()}"

    def shot(name: str) -> None:
        shots.settle(400)
        shots.save_screen(f"{name}_{tag}.png")

    def when_modal(fn) -> None:
        def run() -> None:
            dlg = QApplication.activeModalWidget()
            if dlg is None:
                QTimer.singleShot(100, run)
                return
            fn(dlg)
        QTimer.singleShot(100, run)

    win = shots.window(size="screen")
    shots.settle(1500)

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

    win.open_project(shots.demo())
    shots.settle(1500)
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
    return shots.saved


if __name__ == "__main__":  # pragma: no cover
    for p in take(sys.argv[1] if len(sys.argv) > 1 else "docs/images"):
        print(p)
