"""Save each main screen as a PNG: ``python -m mgstudio.app.devtools.screenshots docs/images``.

Uses the demo project (built in a temporary folder) and the user-visible widgets; run it under
``xvfb-run`` without a display (``make screenshots``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def _settle(app, ms: int = 300) -> None:
    import time

    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _wait_frame(app, win, timeout_s: float = 20.0) -> None:
    """Wait until the player shows the frame the state asks for (slow, shared machines)."""
    import time

    end = time.monotonic() + timeout_s
    while win.player.reader is not None and win.player.view.shown_frame != win.state.frame and time.monotonic() < end:
        _settle(app, 50)
    _settle(app, 200)


def take(out_dir: str | Path) -> list[Path]:
    """Write the screenshots into ``out_dir``; returns their paths."""
    import os

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="mgstudio-shots-"))
    os.environ.setdefault("MGSTUDIO_SETTINGS", str(tmp / "settings.ini"))
    os.environ.setdefault("XDG_CACHE_HOME", str(tmp / "cache"))
    from mgstudio.app.main import make_application
    from mgstudio.app.shell.theme import apply_theme

    app = make_application()
    from mgstudio.workflows.demo import build_demo_project
    from mgstudio.app.shell.main_window import MainWindow
    from mgstudio.app.shell.settings import Settings
    from mgstudio.app.player.grab import grab

    project_path = build_demo_project(tmp / "demo")
    apply_theme(app, "dark")
    win = MainWindow(Settings())
    win.resize(1500, 900)
    win.show()
    win.open_project(project_path, restore=False)
    st = win.state
    st.set_frame(75)  # scratching the head
    segs = [s for s in win.project.segments(st.item_id) if s.start <= 75 < s.end]
    if segs:
        st.set_selection([segs[0].id])
    _settle(app, 1500)
    _wait_frame(app, win)
    saved: list[Path] = []

    def save(widget, name: str) -> None:
        path = out / name
        grab(widget).save(str(path))
        saved.append(path)

    save(win, "main_window_dark.png")
    save(win.player, "player_overlay.png")
    if win.view3d is not None:
        save(win.view3d_dock, "view3d.png")
    save(win.browser_dock, "project_browser.png")
    for dock in win.review_docks:
        if dock.isVisible():
            save(dock, f"{dock.objectName().replace('Dock', '').lower() or 'dock'}_panel.png")
    st.set_frame(300)  # folding arms
    apply_theme(app, "light")
    _settle(app, 800)
    _wait_frame(app, win)
    save(win, "main_window_light.png")
    apply_theme(app, "dark")
    win.close()
    _settle(app, 100)
    return saved


SCREEN_SIZES = ((1280, 720), (1366, 768), (1920, 1080))


def take_screen_sizes(out_dir: str | Path, coders: int = 3) -> list[Path]:
    """The main window on a laptop and a large screen, with ``coders`` colleagues' tiers beside the
    user's (the layout View ▸ Reset layout gives at each size): ``window_WxH.png``."""
    import os

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="mgstudio-sizes-"))
    os.environ.setdefault("MGSTUDIO_SETTINGS", str(tmp / "settings.ini"))
    os.environ.setdefault("XDG_CACHE_HOME", str(tmp / "cache"))
    from mgstudio.app.main import make_application
    from mgstudio.app.shell.theme import apply_theme

    app = make_application()
    from mgstudio.workflows.demo import build_demo_project
    from mgstudio.app.player.grab import grab
    from mgstudio.app.shell.main_window import MainWindow
    from mgstudio.app.shell.settings import Settings
    from mgstudio.core.project import Project
    from mgstudio.core.segments import Segment, Source, Status

    project_path = build_demo_project(tmp / "demo")
    p = Project.open(project_path)
    item = p.items()[0]
    labels = [lab.name for lab in p.taxonomy.labels][:6]
    for k in range(coders):
        tier = p.ensure_tier(f"Colleague {k + 1}", annotator=f"colleague{k + 1}")
        p.add_segments([Segment(item_id=item.id, tier_id=tier.id, start=40 + 90 * j + 7 * k, end=80 + 90 * j + 7 * k,
                                label=labels[(j + k) % len(labels)], source=Source.HUMAN, status=Status.ACCEPTED,
                                annotator=f"colleague{k + 1}") for j in range(3)])
    p.close()
    apply_theme(app, "dark")
    win = MainWindow(Settings())
    win.show()
    win.open_project(project_path, restore=False)
    win.state.set_frame(75)
    saved: list[Path] = []
    for w, h in SCREEN_SIZES:
        win.resize(w, h)
        _settle(app, 300)
        win.default_layout()
        _settle(app, 1200)
        _wait_frame(app, win)
        path = out / f"window_{w}x{h}.png"
        grab(win).save(str(path))
        saved.append(path)
    win.close()
    _settle(app, 100)
    return saved


if __name__ == "__main__":
    for p in take(sys.argv[1] if len(sys.argv) > 1 else "docs/images"):
        print(p)
    for p in take_screen_sizes(sys.argv[1] if len(sys.argv) > 1 else "docs/images"):
        print(p)
