"""How long the window freezes while a one-hour skeleton recording is chosen (3D view shown).

Run: ``.venv/bin/python -m benchmarks.bench_window_stall`` (re-runs itself under ``xvfb-run``
when there is no display: the 3D view needs OpenGL).

The real main window opens the demo project plus a one-hour skeleton-only recording (108,000
frames, MediaPipe holistic layout); the user then switches between the hour and the demo five
times, waiting each time until the skeleton is drawn. A 10 ms ``QTimer`` on the GUI thread
measures the gaps between its ticks (p95, worst). Two designs, each in a fresh process:

- **window** (ours): the 3D view is a native OpenGL window in a window container;
- **widget** (baseline, the previous design): the 3D view is a ``QOpenGLWidget``, which makes
  Qt compose the whole main window through OpenGL on every repaint (``MGSTUDIO_GL_WIDGET=1``).

Without a GPU (software OpenGL: remote desktops, virtual machines, Xvfb) the difference is large;
with a GPU it is small.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOUR = 108_000
SWITCHES = 5


def measure() -> dict:
    """One design (chosen by the environment): gaps while switching to the hour and back."""
    import numpy as np
    from PySide6.QtWidgets import QApplication

    from benchmarks.qt_loop import pump, wait_for
    from tests.support.heartbeat import Heartbeat

    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-stall-"))
    os.environ.update(MGSTUDIO_SETTINGS=str(tmp / "s.ini"), XDG_CACHE_HOME=str(tmp / "cache"),
                      MGSTUDIO_DATA_DIR=str(tmp / "data"))
    app = QApplication.instance() or QApplication([])
    from mgstudio.workflows.demo import build_demo_project
    from mgstudio.app.shell.main_window import MainWindow
    from mgstudio.core.layouts import get_layout
    from mgstudio.core.project import Project
    from mgstudio.core.skeleton import SkeletonSequence

    path = build_demo_project(tmp / "demo")
    layout = get_layout("mediapipe_holistic")
    rng = np.random.default_rng(0)
    xy = rng.uniform(0.3, 0.7, (HOUR, layout.num_joints, 2)).astype(np.float32)
    with Project.open(path) as p:
        short_id = p.items()[0].id
        long_id = p.add_skeleton_item("one hour", SkeletonSequence(
            layout, xy, np.ones(xy.shape[:2], np.float32), 30.0)).id
    del xy

    w = MainWindow()
    w.resize(1300, 850)
    w.show()
    w.open_project(path, restore=False)
    wait_for(lambda: w.view3d is not None and w.view3d.points is not None)
    pump(1.5)
    beat = Heartbeat()  # gaps are gathered over every switch (the timer runs only during them)
    shown = []
    for _ in range(SWITCHES):
        for item, frames in ((long_id, HOUR), (short_id, None)):
            beat.start()
            t0 = time.perf_counter()
            w.state.set_item(item)
            wait_for(lambda: w.view3d.points is not None and w.player.skeleton is not None
                     and (frames is None or len(w.player.skeleton.xy) == frames))
            if frames:
                shown.append(time.perf_counter() - t0)
            pump(0.3)  # repaints after the load
            beat.stop()
    w.close()
    pump(0.2)
    shutil.rmtree(tmp, ignore_errors=True)
    p95, worst = beat.summary()
    return {"p95": p95, "worst": worst, "ticks": len(beat.gaps), "shown_s": sorted(shown)[len(shown) // 2]}


def main() -> int:
    if "--child" in sys.argv:
        print(json.dumps(measure()), flush=True)
        return 0
    if not os.environ.get("DISPLAY"):
        if shutil.which("xvfb-run") is None:
            print("bench_window_stall needs a display or xvfb-run (the 3D view uses OpenGL)")
            return 1
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m",
                                "benchmarks.bench_window_stall"])
    print(f"Choosing a one-hour skeleton recording and back, {SWITCHES} times (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    results = {}
    for name, flag in (("window", "0"), ("widget", "1")):
        env = dict(os.environ, MGSTUDIO_GL_WIDGET=flag, QT_QPA_PLATFORM="xcb")
        out = subprocess.run([sys.executable, "-m", "benchmarks.bench_window_stall", "--child"], env=env,
                             capture_output=True, text=True, timeout=600)
        line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        if out.returncode or not line:
            print(f"   {name}: failed\n{out.stderr[-2000:]}")
            return 1
        r = results[name] = json.loads(line[-1])
        print(f"   3D view as {name:6s}  GUI gaps p95 {r['p95']:5.0f} ms, worst {r['worst']:5.0f} ms "
              f"({r['ticks']} ticks); hour shown after {r['shown_s']:.2f} s (median)")
    a, b = results["window"], results["widget"]
    print(f"   widget (baseline) / window: p95 {b['p95'] / a['p95']:.1f}x, worst {b['worst'] / a['worst']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
