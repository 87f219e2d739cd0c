""""What was sent" tells the truth about typed text: a label a coder made up, or the context line,
goes to the model as written and may hold a name (issue 16.6)."""

from __future__ import annotations

from mgstudio.reasoning import build_evidence, generate_report, write_report
from mgstudio.reasoning.report import free_text_sent, privacy_sentence

from .conftest import seg


def test_built_in_labels_and_no_context_may_say_no_names_are_sent() -> None:
    ev = build_evidence([seg(0, 50, "folding arms", 1), seg(100, 150, "touching jaw", 2)], fps=25, duration_s=60)
    assert free_text_sent(ev) == []
    assert privacy_sentence(ev).startswith("No names, file paths")


def test_a_typed_label_and_the_context_line_are_named_as_sent() -> None:
    ev = build_evidence([seg(0, 50, "folding arms", 1), seg(100, 150, "looks at Dr. Miller", 2)], fps=25,
                        duration_s=60, context="Interview of Anna about her exam")
    sent = privacy_sentence(ev)
    assert "No names" not in sent
    assert "'looks at Dr. Miller'" in sent and "'Interview of Anna about her exam'" in sent
    assert "folding arms" not in sent  # a built-in label is not typed text


def test_the_written_report_says_which_typed_text_went_out(embedded, tmp_path) -> None:
    ev = build_evidence([seg(0, 50, "folding arms", 1), seg(100, 150, "looks at Dr. Miller", 2)], fps=25,
                        duration_s=60, context="Interview of Anna")
    result = generate_report(ev, embedded, max_tokens=48)
    assert result.attempts, "the model was asked"
    files = write_report(result, tmp_path)
    for kind in ("html", "md"):
        text = files[kind].read_text()
        assert "No names, file paths" not in text
        assert "looks at Dr. Miller" in text.split("What was sent", 1)[1]
