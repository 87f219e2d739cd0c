"""The status-bar panel that shows the running background job: title, progress bar, Cancel."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from mgstudio.app.concurrency.workers import Worker, WorkerRegistry


class WorkerPanel(QWidget):
    """Status-bar panel: the running job's title, a progress bar and a Cancel button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this job (work done so far is kept where possible)")
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self._cancel)
        self.workers: list[Worker] = []
        self.hide()

    def follow(self, registry: WorkerRegistry) -> None:
        """Show every job started from now on (panels' jobs too), not only those attached."""
        registry.add_listener(self.attach, owner=self)

    def attach(self, worker: Worker) -> None:
        """Show ``worker``'s progress until it is done (several jobs: the newest is shown)."""
        if worker in self.workers or worker.isFinished():
            return
        self.workers.append(worker)
        worker.progress.connect(lambda d, t, w=worker: shiboken6.isValid(self) and self._on_progress(w, d, t))
        worker.done.connect(lambda w=worker: shiboken6.isValid(self) and self._on_done(w))
        self._show(worker)

    def _show(self, worker: Worker) -> None:
        self.label.setText(worker.title + "…")
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.cancel_button.setEnabled(True)
        self.show()

    def _on_progress(self, worker: Worker, done: int, total: int) -> None:
        if self.workers and worker is self.workers[-1]:
            if total > 0:
                self.bar.setRange(0, total)
                self.bar.setValue(min(done, total))
            else:
                self.bar.setRange(0, 0)

    def _on_done(self, worker: Worker) -> None:
        if worker in self.workers:
            self.workers.remove(worker)
        if self.workers:
            self._show(self.workers[-1])
        else:
            self.hide()

    def _cancel(self) -> None:
        if self.workers:
            self.workers[-1].cancel()
            self.label.setText(self.workers[-1].title + " — stopping…")
            self.cancel_button.setEnabled(False)

    @property
    def busy(self) -> bool:
        return bool(self.workers)
