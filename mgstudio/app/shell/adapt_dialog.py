"""Tools ▸ "Adapt to this study…": self-supervised training of the recognizer on the project's own
skeletons (:func:`mgstudio.workflows.adapt.run_adapt`) in a child process, with progress, the time
left, Cancel (the steps done so far are saved and usable) and, on the next run, a continuation from
where the last one stopped. Afterwards it says in plain words what changed.
"""

from __future__ import annotations

import time
from typing import Any, TYPE_CHECKING

import shiboken6
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLayout, QProgressBar,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from mgstudio.app.concurrency.workers import ProcessWorker
from mgstudio.core.errors import MGStudioError

if TYPE_CHECKING:
    from mgstudio.core.project import Project

INTRO = ("The recognizer learns what the people, camera and skeletons of this project look like, from "
         "every skeleton in it. No coding is used and nothing in your coding changes. It can take a while "
         "on a computer without a graphics card; you can cancel at any time and continue later.")


def time_left(seconds: float) -> str:
    """'about 2 h left' / 'about 4 min left' / 'about 20 s left'."""
    if seconds >= 5400:
        return f"about {seconds / 3600:.0f} h left"
    if seconds >= 90:
        return f"about {seconds / 60:.0f} min left"
    return f"about {max(1, round(seconds))} s left"


def what_changed(result: dict) -> str:
    """The plain-words account of a finished (or time-limited) run."""
    before = int(result.get("started_at") or 0)
    run = int(result["steps"]) - before
    cont = f"continued from the {before} steps of an earlier run, " if before else ""
    return (f"Done: the recognizer {cont}trained {run} more steps on {result['windows']} stretches of this "
            f"project's skeletons ({result['steps']} steps in all, on {result['device'].upper()}), saved as "
            f"{result['file']} in the project. Label models you learn from now on (Tools ▸ Learn from my labels) "
            "use it. Your coding, your current label model and the proposals already made are unchanged: "
            "learn again, then run Find gestures again to get proposals from the adapted recognizer.")


