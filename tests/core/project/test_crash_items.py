"""Kill -9 while skeleton items are being added: every item is whole (its skeleton loads) or absent
(issue 16.4), every reported item is there, and the killed writes leave no files behind."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.skeleton import SkeletonSequence

ROOT = Path(__file__).resolve().parents[3]
KILLS = int(os.environ.get("MGSTUDIO_CRASH_KILLS", "8"))
FRAMES = 6000  # ~4.5 MB per skeleton: each add spends most of its time writing the file

CHILD = textwrap.dedent("""
    import sys
    from mgstudio.core.layouts import CANONICAL
    from mgstudio.core.project import Project
    from mgstudio.core.skeleton import SkeletonSequence
    p = Project.open(sys.argv[1])
    seq = SkeletonSequence.empty(CANONICAL, int(sys.argv[2]), 25.0)
    print("ready", flush=True)
    k = 0
    while True:
        it = p.add_skeleton_item(f"{sys.argv[3]}-{k}", seq)
        print(f"added {it.name}", flush=True)
        k += 1
""")


def _leftovers(path: Path) -> int:
    """Files a killed add left (temp files, or a skeleton for an id that never committed)."""
    db = sqlite3.connect(f"{(path / 'project.sqlite').as_uri()}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'items'").fetchone()
    finally:
        db.close()
    seq = row[0] if row else 0
    n = 0
    for f in (path / "skeletons").iterdir():
        m = re.match(r"^item(\d+)_raw\.npz$", f.name)
        n += f.name.endswith(".tmp") or bool(m and int(m.group(1)) > seq)
    return n


def test_sigkill_while_adding_skeleton_items_leaves_no_half_made_item(tmp_path) -> None:
    with Project.create(tmp_path / "crash", annotator="alice") as p:
        path = p.path
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    rng = random.Random(16)
    reported: set[str] = set()
    caught_mid_write = 0
    for kill in range(KILLS):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(FRAMES), f"k{kill}"],
                                 stdout=subprocess.PIPE, text=True, env=env)
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, 0.6))
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        reported |= {line.split()[1] for line in child.stdout.read().splitlines() if line.startswith("added ")}
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        caught_mid_write += _leftovers(path) > 0
        with Project.open(path, annotator="alice") as p:  # opening recovers
            assert p.integrity_check() == "ok"
            items = p.items()
            for it in items:
                seq = p.load_skeleton(it.id)
                assert seq is not None and len(seq) == FRAMES, f"'{it.name}' has no whole skeleton"
            assert reported <= {it.name for it in items}, "an item reported as added is missing"
        assert _leftovers(path) == 0
    print(f"{KILLS} kills, {len(reported)} items reported, {caught_mid_write} kills left files of an "
          "unfinished add (all removed on open), 0 half-made items")


def test_a_new_item_never_inherits_a_killed_add_s_skeleton(tmp_path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(os.urandom(4096))
    with Project.create(tmp_path / "p", annotator="alice") as p:
        first = p.add_skeleton_item("S01", SkeletonSequence.empty(CANONICAL, 10, 25.0))
        # What a kill between writing the next add's skeleton and committing its row leaves:
        SkeletonSequence.empty(CANONICAL, 10, 25.0).save_npz(p.skeletons_dir / f"item{first.id + 1}_raw.npz")
        it = p.add_video(video, info={"fps": 25, "frame_count": 10})
        assert it.id == first.id + 1 and not p.has_skeleton(it.id)
        assert p.has_skeleton(first.id)
