"""Review dialogs: the quick label picker (Enter), the cheat sheet (F1), the keyboard editor."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QKeySequenceEdit, QLabel, QLineEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from mgstudio.app.review.keymap import ACTIONS, conflicts, default_keymap, normalise, save_keymap
from mgstudio.app.review.palette import LabelList


class LabelPicker(QDialog):
    """Type a few letters, press Enter: the quick way to relabel. ``chosen`` holds the result."""

    def __init__(self, taxonomy: Any, current: str | None = None, parent: QWidget | None = None,
                 title: str = "Change label", prompt: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.chosen: str | None = None
        self.prompt = QLabel(prompt)
        self.prompt.setObjectName("LabelPickerPrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setVisible(bool(prompt))
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type to find a label, Enter to apply, Esc to cancel")
        self.list = LabelList(taxonomy)
        self.search.textChanged.connect(self.list.filter)
        self.search.returnPressed.connect(self._accept_current)
        self.list.labelChosen.connect(self._choose)
        lay = QVBoxLayout(self)
        lay.addWidget(self.prompt)
        lay.addWidget(self.search)
        lay.addWidget(self.list)
        self.resize(440, 480)  # iMiGUE's longest names read whole
        if current:
            for i in range(self.list.count()):
                if self.list.item(i).data(Qt.ItemDataRole.UserRole) == current:
                    self.list.setCurrentRow(i)

    def _accept_current(self) -> None:
        it = self.list.currentItem()
        if it is not None and not it.isHidden():
            self._choose(it.data(Qt.ItemDataRole.UserRole))

    def _choose(self, name: str) -> None:
        self.chosen = name
        self.accept()


def cheat_sheet_html(keymap: dict[str, str], taxonomy: Any = None) -> str:
    """The F1 page: every review key, grouped, then the label keys of the taxonomy."""
    native = QKeySequence.SequenceFormat.NativeText
    parts = ["<h2>Keyboard</h2><table cellspacing=0 cellpadding=3>"]
    group = None
    for a in ACTIONS:
        if a.group != group:
            group = a.group
            parts.append(f"<tr><td colspan=2><br><b>{html.escape(group)}</b></td></tr>")
        key = QKeySequence(keymap.get(a.name, a.default)).toString(native) or "—"
        parts.append(f"<tr><td><code>{html.escape(key)}</code></td><td>{html.escape(a.text)}</td></tr>")
    labels = [lab for lab in getattr(taxonomy, "labels", []) or [] if lab.shortcut]
    if labels:
        parts.append("<tr><td colspan=2><br><b>Labels</b> (relabel the selection, or choose the label "
                     "for new segments)</td></tr>")
        for lab in labels:
            parts.append(f"<tr><td><code>{html.escape(lab.shortcut)}</code></td><td>"
                         f"<span style='color:{lab.color}'>■</span> {html.escape(lab.name)}</td></tr>")
    parts.append("</table><p>On the timeline: drag on your tier to create a segment, drag a segment to "
                 "move it, drag its edges to resize it; the mouse wheel zooms, Shift+wheel scrolls.</p>")
    return "".join(parts)


class CheatSheet(QDialog):
    def __init__(self, keymap: dict[str, str], taxonomy: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        view = QTextBrowser()
        view.setHtml(cheat_sheet_html(keymap, taxonomy))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(view)
        lay.addWidget(buttons)
        self.resize(520, 640)


class KeymapDialog(QDialog):
    """Edit the review keys; refuses a key used twice; saves to ``QSettings`` on OK."""

    def __init__(self, keymap: dict[str, str], label_keys: dict[str, str] | None = None,
                 settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.settings = settings
        self.label_keys = label_keys or {}
        self.keymap = dict(keymap)
        self.table = QTableWidget(len(ACTIONS), 2)
        self.table.setHorizontalHeaderLabels(["What it does", "Key"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.edits: dict[str, QKeySequenceEdit] = {}
        for row, a in enumerate(ACTIONS):
            it = QTableWidgetItem(a.text)
            it.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, 0, it)
            ed = QKeySequenceEdit(QKeySequence(self.keymap.get(a.name, a.default)))
            ed.setMaximumSequenceLength(1)
            ed.keySequenceChanged.connect(self._check)
            self.edits[a.name] = ed
            self.table.setCellWidget(row, 1, ed)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c03000;")
        reset = QPushButton("Restore defaults")
        reset.clicked.connect(self.restore_defaults)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton(reset, QDialogButtonBox.ButtonRole.ResetRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Click a key, then press the new key. Label keys are set with Edit ▸ Edit labels…"))
        lay.addWidget(self.table)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.resize(560, 640)
        self._check()

    def current(self) -> dict[str, str]:
        return {name: normalise(ed.keySequence().toString(QKeySequence.SequenceFormat.PortableText))
                for name, ed in self.edits.items()}

    def restore_defaults(self) -> None:
        for name, key in default_keymap().items():
            self.edits[name].setKeySequence(QKeySequence(key))
        self._check()

    def _check(self, *_: Any) -> None:
        problems = conflicts(self.current(), self.label_keys)
        self.problem.setText(" ".join(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)

    def accept(self) -> None:
        if conflicts(self.current(), self.label_keys):
            return
        self.keymap = self.current()
        save_keymap(self.keymap, self.settings)
        super().accept()
