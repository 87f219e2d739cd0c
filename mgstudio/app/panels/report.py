"""The emotion-report dock: ask a local (or your own) language model what the current item's
micro-gestures suggest, watch the answer stream in, then save the report.

Only the MG timeline (labels, times, counts; no names, paths, frames or faces) is sent, and the
dock says so. The embedded model runs on this computer; an HTTP server is used only when the user
types its address.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDockWidget, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from mgstudio.app.dialogs import show_error
from mgstudio.app.workers import Worker

PRIVACY = ("Only the micro-gesture timeline is sent to the model: labels, times and counts. "
           "No names, file names, video frames or faces. The built-in model runs on this computer.")


class ReportDock(QDockWidget):
    """Generate, stream and save an emotion-reasoning report for the current item."""

    token = Signal(str)  # a piece of the model's answer, emitted from the worker thread

    def __init__(self, state: Any, parent: QWidget | None = None) -> None:
        super().__init__("Emotion report", parent)
        self.setObjectName("ReportDock")
        self.state = state
        self.worker: Worker | None = None
        self.result: Any = None
        w = QWidget()
        form = QFormLayout()
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
        self.backend.currentIndexChanged.connect(self._backend_changed)
        self._backend_changed()
        privacy = QLabel(PRIVACY)
        privacy.setWordWrap(True)
        privacy.setStyleSheet("color: gray;")
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The model's answer appears here as it is written.")
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.generate_btn = QPushButton("Write report")
        self.cancel_btn = QPushButton("Cancel")
        self.save_btn = QPushButton("Save report…")
        self.cancel_btn.setEnabled(False)
        self.save_btn.setEnabled(False)
        buttons = QHBoxLayout()
        for b in (self.generate_btn, self.cancel_btn, self.save_btn):
            buttons.addWidget(b)
        lay = QVBoxLayout(w)
        lay.addLayout(form)
        lay.addWidget(privacy)
        lay.addLayout(buttons)
        lay.addWidget(self.verdict)
        lay.addWidget(self.output, 1)
        self.setWidget(w)
        self.generate_btn.clicked.connect(self.generate)
        self.cancel_btn.clicked.connect(self.cancel)
        self.save_btn.clicked.connect(lambda: self.save())
        self.token.connect(self._append, Qt.QueuedConnection)

    def _backend_changed(self) -> None:
        remote = self.backend.currentData() == "http"
        self.base_url.setEnabled(remote)

    def _append(self, text: str) -> None:
        self.output.moveCursor(self.output.textCursor().MoveOperation.End)
        self.output.insertPlainText(text)

    def generate(self) -> Worker | None:
        """Start writing the report in a worker (returns it; None when no item is open)."""
        project, item_id = self.state.project, self.state.item_id
        if project is None or item_id is None:
            show_error(self, "Open an item first: the report is about one recording.")
            return None
        self.output.clear()
        self.verdict.setText("Writing…")
        self.result = None
        kind = self.backend.currentData()
        opts = dict(scenario=self.scenario.currentData(), question=self.question.text().strip() or None,
                    context=self.context.text().strip(), include_proposals=self.include.isChecked())
        backend_args = dict(kind=kind, model=self.model.text().strip() or None,
                            base_url=self.base_url.text().strip() or None)
        self.worker = Worker(_run_report, project, item_id, backend_args, opts, self.token.emit,
                             title="Writing the emotion report", pass_progress=False)
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
        a = result.answer
        if result.status == "empty":
            self.verdict.setText("This item has no reviewed micro-gestures yet, so there is nothing to reason about.")
        elif a is None:
            self.verdict.setText("The model did not give a usable answer; the saved report shows the "
                                 "evidence statistics alone.")
        else:
            cited = ", ".join(a.cited_segments) or "none"
            from html import escape

            text = f"<b>{escape(a.verdict)}</b> (confidence {a.confidence:.0%}) — based on segments {escape(cited)}"
            if a.rationale:
                text += f"<br>Why: {escape(a.rationale)}"
            if a.flags:
                text += f"<br><span style='color:#b05000'>{escape('; '.join(a.flags))}</span>"
            self.verdict.setText(text + "<br><span style='color:gray'>Save the report to read the evidence "
                                 "and exactly what was sent.</span>")

    def save(self, folder: str | Path | None = None) -> dict[str, Path] | None:
        """Write report.html, report.md and verdict.json (asks for a folder when none is given)."""
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


def _run_report(project: Any, item_id: int, backend_args: dict[str, Any], opts: dict[str, Any],
                on_token: Any, cancel: threading.Event) -> Any:
    from mgstudio.reasoning.backends import make_backend
    from mgstudio.reasoning.report import make_report

    backend = make_backend(**backend_args)
    return make_report(project, item_id, backend, on_token=on_token, cancel=cancel, **opts)
