"""Real generation with SmolLM2-135M in-process (llama-cpp-python), and the written report."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

from mgstudio.core.errors import CancelledError
from mgstudio.reasoning import build_evidence, generate_report, write_report
from mgstudio.reasoning.backends import LLMError, LlamaCppBackend, OpenAIBackend

from .conftest import free_port

GEN = {"temperature": 0.0, "seed": 1, "max_tokens": 120}


@pytest.fixture(scope="module")
def evidence():
    from .conftest import seg

    segs = [
        seg(50, 100, "arms crossed", 1), seg(150, 200, "touching face", 2), seg(210, 240, "touching face", 3),
        seg(600, 660, "scratching head", 4), seg(1000, 1050, "touching face", 5), seg(1300, 1400, "arms crossed", 6),
    ]
    return build_evidence(segs, fps=25, duration_s=60, context="post-match press conference")


@pytest.fixture(scope="module")
def streamed(embedded, evidence):
    pieces: list[str] = []
    result = generate_report(evidence, embedded, "won_lost", on_token=pieces.append, **GEN)
    return result, pieces


def test_real_model_answer_is_shown_only_when_it_passes_the_gates(streamed, evidence):
    result, pieces = streamed
    assert result.findings and result.findings[0].text.startswith("6 micro-gestures in 1.0 min")
    if result.status in ("ok", "repaired"):
        a = result.answer
        assert a.verdict in ("won", "lost", "cannot tell") and a.confidence in ("low", "medium")
        assert set(a.cited_segments) <= set(evidence.segment_ids) | {f.fid for f in result.findings}
        assert not result.attempts[-1].problems
    else:  # never shown as valid; the checks say why
        assert result.status == "failed" and result.answer is None
        assert len(result.attempts) == 2 and all(a.problems for a in result.attempts)
    # streaming: the pieces handed to the panel are the narrative as prose, not JSON
    if result.attempts and result.attempts[0].composed:  # each checked reading, as it passes
        assert len(pieces) == len(result.narration.kept)
    else:
        assert len(pieces) > 5
    assert not "".join(pieces).strip().startswith("{")
    assert result.attempts[0].output in "".join(pieces)
    prov = result.provenance
    assert prov["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf" and prov["backend"].startswith("embedded")
    assert re.fullmatch(r"[0-9a-f]{16}", prov["prompt_hash"]) and prov["seed"] == 1


def test_written_report_is_self_contained_and_shows_what_was_sent(streamed, tmp_path):
    result, _ = streamed
    paths = write_report(result, tmp_path / "out")
    html = paths["html"].read_text()
    md = paths["md"].read_text()
    verdict = json.loads(paths["json"].read_text())
    assert verdict["status"] == result.status
    assert verdict["verdict"] == (result.answer.verdict if result.answer else None)
    assert [f["id"] for f in verdict["findings"]] == [f.fid for f in result.findings]
    assert "Written by SmolLM2-135M-Instruct.Q4_1.gguf (built-in, on this computer)" in html
    assert verdict["provenance"]["app_version"]
    # three inline charts, no external assets or scripts
    assert html.count("<svg") == 3
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert "url(" not in html
    # the exact messages sent are shown (HTML-escaped in the page, verbatim in Markdown)
    first = result.attempts[0]  # a composed interpretation sends only the answer form
    user_msg = (first.messages or first.form_messages)[1]["content"]
    assert user_msg in md
    assert "answer format (JSON schema)" in md and '"S6"' in md  # the schema, with the real ids
    assert result.findings[1].text.replace("'", "&#39;") in html and result.findings[1].text in md
    for key in ("prompt hash", "temperature", "seed", "app version", "date", "model"):
        assert key in html and key in md
    if result.answer:
        assert result.answer.verdict.lower() in html.lower()


def test_model_text_cannot_inject_html(streamed, tmp_path):
    result, _ = streamed
    result.attempts[0].output = "<script>alert(1)</script>"
    if result.answer:
        result.answer.rationale = "<script>alert(1)</script>"
    html = write_report(result, tmp_path)["html"].read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_truncated_output_gets_one_retry_then_findings_only_report(embedded, evidence, tmp_path):
    # The token limit is the free-text pass's, which runs when no per-finding reading passed.
    result = generate_report(evidence, embedded, "won_lost", temperature=0.0, seed=1, max_tokens=6,
                             per_finding=False)
    assert result.status == "failed" and result.answer is None
    assert len(result.attempts) == 2  # the first try and exactly one retry
    assert result.attempts[0].problems  # the 6-token text fails the checks
    paths = write_report(result, tmp_path)
    html = paths["html"].read_text()
    assert "What the evidence shows" in html and "F1" in html  # the findings are intact
    assert "built-in model could not give a meaningful interpretation" in html
    assert "Retry" in html
    assert json.loads(paths["json"].read_text())["verdict"] is None


def test_empty_timeline_never_calls_the_model(tmp_path):
    # A back-end that cannot be reached: any call would raise instead of returning a result.
    nowhere = OpenAIBackend(f"http://127.0.0.1:{free_port()}", model="m", retries=0)
    ev = build_evidence([], fps=25, duration_s=30)
    result = generate_report(ev, nowhere, "stress")
    assert result.status == "empty" and result.attempts == []
    html = write_report(result, tmp_path)["html"].read_text()
    assert "nothing was sent to a model" in html and "Nothing was sent to any model." in html


def test_cancel_stops_generation_quickly(embedded, evidence):
    cancel = threading.Event()
    t0 = time.monotonic()
    with pytest.raises(CancelledError):
        generate_report(evidence, embedded, "free", on_token=lambda _: cancel.set(), cancel=cancel, **GEN)
    assert time.monotonic() - t0 < 30


def test_a_file_that_is_not_a_model_gives_a_clear_error(tmp_path):
    bad = tmp_path / "notes.gguf"
    bad.write_text("this is not a model")
    with pytest.raises(LLMError, match="notes.gguf is not a GGUF language model"):
        LlamaCppBackend(bad, n_ctx=512, n_threads=1)
    with pytest.raises(LLMError, match="does not exist"):
        LlamaCppBackend(tmp_path / "missing.gguf")
