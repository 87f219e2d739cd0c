"""The overall interpretation joined from the checked per-finding readings: what it holds, that
the gates still read it (and still reject the issue's real bad outputs), and the whole report
through a real HTTP server (``http.server`` in a thread) that answers like a model would: sound
readings, a server that stops in the middle of the answer form, and one that streams letter salad.
"""

from __future__ import annotations

import http.server
import json

import pytest

from mgstudio.reasoning import build_evidence, generate_report, write_report
from mgstudio.reasoning.backends import OpenAIBackend
from mgstudio.reasoning.findings import compute_findings
from mgstudio.reasoning.gates import GateInput, run_gates
from mgstudio.reasoning.narration import Narration, Reading, check_sentence
from mgstudio.reasoning.prompts import get_scenario
from mgstudio.reasoning.report import compose_interpretation

from .conftest import seg

GEN = {"temperature": 0.0, "seed": 3, "max_tokens": 80}
FACE = "Touching the face now and then might be an effort to calm oneself."


def _reading(fid: str, text: str) -> Reading:
    return Reading(fid, "", (), text=text)


@pytest.fixture(scope="module")
def evidence():
    segs = [seg(25, 75, "touching face", 1), seg(300, 360, "arms crossed", 2),
            seg(700, 760, "touching face", 3), seg(900, 960, "touching face", 4)]
    return build_evidence(segs, fps=25, duration_s=60)


def test_readings_are_joined_in_order_with_their_ids_and_said_once():
    nar = Narration("m", [_reading("F2", FACE), Reading("F3", "", (), text="Bad.", problems=["x"]),
                          _reading("F5", "Folding arms now and then might indicate a need for comfort."),
                          _reading("F6", FACE)])
    assert compose_interpretation(nar) == (
        "Touching the face now and then might be an effort to calm oneself (F2, F6). "
        "Folding arms now and then might indicate a need for comfort (F5).")


def test_a_composed_text_of_real_readings_passes_where_only_their_shared_form_repeats():
    """Gemma 3 270M's three kept readings of bench timeline 40: 'now and then might' recurs
    because each sentence was written on its own in the same form; as one free narrative the
    loop gate rejects it, as a composition of checked sentences it is not a loop."""
    labels = ["scratching or touching head"] * 4 + ["folding arms"] * 3 + ["minaret gesture"] * 2
    segs = [seg(100 + 400 * k, 150 + 400 * k, lab, k + 1) for k, lab in enumerate(labels)]
    ev = build_evidence(segs, fps=25, duration_s=160)
    fs = compute_findings(ev)
    assert [f.labels for f in fs[1:4]] == [[lab] for lab in dict.fromkeys(labels)]
    text = ("Scratching the head now and then might indicate a need to calm oneself (F2). Folding arms "
            "now and then might indicate a need for comfort (F3). Minaret gesture now and then might "
            "indicate a wish to appear confident (F4).")
    sc = get_scenario("standout")
    g = GateInput(text, "a clear pattern", "low", ["F2", "F3", "F4"], [], sc.question)
    assert any("repeats itself" in p for p in run_gates(g, ev, fs, sc.verdicts))
    assert run_gates(g, ev, fs, sc.verdicts, composed=True) == []


@pytest.mark.parametrize("text, verdict, problem", [
    ("The player won the match with 2 gestures, which is a win. The player lost the match, but the "
     "other two gestures were not lost.", "won", "opposite outcomes"),
    (" ".join(["the rest of the question is based on the evidence given"] * 4), "cannot tell", "repeats itself"),
    ("The rest of the question is based on the evidence given. " * 3, "cannot tell", "repeats a sentence"),
    ("The player who performed the most press-ups touched the face 3 times, so he won.", "won", "press-ups"),
    ("The densest burst occurred twice, and the touching face gestures rose towards the end.", "cannot tell",
     "burst happened twice"),
])
def test_the_issues_bad_outputs_still_fail_when_read_as_a_composition(evidence, text, verdict, problem):
    sc = get_scenario("won_lost")
    g = GateInput(text, verdict, "low", [], [], sc.question, "post-match press conference")
    problems = run_gates(g, evidence, compute_findings(evidence), sc.verdicts, composed=True)
    assert any(problem in p for p in problems), problems


class _Model(http.server.BaseHTTPRequestHandler):
    """Answers like a chat model: a sound reading for the 'touching face' finding, a bare
    restatement for every other finding (dropped by the sentence gates), and the answer form."""

    form = b""  # set per subclass: what the answer-form request gets
    calls: list[str] = []

    def _send(self, text: str) -> None:
        chunks = [{"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]},
                  {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n")

    def answer(self, payload: dict) -> None:
        last = payload["messages"][-1]["content"]
        if payload["messages"][0]["content"].startswith("Fill in the answer form"):
            self.calls.append("form")
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(self.form)
            self.wfile.flush()
            self.close_connection = True
        elif last.rstrip().endswith("Cautious reading:"):
            self.calls.append("reading")
            finding = last.rsplit("Finding:", 1)[1]
            self._send(FACE if "'touching face' occurred" in finding else "It happened in the recording.")
        else:
            self.calls.append("free text")
            self._send("The densest burst occurred twice, as observed in previous studies.")

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.answer(json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0)))))

    def log_message(self, *args):
        pass