class AdaptDialog(QDialog):
    """The dialog; ``start()`` runs the job. Tests set ``step_budget`` (total steps) and ``batch_size``
    for a run of a few seconds."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AdaptDialog")
        self.setWindowTitle("Adapt to this study")
        self.project = project
        self.step_budget: int | None = None
        self.batch_size, self.checkpoint_every = 32, 50
        self.worker: ProcessWorker | None = None
        self.result: dict | None = None
        self._t0, self._done0 = 0.0, None

        lay = QVBoxLayout(self)
        lay.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # never squeeze the wrapped text
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 600)
        self.minutes.setValue(10)
        self.minutes.setSuffix(" min")
        form.addRow("Train for", self.minutes)
        self.fresh = QCheckBox("Start again from the built-in recognizer")
        form.addRow("", self.fresh)
        lay.addLayout(form)
        self.before = QLabel(self._before_text())
        self.before.setWordWrap(True)
        lay.addWidget(self.before)
        self.bar = QProgressBar()
        self.bar.hide()
        lay.addWidget(self.bar)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.buttons = QDialogButtonBox()
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the current step; the steps done so far are saved and usable")
        self.cancel_button.setEnabled(False)
        self.close_button = QPushButton("Close")
        for b, role in ((self.start_button, QDialogButtonBox.ButtonRole.AcceptRole),
                        (self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole),
                        (self.close_button, QDialogButtonBox.ButtonRole.RejectRole)):
            self.buttons.addButton(b, role)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        lay.addWidget(self.buttons)
        self.resize(620, 0)

    # ------------------------------------------------------------------ text
    def _saved_steps(self) -> int:
        """Steps saved in the project's adapted recognizer (0: none, or the project was closed)."""
        from mgstudio.workflows.adapt import STATE_KEY, adapted_path

        try:
            st = self.project.get_state(STATE_KEY) or {}
            return int(st.get("steps") or 0) if adapted_path(self.project).exists() else 0
        except MGStudioError:
            return 0

    def _before_text(self) -> str:
        steps = self._saved_steps()
        if not steps:
            return "This project has not been adapted yet: training starts from the built-in recognizer."
        return (f"Adapted before: {steps} steps are saved. This run continues from there "
                "(tick the box above to start again instead).")

    # ------------------------------------------------------------------ the job
    def start(self) -> ProcessWorker | None:
        from mgstudio.workflows.adapt import run_adapt

        if self.worker is not None and self.worker.isRunning():
            return self.worker
        kw: dict[str, Any] = {"fresh": self.fresh.isChecked(), "batch_size": self.batch_size,
                              "checkpoint_every": self.checkpoint_every, "annotator": self.project.annotator}
        if self.step_budget is not None:
            kw["steps"] = self.step_budget
        else:
            kw["minutes"] = float(self.minutes.value())
        w = ProcessWorker(run_adapt, str(self.project.path), title="Adapting the recognizer to this study", **kw)
        w.progress.connect(self._progress)
        w.succeeded.connect(self._finished)
        w.cancelled.connect(self._cancelled)
        w.failed.connect(self._failed)
        w.done.connect(self._ended)
        self.worker, self.result = w, None
        self._t0, self._done0 = time.monotonic(), None
        self.bar.setRange(0, 0)
        self.bar.show()
        self.status.setText("Starting (loading the recognizer and this project's skeletons)…")
        self.start_button.setEnabled(False)
        self.minutes.setEnabled(False)
        self.fresh.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.adjustSize()  # room for the bar and the status line
        w.start()
        return w

    def cancel(self) -> None:
        if self.worker is not None and self.worker.isRunning():
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Stopping after the current step; the steps done so far are being saved…")

    def _progress(self, done: int, total: int) -> None:
        if not shiboken6.isValid(self):
            return
        now = time.monotonic()
        if self._done0 is None:  # the first report: count the speed from here (loading is not training)
            self._t0, self._done0 = now, done
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        ran = done - self._done0
        left = "working out the time left" if ran <= 0 else time_left((now - self._t0) / ran * max(0, total - done))
        if self.cancel_button.isEnabled():
            self.status.setText(f"Step {done} of {total}, {left}.")

    def _finished(self, result: dict) -> None:
        self.result = result
        self.status.setText(what_changed(result))
        self.adjustSize()  # the account is several lines: show all of it
        self._tell_window("Adapted the recognizer to this study; learn again, then Find gestures again, to use it.")

    def _cancelled(self) -> None:
        steps = self._saved_steps()
        saved = f"{steps} steps are saved" if steps else "the steps done so far are saved"
        self.status.setText(f"Cancelled: {saved} and already usable; Continue carries on from there.")
        self._tell_window("Adapting the recognizer: cancelled; the steps done are saved.")

    def _failed(self, exc: MGStudioError) -> None:
        self.status.setText(str(exc))

    def _ended(self) -> None:
        if not shiboken6.isValid(self):
            return
        self.bar.hide() if self.result is None else self.bar.setValue(self.bar.maximum())
        self.start_button.setEnabled(True)
        self.start_button.setText("Train more" if self.result is not None else
                                  "Continue" if self.worker is not None and self.worker.was_cancelled else "Start again")
        self.minutes.setEnabled(True)
        self.fresh.setEnabled(True)
        self.fresh.setChecked(False)
        self.cancel_button.setEnabled(False)
        self.before.setText(self._before_text())

    def _tell_window(self, text: str) -> None:
        show = getattr(self.parent(), "show_message", None)
        if callable(show):
            show(text)


def open_adapt_dialog(window: Any) -> AdaptDialog | None:
    """The menu entry's slot: one dialog per window, kept while its job runs (closing it does not stop it:
    the status bar still shows the job and its Cancel)."""
    project = getattr(window, "project", None)
    if project is None:
        window.show_message("Open a project first.")
        return None
    if project.read_only:
        window.show_message("This project is open read-only, so the adapted recognizer cannot be saved.")
        return None
    dlg = getattr(window, "_adapt_dialog", None)
    if dlg is None or not shiboken6.isValid(dlg) or dlg.project is not project:
        dlg = AdaptDialog(project, window)
        window._adapt_dialog = dlg
    dlg.show()
    dlg.raise_()
    return dlg
