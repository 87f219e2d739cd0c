"""In-process check of one fuzz input (the fast hypothesis tests): the same verdicts as the
worker, a hang cut by SIGALRM, and a failing input saved as a fixture before the test fails."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.fuzz.registry import Target, resolve
from tests.fuzz.runner import FAILURES, Outcome, input_size, save_fixture
from tests.fuzz.worker import run_one


_SET_UP: set[str] = set()


class _Hang(BaseException):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise _Hang()


def check_input(target: Target, path: Path) -> Outcome:
    """Run ``path`` through ``target`` here; return the verdict (failures also kept as fixtures)."""
    if target.setup and target.setup not in _SET_UP:
        resolve(target.setup)()
        _SET_UP.add(target.setup)
    size = input_size(path)
    budget = target.base_seconds + target.per_mb_seconds * size / 1e6
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        r = run_one(resolve(target.loader), path)
        out = Outcome(path, r["kind"], r["message"], r["seconds"], r["rss_growth"])
    except _Hang:
        out = Outcome(path, "hang", f"no result after {budget:.0f} s", budget)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if out.kind in ("ok", "clean") and out.rss_growth > target.base_mb * 1e6 + target.per_byte * size:
        out.kind, out.message = "memory", f"peak memory grew by {out.rss_growth / 1e6:.0f} MB"
    if out.kind in FAILURES:
        save_fixture(target, path)
    return out


def assert_clean(target: Target, path: Path) -> Outcome:
    out = check_input(target, path)
    assert out.kind in ("ok", "clean"), f"{target.name}: {path.name}: {out.kind}: {out.message[-800:]}"
    return out
