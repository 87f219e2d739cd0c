"""Fixtures for the reasoning tests: the real SmolLM2 model in-process and behind a real
OpenAI-compatible server (``python -m llama_cpp.server``), plus small timelines."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from mgstudio.core.segments import Segment, Source, Status
from mgstudio.reasoning.backends import LlamaCppBackend, default_model_path

SERVER_KEY = "mgtest-6f1c9a0b7e"  # the test server's API key: it must never reach any output
KEY_ENV = "MGSTUDIO_TEST_LLM_KEY"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smol_path():
    return default_model_path()


@pytest.fixture(scope="session")
def embedded(smol_path):
    """SmolLM2-135M in-process, one thread (the test machine is small and shared)."""
    return LlamaCppBackend(smol_path, n_ctx=2048, n_threads=1)


@pytest.fixture(scope="session")
def llm_server(smol_path, tmp_path_factory):
    """A real llama.cpp OpenAI-compatible server on a free loopback port, with an API key."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(smol_path),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1",
             "--api_key", SERVER_KEY],
            stdout=fh, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            try:
                r = httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {SERVER_KEY}"}, timeout=2)
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start in 90 s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def server_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, SERVER_KEY)
    return KEY_ENV


def seg(start, end, label, sid=None, source=Source.HUMAN, status=Status.ACCEPTED, conf=None, **kw):
    return Segment(1, 1, start, end, label, source=source, status=status, confidence=conf, id=sid, **kw)


@pytest.fixture
def small_timeline():
    """Six gestures in 60 s at 25 fps: short enough for a fast prompt."""
    return [
        seg(50, 100, "arms crossed", 1),
        seg(150, 200, "touching face", 2),
        seg(210, 240, "touching face", 3),
        seg(600, 660, "scratching head", 4),
        seg(1000, 1050, "touching face", 5),
        seg(1300, 1400, "arms crossed", 6),
    ]


@pytest.fixture
def local_server():
    """Start real ``http.server`` servers in threads: ``start(handler)`` gives the base URL; all are
    shut down after the test."""
    servers = []

    def start(handler):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()
