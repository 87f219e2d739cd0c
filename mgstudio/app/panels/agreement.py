"""The agreement dock: how well annotators agree, and where they do not.

Pick two or more annotators' tiers, press *Compare*: Cohen's kappa for every pair (frame by
frame), the modified kappa of Holle & Rein (gesture by gesture), Fleiss' kappa for three or more,
segment F1 at several overlaps, and the list of disagreements. Double-clicking a disagreement opens its item at its first frame, so the team
can look at the moment together. The figures can be saved as CSV and HTML.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QDockWidget, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QListWidget,
    QListWidgetItem, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from mgstudio.app.widgets.dialogs import show_error
from mgstudio.app.concurrency.workers import Worker


class AgreementDock(QDockWidget):
    """Inter-rater agreement between the project's human tiers."""

    def __init__(self, state: Any, parent: QWidget | None = None) -> None:
        super().__init__("Agreement", parent)
        self.setObjectName("AgreementDock")
        self.state = state
        self.report: Any = None
        self.worker: Worker | None = None
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(QLabel("Annotators to compare:"))
        self.tiers = QListWidget()
        self.tiers.setMaximumHeight(110)
        lay.addWidget(self.tiers)
        self.current_only = QCheckBox("Only the current item")
        lay.addWidget(self.current_only)
        overlap_row = QHBoxLayout()
        overlap_row.addWidget(QLabel("Gestures match when they overlap by at least"))
        self.overlap = QSpinBox()
        self.overlap.setRange(10, 100)
        self.overlap.setSingleStep(5)
        self.overlap.setValue(60)
        self.overlap.setSuffix(" %")
        self.overlap.setToolTip("Holle & Rein's linking criterion: the frames both segments cover, as a share "
                                "of the frames either covers (EasyDIAg and ELAN use 60 %)")
        overlap_row.addWidget(self.overlap)
        overlap_row.addStretch(1)
        lay.addLayout(overlap_row)
        row = QHBoxLayout()
        self.compare_btn = QPushButton("Compare")
        self.save_btn = QPushButton("Save CSV + HTML…")
        self.save_btn.setEnabled(False)
        row.addWidget(self.compare_btn)
        row.addWidget(self.save_btn)
        lay.addLayout(row)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.RichText)
        lay.addWidget(self.summary)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Item", "Where", "Annotator A", "Annotator B", "Frames"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setSortingEnabled(False)
        lay.addWidget(self.table, 1)
        self.setWidget(w)
        self.compare_btn.clicked.connect(self.compare)
        self.save_btn.clicked.connect(lambda: self.save())
        self.table.cellDoubleClicked.connect(self.jump_to_row)
        state.projectChanged.connect(lambda *_: self.refresh_tiers())
        self.refresh_tiers()

    def refresh_tiers(self) -> None:
        self.tiers.clear()
        project = self.state.project
        if project is None:
            return
        for t in project.tiers():
            if t.kind != "human":
                continue
            it = QListWidgetItem(t.name)
            it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
            it.setCheckState(Qt.Checked)
            self.tiers.addItem(it)

    def checked_tiers(self) -> list[str]:
        return [self.tiers.item(i).text() for i in range(self.tiers.count())
                if self.tiers.item(i).checkState() == Qt.Checked]

    def compare(self) -> Worker | None:
        project = self.state.project
        if project is None:
            return None
        tiers = self.checked_tiers()
        if len(tiers) < 2:
            show_error(self, "Tick at least two annotators to compare.")
            return None
        items = [self.state.item_id] if self.current_only.isChecked() and self.state.item_id is not None else None
        from mgstudio.core.agreement import agreement

        self.summary.setText("Comparing…")
        self.worker = Worker(agreement, project, tiers, items, min_overlap=self.overlap.value() / 100.0,
                             title="Comparing annotators", pass_progress=False, pass_cancel=False)
        self.worker.succeeded.connect(self.show_report)
        self.worker.failed.connect(lambda e: (self.summary.setText(""), show_error(self, e)))
        self.worker.start()
        return self.worker

    def show_report(self, report: Any) -> None:
        self.report = report
        self.save_btn.setEnabled(True)
        lines = []
        for p in report.pairs:
            f1 = p.segment_scores.get(0.3) or next(iter(p.segment_scores.values()))
            lines.append(f"<b>{p.tier_a}</b> vs <b>{p.tier_b}</b>: Cohen's κ = {p.kappa:.2f} (frame by frame), "
                         f"segment F1 (overlap &gt; 0.3) = {f1.f1:.2f}, {len(p.disagreements)} disagreement(s)")
            if p.events is not None:
                lines.append("&nbsp;&nbsp;gesture by gesture: " + html.escape(p.events.summary()))
        if report.fleiss is not None:
            lines.append(f"Fleiss' κ over {len(report.tiers)} annotators = {report.fleiss:.2f}")
        lines.append("<span style='color:gray'>κ: 1 is perfect agreement, 0 is what chance would give.</span>")
        self.summary.setText("<br>".join(lines))
        rows = [(p, d) for p in report.pairs for d in p.disagreements]
        self.table.setRowCount(len(rows))
        self._rows = rows
        for r, (p, d) in enumerate(rows):
            cells = [d.item, d.where, f"{p.tier_a}: {d.label_a}", f"{p.tier_b}: {d.label_b}", str(d.end - d.start)]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def jump_to_row(self, row: int, _col: int = 0) -> None:
        """Open the disagreement's item at its first frame."""
        _, d = self._rows[row]
        if self.state.item_id != d.item_id:
            self.state.set_item(d.item_id)
        self.state.set_frame(d.start)

    def save(self, folder: str | Path | None = None) -> list[Path]:
        if self.report is None:
            return []
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Save the agreement report in…")
            if not folder:
                return []
        from mgstudio.formats.agreement_report import write_agreement_csv, write_agreement_html

        try:
            return write_agreement_csv(self.report, folder) + [
                write_agreement_html(self.report, Path(folder) / "agreement.html")]
        except Exception as exc:
            show_error(self, exc)
            return []
