"""The label palette: the project's taxonomy as a list of colour swatches with their keys.

Clicking a label (or pressing its key) relabels the selected segments, or, with nothing
selected, chooses the label that new segments get (mouse drag on the timeline or I/O keys).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QDockWidget, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)


def swatch(color: str, size: int = 14) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setBrush(QColor(color))
    p.setPen(QColor(color).darker(150))
    p.drawRoundedRect(0, 0, size - 1, size - 1, 3, 3)
    p.end()
    return QIcon(pm)


class LabelList(QListWidget):
    """Taxonomy labels with swatch, name and key; ``labelChosen(name)`` on click or Enter."""

    labelChosen = Signal(str)

    def __init__(self, taxonomy: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIconSize(QSize(14, 14))
        self.setUniformItemSizes(True)
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)
        self.set_taxonomy(taxonomy)

    def sizeHint(self) -> QSize:
        """Four rows preferred; the list grows into whatever room the dock has and scrolls the
        rest. (Qt's default, 192 px, became the dock's minimum through the word-wrapped hint below
        it, so a laptop screen showed a second scroll bar beside the list's own.)"""
        row = self.sizeHintForRow(0) if self.count() else self.fontMetrics().height() + 4
        return QSize(super().sizeHint().width(), 4 * max(row, 1) + 2 * self.frameWidth())

    def set_taxonomy(self, taxonomy: Any) -> None:
        self.clear()
        for lab in getattr(taxonomy, "labels", []) or []:
            key = f"   [{lab.shortcut}]" if lab.shortcut else ""
            it = QListWidgetItem(swatch(lab.color), f"{lab.name}{key}")
            it.setData(Qt.ItemDataRole.UserRole, lab.name)
            it.setToolTip(lab.description or lab.name)
            self.addItem(it)

    def filter(self, text: str) -> None:
        t = text.strip().lower()
        first = None
        for i in range(self.count()):
            it = self.item(i)
            hide = bool(t) and t not in it.text().lower()
            it.setHidden(hide)
            if not hide and first is None:
                first = it
        if first is not None:
            self.setCurrentItem(first)

    def mark_current(self, name: str | None) -> None:
        """Show which label new segments get (bold)."""
        for i in range(self.count()):
            it = self.item(i)
            f = it.font()
            f.setBold(it.data(Qt.ItemDataRole.UserRole) == name)
            it.setFont(f)

    def _clicked(self, it: QListWidgetItem) -> None:
        self.labelChosen.emit(it.data(Qt.ItemDataRole.UserRole))


class LabelPaletteDock(QDockWidget):
    """Dockable label palette. ``LabelPaletteDock(taxonomy)``; emits ``labelChosen(name)``.

    The review controller connects it: a chosen label relabels the selection, or becomes the
    label for new segments when nothing is selected (shown in bold).
    """

    labelChosen = Signal(str)
    editRequested = Signal()

    def __init__(self, taxonomy: Any, parent: QWidget | None = None) -> None:
        super().__init__("Labels", parent)
        self.setObjectName("LabelPaletteDock")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a label…")
        self.search.setClearButtonEnabled(True)
        self.list = LabelList(taxonomy)
        self.list.labelChosen.connect(self.labelChosen)
        self.search.textChanged.connect(self.list.filter)
        self.current = QLabel()
        self.current.setWordWrap(True)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.search)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.current)
        self.edit_button = QPushButton("Edit labels…")
        self.edit_button.setToolTip("Add, rename or recolour labels and set their keys")
        self.edit_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay the review's
        self.edit_button.clicked.connect(self.editRequested)
        lay.addWidget(self.edit_button)
        self.setWidget(body)
        self.set_current_label(None)

    def set_taxonomy(self, taxonomy: Any) -> None:
        self.list.set_taxonomy(taxonomy)

    def set_current_label(self, name: str | None) -> None:
        self.list.mark_current(name)
        self.current.setText(f"New segments: <b>{name}</b>" if name else
                             "Click a label to use it for new segments, or to relabel the selection.")
