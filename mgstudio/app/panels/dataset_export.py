"""The dataset-export dialog: choose items, tiers and statuses, and write a training dataset
(PYSKL pickle, NTU arrays, CSV manifest and a datasheet), with progress and cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QProgressBar, QPushButton, QSpinBox, QVBoxLayout,
)

from mgstudio.app.widgets.dialogs import show_error
from mgstudio.app.concurrency.workers import Worker

if TYPE_CHECKING:
    from mgstudio.core.project import Project


def _checklist(names: list[str], checked: set[str] | None = None) -> QListWidget:
    lw = QListWidget()
    for n in names:
        it = QListWidgetItem(n)
        it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
        it.setCheckState(Qt.Checked if checked is None or n in checked else Qt.Unchecked)
        lw.addItem(it)
    lw.setMaximumHeight(100)
    return lw


def _checked(lw: QListWidget) -> list[str]:
    return [lw.item(i).text() for i in range(lw.count()) if lw.item(i).checkState() == Qt.Checked]


class DatasetExportDialog(QDialog):
    """Export a labelled skeleton dataset from the open project."""

    def __init__(self, project: Project, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export a dataset")
        self.project = project
        self.worker: Worker | None = None
        self.summary: Any = None
        form = QFormLayout()
        self.folder = QLineEdit()
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder)
        row.addWidget(browse)
        form.addRow("Folder", row)
        self.items = _checklist([it.name for it in project.items()])
        # every tier, the model's too, as the CLI: its accepted and edited proposals are the coder's own
        # decisions (the statuses below keep unreviewed and rejected proposals out)
        self.tiers = _checklist([t.name for t in project.tiers()])
        self.statuses = _checklist(["accepted", "edited", "proposed", "rejected"], {"accepted", "edited"})
        form.addRow("Items", self.items)
        form.addRow("Tiers", self.tiers)
        form.addRow("Statuses", self.statuses)
        self.fmt_pyskl = QCheckBox("PYSKL / MMAction2 pickle")
        self.fmt_ntu = QCheckBox("NTU-style arrays (.npy)")
        for cb in (self.fmt_pyskl, self.fmt_ntu):
            cb.setChecked(True)
        fmts = QVBoxLayout()
        fmts.addWidget(self.fmt_pyskl)
        fmts.addWidget(self.fmt_ntu)
        fmts.addWidget(QLabel("A CSV manifest and a datasheet (README) are always written."))
        form.addRow("Formats", fmts)
        self.coords = QComboBox()
        self.coords.addItem("2D image coordinates", "2d")
        self.coords.addItem("3D world coordinates", "3d")
        form.addRow("Coordinates", self.coords)
        self.seed = QSpinBox()
        self.seed.setRange(0, 10**6)
        form.addRow("Split seed", self.seed)
        self.blur = QCheckBox("Also write video clips with the face blurred")
        form.addRow("", self.blur)
        note = QLabel("Train / validation / test splits are made by subject: no person appears in two splits.")
        note.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_btn = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.cancel_btn = self.buttons.addButton(QDialogButtonBox.Cancel)
        self.export_btn.clicked.connect(self.start)
        self.cancel_btn.clicked.connect(self._cancel)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.progress)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Export the dataset into…")
        if d:
            self.folder.setText(d)

    def options(self) -> Any:
        from mgstudio.workflows.dataset_export import DatasetOptions

        names = set(_checked(self.items))
        fmts = tuple(f for f, cb in (("pyskl", self.fmt_pyskl), ("ntu", self.fmt_ntu)) if cb.isChecked()) + ("csv",)
        return DatasetOptions(
            formats=fmts, item_ids=[it.id for it in self.project.items() if it.name in names],
            tiers=_checked(self.tiers), statuses=tuple(_checked(self.statuses)),
            coords=self.coords.currentData(), seed=self.seed.value(), blur_videos=self.blur.isChecked())

    def start(self) -> Worker | None:
        folder = self.folder.text().strip()
        if not folder:
            show_error(self, "Choose a folder for the dataset first.")
            return None
        from mgstudio.workflows.dataset_export import export_dataset

        opts = self.options()
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.message.setText("Exporting…")
        self.export_btn.setEnabled(False)
        self.worker = Worker(lambda progress, cancel: export_dataset(self.project, Path(folder), opts, progress,
                                                                     cancel.is_set),
                             title="Exporting the dataset")
        self.worker.progress.connect(self._on_progress)
        self.worker.succeeded.connect(self._done)
        self.worker.failed.connect(lambda e: (self.message.setText(""), show_error(self, e)))
        self.worker.cancelled.connect(lambda: self.message.setText("Cancelled: nothing was written."))
        self.worker.done.connect(lambda: self.export_btn.setEnabled(True))
        self.worker.start()
        return self.worker

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)

    def _cancel(self) -> None:
        if self.worker is not None and self.worker.isRunning():
            self.worker.cancel()
        else:
            self.reject()

    def _done(self, summary: Any) -> None:
        self.summary = summary
        subjects = ", ".join(f"{k}: {len(v)}" for k, v in summary.subjects.items())
        text = f"Wrote {summary.clips} clips of {len(summary.classes)} classes to {summary.folder} (subjects — {subjects})."
        if summary.warnings:
            text += " " + " ".join(summary.warnings)
        self.message.setText(text)
        self.cancel_btn.setText("Close")
