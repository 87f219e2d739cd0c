"""Dialogs for starting work: "Who is coding?" and New project (name, folder, label set, coder).

``CoderDialog(known, current)`` asks for the coder's name (``name`` after OK); the name is what
goes on that person's tier, in the audit log and in their own undo history.
``NewProjectDialog(coder)`` asks where the project goes, which built-in taxonomy (or JSON file)
it codes with, and who codes; ``path``, ``taxonomy`` and ``coder`` after OK.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from mgstudio.core.errors import MGStudioError
from mgstudio.core.taxonomy import builtin_taxonomies, load_taxonomy

DEFAULT_TAXONOMY = "imigue"
FROM_FILE = "__file__"


# What each built-in label set is for, in the words of the people choosing one (the JSON files'
# own descriptions are for developers); a taxonomy added later shows its name and description.
FRIENDLY = {
    "imigue": ("iMiGUE micro-gestures", "The 32 micro-gestures of the iMiGUE interview corpus (Liu et al., "
               "CVPR 2021), such as “turtle neck” or “folding arms”, plus “non-MG”. The recognizer that comes "
               "with MG Studio knows these; the usual choice for a micro-gesture study."),
    "movement": ("Movement events only", "One label, “movement event”: mark when something moves and decide "
                 "later what it is (or code with your own labels, added with Edit ▸ Edit labels…)."),
    "gesture_phases": ("Gesture phases", "Kendon's phases of a gesture: rest, preparation, stroke, hold and "
                       "retraction."),
    "utkinect": ("UTKinect actions", "The 10 everyday actions of the UTKinect-Action3D research data set "
                 "(walk, sit down, wave hands, …)."),
    "msr_action3d": ("MSR Action3D actions", "The 20 actions of the MSR Action3D research data set (arm waves, "
                     "punches, drawing shapes in the air, …)."),
}


def taxonomy_choices() -> list[tuple[str, str, str]]:
    """(name, one-line title, description) of each built-in taxonomy, iMiGUE first."""
    out = []
    for name in builtin_taxonomies():
        try:
            tax = load_taxonomy(name)
        except MGStudioError:
            continue  # a damaged built-in file: not offered
        n = len(tax.labels)
        title, desc = FRIENDLY.get(name, (name, tax.description or ""))
        out.append((name, f"{title} ({n} label{'s' * (n != 1)})", desc))
    out.sort(key=lambda t: (t[0] != DEFAULT_TAXONOMY, t[0]))
    return out


class CoderDialog(QDialog):
    """"Who is coding?": an editable list of the names that coded here before."""

    def __init__(self, known: list[str], current: str = "", parent: QWidget | None = None,
                 first_run: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("CoderDialog")
        self.setWindowTitle("Who is coding?")
        self.name = ""
        intro = QLabel(
            ("Welcome to MG Studio. " if first_run else "")
            + "Who is coding on this computer now? Your name goes on your own tier of the timeline "
              "(marked “(you)”), in the project's record of who changed what, and Ctrl+Z undoes only "
              "your own edits. A colleague sharing this computer chooses File ▸ Switch coder… first.")
        intro.setWordWrap(True)
        self.combo = QComboBox()
        self.combo.setObjectName("CoderName")
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for n in dict.fromkeys(c for c in ([current] if current else []) + list(known) if c):
            self.combo.addItem(n)
        self.combo.setCurrentText(current)
        self.combo.lineEdit().setPlaceholderText("Your name or initials, e.g. “Anna K.”")
        self.combo.setMinimumWidth(280)
        self.problem = QLabel("")
        self.problem.setObjectName("CoderProblem")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Code as this person")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Coder:", self.combo)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.combo.lineEdit().textChanged.connect(self._check)
        self._check()

    def _problem(self, text: str) -> str:
        text = text.strip()
        if not text:
            return "Type a name to code under."
        if text.lower() == "proposals":
            return "“proposals” is the model's tier; choose another name."
        return ""

    def _check(self, *_args: object) -> None:
        why = self._problem(self.combo.currentText())
        self.problem.setText(why if self.combo.currentText() else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not why)

    def accept(self) -> None:
        if self._problem(self.combo.currentText()):
            return
        self.name = self.combo.currentText().strip()
        super().accept()


class NewProjectDialog(QDialog):
    """New project: its name and folder, the label set it codes with, and who codes."""

    def __init__(self, coder: str = "", start_dir: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NewProjectDialog")
        self.setWindowTitle("New project")
        self.path: Path | None = None
        self.taxonomy: str = DEFAULT_TAXONOMY
        self.coder = ""
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Interview study 2026")
        self.folder_edit = QLineEdit(start_dir or str(Path.home()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.tax_combo = QComboBox()
        self.tax_combo.setObjectName("TaxonomyChoice")
        for name, title, desc in taxonomy_choices():
            self.tax_combo.addItem(title, name)
            self.tax_combo.setItemData(self.tax_combo.count() - 1, desc, Qt.ItemDataRole.ToolTipRole)
        self.tax_combo.addItem("From a file (JSON)…", FROM_FILE)
        self.tax_file = ""
        self.tax_about = QLabel()
        self.tax_about.setObjectName("TaxonomyAbout")
        self.tax_about.setWordWrap(True)
        self.tax_combo.currentIndexChanged.connect(self._taxonomy_changed)
        self.coder_edit = QLineEdit(coder)
        self.coder_edit.setPlaceholderText("Your name or initials")
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Project name:", self.name_edit)
        form.addRow("Save in folder:", folder_row)
        form.addRow("Labels to code with:", self.tax_combo)
        form.addRow("", self.tax_about)
        form.addRow("Coder:", self.coder_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create project")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel("Labels can be renamed, added and merged later (Edit ▸ Edit labels…)."))
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._taxonomy_changed()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Where should the project be saved?", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _taxonomy_changed(self, *_args: object) -> None:
        key = self.tax_combo.currentData()
        if key == FROM_FILE:
            path, _ = QFileDialog.getOpenFileName(self, "A taxonomy file", "", "Taxonomies (*.json);;All files (*)")
            if not path:
                self.tax_combo.setCurrentIndex(0)
                return
            self.tax_file = path
            self.tax_about.setText(f"Labels from {path}")
            return
        self.tax_about.setText(str(self.tax_combo.currentData(Qt.ItemDataRole.ToolTipRole) or ""))

    def check(self) -> str:
        """Why the form cannot be used yet ("" when it can)."""
        if not self.name_edit.text().strip():
            return "Give the project a name."
        if not self.folder_edit.text().strip():
            return "Choose the folder to save the project in."
        if not self.coder_edit.text().strip():
            return "Say who is coding (your name or initials)."
        if self.coder_edit.text().strip().lower() == "proposals":
            return "“proposals” is the model's tier; choose another coder name."
        return ""

    def accept(self) -> None:
        why = self.check()
        self.problem.setText(why)
        if why:
            return
        safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in self.name_edit.text().strip())
        self.path = Path(self.folder_edit.text().strip()).expanduser() / f"{safe}.mgproj"
        key = self.tax_combo.currentData()
        self.taxonomy = self.tax_file if key == FROM_FILE else str(key)
        self.coder = self.coder_edit.text().strip()
        super().accept()


__all__ = ["CoderDialog", "NewProjectDialog", "taxonomy_choices", "DEFAULT_TAXONOMY"]
