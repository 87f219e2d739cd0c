"""``SkeletonRateDialog``: the frame rate and name of a skeleton recording whose files record no
rate (an OpenPose folder), asked when it is added in the window, as ``mgstudio add --fps --name``.

Every time in seconds (lengths, movement thresholds, report times) follows the rate, so it is
asked, never guessed; the name is prefilled from the folder and can be changed to the id a coding
file knows the recording by.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, TYPE_CHECKING

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

if TYPE_CHECKING:
    from mgstudio.core.project import Project

COMMON_RATES = ("25", "29.97", "30", "50", "59.94", "60")
MAX_FPS = 1000.0


def parse_rate(text: str) -> float | None:
    """``25``, ``29,97`` or ``30000/1001`` as frames per second; ``None`` when it is not a usable rate."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        return None
    return value if 0 < value <= MAX_FPS else None


class SkeletonRateDialog(QDialog):
    """Asks the frame rate (common rates offered, any typed) and the recording's name."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Frame rate of “{folder.name}”")
        self.intro = intro = QLabel(f"<b>{folder.name}</b> holds skeleton files (OpenPose) that do not record how many "
                       "frames per second the video had. Every time in seconds — lengths, reports, what "
                       "counts as a short movement — depends on it.<br><br>Look it up in the video's "
                       "properties: often 25 (Europe) or 29.97 / 30 (the Americas).")
        intro.setWordWrap(True)
        self.rate_box = QComboBox()
        self.rate_box.setEditable(True)
        self.rate_box.addItems(COMMON_RATES)
        self.rate_box.setCurrentIndex(-1)
        self.rate_box.lineEdit().setPlaceholderText("e.g. 25")
        self.name_edit = QLineEdit(folder.name)
        self.name_edit.setToolTip("Coding files (ELAN, CSV, BORIS) find the recording by this name")
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Frames per second:", self.rate_box)
        form.addRow("Name in the project:", self.name_edit)
        hint = QLabel("Use the name your coding files give this recording (e.g. its id). Both can be "
                      "corrected later: right-click it in the list ▸ Edit attributes…")
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self.rate_box.currentTextChanged.connect(self._check)
        self.name_edit.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        rate_text = self.rate_box.currentText()
        rate, name = parse_rate(rate_text), self.name_edit.text().strip()
        if rate_text.strip() and rate is None:
            why = f"“{rate_text.strip()}” is not a frame rate: type a number of frames per second, e.g. 25."
        elif not name:
            why = "The recording needs a name."
        else:
            why = ""
        self.problem.setText(why)
        self.problem.setVisible(bool(why))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(rate is not None and bool(name))

    def values(self) -> tuple[float, str] | None:
        """(frames per second, name) when both are usable."""
        rate, name = parse_rate(self.rate_box.currentText()), self.name_edit.text().strip()
        return (rate, name) if rate is not None and name else None


def ask_skeleton_rate(parent: QWidget | None, folder: Path) -> tuple[float, str] | None:
    """Show the dialog; (fps, name), or ``None`` when the user cancels."""
    dlg = SkeletonRateDialog(folder, parent)
    return dlg.values() if dlg.exec() == QDialog.DialogCode.Accepted else None


def add_each(project: Project, jobs: list[tuple[Path, float, str]], progress: Any = None, cancel: Any = None) -> Any:
    """Add each (folder, fps, name) as ``mgstudio add --skeleton F --fps N --name X`` does, one
    after another (a worker's job); one ``AddResult`` for them all."""
    from mgstudio.core.jobs import is_cancelled
    from mgstudio.workflows.ingest import AddResult, add_paths

    out = AddResult()
    for k, (folder, fps, name) in enumerate(jobs):
        if is_cancelled(cancel):
            out.cancelled = True
            break
        try:
            one = add_paths(project, [folder], fps=fps, name=name)
        except Exception as exc:  # noqa: BLE001 - e.g. the name is taken: said, the others still added
            out.problems.append(f"{folder.name}: {exc}")
        else:
            out.added += one.added
            out.problems += one.problems
            out.notes += one.notes
        if progress is not None:
            progress(k + 1, len(jobs))
    return out


__all__ = ["COMMON_RATES", "SkeletonRateDialog", "add_each", "ask_skeleton_rate", "parse_rate"]
