"""Smoke test of the packaged app (``make package-smoke``): does the bundle work on its own?

Runs the PyInstaller build ``dist/mgstudio/mgstudio`` as a fresh user would (empty data and
settings folders, no ``PYTHONPATH``, started from another folder), and checks:

1. the bundle's size on disk;
2. the command line: ``--version``, ``new`` (finds the shipped taxonomies), and the menu entry
   installer ``install-desktop-entry.sh`` (into the temporary home);
3. the GUI on the demo project, under Xvfb: time to the first painted window, a screenshot
   (``dist/mgstudio-smoke.png``), then it quits by itself (``MGSTUDIO_STARTUP_PROBE``);
4. ``info`` on the demo project the GUI made, one tiny training epoch on it (PyTorch inside the
   bundle), and an offline emotion report with the bundled language model (llama.cpp and the
   GGUF file inside the bundle).

Prints each step and exits non-zero at the first failure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_startup import MARKER, Xvfb  # noqa: E402


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(cmd)} (exit {proc.returncode})\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke test of the packaged MG Studio.")
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / "mgstudio" / "mgstudio")
    parser.add_argument("--screenshot", type=Path, default=REPO / "dist" / "mgstudio-smoke.png")
    parser.add_argument("--no-report", action="store_true", help="skip the LLM report step")
    args = parser.parse_args(argv)
    exe = args.bundle.resolve()
    if not exe.is_file():
        raise SystemExit(f"No bundle at {exe}: run `make package` first.")
    size = folder_size(exe.parent)
    print(f"bundle: {exe.parent} — {size / 2**30:.2f} GiB on disk "
          f"({sum(1 for _ in exe.parent.rglob('*'))} files)")

    home = Path(tempfile.mkdtemp(prefix="mg-smoke-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "QT_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), MGSTUDIO_DATA_DIR=str(home / "data" / "mgstudio"),
               OMP_NUM_THREADS="1")

    print("version:", run([str(exe), "--version"], env, home).stdout.strip())
    run(["sh", str(exe.parent / "install-desktop-entry.sh")], env, home)
    entry = home / "data" / "applications" / "mgstudio.desktop"
    icon = home / "data" / "icons" / "hicolor" / "256x256" / "apps" / "mgstudio.png"
    if not (entry.is_file() and icon.is_file() and str(exe) in entry.read_text()):
        raise SystemExit("FAILED: install-desktop-entry.sh did not install the menu entry and icon")
    print(f"menu entry and icons installed for a user: ok ({entry})")
    run([str(exe), "new", str(home / "check.mgproj"), "--taxonomy", "imigue", "--annotator", "smoke"], env, home)
    print("new project with the shipped iMiGUE taxonomy: ok")

    with Xvfb() as display:
        genv = dict(env, MGSTUDIO_STARTUP_PROBE="1", MGSTUDIO_STARTUP_SCREENSHOT=str(args.screenshot.resolve()))
        if display:
            genv["DISPLAY"] = display
        else:
            genv["QT_QPA_PLATFORM"] = "offscreen"
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        args.screenshot.unlink(missing_ok=True)
        t0 = time.time()
        proc = run([str(exe), "gui", "--demo"], genv, home, timeout=300)
        wall = time.time() - t0
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)), None)
    if line is None or not args.screenshot.is_file():
        raise SystemExit(f"FAILED: the GUI showed no window\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    _, stamp, *fields = line.split()
    info = dict(f.split("=", 1) for f in fields if "=" in f)
    if info.get("project_open") != "yes":
        raise SystemExit(f"FAILED: the demo project was not open when the window showed ({line})")
    print(f"GUI on the demo project: first window after {float(stamp) - t0:.2f} s "
          f"(process ran {wall:.2f} s in all; heavy imports at start-up: {info.get('heavy')}); "
          f"screenshot {args.screenshot}")

    demo = next((home / "data" / "mgstudio").rglob("*.mgproj"), None)
    if demo is None:
        raise SystemExit("FAILED: the GUI did not create the demo project")
    info = run([str(exe), "info", str(demo)], env, home).stdout
    print("info on the demo project:", " | ".join(info.strip().splitlines()[:3]))
    t0 = time.time()
    ckpt = home / "tiny_encoder.pt"
    run([str(exe), "train", "pretrain", str(demo), "--config", "tiny", "--epochs", "1", "--out", str(ckpt),
         "--no-progress"], env, home, timeout=600)
    if not ckpt.is_file():
        raise SystemExit("FAILED: training in the bundle wrote no checkpoint")
    print(f"PyTorch in the bundle: one tiny self-supervised epoch on the demo in {time.time() - t0:.1f} s")
    if not args.no_report:
        t0 = time.time()
        item = "stick figure (demo)"  # the demo project's one recording (mgstudio/workflows/demo.py)
        run([str(exe), "report", str(demo), item, "--out", str(home / "reports"), "--max-tokens", "160",
             "--scenario", "stress"], env, home, timeout=600)
        written = sorted(p.name for p in (home / "reports").rglob("*") if p.is_file())
        if not any(n.endswith(".html") for n in written):
            raise SystemExit(f"FAILED: no report written ({written})")
        print(f"offline report with the bundled language model: {len(written)} files in {time.time() - t0:.1f} s")
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
