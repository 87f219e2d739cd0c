"""Bad input for the report: empty, one and 1,000 segments; a model server (a real
``http.server`` in a thread) that streams garbage or stops mid-answer; a model file that is not
GGUF. Each gives one clear sentence, and the evidence report is still written."""

from __future__ import annotations

import http.server
import json

import pytest

from mgstudio.cli import main
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.reasoning import build_evidence, generate_report, write_report
from mgstudio.reasoning.backends import OpenAIBackend

from .conftest import seg

GEN = {"temperature": 0.0, "seed": 3, "max_tokens": 80}


def _sse(chunks: list[dict]) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)


def _delta(text: str) -> dict:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


class _Garbage(http.server.BaseHTTPRequestHandler):
    """Says it streams events, then sends lines that are not server-sent events."""

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b"<html>502 bad gateway</html>\n\x00\xff\xfe garbage\n{not json}\n")

    def log_message(self, *args):
        pass


class _Cutoff(http.server.BaseHTTPRequestHandler):
    """Streams the start of a good answer, then closes the connection (no [DONE])."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(_sse([_delta("Most gestures were 'touching face' "), _delta("(F2), and")]))
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass



@pytest.fixture(scope="module")
def evidence():
    segs = [seg(25, 75, "touching face", 1), seg(300, 360, "arms crossed", 2),
            seg(700, 760, "touching face", 3), seg(900, 960, "touching face", 4)]
    return build_evidence(segs, fps=25, duration_s=60)


def _sentence(text: str) -> None:
    assert text and len(text) <= 300 and "Traceback" not in text and "\n" not in text, text


@pytest.mark.parametrize(
    "handler, words",
    [(_Garbage, "not an answer"), (_Cutoff, "stopped in the middle of its answer")],
)
def test_a_server_that_streams_garbage_or_stops_gives_one_sentence_and_the_evidence(
    local_server, evidence, tmp_path, handler, words
):
    url = local_server(handler)
    result = generate_report(evidence, OpenAIBackend(url, model="m", retries=0), **GEN)
    assert result.status == "unavailable" and result.answer is None
    assert words in result.error and "127.0.0.1" in result.error
    _sentence(result.error)
    paths = write_report(result, tmp_path)
    html = paths["html"].read_text()
    assert "What the evidence shows" in html and "F1" in html and words in html
    assert "Most gestures were" not in html  # half an answer is never shown as an interpretation
    verdict = json.loads(paths["json"].read_text())
    assert verdict["verdict"] is None and verdict["status"] == "unavailable"
    assert verdict["findings"][0]["text"].startswith("4 micro-gestures")


def test_empty_timeline_writes_an_evidence_only_report(local_server, tmp_path):
    url = local_server(_Garbage)  # would fail if it were called
    ev = build_evidence([], fps=25, duration_s=120)
    result = generate_report(ev, OpenAIBackend(url, model="m", retries=0), **GEN)
    assert result.status == "empty" and result.attempts == [] and result.findings == []
    md = write_report(result, tmp_path)["md"].read_text()
    assert "no micro-gestures" in md


def test_one_segment_gives_findings_and_a_checked_answer(embedded, tmp_path):
    ev = build_evidence([seg(100, 160, "touching face", 1)], fps=25, duration_s=90)
    result = generate_report(ev, embedded, **GEN)
    assert result.findings[0].text.startswith("1 micro-gesture in 1.5 min")
    assert result.status in ("ok", "repaired", "failed")
    if result.answer is None:
        assert result.attempts and all(a.problems for a in result.attempts)
    html = write_report(result, tmp_path)["html"].read_text()
    assert "S1" in html and "touching face" in html


def test_a_thousand_segments_are_summarised_in_the_prompt_and_all_kept_in_the_report(
    embedded, tmp_path
):
    labels = ["touching face", "arms crossed", "scratching head", "rubbing hands", "folding arms"]
    segs = [Segment(1, 1, 20 + 45 * k, 50 + 45 * k, labels[(k * 7) % 5 if k % 3 else 0], id=k + 1)
            for k in range(1000)]
    ev = build_evidence(segs, fps=25, duration_s=1000 * 45 / 25 + 10)
    result = generate_report(ev, embedded, **GEN)
    assert result.status in ("ok", "repaired", "failed"), result.error  # never "too long"
    first = result.attempts[0]
    # A composed interpretation sends no free-text request; the answer form carries the findings.
    sent = (first.messages or first.form_messages)[-1]["content"]
    assert "1000 micro-gestures" in sent and "more" in sent  # counted and summarised, not cut
    assert result.attempts[0].prompt_tokens < 1200
    verdict = json.loads(write_report(result, tmp_path)["json"].read_text())
    assert verdict["evidence"]["n_segments"] == 1000
    html = (tmp_path / "report.html").read_text()
    assert ">S1000<" in html  # every segment in the report's table


def test_a_model_file_that_is_not_gguf_still_writes_the_evidence_report(tmp_path, capsys):
    path = tmp_path / "p.mgproj"
    with Project.create(path, taxonomy="imigue", annotator="coder") as p:
        tier = p.ensure_tier("coder").id
        item = p.add_skeleton_item("clip", SkeletonSequence.empty("mediapipe_holistic", 1500, 25.0))
        label = p.taxonomy.names[0]
        p.add_segments([Segment(item.id, tier, 100 + 300 * k, 160 + 300 * k, label) for k in range(4)], "t")
    bad = tmp_path / "notes.gguf"
    bad.write_text("these are my notes, not a model")
    out = tmp_path / "r"
    assert main(["report", str(path), "clip", "--model", str(bad), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "notes.gguf is not a GGUF language model file" in err
    verdict = json.loads((out / "clip" / "verdict.json").read_text())
    assert verdict["status"] == "unavailable" and "notes.gguf" in verdict["status_text"]
    assert verdict["evidence"]["n_segments"] == 4 and verdict["findings"]
    assert "could not be used" in verdict["written_by"]


def test_reports_of_two_recordings_never_overwrite_each_other(tmp_path, capsys):
    """One folder per recording, always, also when two names clean up to the same folder name."""
    path = tmp_path / "p.mgproj"
    with Project.create(path, taxonomy="imigue", annotator="coder") as p:
        tier = p.ensure_tier("coder").id
        for name, n in (("P1 interview", 2), ("P1/interview", 3)):
            item = p.add_skeleton_item(name, SkeletonSequence.empty("mediapipe_holistic", 1500, 25.0))
            p.add_segments([Segment(item.id, tier, 100 + 300 * k, 160 + 300 * k, p.taxonomy.names[0])
                            for k in range(n)], "t")
    bad = tmp_path / "notes.gguf"
    bad.write_text("not a model")  # evidence-only reports: fast, and the folders are what is tested
    out = tmp_path / "r"
    assert main(["report", str(path), "P1 interview", "--model", str(bad), "--out", str(out)]) == 0
    assert main(["report", str(path), "P1 interview", "P1/interview", "--model", str(bad), "--out", str(out)]) == 0
    counts = sorted(json.loads(v.read_text())["evidence"]["n_segments"] for v in out.glob("*/verdict.json"))
    assert counts == [2, 3] and not (out / "verdict.json").exists()
    printed = capsys.readouterr().out
    assert printed.count("report.html") == 3
