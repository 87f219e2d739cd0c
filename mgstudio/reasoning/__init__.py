"""Emotion reasoning: identity-free MG evidence, LLM back-ends, grounded verdicts, reports."""

from mgstudio.reasoning.backends import LLMError, LlamaCppBackend, OpenAIBackend, make_backend
from mgstudio.reasoning.evidence import Evidence, build_evidence, evidence_from_segments
from mgstudio.reasoning.report import (
    ReportResult,
    generate_report,
    make_report,
    render_html,
    render_markdown,
    write_report,
)

__all__ = [
    "Evidence",
    "LLMError",
    "LlamaCppBackend",
    "OpenAIBackend",
    "ReportResult",
    "build_evidence",
    "evidence_from_segments",
    "generate_report",
    "make_backend",
    "make_report",
    "render_html",
    "render_markdown",
    "write_report",
]
