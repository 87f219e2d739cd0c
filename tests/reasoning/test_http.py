"""The OpenAI-compatible HTTP client against a real llama.cpp server (and a deliberately slow one)."""

from __future__ import annotations

import http.server
import json
import logging
import re
import threading
import time

import pytest

from mgstudio.core.errors import CancelledError
from mgstudio.reasoning import build_evidence, generate_report, write_report
from mgstudio.reasoning.backends import LLMError, OpenAIBackend

from .conftest import KEY_ENV, SERVER_KEY, free_port, seg

GEN = {"temperature": 0.0, "seed": 3, "max_tokens": 160}


@pytest.fixture(scope="module")
def evidence():
    segs = [seg(25, 75, "touching face", 1), seg(300, 360, "arms crossed", 2), seg(700, 760, "touching face", 3)]
    return build_evidence(segs, fps=25, duration_s=40)


def test_streaming_report_over_http_never_leaks_the_key(llm_server, server_key, evidence, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    backend = OpenAIBackend(llm_server, api_key_env=server_key)
    pieces: list[str] = []
    result = generate_report(evidence, backend, "stress", on_token=pieces.append, **GEN)
    # the tiny model may fail the quality gates; the transport must work either way
    assert result.status in ("ok", "repaired", "failed"), result.error
    assert all(a.output.strip() and a.form_output.strip() for a in result.attempts)
    if result.answer:
        assert result.answer.verdict in ("stressed", "relaxed", "cannot tell")
        assert set(result.answer.cited_segments) <= {"S1", "S2", "S3"} | {f.fid for f in result.findings}
    streamed = "".join(pieces).strip()
    assert not streamed.startswith("{")  # the narrative streams as prose
    if result.attempts and result.attempts[0].composed:  # each checked reading, as it passes
        assert len(pieces) == len(result.narration.kept)
    else:
        assert len(pieces) > 5
    assert streamed.startswith(result.attempts[0].output.strip()[:20])
    assert result.provenance["model"]  # learnt from /v1/models
    assert result.provenance["backend"] == "OpenAI-compatible HTTP"
    out = tmp_path / "report"
    write_report(result, out)
    for path in out.iterdir():
        assert SERVER_KEY not in path.read_text(), path.name
    assert KEY_ENV in (out / "report.html").read_text()  # where the key came from, not the key
    assert SERVER_KEY not in caplog.text and SERVER_KEY not in repr(backend)


def test_non_streaming_request(llm_server, server_key, evidence):
    backend = OpenAIBackend(llm_server, api_key_env=server_key, stream=False)
    result = generate_report(evidence, backend, "won_lost", **GEN)
    assert result.status in ("ok", "repaired", "failed"), result.error
    if result.answer:
        assert result.answer.verdict in ("won", "lost", "cannot tell")
    assert result.attempts[0].output.strip()
    assert result.attempts[0].completion_tokens  # usage reported by the server


def test_wrong_api_key_is_a_clear_error(llm_server, monkeypatch, evidence):
    monkeypatch.setenv("MG_WRONG_KEY", "not-the-key-42")
    backend = OpenAIBackend(llm_server, model="x", api_key_env="MG_WRONG_KEY")
    result = generate_report(evidence, backend, "won_lost", **GEN)
    assert result.status == "unavailable" and result.answer is None
    msg = result.error
    assert "refused the API key" in msg and "MG_WRONG_KEY" in msg
    assert "not-the-key-42" not in msg and "not-the-key-42" not in json.dumps(result.verdict_dict())


def test_cancel_during_stream(llm_server, server_key, evidence):
    backend = OpenAIBackend(llm_server, api_key_env=server_key)
    cancel = threading.Event()
    with pytest.raises(CancelledError):
        generate_report(evidence, backend, "free", on_token=lambda _: cancel.set(), cancel=cancel, **GEN)


def test_unreachable_server_fails_fast_after_retries(evidence):
    backend = OpenAIBackend(f"http://127.0.0.1:{free_port()}", model="m", retries=2, backoff_s=0.1)
    t0 = time.monotonic()
    result = generate_report(evidence, backend, "won_lost")
    assert result.status == "unavailable"
    assert re.search("Could not reach the model server .* is it running", result.error)
    assert time.monotonic() - t0 < 5


class _Slow(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        time.sleep(5)
        self.send_response(200)
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *args):
        pass


class _Busy(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_POST(self):  # noqa: N802
        type(self).hits += 1
        self.send_response(503)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"busy")

    def log_message(self, *args):
        pass



def test_slow_server_times_out_with_a_clear_error(local_server, evidence):
    backend = OpenAIBackend(local_server(_Slow), model="m", timeout_s=1.0)
    t0 = time.monotonic()
    result = generate_report(evidence, backend, "won_lost")
    assert result.status == "unavailable" and "did not answer within 1 s" in result.error
    assert time.monotonic() - t0 < 3


def test_server_errors_are_retried_with_backoff_then_reported(local_server, evidence):
    backend = OpenAIBackend(local_server(_Busy), model="m", retries=2, backoff_s=0.2)
    t0 = time.monotonic()
    result = generate_report(evidence, backend, "won_lost")
    assert result.status == "unavailable" and "answered with an error (HTTP 503)" in result.error
    assert _Busy.hits == 3  # the request and two retries
    assert time.monotonic() - t0 >= 0.2 + 0.4  # exponential back-off


def test_credentials_in_the_address_are_never_shown(evidence):
    backend = OpenAIBackend(f"http://bob:pa55word@127.0.0.1:{free_port()}/v1", model="m", retries=0)
    result = generate_report(evidence, backend, "won_lost")
    assert result.status == "unavailable" and "127.0.0.1" in result.error
    assert "pa55word" not in result.error and "pa55word" not in repr(backend)
    assert "pa55word" not in json.dumps(result.verdict_dict())
    assert "pa55word" not in str(backend.describe())


def test_bad_address_is_refused():
    with pytest.raises(LLMError, match="must start with http"):
        OpenAIBackend("localhost:11434")


def test_api_key_from_the_system_keyring(llm_server, evidence, tmp_path, monkeypatch):
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    from mgstudio.reasoning.backends import resolve_api_key, store_api_key

    ring = PlaintextKeyring()
    ring.file_path = str(tmp_path / "keyring.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    try:
        monkeypatch.delenv(KEY_ENV, raising=False)
        store_api_key(llm_server + "/", SERVER_KEY)  # the address as the user typed it
        assert resolve_api_key(None, llm_server) == SERVER_KEY
        monkeypatch.setenv("MG_OTHER", "from-env")
        assert resolve_api_key("MG_OTHER", llm_server) == "from-env"  # the environment wins
        backend = OpenAIBackend(llm_server + "/")
        result = generate_report(evidence, backend, "stress", **GEN)  # 401 without the key
        assert result.status in ("ok", "repaired", "failed"), result.error
        assert result.attempts and result.attempts[0].output.strip()
        out = tmp_path / "report"
        write_report(result, out)
        assert all(SERVER_KEY not in p.read_text() for p in out.iterdir())
    finally:
        keyring.set_keyring(previous)
