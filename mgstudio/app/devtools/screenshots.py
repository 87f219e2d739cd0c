"""Save each main screen as a PNG: ``python -m mgstudio.app.devtools.screenshots docs/images``.

Uses the demo project (built in a temporary folder) and the user-visible widgets; run it under
``xvfb-run`` without a display (``make screenshots``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from mgstudio.app.devtools.shots import Shots


def take(out_dir: str | Path) -> list[Path]:
    """Write the screenshots into ``out_dir``; returns their paths."""
    shots = Shots(out_dir, "mgstudio-shots-")
    win = shots.window(shots.demo(), size=(1500, 900))
    st = win.state
    st.set_frame(75)  # scratching the head
    segs = [s for s in win.project.segments(st.item_id) if s.start <= 75 < s.end]
    if segs:
        st.set_selection([segs[0].id])
    shots.settle(1500)
    shots.wait_frame(win)
    shots.save(win, "main_window_dark.png")
    shots.save(win.player, "player_overlay.png")
    if win.view3d is not None:
        shots.save(win.view3d_dock, "view3d.png")
    shots.save(win.browser_dock, "project_browser.png")
    for dock in win.review_docks:
        if dock.isVisible():
            shots.save(dock, f"{dock.objectName().replace('Dock', '').lower() or 'dock'}_panel.png")
    st.set_frame(300)  # folding arms
    shots.theme("light")
    shots.settle(800)
    shots.wait_frame(win)
    shots.save(win, "main_window_light.png")
    shots.theme("dark")
    win.close()
    shots.settle(100)
    return shots.saved


SCREEN_SIZES = ((1280, 720), (1366, 768), (1920, 1080))


def take_screen_sizes(out_dir: str | Path, coders: int = 3) -> list[Path]:
    """The main window on a laptop and a large screen, with ``coders`` colleagues' tiers beside the
    user's (the layout View ▸ Reset layout gives at each size): ``window_WxH.png``."""
    shots = Shots(out_dir, "mgstudio-sizes-")
    from mgstudio.core.project import Project
    from mgstudio.core.segments import Segment, Source, Status

    project_path = shots.demo()
    p = Project.open(project_path)
    item = p.items()[0]
    labels = [lab.name for lab in p.taxonomy.labels][:6]
    for k in range(coders):
        tier = p.ensure_tier(f"Colleague {k + 1}", annotator=f"colleague{k + 1}")
        p.add_segments([Segment(item_id=item.id, tier_id=tier.id, start=40 + 90 * j + 7 * k, end=80 + 90 * j + 7 * k,
                                label=labels[(j + k) % len(labels)], source=Source.HUMAN, status=Status.ACCEPTED,
                                annotator=f"colleague{k + 1}") for j in range(3)])
    p.close()
    win = shots.window(project_path)
    win.state.set_frame(75)
    for w, h in SCREEN_SIZES:
        win.resize(w, h)
        shots.settle(300)
        win.default_layout()
        shots.settle(1200)
        shots.wait_frame(win)
        shots.save(win, f"window_{w}x{h}.png")
    win.close()
    shots.settle(100)
    return shots.saved


if __name__ == "__main__":
    for p in take(sys.argv[1] if len(sys.argv) > 1 else "docs/images"):
        print(p)
    for p in take_screen_sizes(sys.argv[1] if len(sys.argv) > 1 else "docs/images"):
        print(p)
