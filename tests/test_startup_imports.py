"""Start-up stays light: opening the app must not import torch, MediaPipe, OpenCV or llama.cpp.

Those libraries take seconds to import on a laptop; they are imported when first needed
(extraction, proposals, training, a report). Each check runs in a fresh Python process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "mediapipe", "cv2", "llama_cpp")


def _loaded_after(code: str) -> list[str]:
    """Heavy modules present in ``sys.modules`` after running ``code`` in a new interpreter."""
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    return [m for m in last.split(",") if m]


@pytest.mark.parametrize("code", [
    "import mgstudio.cli as c; c.build_parser()",           # every subcommand registered
    "import mgstudio.app.main, mgstudio.app.shell.main_window",    # what `mgstudio gui` imports first
    "from mgstudio.app.main import make_application\n"
    "from mgstudio.app.shell.main_window import MainWindow\n"
    "app = make_application()\nw = MainWindow()",            # the window itself, built
])
def test_heavy_libraries_not_imported_at_startup(code: str) -> None:
    assert _loaded_after(code) == []


def test_demo_window_opens_without_heavy_imports(tmp_path: Path) -> None:
    """The real app on the demo project reports its first painted window; nothing heavy loaded."""
    if not os.environ.get("DISPLAY"):
        pytest.skip("needs a display (run under xvfb-run, as `make test` does)")
    env = dict(os.environ, PYTHONPATH=str(ROOT), MGSTUDIO_STARTUP_PROBE="1",
               MGSTUDIO_DATA_DIR=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               HOME=str(tmp_path), OMP_NUM_THREADS="1")
    env.pop("QT_QPA_PLATFORM", None)
    shot = tmp_path / "window.png"
    env["MGSTUDIO_STARTUP_SCREENSHOT"] = str(shot)
    proc = subprocess.run([sys.executable, "-m", "mgstudio", "gui", "--demo"], cwd=tempfile.gettempdir(),
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("MGSTUDIO_WINDOW_SHOWN")]
    assert lines, f"no window reported:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    fields = dict(f.split("=", 1) for f in lines[0].split()[2:])
    assert fields["heavy"] == "-", lines[0]          # torch & co. not imported to show the window
    assert fields["project_open"] == "yes", lines[0]  # the demo was open at the first paint
    assert shot.is_file() and shot.stat().st_size > 10_000  # a real picture of the window
    assert list((tmp_path / "data").rglob("project.sqlite")), "the demo project was not made"
