"""Fuzz worker: ``python -m tests.fuzz.worker MODULE:FUNCTION ADDRESS_SPACE_MB [SETUP]``.

Reads one input path per line on stdin, calls the loader on it and writes one JSON line per
input: ``kind`` (ok | clean | unclean | traceback), the message, seconds and the peak RSS growth
(VmHWM is reset before each input through ``/proc/self/clear_refs``). A crash or a hang is seen
by the parent (:mod:`tests.fuzz.runner`) as a dead or silent worker.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import time
import traceback
from pathlib import Path

MAX_MESSAGE = 300


def _status(field: str) -> int:
    m = re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(m.group(1)) * 1024 if m else 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def judge_message(msg: str, path: Path) -> str:
    """``clean`` when the message is one line, at most 300 characters, and names the file."""
    if not msg or len(msg) > MAX_MESSAGE or "\n" in msg or "Traceback" in msg:
        return "unclean"
    names = {path.name, path.stem, str(path)}
    return "clean" if any(n and n in msg for n in names) else "unclean"


def run_one(load, path: Path) -> dict:
    from mgstudio.core.errors import MGStudioError

    before = _status("VmRSS")
    _reset_peak()
    t0 = time.perf_counter()
    try:
        load(path)
        kind, msg = "ok", ""
    except MGStudioError as exc:
        msg = str(exc)
        kind = judge_message(msg, path)
    except Exception:  # noqa: BLE001 - the point is to see every other exception
        kind, msg = "traceback", traceback.format_exc()[-1500:]
    seconds = time.perf_counter() - t0
    peak = _status("VmHWM")
    return {"kind": kind, "message": msg, "seconds": seconds, "rss_growth": max(0, peak - before)}


def main() -> None:
    from tests.fuzz.registry import resolve

    loader, space_mb = sys.argv[1], int(sys.argv[2])
    limit = space_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    load = resolve(loader)
    if len(sys.argv) > 3 and sys.argv[3]:
        resolve(sys.argv[3])()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        path = Path(line.rstrip("\n"))
        print(json.dumps(run_one(load, path)), flush=True)


if __name__ == "__main__":
    main()
