"""``ItemDialog``: correct a recording's name, frame rate, subject, split and outcome (Edit
attributes… in the project list). The change is one undoable step (Ctrl+Z)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

SPLIT_CHOICES = ("", "train", "val", "test")


class ItemDialog(QDialog):
    """The fields of one item; :meth:`changes` gives the keyword arguments of ``update_item``."""

    def __init__(self, item: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setWindowTitle(f"Recording “{item.name}”")
        attrs = item.attributes or {}
        self.name_edit = QLineEdit(item.name)
        self.fps_edit = QLineEdit(f"{item.fps:g}")
        if item.kind == "video":
            self.fps_edit.setEnabled(False)
            self.fps_edit.setToolTip("A video's frame rate is read from the file itself.")
        else:
            self.fps_edit.setToolTip("Frames per second, e.g. 25 or 29.97. OpenPose folders record none, so "
                                     "check it: segments keep their frames, times in seconds follow the rate.")
        self.subject_edit = QLineEdit(str(attrs.get("subject", "") or ""))
        self.subject_edit.setPlaceholderText("who is recorded, e.g. P07")
        self.split_box = QComboBox()
        self.split_box.addItems(["(none)", "train", "val", "test"])
        split = str(attrs.get("split", "") or "")
        self.split_box.setCurrentIndex(SPLIT_CHOICES.index(split) if split in SPLIT_CHOICES else 0)
        self.outcome_edit = QLineEdit(str(attrs.get("outcome", "") or ""))
        self.outcome_edit.setPlaceholderText("a known outcome, e.g. won or lost")
        form = QFormLayout()
        form.addRow("Name:", self.name_edit)
        form.addRow("Frame rate (fps):", self.fps_edit)
        form.addRow("Subject:", self.subject_edit)
        form.addRow("Split:", self.split_box)
        form.addRow("Outcome:", self.outcome_edit)

        length = "" if item.frame_count is None else \
            f"{item.frame_count} frames = {length_text(item)} at {item.fps:g} fps. "
        hint = QLabel(f"{length}Datasets are split by subject; evaluation scores the recordings marked "
                      "“test”. Ctrl+Z takes the change back.")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(buttons)
        self.setMinimumWidth(380)

    def changes(self) -> dict[str, Any]:
        """``update_item`` keyword arguments for what the user typed (the store checks them)."""
        out: dict[str, Any] = {"name": self.name_edit.text(), "subject": self.subject_edit.text(),
                               "split": SPLIT_CHOICES[self.split_box.currentIndex()],
                               "outcome": self.outcome_edit.text()}
        if self.item.kind != "video":
            out["fps"] = self.fps_edit.text().strip()
        return out


def length_text(item: Any) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour) of an item at its frame rate; ``?`` when unknown."""
    d = item.duration
    if d is None:
        return "?"
    s = int(round(d))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
