"""Screenshots for the user guide that ``make screenshots`` does not take: ``docs/images/guide/``.

Run from the repository root under a virtual screen:
``xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python docs/guide_screenshots.py``.
Opens the demo project (made in a temporary folder) with the real main window and saves the
window with a proposal selected, the F1 cheat sheet and the Tools menu.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def settle(app, ms: int) -> None:  # noqa: ANN001
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main(out_dir: Path) -> list[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="mgstudio-guide-"))
    os.environ.setdefault("MGSTUDIO_SETTINGS", str(tmp / "settings.ini"))
    os.environ.setdefault("XDG_CACHE_HOME", str(tmp / "cache"))
    from mgstudio.app.main import make_application
    from mgstudio.app.shell.theme import apply_theme

    app = make_application()
    from mgstudio.workflows.demo import build_demo_project
    from mgstudio.app.player.grab import grab
    from mgstudio.app.shell.main_window import MainWindow
    from mgstudio.app.shell.settings import Settings

    out_dir.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def save(widget, name: str) -> None:  # noqa: ANN001
        path = out_dir / name
        if not grab(widget).save(str(path)):  # grab() draws the 3D view in too
            raise SystemExit(f"could not save {path}")
        saved.append(path)

    project = build_demo_project(tmp / "demo")
    apply_theme(app, "dark")
    win = MainWindow(Settings())
    win.resize(1400, 880)
    win.show()
    win.open_project(project, restore=False)
    st = win.state
    st.set_frame(240)  # folding arms
    segs = [s for s in win.project.segments(st.item_id) if s.start <= 240 < s.end and s.source.value == "model"]
    if segs:
        st.set_selection([segs[0].id])
    settle(app, 4000)  # the first frame is decoded and the movement rows computed in workers
    st.set_frame(241)
    st.set_frame(240)
    settle(app, 2000)
    save(win, "main_window.png")

    if win.review is not None:
        sheet = win.review.show_cheat_sheet()
        sheet.resize(560, 760)
        settle(app, 600)
        save(sheet, "cheat_sheet.png")
        sheet.close()

        from mgstudio.app.review.label_editor import LabelEditor, label_usage

        editor = LabelEditor(win.project.taxonomy, label_usage(win.project), win.review.keymap, win)
        editor.resize(820, 520)
        editor.show()
        settle(app, 400)
        save(editor, "label_editor.png")
        editor.close()

    file_menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "File")
    file_menu.popup(win.mapToGlobal(win.rect().topLeft()))
    settle(app, 400)
    save(file_menu, "file_menu.png")
    file_menu.close()

    tools = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "Tools")
    tools.popup(win.mapToGlobal(win.rect().topLeft()))
    settle(app, 400)
    save(tools, "tools_menu.png")
    tools.close()
    win.close()
    settle(app, 100)
    return saved


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images" / "guide"):
        print(p)
