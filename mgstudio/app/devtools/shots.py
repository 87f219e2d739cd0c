"""The set-up every screenshot script shares: a temporary home, the application on a theme, the demo
project, the window at a size, waiting until it has painted, and saving PNGs.

Used by :mod:`.screenshots`, :mod:`.start_shots`, :mod:`.review_shots`, :mod:`.laptop_shots` and
``docs/guide_screenshots.py``::

    shots = Shots("docs/images", "mgstudio-shots-")
    win = shots.window(shots.demo(), size=(1500, 900))
    shots.settle(1500)
    shots.wait_frame(win)
    shots.save(win, "main_window_dark.png")
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any


class Shots:
    """One screenshot run; ``saved`` lists the PNGs written so far.

    The settings file and the cache live in a fresh temporary folder ``tmp`` unless the
    environment names them already (``fresh_settings`` always starts from empty settings, as a
    first run does). ``theme`` ``None`` leaves Qt's own look. ``env`` sets further variables if unset.
    """

    def __init__(self, out_dir: str | Path, prefix: str, *, theme: str | None = "dark",
                 fresh_settings: bool = False, env: dict[str, str] | None = None) -> None:
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=prefix))
        if fresh_settings:
            os.environ["MGSTUDIO_SETTINGS"] = str(self.tmp / "settings.ini")
        os.environ.setdefault("MGSTUDIO_SETTINGS", str(self.tmp / "settings.ini"))
        os.environ.setdefault("XDG_CACHE_HOME", str(self.tmp / "cache"))
        for key, value in (env or {}).items():
            os.environ.setdefault(key, value)
        from mgstudio.app.main import make_application

        self.app = make_application()
        if theme is not None:
            self.theme(theme)
        self.saved: list[Path] = []

    def theme(self, name: str) -> None:
        from mgstudio.app.shell.theme import apply_theme

        apply_theme(self.app, name)

    def settle(self, ms: int = 300) -> None:
        """Let the event loop run for ``ms`` milliseconds (workers report, widgets paint)."""
        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.01)

    def wait_frame(self, win: Any, timeout_s: float = 20.0) -> None:
        """Wait until the player shows the frame the state asks for (slow, shared machines)."""
        end = time.monotonic() + timeout_s
        while (win.player.reader is not None and win.player.view.shown_frame != win.state.frame
               and time.monotonic() < end):
            self.settle(50)
        self.settle(200)

    def demo(self, folder: str = "demo") -> Path:
        """The demo project, built in ``tmp / folder``."""
        from mgstudio.workflows.demo import build_demo_project

        return build_demo_project(self.tmp / folder)

    def window(self, project: str | Path | None = None, size: tuple[int, int] | str | None = None,
               restore: bool = False) -> Any:
        """The main window, shown at ``size`` (``"screen"``: the whole available screen, since Xvfb
        has no window manager to maximise it), with ``project`` opened if given."""
        from mgstudio.app.shell.main_window import MainWindow
        from mgstudio.app.shell.settings import Settings

        win = MainWindow(Settings())
        if size == "screen":
            win.setGeometry(self.app.primaryScreen().availableGeometry())
        elif size is not None:
            win.resize(*size)
        win.show()
        if project is not None:
            win.open_project(project, restore=restore)
        return win

    def save(self, widget: Any, name: str) -> Path:
        """``widget`` as ``out / name`` (3D views drawn in); stops the run if it cannot be written."""
        from mgstudio.app.player.grab import grab

        return self.save_picture(grab(widget), name)

    def save_screen(self, name: str) -> Path:
        """The whole screen, as the user sees it (dialogs over the window included)."""
        return self.save_picture(self.app.primaryScreen().grabWindow(0), name)

    def save_picture(self, picture: Any, name: str) -> Path:
        """A picture made by the caller (a ``QPixmap``/``QImage``) as ``out / name``."""
        path = self.out / name
        if not picture.save(str(path)):
            raise SystemExit(f"Could not save the screenshot {path}.")
        self.saved.append(path)
        return path
