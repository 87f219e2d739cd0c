"""Run fuzz inputs through a target in a worker process, so a signal or a hang is observed, not
suffered: each input ends as ok | clean | unclean | traceback | hang | signal | memory.

Failing inputs are copied to ``tests/fuzz/fixtures/<area>/`` (by content hash) so that
``test_replay_fixtures`` replays them on every ``make test``.
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.fuzz.registry import FIXTURES, Target

ROOT = Path(__file__).resolve().parents[2]
FAILURES = ("unclean", "traceback", "hang", "signal", "memory")


def input_size(path: Path) -> int:
    try:
        if path.is_dir() and not path.is_symlink():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        st = path.lstat()
        return st.st_size if path.is_file() else 0
    except OSError:
        return 0


@dataclass
class Outcome:
    path: Path
    kind: str
    message: str = ""
    seconds: float = 0.0
    rss_growth: int = 0


@dataclass
class Summary:
    target: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> Counter:
        return Counter(o.kind for o in self.outcomes)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind in FAILURES]


class Worker:
    """One worker process for a target; restarted after a crash or a hang."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.proc: subprocess.Popen | None = None
        self.err = tempfile.TemporaryFile()

    def _start(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", QT_QPA_PLATFORM="offscreen")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.worker", self.target.loader, str(self.target.address_space_mb),
             self.target.setup or ""],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True, cwd=ROOT, env=env)
        line = self._readline(120.0)
        if line is None or not json.loads(line).get("ready"):
            raise RuntimeError(f"fuzz worker for {self.target.name} did not start")

    def _readline(self, timeout: float) -> str | None:
        assert self.proc is not None and self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(timeout):
                return None
            return self.proc.stdout.readline() or None
        finally:
            sel.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()
        self.proc = None

    def run(self, path: Path) -> Outcome:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        size = input_size(path)
        budget_s = self.target.base_seconds + self.target.per_mb_seconds * size / 1e6
        t0 = time.perf_counter()
        try:
            self.proc.stdin.write(f"{path}\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        line = self._readline(budget_s)
        if line is None:
            rc = self.proc.poll()
            if rc is None:  # still running: a hang
                self.kill()
                return Outcome(path, "hang", f"no answer after {budget_s:.0f} s", time.perf_counter() - t0)
            self.proc.wait()
            self.proc = None
            return Outcome(path, "signal" if rc < 0 else "traceback", f"worker exited with {rc}",
                           time.perf_counter() - t0)
        r = json.loads(line)
        out = Outcome(path, r["kind"], r["message"], r["seconds"], r["rss_growth"])
        if out.kind in ("ok", "clean") and out.rss_growth > (self.target.base_mb * 1e6
                                                            + self.target.per_byte * size):
            out.kind = "memory"
            out.message = f"peak memory grew by {out.rss_growth / 1e6:.0f} MB for a {size}-byte input"
        return out


def save_fixture(target: Target, path: Path) -> Path:
    """Keep a failing input under ``fixtures/<area>/`` (named by its content hash)."""
    if target.keep is not None:
        return target.keep(path)
    folder = FIXTURES / target.area
    folder.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha1()
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                h.update(p.name.encode() + p.read_bytes())
        dest = folder / f"{h.hexdigest()[:12]}_{path.name}"
        if not dest.exists():
            shutil.copytree(path, dest, symlinks=True)
        return dest
    if not path.is_file():
        return path  # FIFOs, devices...: the mutator makes them again, nothing to keep
    h.update(path.read_bytes())
    dest = folder / f"{h.hexdigest()[:12]}_{path.name}"
    if not dest.exists():
        shutil.copyfile(path, dest)
    return dest


def run_paths(target: Target, paths: list[Path], keep_failures: bool = True) -> Summary:
    """Every path through the target's worker."""
    summary = Summary(target.name)
    worker = Worker(target)
    t0 = time.perf_counter()
    try:
        for p in paths:
            out = worker.run(p)
            if out.kind in FAILURES and keep_failures:
                save_fixture(target, p)
            summary.outcomes.append(out)
    finally:
        worker.kill()
    summary.seconds = time.perf_counter() - t0
    return summary


def run_target(target: Target, n: int, seed: int = 0, keep_failures: bool = True) -> Summary:
    """``n`` fresh inputs from the target's mutator, run in a worker."""
    with tempfile.TemporaryDirectory(prefix=f"mgfuzz_{target.area}_") as d:
        paths = target.make_inputs(Path(d), n, seed)
        return run_paths(target, paths, keep_failures)


def fixtures_of(target: Target) -> list[Path]:
    folder = FIXTURES / target.area
    return sorted(folder.iterdir()) if folder.is_dir() else []


def examples(default: int) -> int:
    """Inputs per test (``MGSTUDIO_FUZZ_EXAMPLES`` overrides; ``make fuzz`` sets 2000)."""
    return int(os.environ.get("MGSTUDIO_FUZZ_EXAMPLES", str(default)))
