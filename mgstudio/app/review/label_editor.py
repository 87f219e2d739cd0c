"""Edit labels…: the project's label set (name, colour, key, description) as a table.

Renaming a label renames it on every segment that has it; the whole edit is one undoable step
(:meth:`Project.edit_labels`). A label still in use cannot be removed (rename it instead), so no
segment is ever left with a label the project no longer knows.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QColorDialog, QDialog, QDialogButtonBox, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from mgstudio.app.review.keymap import conflicts
from mgstudio.app.review.palette import swatch
from mgstudio.core.errors import MGStudioError
from mgstudio.core.taxonomy import Label, Taxonomy

if TYPE_CHECKING:
    from mgstudio.core.project import Project

COL_COLOR, COL_NAME, COL_KEY, COL_DESC, COL_USED = range(5)
HEADERS = ("Colour", "Label", "Key", "Description", "Segments")
NEW_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")
ORIGINAL = Qt.ItemDataRole.UserRole  # on the name cell: the label's name when the dialog opened
LABEL = Qt.ItemDataRole.UserRole + 1  # on the name cell: the Label it started as (None: new)


class LabelEditor(QDialog):
    """``LabelEditor(taxonomy, usage, keymap)``; on OK, ``taxonomy`` and ``renames`` hold the result.

    ``usage`` counts the segments of each label (all recordings); ``keymap`` is the review keys,
    which a label key must not take.
    """

    def __init__(self, taxonomy: Taxonomy, usage: Counter, keymap: dict[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit labels")
        self.original = taxonomy
        self.usage = Counter(usage)
        self.keymap = dict(keymap or {})
        self.taxonomy: Taxonomy | None = None
        self.renames: dict[str, str] = {}
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(COL_DESC, QHeaderView.ResizeMode.Interactive)
        for c in (COL_COLOR, COL_KEY, COL_USED):
            head.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(COL_DESC, 220)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        for lab in taxonomy.labels:
            self._append(lab, lab.name, lab)
        self.table.itemChanged.connect(lambda _it: self.check())

        self.add_button = QPushButton("Add label")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.color_button = QPushButton("Colour…")
        self.add_button.clicked.connect(self.add_label)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.color_button.clicked.connect(self._pick_color)
        row_buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.color_button, self.up_button, self.down_button):
            row_buttons.addWidget(b)
        row_buttons.addStretch(1)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c03000;")
        self.info = QLabel()  # what OK will do beyond the table (merges)
        self.info.setWordWrap(True)
        self.merges: list[tuple[str, str]] = []
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel("Double-click a cell to change it (the colour: double-click the swatch). Renaming a "
                      "label renames it on all its segments; renaming it to another label's name merges "
                      "the two. Edit ▸ Undo takes the whole change back.")
        hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(hint)
        lay.addWidget(self.table, 1)
        lay.addLayout(row_buttons)
        lay.addWidget(self.problem)
        lay.addWidget(self.info)
        lay.addWidget(self.buttons)
        self.resize(820, 560)
        self.check()

    # ------------------------------------------------------------------ rows
    def _append(self, lab: Label, original: str | None, start: Label | None, row: int | None = None) -> int:
        """Insert a row for ``lab``; ``original`` is its name when the dialog opened (None: new)."""
        row = self.table.rowCount() if row is None else row
        self.table.blockSignals(True)
        self.table.insertRow(row)
        color = QTableWidgetItem(swatch(lab.color, 16), "")
        color.setData(Qt.ItemDataRole.UserRole, lab.color)
        color.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        color.setToolTip("Double-click to choose the colour")
        name = QTableWidgetItem(lab.name)
        name.setData(ORIGINAL, original)
        name.setData(LABEL, start)
        used = QTableWidgetItem(str(self.usage.get(original, 0) if original else 0))
        used.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        used.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for col, it in ((COL_COLOR, color), (COL_NAME, name), (COL_KEY, QTableWidgetItem(lab.shortcut or "")),
                        (COL_DESC, QTableWidgetItem(lab.description or "")), (COL_USED, used)):
            self.table.setItem(row, col, it)
        self.table.blockSignals(False)
        return row

    def _row_label(self, row: int) -> Label:
        name_item = self.table.item(row, COL_NAME)
        start: Label | None = name_item.data(LABEL)
        key = self.table.item(row, COL_KEY).text().strip()
        return Label(name_item.text().strip(), self.table.item(row, COL_COLOR).data(Qt.ItemDataRole.UserRole),
                     shortcut=key or None, code=start.code if start is not None else None,
                     description=self.table.item(row, COL_DESC).text().strip())

    def add_label(self, name: str = "") -> int:
        """A new row, its name cell ready for typing; returns the row."""
        taken = {self.table.item(r, COL_COLOR).data(Qt.ItemDataRole.UserRole) for r in range(self.table.rowCount())}
        color = next((c for c in NEW_COLORS if c not in taken), NEW_COLORS[self.table.rowCount() % len(NEW_COLORS)])
        row = self._append(Label(name or "new label", color), None, None)
        self.table.selectRow(row)
        self.table.setCurrentCell(row, COL_NAME)
        if not name:
            self.table.editItem(self.table.item(row, COL_NAME))
        self.check()
        return row

    def remove_selected(self) -> bool:
        """Remove the selected label, unless segments still use it (then say what to do)."""
        row = self.table.currentRow()
        if row < 0:
            return False
        original = self.table.item(row, COL_NAME).data(ORIGINAL)
        n = self.usage.get(original, 0) if original else 0
        if n:
            self.problem.setText(f"“{original}” is on {n} segment(s), so it stays. To merge it into another "
                                 "label, rename it to that label's name; to retire it, relabel its segments first.")
            return False
        self.table.removeRow(row)
        self.check()
        return True

    def move_selected(self, step: int) -> None:
        row = self.table.currentRow()
        dest = row + step
        if row < 0 or not 0 <= dest < self.table.rowCount():
            return
        item = self.table.item(row, COL_NAME)
        lab, original, start = self._row_label(row), item.data(ORIGINAL), item.data(LABEL)
        self.table.removeRow(row)
        self._append(lab, original, start, row=dest)
        self.table.selectRow(dest)
        self.check()

    def set_color(self, row: int, color: str) -> None:
        item = self.table.item(row, COL_COLOR)
        item.setData(Qt.ItemDataRole.UserRole, QColor(color).name().upper())
        item.setIcon(swatch(QColor(color).name(), 16))
        self.check()

    def _pick_color(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        c = QColorDialog.getColor(QColor(self.table.item(row, COL_COLOR).data(Qt.ItemDataRole.UserRole)), self,
                                  f"Colour of “{self.table.item(row, COL_NAME).text()}”")
        if c.isValid():
            self.set_color(row, c.name())

    def _double_clicked(self, row: int, col: int) -> None:
        if col == COL_COLOR:
            self.table.setCurrentCell(row, col)
            self._pick_color()

    # ------------------------------------------------------------------ result
    def build(self) -> tuple[Taxonomy, dict[str, str]]:
        """The edited label set and the renames; raises MGStudioError with a plain sentence.

        An existing label renamed to the name of another label is merged into it: it leaves the
        set and its segments take the other label (``merges`` lists these)."""
        rows = [(self._row_label(r), self.table.item(r, COL_NAME).data(ORIGINAL)) for r in range(self.table.rowCount())]
        # names a renamed label merges into: labels keeping their name, and new labels
        claimed = {lab.name for lab, original in rows if original == lab.name or not original}
        renames: dict[str, str] = {}
        merges: list[tuple[str, str]] = []
        kept: list[Label] = []
        names: set[str] = set()
        for lab, original in rows:
            if original and original != lab.name:
                renames[original] = lab.name
                if lab.name in names or lab.name in claimed:  # onto another label: a merge
                    merges.append((original, lab.name))
                    continue
            names.add(lab.name)
            kept.append(lab)  # a new row repeating a name stays: Taxonomy refuses it with the reason
        tax = Taxonomy(self.original.name, kept, self.original.description)  # validates (FormatError)
        problems = conflicts(self.keymap, {lab.name: lab.shortcut for lab in kept if lab.shortcut})
        if problems:
            raise MGStudioError(" ".join(problems))
        self.merges = merges
        return tax, renames

    def check(self) -> bool:
        """Show the first problem under the table and enable OK only without one."""
        try:
            self.build()
        except MGStudioError as exc:
            self.problem.setText(str(exc))
            self.info.setText("")
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return False
        self.problem.setText("")
        self.info.setText(" ".join(
            f"“{a}” will be merged into “{b}” ({self.usage.get(a, 0)} segment(s) take the label “{b}”)."
            for a, b in self.merges))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        return True

    def accept(self) -> None:
        try:
            self.taxonomy, self.renames = self.build()
        except MGStudioError as exc:
            self.problem.setText(str(exc))
            return
        super().accept()


def label_usage(project: Project) -> Counter:
    """How many segments (all recordings, all tiers) carry each label."""
    return Counter(project.label_counts())
