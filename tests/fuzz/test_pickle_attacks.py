"""Hostile and mutated pose pickles, each run in a worker process: a segfault or a memory bomb
fails the test instead of killing pytest. Every hostile pickle is refused with one sentence,
nothing it asks for runs, and peak memory stays small."""

from __future__ import annotations

import pickle
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgstudio.formats.safe_pickle import safe_loads
from tests.conftest import SHARED_DATA
from tests.fuzz.check import check_input
from tests.fuzz.mutators import mutate_bytes, mutate_doc
from tests.fuzz.pickle_attacks import attacks
from tests.fuzz.registry import Target
from tests.fuzz.runner import ROOT, examples, fixtures_of, run_paths

LOADER = "mgstudio.formats.pose_pickle:load_pose_pickle"
MARKER = "/tmp/mgstudio_fuzz_pickle_ran"
JHMDB = SHARED_DATA / "skeletons" / "jhmdb_ddnet" / "GT_test_1.pkl"


def make_hostile(folder: Path, n: int, seed: int) -> list[Path]:
    """All hostile pickles (``n`` is ignored: the set is fixed)."""
    out = []
    for k, (_, data) in enumerate(attacks(MARKER)):
        p = folder / f"hostile{k:03d}.pkl"
        p.write_bytes(data)
        out.append(p)
    return out


def seeds() -> list[object]:
    """Valid pose sets: a slice of the JHMDB / DD-Net pickle when present, and PYSKL annotations."""
    rng = np.random.default_rng(0)
    out: list[object] = []
    if JHMDB.is_file():
        doc = safe_loads(JHMDB.read_bytes())
        out.append({"pose": doc["pose"][:4], "label": doc["label"][:4]})
    anns = [{"frame_dir": f"clip{i}", "label": i, "img_shape": (480, 640), "total_frames": 20,
             "keypoint": rng.normal(300, 50, (1 + i % 2, 20, 17, 2)).astype(np.float32),
             "keypoint_score": rng.uniform(0, 1, (1 + i % 2, 20, 17)).astype(np.float16)} for i in range(3)]
    out.append({"split": {"xsub_train": ["clip0"], "xsub_val": ["clip1"]}, "annotations": anns})
    out.append({"pose": [rng.normal(0, 1, (12, 15, 2)), rng.normal(0, 1, (9, 15, 2))], "label": ["wave", "clap"]})
    return out


def make_mutated(folder: Path, n: int, seed: int) -> list[Path]:
    base = seeds()
    out = []
    for k in range(n):
        rng = random.Random(seed * 1_000_003 + k)
        doc = mutate_doc(rng.choice(base), rng)
        try:
            data = pickle.dumps(doc, protocol=rng.choice([0, 2, 4, 5]))
        except (RecursionError, pickle.PicklingError, ValueError):
            data = pickle.dumps(rng.choice(base), protocol=2)
        if rng.random() < 0.3:
            data = mutate_bytes(data, rng)
        p = folder / f"mut{k:05d}.pkl"
        p.write_bytes(data)
        out.append(p)
    return out


TARGETS = [
    Target("pose pickle: hostile", "pickle_hostile", LOADER, make_hostile),
    Target("pose pickle: mutated", "pickle", LOADER, make_mutated),
]
HOSTILE, MUTATED = TARGETS


def test_every_hostile_pickle_is_refused_in_a_sentence_and_runs_nothing():
    Path(MARKER).unlink(missing_ok=True)
    names = [n for n, _ in attacks(MARKER)]
    assert len(names) >= 72
    with tempfile.TemporaryDirectory() as d:
        summary = run_paths(HOSTILE, make_hostile(Path(d), 0, 0))
    report = [(names[i], o.kind, o.message[-200:]) for i, o in enumerate(summary.outcomes) if o.kind != "clean"]
    assert not report, report
    assert not Path(MARKER).exists()
    worst = max(summary.outcomes, key=lambda o: o.rss_growth)
    assert worst.rss_growth < 150e6, (worst.path.name, worst.rss_growth)
    assert max(o.seconds for o in summary.outcomes) < 10


_CHILD = r"""
import re, resource, sys
open("/proc/self/clear_refs", "w").write("5")  # ru_maxrss would include the forking parent's peak
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from mgstudio.core.errors import FormatError
from mgstudio.formats.pose_pickle import load_pose_pickle
try:
    load_pose_pickle(sys.argv[1])
    print("LOADED")
except FormatError as exc:
    print("REFUSED", exc)
import gc; gc.collect()
print("MAXRSS_KB", re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))
"""


@pytest.mark.parametrize("name", ["object array over a 1-byte buffer (SIGSEGV)",
                                  "object array of a forged pointer read by str() (SIGSEGV)",
                                  "LONG_BINPUT 2**30 (memo table of 8 GiB)",
                                  "one annotation referenced 300,000 times",
                                  "list doubled 30 times through the memo (2**30 leaves)"])
def test_the_reported_crash_and_bombs_in_a_fresh_process(tmp_path, name):
    """The 132-byte SIGSEGV pickle and the memory bombs: exit 0, a clean refusal, bounded RSS."""
    data = dict(attacks(MARKER))[name]
    f = tmp_path / "poses.pkl"
    f.write_bytes(data)
    r = subprocess.run([sys.executable, "-c", _CHILD, str(f)], capture_output=True, text=True, timeout=60,
                       cwd=ROOT, env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, (r.returncode, r.stderr[-1000:])
    lines = r.stdout.splitlines()
    assert lines[0].startswith("REFUSED poses.pkl") and len(lines[0]) <= 310, lines[0]
    assert "Traceback" not in r.stderr
    assert int(lines[-1].split()[1]) < 250_000, lines[-1]  # KiB: no bomb went off


def test_valid_seeds_still_load_in_every_protocol(tmp_path):
    from mgstudio.formats.pose_pickle import load_pose_pickle

    for k, doc in enumerate(seeds()):
        for proto in range(6):
            f = tmp_path / f"s{k}_{proto}.pkl"
            f.write_bytes(pickle.dumps(doc, protocol=proto))
            assert load_pose_pickle(f)


FUZZ = settings(max_examples=examples(40), deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_pickle_loads_or_says_why(seed):
    """In-process: the restricted loader never lets numpy build anything unsafe, so a mutation
    cannot crash this process; a failure is saved as a fixture first."""
    with tempfile.TemporaryDirectory() as d:
        (p,) = make_mutated(Path(d), 1, seed)
        out = check_input(MUTATED, p)
    assert out.kind in ("ok", "clean"), (out.kind, out.message[-600:])


def test_mutated_pickles_in_a_worker_process():
    with tempfile.TemporaryDirectory() as d:
        summary = run_paths(MUTATED, make_mutated(Path(d), examples(30), seed=11))
    bad = summary.failures()
    assert not bad, [(o.path.name, o.kind, o.message[-300:]) for o in bad[:3]]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.area)
def test_replay_fixtures(target):
    paths = fixtures_of(target)
    with tempfile.TemporaryDirectory() as d:
        copies = []
        for p in paths:
            copies.append(Path(d) / p.name)
            shutil.copyfile(p, copies[-1])
        summary = run_paths(target, copies, keep_failures=False)
    bad = [(o.path.name, o.kind, o.message[-300:]) for o in summary.outcomes if o.kind not in ("ok", "clean")]
    assert not bad, bad
