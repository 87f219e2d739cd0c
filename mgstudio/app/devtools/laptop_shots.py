"""Laptop-size screenshots of the screens issue 15 changed: ``python -m mgstudio.app.devtools.laptop_shots
docs/images`` (under ``xvfb-run``).

At 1366×768 and 1280×720, in the layout View ▸ Reset layout gives: the project list (compact,
two lines per recording) and the timeline with two unlabelled movement events and its legend
(``window_movement_events_WxH.png``, ``timeline_movement_WxH.png``, ``project_list_WxH.png``), the
frame-rate question asked when an OpenPose folder is added (``openpose_rate_WxH.png``) and the
file dialog's toolbar on the dark theme (``file_dialog_dark_WxH.png``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from mgstudio.app.devtools.shots import Shots

SIZES = ((1366, 768), (1280, 720))


def take(out_dir: str | Path) -> list[Path]:
    shots = Shots(out_dir, "mgstudio-laptop-")
    tmp = shots.tmp
    from PySide6.QtGui import QPainter

    from mgstudio.app.player.grab import grab
    from mgstudio.app.shell.skeleton_rate import SkeletonRateDialog
    from mgstudio.core.project import Project
    from mgstudio.core.segments import Segment, Source, Status

    project_path = shots.demo()
    with Project.open(project_path) as p:
        item = p.items()[0]
        p.add_segments([Segment(item.id, p.proposals_tier.id, a, b, "movement event", source=Source.MODEL,
                                status=Status.PROPOSED, confidence=0.3) for a, b in ((184, 214), (491, 523))], "shots")
        p.add_skeleton_item("0042 (OpenPose, corrected to 25 fps)", p.load_skeleton(item.id))
    win = shots.window(project_path)
    win.state.set_item(item.id)
    win.state.set_frame(200)
    for w, h in SIZES:
        win.resize(w, h)
        shots.settle(300)
        win.default_layout()
        shots.settle(1200)
        shots.wait_frame(win)
        for widget, name in ((win, "window_movement_events"), (win.review.timeline_dock, "timeline_movement"),
                             (win.browser_dock, "project_list")):
            shots.save(widget, f"{name}_{w}x{h}.png")
        dlg = SkeletonRateDialog(tmp / "0042_openpose", win)
        dlg.rate_box.setEditText("25")
        dlg.show()
        shots.settle(400)
        shot = grab(win)  # the window with the dialog over its middle, as a person sees it
        face = grab(dlg)
        painter = QPainter(shot)
        painter.drawPixmap((shot.width() - face.width()) // 2, (shot.height() - face.height()) // 3, face)
        painter.end()
        shots.save_picture(shot, f"openpose_rate_{w}x{h}.png")
        dlg.close()
        dlg.deleteLater()
        shots.settle(100)
    win.close()
    from PySide6.QtWidgets import QFileDialog

    for w, h in SIZES:  # the dialog as QFileDialog opens it on such a screen (about 2/3 of it)
        dlg = QFileDialog(None, "Add videos or skeleton files", str(tmp))
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dlg.resize(w * 2 // 3, h * 2 // 3)
        dlg.show()
        shots.settle(600)
        shots.save(dlg, f"file_dialog_dark_{w}x{h}.png")
        dlg.close()
    shots.settle(100)
    return shots.saved


if __name__ == "__main__":
    for p in take(sys.argv[1] if len(sys.argv) > 1 else "docs/images"):
        print(p)
