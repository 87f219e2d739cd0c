"""How the window keeps up while a job runs in a thread: Python's GIL switch interval.

Run: ``.venv/bin/python -m benchmarks.bench_gil`` (re-runs itself under ``xvfb-run`` when there is
no display: the window's 3D view needs OpenGL).

The real main window plays the demo video (every frame: decode, overlay, timeline, 3D view,
transport) while a job runs in a worker *thread*, as importing coding files, adding recordings,
agreement and dataset export do. A 10 ms ``QTimer`` on the GUI thread measures the gaps between
its ticks. Jobs:

- ``none``: playback alone;
- ``python``: pure-Python arithmetic (holds the GIL, gives it up only when asked);
- ``elan import``: File ▸ Import coding of an ELAN file with 6,000 annotations of another,
  hour-long recording (XML parsed in Python by pympi, segments checked and written), undone
  after each run.

Each job runs under Python's default switch interval (5 ms: the baseline) and under the app's
(:data:`mgstudio.app.main.GIL_SWITCH_S`). With the default, a thread that holds the GIL makes
the GUI thread wait up to 5 ms every time it reacquires the GIL (after each Qt call that
releases it), and a frame of playback makes many of those: the waits add up.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 3


def _eaf(path: Path, n: int, span_ms: int) -> Path:
    """An ELAN file with ``n`` annotations of 'folding arms' spread over ``span_ms``."""
    from pympi.Elan import Eaf

    eaf = Eaf()
    eaf.add_tier("bob")
    step = span_ms / n
    for k in range(n):
        eaf.add_annotation("bob", int(k * step), int(k * step + step * 0.6), "folding arms")
    eaf.to_file(str(path))
    return path


def main() -> None:
    from PySide6.QtCore import QCoreApplication, Qt

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    from PySide6.QtWidgets import QApplication

    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-gil-"))
    os.environ.update(MGSTUDIO_SETTINGS=str(tmp / "s.ini"), XDG_CACHE_HOME=str(tmp / "cache"),
                      MGSTUDIO_DATA_DIR=str(tmp / "data"))
    app = QApplication.instance() or QApplication([])
    from benchmarks.qt_loop import pump, wait_for
    from mgstudio.workflows.demo import build_demo_project
    from mgstudio.app.main import GIL_SWITCH_S
    from mgstudio.app.shell.main_window import MainWindow
    from mgstudio.app.concurrency.workers import Worker
    from mgstudio.core.layouts import get_layout
    from mgstudio.core.project import Project
    from mgstudio.core.skeleton import SkeletonSequence
    from tests.support.heartbeat import Heartbeat

    def busy(progress=None, cancel=None) -> int:
        total = 0
        for k in range(12_000_000):
            total += k * k % 7
        return total

    path = build_demo_project(tmp / "demo")
    with Project.open(path) as p:  # the coding is of another recording, an hour long
        p.add_skeleton_item("interview 2", SkeletonSequence.empty(get_layout("mediapipe_holistic"), 90_000, 25.0))
    eaf = _eaf(tmp / "interview 2.eaf", 6000, 3_600_000)
    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    w.open_project(path, restore=False)
    wait_for(lambda: w.player.reader is not None, 20)
    pump(1.5)

    def run(job: str) -> tuple[float, float, float]:
        w.state.set_frame(0)
        w.state.set_playing(True)
        pump(0.3)
        beat = Heartbeat()
        beat.start()
        t0 = time.perf_counter()
        if job == "none":
            pump(2.0)
        else:
            worker = w.import_coding(eaf) if job == "elan import" else Worker(busy, title="busy")
            if job == "python":
                worker.start()
            wait_for(lambda: worker.isFinished(), 120)
            pump(0.1)
        took = time.perf_counter() - t0
        beat.stop()
        w.state.set_playing(False)
        if job == "elan import":
            box = getattr(w, "import_box", None)
            if box is not None:
                box.close()
            w.review.undo()
        pump(0.5)
        p95, worst = beat.summary()
        return p95, worst, took

    modes = [("Python default (baseline)", 0.005), ("MG Studio", GIL_SWITCH_S)]
    print(f"GUI-thread gaps while the demo video plays (ms; median of {REPEATS} runs); load "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'job':<12} {'switch interval':<28} {'p95':>6} {'worst':>6} {'job s':>6}")
    for job in ("none", "python", "elan import"):
        res = {}
        for _ in range(REPEATS):
            for name, iv in modes:  # interleaved, so drift hits both alike
                sys.setswitchinterval(iv)
                res.setdefault(name, []).append(run(job))
        for name, iv in modes:
            p95 = statistics.median(r[0] for r in res[name])
            worst = statistics.median(r[1] for r in res[name])
            took = statistics.median(r[2] for r in res[name])
            print(f"{job:<12} {f'{name} {iv * 1000:g} ms':<28} {p95:6.0f} {worst:6.0f} {took:6.2f}")
        base = statistics.median(r[0] for r in res[modes[0][0]])
        ours = statistics.median(r[0] for r in res[modes[1][0]])
        print(f"{job:<12} p95 ratio baseline/ours: {base / max(ours, 1e-9):.1f}x")
    w.close()


if __name__ == "__main__":
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run") and not os.environ.get("MG_BENCH_CHILD"):
        env = dict(os.environ, MG_BENCH_CHILD="1")
        sys.exit(subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1200x24", sys.executable, "-m",
                                  "benchmarks.bench_gil"], env=env))
    main()
