"""Start-up time of MG Studio until its window is fully usable on the demo project, vs a bare Qt window.

"Usable" means the project is open and the 3D view has really been drawn by OpenGL (its first
frame swapped, not the "Preparing the 3D view…" placeholder): the first paint alone left out
about 1 s of start-up (issue 17). The first paint is printed too.

Run: ``.venv/bin/python -m benchmarks.bench_startup [--runs 3] [--bundle dist/mgstudio/mgstudio]``.

Each run starts a fresh process and measures the wall time from just before the process is
started to the first paint of its main window (reported by ``mgstudio.app.startup_probe`` with
``MGSTUDIO_STARTUP_PROBE=1``; the process then quits by itself):

- baseline: ``python -c`` that imports PySide6, shows an empty ``QMainWindow`` (the least any
  Qt app can do; measured with the same probe);
- app: ``python -m mgstudio gui --demo`` (opens the bundled demo project);
- bundle (with ``--bundle``): the PyInstaller build, ``mgstudio gui --demo``.

Without a ``$DISPLAY`` it starts one Xvfb server for all runs (the 3D view needs OpenGL, which
Qt's offscreen platform lacks). Prints the median of the runs, the ratio to the baseline, the
heavy libraries already imported when the window showed (should be none: torch, mediapipe, cv2
and llama_cpp are imported when first needed) and whether the goal (< 3 s) is met.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 1.2
MARKER = "MGSTUDIO_WINDOW_SHOWN"
BASE = "bare Qt window (baseline)"

BASELINE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
from mgstudio.app import startup_probe
app = QApplication(sys.argv)
w = QMainWindow(); w.setCentralWidget(QLabel("baseline")); w.resize(1200, 800); w.show()
startup_probe.install(app, w, delay_ms=0)
app.exec()
"""


class Xvfb:
    """A private X server for the runs (only when there is no display)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.display = os.environ.get("DISPLAY")

    def __enter__(self) -> str | None:
        if self.display or not shutil.which("Xvfb"):
            return self.display
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as f:
            number = f.readline().strip()
        self.display = f":{number}"
        return self.display

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def time_to_window(cmd: list[str], env: dict[str, str], timeout: float = 120.0,
                   need_project: bool = True) -> tuple[float, str]:
    """Seconds from process start to its first painted window, and the heavy modules loaded.

    The app variants must have their project open at that first paint (a usable window)."""
    t0 = time.time()
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            _, stamp, *fields = line.split()
            info = dict(f.split("=", 1) for f in fields if "=" in f)
            if need_project and info.get("project_open") != "yes":
                raise RuntimeError(f"{' '.join(cmd[:4])}...: the window showed before the project was open")
            usable = float(info.get("usable", stamp)) - t0
            return usable, (f"first paint {float(stamp) - t0:.2f} s, 3D view {info.get('view3d', '?')}, "
                            f"heavy imports: {info.get('heavy', '?')}")
    raise RuntimeError(f"{' '.join(cmd[:4])}... showed no window (exit {proc.returncode}):\n"
                       f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


def measure(runs: int, bundle: Path | None, screenshot: Path | None = None) -> dict[str, tuple[float, str]]:
    """Median start-up seconds (and heavy modules) of each variant, runs interleaved."""
    variants: dict[str, list[str]] = {
        BASE: [sys.executable, "-c", BASELINE],
        "mgstudio gui --demo": [sys.executable, "-m", "mgstudio", "gui", "--demo"],
    }
    if bundle is not None:
        variants["bundle: mgstudio gui --demo"] = [str(bundle), "gui", "--demo"]
    times: dict[str, list[float]] = {k: [] for k in variants}
    heavy: dict[str, str] = {}
    with Xvfb() as display:
        env = dict(os.environ, MGSTUDIO_STARTUP_PROBE="1", PYTHONPATH=str(REPO),
                   OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
        if display:
            env["DISPLAY"] = display
        else:
            env["QT_QPA_PLATFORM"] = "offscreen"
        # One warm-up launch each so the file cache is warm for every variant alike.
        for name, cmd in variants.items():
            time_to_window(cmd, env, need_project=name != BASE)
        for i in range(runs):
            for name, cmd in variants.items():
                run_env = env
                if screenshot is not None and i == runs - 1 and name != BASE:
                    run_env = dict(env, MGSTUDIO_STARTUP_SCREENSHOT=str(screenshot))
                seconds, heavy[name] = time_to_window(cmd, run_env, need_project=name != BASE)
                times[name].append(seconds)
    return {k: (statistics.median(v), heavy[k]) for k, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed launches per variant (median)")
    parser.add_argument("--bundle", type=Path, help="also time this packaged mgstudio program")
    parser.add_argument("--screenshot", type=Path, help="save the app's window (last run) here")
    args = parser.parse_args(argv)
    results = measure(args.runs, args.bundle, args.screenshot)
    base = results[BASE][0]
    print(f"start-up until the window is usable (project open, 3D view drawn), median of {args.runs} "
          f"interleaved runs after one warm-up each (cpu cores: {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, "
          f"goal < {GOAL_S} s):")
    worst = 0.0
    for name, (seconds, heavy) in results.items():
        ratio = seconds / base if base > 0 else float("nan")
        print(f"  {name:30s} {seconds:6.2f} s   x{ratio:5.2f} baseline   ({heavy})")
        if name != BASE:
            worst = max(worst, seconds)
    print(f"goal < {GOAL_S} s: {'met' if worst < GOAL_S else 'NOT met'} (slowest app variant {worst:.2f} s)")
    from benchmarks.results import record, row

    record("bench_startup", [row(f"start-up until usable: {name}", seconds, BASE, base, "s", False,
                                 note=heavy) for name, (seconds, heavy) in results.items() if name != BASE])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
