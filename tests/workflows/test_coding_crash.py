"""Kill -9 while a coding file creates its recordings: the project holds all of them with all their
segments, or none of either (one transaction), and its undo history still applies."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from mgstudio.core.project import Project
from tests.workflows.test_coding import write_imigue

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("MGSTUDIO_CRASH_KILLS", "6"))
VIDEOS, ROWS = 300, 20

CHILD = textwrap.dedent("""
    import sys
    from mgstudio.core.project import Project
    from mgstudio.workflows.coding import import_coding
    p = Project.open(sys.argv[1], annotator="alice")
    print("ready", flush=True)
    done = import_coding(p, sys.argv[2], create_missing=True)
    print("imported", len(done.created), done.report.imported, flush=True)
""")


def _child(project: Path, labels: Path, env: dict) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(project), str(labels)], stdout=subprocess.PIPE,
                             text=True, env=env)
    assert child.stdout.readline().strip() == "ready"
    return child


def test_sigkill_while_a_coding_file_creates_recordings_leaves_all_or_nothing(tmp_path) -> None:
    labels = write_imigue(tmp_path / "labels.csv", {
        f"{v:04d}": (f"S{v % 40}", "win" if v % 2 else "lose", [(100 * k, 100 * k + 60, 1 + k % 31) for k in range(ROWS)])
        for v in range(VIDEOS)})
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    rng = random.Random(16)
    seen = {"none": 0, "all": 0}
    span = None
    for k in range(KILLS + 1):
        with Project.create(tmp_path / f"k{k}.mgproj", annotator="alice") as p:
            path = p.path
        child = _child(path, labels, env)
        if span is None:  # first: how long a whole import takes here, to kill anywhere within it
            t0 = time.perf_counter()
            out, _ = child.communicate(timeout=300)
            span = time.perf_counter() - t0
            assert f"imported {VIDEOS} {VIDEOS * ROWS}" in out
            continue
        time.sleep(rng.uniform(0.2, 1.6) * span)
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        with Project.open(path, annotator="alice") as p:
            assert p.integrity_check() == "ok"
            n_items, n_segs = len(p.items()), p.count_segments()
            assert (n_items, n_segs) in ((0, 0), (VIDEOS, VIDEOS * ROWS)), (n_items, n_segs)
            if "imported" in out:  # reported done: it was committed
                assert n_items == VIDEOS
            seen["all" if n_items else "none"] += 1
            if n_items:  # the history holds it: one undo takes every recording and segment away
                assert p.undo() and p.items() == [] and p.count_segments() == 0
    print("kills:", seen)
    assert sum(seen.values()) == KILLS
