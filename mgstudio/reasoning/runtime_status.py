"""Why the embedded language runtime (llama-cpp-python) cannot be imported, in one sentence.

`make run` builds the runtime in the background (it has no wheel on the package index, so pip
compiles it) and writes ``<venv>/llm-installing`` holding the build's pid and start time; the
marker is removed when the build ends. This module turns that state into what the user reads.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

INSTALL_HINT = '.venv/bin/pip install -e ".[llm]"'


def marker_path(prefix: str | os.PathLike | None = None) -> Path:
    """The marker `make run` writes while it builds the runtime in ``prefix`` (default: this venv)."""
    return Path(prefix or sys.prefix) / "llm-installing"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def missing_runtime_message(prefix: str | os.PathLike | None = None, now: float | None = None) -> str:
    """One sentence: still building (since when), the build failed (where the log is), or not installed."""
    mark = marker_path(prefix)
    log = mark.with_name("llm-install.log")
    try:
        pid_text, started_text = mark.read_text().split()[:2]
        pid, started = int(pid_text), float(started_text)
    except (OSError, ValueError):
        pid = started = None
    if pid is not None and _alive(pid):
        minutes = max(0, int(((now or time.time()) - started) // 60))
        return ("The built-in language model is still being installed (started "
                f"{minutes} min ago; this takes 10-20 minutes on a fresh machine). The evidence "
                "report is complete; ask for the written interpretation again in a few minutes.")
    if log.is_file() and log.stat().st_size:
        return (f"The built-in language model could not be installed (see {log}); "
                f"run {INSTALL_HINT} to try again, or choose 'Model server' in the report panel.")
    return (f"The built-in language model runtime (llama-cpp-python) is not installed: run {INSTALL_HINT}, "
            "or choose 'Model server' in the report panel.")
