"""The emotion-report dock: the findings computed from the current item's micro-gestures appear
at once; a local (or your own) language model's short interpretation then streams in as prose,
marked as a draft until MG Studio's checks pass, with the model that wrote it named. The report
is saved as HTML, Markdown or PDF.

Only the MG timeline (labels, times, counts; no names, paths, frames or faces) is sent, and the
dock says so. The embedded model runs on this computer; an HTTP server is used only when the user
types its address.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, TYPE_CHECKING

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDockWidget, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QSizePolicy, QSplitter, QTextBrowser, QVBoxLayout, QWidget,
)

from mgstudio.app.widgets.dialogs import show_error
from mgstudio.app.concurrency.workers import Worker

if TYPE_CHECKING:
    from mgstudio.core.project import Project

PRIVACY = ("Only the micro-gesture timeline is sent to the model: labels, times and counts, plus your "
           "context line. No file names, video frames or faces. Labels and context you type go out as "
           "written. The built-in model runs on this computer.")


class ReportDock(QDockWidget):
    """Findings at once, then the streamed interpretation; save as HTML, Markdown or PDF."""

    token = Signal(str)  # a piece of the model's narrative, emitted from the worker thread
    findings_ready = Signal(object)  # the findings (list), emitted before the model is asked

    def __init__(self, state: Any, parent: QWidget | None = None) -> None:
        super().__init__("Emotion report", parent)
        self.setObjectName("ReportDock")
        self.state = state
        self.worker: Worker | None = None
        self.result: Any = None
        w = QWidget()
        inputs = QWidget()
        form = QFormLayout(inputs)
        form.setContentsMargins(0, 0, 0, 0)
        self.scenario = QComboBox()
        from mgstudio.reasoning.prompts import SCENARIOS

        for name, sc in SCENARIOS.items():
            self.scenario.addItem(sc.title, name)
        self.question = QLineEdit()
        self.question.setPlaceholderText("optional: your own question")
        self.context = QLineEdit()
        self.context.setPlaceholderText("optional: the setting, e.g. post-match press conference")
        self.include = QCheckBox("Include un-reviewed model proposals")
        self.backend = QComboBox()
        self.backend.addItem("Built-in model (on this computer)", "embedded")
        self.backend.addItem("Model server (Ollama, llama.cpp, …)", "http")
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText("http://localhost:11434/v1")
        self.model = QLineEdit()
        self.model.setPlaceholderText("model name or GGUF file (empty: default)")
        form.addRow("Question", self.scenario)
        form.addRow("", self.question)
        form.addRow("Context", self.context)
        form.addRow("", self.include)
        form.addRow("Language model", self.backend)
        form.addRow("Server address", self.base_url)
        form.addRow("Model", self.model)
        # The inputs keep their height whatever the report shows below them.
        inputs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.backend.currentIndexChanged.connect(self._backend_changed)
        self._backend_changed()
        privacy = QLabel(PRIVACY)
        privacy.setWordWrap(True)
        privacy.setStyleSheet("color: gray;")
        privacy.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.findings = QTextBrowser()
        self.findings.setOpenExternalLinks(False)
        self.findings.setPlaceholderText("What the evidence shows appears here first, computed "
                                         "without any model.")
        self.written_by = QLabel("")
        self.written_by.setWordWrap(True)
        self.written_by.setStyleSheet("color: gray;")
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The model's interpretation appears here as it is written.")
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.generate_btn = QPushButton("Write report")
        self.cancel_btn = QPushButton("Cancel")
        self.save_btn = QPushButton("Save report…")
        self.save_btn.setToolTip("Save as HTML (with charts), Markdown or PDF")
        self.cancel_btn.setEnabled(False)
        self.save_btn.setEnabled(False)
        buttons = QHBoxLayout()
        for b in (self.generate_btn, self.cancel_btn, self.save_btn):
            buttons.addWidget(b)
        narrative = QWidget()
        nl = QVBoxLayout(narrative)
        nl.setContentsMargins(0, 0, 0, 0)
        nl.addWidget(self.written_by)
        nl.addWidget(self.output, 1)
        nl.addWidget(self.verdict)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.findings)
        self.split.addWidget(narrative)
        self.split.setChildrenCollapsible(False)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        lay = QVBoxLayout(w)
        lay.addWidget(inputs)
        lay.addWidget(privacy)
        lay.addLayout(buttons)
        lay.addWidget(self.split, 1)
        self.setWidget(w)
        self.generate_btn.clicked.connect(self.generate)
        self.cancel_btn.clicked.connect(self.cancel)
        self.save_btn.clicked.connect(lambda: self.save_as())
        self.token.connect(self._append, Qt.QueuedConnection)
        self.findings_ready.connect(self._show_findings, Qt.QueuedConnection)

    def _backend_changed(self) -> None:
        remote = self.backend.currentData() == "http"
        self.base_url.setEnabled(remote)

    def _append(self, text: str) -> None:
        self.output.moveCursor(self.output.textCursor().MoveOperation.End)
        self.output.insertPlainText(text)

    def _show_findings(self, findings: list[Any], narration: Any = None) -> None:
        from mgstudio.reasoning.findings import LIMITS

        if not findings:
            body = "<p>There are no micro-gestures on this item's timeline (with these choices).</p>"
        else:
            body = "<ul>" + "".join(f"<li><b>{escape(f.fid)}</b> {escape(f.text)}</li>" for f in findings) + "</ul>"
        readings = ""
        if narration is not None and narration.readings:
            # Each sentence is the model's, checked on its own; say so beside it.
            items = "".join(f"<li>{escape(r.text)} <b>({escape(r.fid)})</b></li>" for r in narration.kept)
            readings = (f"<h3>Cautious readings, one per finding</h3>"
                        f"{'<ul>' + items + '</ul>' if items else ''}"
                        f"<p style='color:gray'>Written by {escape(narration.model)}, one sentence per finding, "
                        f"each checked by MG Studio on its own. {escape(narration.summary)} Possibilities to "
                        f"check in the video, not findings about the person.</p>")
        self.findings.setHtml(f"<h3>What the evidence shows</h3>{body}{readings}"
                              f"<p style='color:gray'>{escape(LIMITS)}</p>")

    def _model_name(self, kind: str, model: str | None) -> str:
        if kind == "http":
            where = self.base_url.text().strip() or "the server"
            return f"{model or 'the first model'} at {where}"
        if model:
            return f"{Path(model).name} (built-in, on this computer)"
        try:
            from mgstudio.reasoning.backends import default_model_path

            return f"{default_model_path().name} (built-in, on this computer)"
        except Exception:
            return "the built-in model"

    def generate(self) -> Worker | None:
        """Start writing the report in a worker (returns it; None when no item is open)."""
        project, item_id = self.state.project, self.state.item_id
        if project is None or item_id is None:
            show_error(self, "Open an item first: the report is about one recording.")
            return None
        self.output.clear()
        self.findings.setHtml("<p style='color:gray'>Computing the findings…</p>")
        self.verdict.setText("<span style='color:#b05000'>Draft: the text is checked when it is "
                             "complete, and shown as valid only if it passes.</span>")
        self.result = None
        self.save_btn.setEnabled(False)
        kind = self.backend.currentData()
        model = self.model.text().strip() or None
        self.written_by.setText(f"Interpretation being written by {escape(self._model_name(kind, model))}")
        opts = dict(scenario=self.scenario.currentData(), question=self.question.text().strip() or None,
                    context=self.context.text().strip(), include_proposals=self.include.isChecked())
        backend_args = dict(kind=kind, model=model, base_url=self.base_url.text().strip() or None)
        self.worker = Worker(_run_report, project, item_id, backend_args, opts, self.token.emit,
                             self.findings_ready.emit, title="Writing the emotion report",
                             pass_progress=False)
        self.worker.succeeded.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(lambda: self.verdict.setText("Cancelled."))
        self.worker.done.connect(self._finished)
        self.generate_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.worker.start()
        return self.worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _finished(self) -> None:
        self.generate_btn.setEnabled(True)
        self.cancel_btn.setEnabled(False)

    def _failed(self, error: Any) -> None:
        self.verdict.setText("The report could not be written.")
        show_error(self, error)

    def _done(self, result: Any) -> None:
        self.result = result
        self.save_btn.setEnabled(True)
        self._show_findings(result.findings, getattr(result, "narration", None))
        a = result.answer
        self.written_by.setText(f"Overall interpretation written by {escape(result.written_by)}")
        if a is None:
            # Never leave a rejected (or half) text on screen as if it were an interpretation.
            self.output.setPlainText("")
            self.output.setPlaceholderText("No interpretation is shown.")
            tried = ""
            if result.attempts:
                tried = (" The rejected texts and the reasons are in the saved report.")
            self.verdict.setText(escape(result.status_text + tried))
            return
        self.output.setPlainText(a.rationale)
        cited = ", ".join(a.cited_segments) or "none"
        text = (f"<b>{escape(a.verdict)}</b> (confidence: {escape(a.confidence)}) — rests on "
                f"{escape(cited)}<br><span style='color:#206020'>{escape(result.status_text)}</span>")
        if a.flags:
            text += f"<br><span style='color:#b05000'>{escape('; '.join(a.flags))}</span>"
        self.verdict.setText(text)

    def save(self, folder: str | Path | None = None) -> dict[str, Path] | None:
        """Write report.html, report.md and verdict.json into ``folder`` (asks when none)."""
        if self.result is None:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Save the report in…")
            if not folder:
                return None
        from mgstudio.reasoning.report import write_report

        try:
            return write_report(self.result, folder)
        except Exception as exc:
            show_error(self, exc)
            return None

    def save_as(self, path: str | Path | None = None) -> Path | None:
        """Save the report as one file: .html (with charts), .md or .pdf (asks when no path)."""
        if self.result is None:
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Save the report as…", "report.html",
                "Web page (*.html);;Markdown (*.md);;PDF (*.pdf)")
            if not name:
                return None
            path = name
        target = Path(path)
        from mgstudio.core.atomic import atomic_write
        from mgstudio.reasoning.report import render_html, render_markdown

        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            suffix = target.suffix.lower()
            if suffix == ".pdf":
                _write_pdf(render_html(self.result), target)
            else:
                text = render_markdown(self.result) if suffix == ".md" else render_html(self.result)
                with atomic_write(target, "w", encoding="utf-8") as fh:
                    fh.write(text)
        except Exception as exc:
            show_error(self, exc)
            return None
        return target


def _write_pdf(html: str, path: Path) -> None:
    """The HTML report as a PDF (Qt's rich text: the charts are left out, the tables kept)."""
    from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(96)
    doc = QTextDocument()
    doc.setHtml(html)
    doc.setPageSize(writer.pageLayout().paintRectPixels(96).size().toSizeF())
    doc.print_(writer)


def _run_report(project: Project, item_id: int, backend_args: dict[str, Any], opts: dict[str, Any],
                on_token: Any, on_findings: Any, cancel: threading.Event) -> Any:
    from mgstudio.reasoning.backends import LLMError, UnavailableBackend, make_backend
    from mgstudio.reasoning.evidence import build_evidence
    from mgstudio.reasoning.findings import compute_findings
    from mgstudio.reasoning.report import generate_report, study_rates

    ev = build_evidence(project, item_id, include_proposals=opts["include_proposals"],
                        context=opts["context"])
    refs = study_rates(project, exclude=item_id, include_proposals=opts["include_proposals"])
    on_findings(compute_findings(ev, refs))  # shown before the model is even loaded
    try:
        backend = make_backend(**backend_args)
    except LLMError as exc:  # e.g. a file that is not GGUF: the findings stand, with the reason
        backend = UnavailableBackend(exc, Path(backend_args.get("model") or "").name)
    return generate_report(ev, backend, opts["scenario"], opts["question"], reference_rates=refs,
                           on_token=on_token, cancel=cancel)