def _form_events(obj: dict) -> bytes:
    text = json.dumps(obj)
    return (b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": "stop"}]})
            .encode() + b"\n\ndata: [DONE]\n\n")


class _Sound(_Model):
    calls: list[str] = []
    form = _form_events({"verdict": "a clear pattern", "confidence": "low", "cited": ["F2"]})


class _FormCutOff(_Model):
    calls: list[str] = []
    form = b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": '{"verdict": "a cl'},
                                                "finish_reason": None}]}).encode() + b"\n\n"


class _Salad(_Model):
    """Well-formed events whose text is letter salad, whatever is asked."""

    calls: list[str] = []

    def answer(self, payload: dict) -> None:
        self.calls.append("salad")
        self._send("Sf ia ia ia ia ia ia ia ia ia ia ia ia ia ia ia ia ia ia")


def test_the_interpretation_is_the_checked_readings_with_the_models_verdict(local_server, evidence, tmp_path):
    assert check_sentence(FACE, compute_findings(evidence)[1], evidence) == []
    result = generate_report(evidence, OpenAIBackend(local_server(_Sound), model="m", retries=0), **GEN)
    assert result.status == "ok" and result.composed
    assert result.answer.rationale == FACE[:-1] + " (F2)."
    assert result.answer.verdict == "a clear pattern" and result.answer.cited_segments == ["F2"]
    assert "free text" not in _Sound.calls  # no free narrative is asked for when a reading passed
    html = write_report(result, tmp_path)["html"].read_text()
    assert "joined in the order of the findings" in html and "calm oneself (F2)." in html
    verdict = json.loads((tmp_path / "verdict.json").read_text())
    assert verdict["interpretation"] == "composed from the checked readings"


def test_a_server_that_stops_in_the_answer_form_keeps_the_readings_and_the_evidence(
        local_server, evidence, tmp_path):
    result = generate_report(evidence, OpenAIBackend(local_server(_FormCutOff), model="m", retries=0), **GEN)
    assert result.status == "unavailable" and result.answer is None
    assert "stopped in the middle of its answer" in result.error and len(result.error) <= 300
    html = write_report(result, tmp_path)["html"].read_text()
    assert "What the evidence shows" in html and "stopped in the middle" in html
    assert "calm oneself. <b>(F2)</b>" in html  # the checked reading still stands, marked as a reading
    assert "a cl" not in html.split("What was sent")[0]  # half an answer form is never shown


def test_a_server_that_streams_letter_salad_gets_no_interpretation_but_the_evidence(
        local_server, evidence, tmp_path):
    result = generate_report(evidence, OpenAIBackend(local_server(_Salad), model="m", retries=0), **GEN)
    assert result.status in ("failed", "unavailable") and result.answer is None
    assert not result.narration.kept
    md = write_report(result, tmp_path)["md"].read_text()
    assert "could not give a meaningful interpretation" in md or "No interpretation" in md
    assert "4 micro-gestures" in md
    shown = md.split("## What was sent")[0]
    assert "ia ia ia" not in shown


def test_an_effort_to_calm_oneself_does_not_say_the_person_was_relaxed(evidence):
    """A vetted self-touch reading in the stress scenario: trying to calm oneself is not being
    calm, so it does not contradict the verdict 'stressed'; saying the person was calm still does."""
    sc = get_scenario("stress")
    fs = compute_findings(evidence)
    ok = GateInput(FACE[:-1] + " (F2).", "stressed", "low", ["F2"], [], sc.question)
    assert run_gates(ok, evidence, fs, sc.verdicts, composed=True) == []
    bad = GateInput("The person was calm while touching the face (F2).", "stressed", "low", ["F2"], [], sc.question)
    assert any("but the verdict is 'stressed'" in p for p in run_gates(bad, evidence, fs, sc.verdicts, composed=True))


def test_the_free_text_that_passed_in_the_benchmark_but_invents_a_trauma_now_fails(evidence):
    """SmolLM2's free narrative of bench timeline 25 passed every gate until 'trauma' and
    'psychological issue' were counted as things the evidence does not hold."""
    text = ("The most significant micro-gestures are the ones that occur within 1 s. This suggests a high level "
            "of engagement and unease, which may indicate an underlying psychological issue or trauma to some "
            "extent (F3).")
    sc = get_scenario("standout")
    g = GateInput(text, "no clear pattern", "medium", ["F3"], [], sc.question)
    assert any("trauma" in p for p in run_gates(g, evidence, compute_findings(evidence), sc.verdicts))
