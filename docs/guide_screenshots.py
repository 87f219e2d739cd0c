"""Screenshots for the user guide that ``make screenshots`` does not take: ``docs/images/guide/``.

Run from the repository root under a virtual screen:
``xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python docs/guide_screenshots.py``.
Opens the demo project (made in a temporary folder) with the real main window and saves the
window with a proposal selected, the F1 cheat sheet and the Tools menu.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(out_dir: Path) -> list[Path]:
    from mgstudio.app.devtools.shots import Shots

    shots = Shots(out_dir, "mgstudio-guide-")
    settle, save = shots.settle, shots.save
    win = shots.window(shots.demo(), size=(1400, 880))
    st = win.state
    st.set_frame(240)  # folding arms
    segs = [s for s in win.project.segments(st.item_id) if s.start <= 240 < s.end and s.source.value == "model"]
    if segs:
        st.set_selection([segs[0].id])
    settle(4000)  # the first frame is decoded and the movement rows computed in workers
    st.set_frame(241)
    st.set_frame(240)
    settle(2000)
    save(win, "main_window.png")

    if win.review is not None:
        sheet = win.review.show_cheat_sheet()
        sheet.resize(560, 760)
        settle(600)
        save(sheet, "cheat_sheet.png")
        sheet.close()

        from mgstudio.app.review.label_editor import LabelEditor, label_usage

        editor = LabelEditor(win.project.taxonomy, label_usage(win.project), win.review.keymap, win)
        editor.resize(820, 520)
        editor.show()
        settle(400)
        save(editor, "label_editor.png")
        editor.close()

    file_menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "File")
    file_menu.popup(win.mapToGlobal(win.rect().topLeft()))
    settle(400)
    save(file_menu, "file_menu.png")
    file_menu.close()

    tools = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "Tools")
    tools.popup(win.mapToGlobal(win.rect().topLeft()))
    settle(400)
    save(tools, "tools_menu.png")
    tools.close()
    win.close()
    settle(100)
    return shots.saved


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images" / "guide"):
        print(p)
