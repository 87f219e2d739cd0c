"""The peers a user would pick instead of MG Studio, run in their own environment (``.venv-bench``).

``make bench-peers`` creates ``.venv-bench`` from ``benchmarks/peers/requirements.txt`` (OpenCV, decord,
sleap-io, BORIS, pympi); nothing of it goes into the app's ``.venv``. A benchmark starts a peer
with :class:`Peer`: a child process in that environment that answers one JSON line per request, so
the benchmark can interleave our side and the peer's call by call on the same machine load. Each
peer times its own work (the pipe is not in its figures).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-bench"


def peer_python() -> Path | None:
    """The peer environment's interpreter, or None when ``make bench-peers`` has not been run."""
    exe = VENV / "bin" / "python"
    return exe if exe.exists() else None


def load() -> str:
    """The 1-minute load average, to print beside every figure (the machine is shared)."""
    return f"{os.getloadavg()[0]:.2f}"


class Peer:
    """A request/answer child process: ``Peer("benchmarks.peers.video_peer").ask(op=..., ...)``."""

    def __init__(self, module: str) -> None:
        exe = peer_python()
        if exe is None:
            raise FileNotFoundError("The peer environment .venv-bench is missing: run `make bench-peers` first.")
        env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
        self.proc = subprocess.Popen([str(exe), "-m", module], cwd=REPO, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, **request: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the peer process ended (exit {self.proc.wait()}) on {request.get('op')}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self) -> "Peer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(handlers: dict[str, Any]) -> None:
    """The peer side's loop: one JSON request per stdin line, one JSON answer per stdout line."""
    import sys
    import traceback

    for line in sys.stdin:
        req = json.loads(line)
        try:
            out = handlers[req.pop("op")](**req)
        except Exception as exc:  # noqa: BLE001 - the benchmark prints it and goes on
            out = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-800:]}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
