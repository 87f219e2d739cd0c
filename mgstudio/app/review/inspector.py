"""The segment inspector: everything about the selected segment; the note is editable.

Shows label, first and last frame with their timecodes, length, status, who made it (a person
or the model), the model's confidence, the annotator, why the model proposed it (in plain words,
from the proposal's note) and a note. The note is saved (one undo
step) when the user leaves the field or presses Ctrl+Enter.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDockWidget, QFormLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from mgstudio.core.errors import MGStudioError
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.timebase import timecode
from mgstudio.recognition.coldstart import confidence_in_words, why_in_words
from mgstudio.app.session.actions import EditActions
from mgstudio.app.session.state import AppState

STATUS_TEXT = {Status.PROPOSED: "proposed by the model, not reviewed yet", Status.ACCEPTED: "accepted",
               Status.REJECTED: "rejected", Status.EDITED: "proposal corrected by a person"}


class SegmentInspectorDock(QDockWidget):
    """Dockable details of one segment of ``state.project``. ``SegmentInspectorDock(state)``; call
    :meth:`show_segment` with a segment id (or ``None``); another project shows none. Emits
    ``edited`` after saving a note.
    """

    edited = Signal()
    message = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__("Segment", parent)
        self.setObjectName("SegmentInspectorDock")
        self.state = state
        self.segment: Segment | None = None
        self.fps = 25.0
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, title in (("label", "Label"), ("start", "Starts"), ("end", "Ends"), ("length", "Length"),
                           ("status", "Status"), ("source", "Made by"), ("confidence", "Confidence"),
                           ("annotator", "Annotator"), ("why", "Why")):
            lab = QLabel()
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lab.setWordWrap(True)
            self.fields[key] = lab
            form.addRow(title + ":", lab)
        self._form = form
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("A note about this segment (saved when you leave the field)")
        self.note.setMaximumHeight(80)
        self.note.installEventFilter(self)
        form.addRow("Note:", self.note)
        self.empty = QLabel("Select a segment on the timeline or in the proposals list.")
        self.empty.setWordWrap(True)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.empty)
        lay.addLayout(form)
        lay.addStretch(1)
        self.setWidget(body)
        self.show_segment(None)
        state.projectChanged.connect(lambda _p: self.show_segment(None))

    @property
    def project(self) -> Any:
        return self.state.project

    def show_segment(self, seg_id: int | None) -> None:
        """Show the segment with this id (re-read from the project), or the empty message."""
        self._save_note()
        seg = None
        if seg_id is not None and self.project is not None:
            try:
                seg = self.project.segment(seg_id)
            except MGStudioError:
                seg = None
        self.segment = seg
        for lab in self.fields.values():
            lab.setText("")
        self._form.setRowVisible(self.fields["why"], False)
        self.empty.setVisible(seg is None)
        self.note.setEnabled(seg is not None)
        self.note.blockSignals(True)
        self.note.setPlainText(seg.note if seg is not None else "")
        self.note.blockSignals(False)
        if seg is None:
            return
        item = self.project.item(seg.item_id)
        self.fps = float(item.fps) if item is not None and item.fps else 25.0
        f = self.fields
        f["label"].setText(f"<b>{seg.label}</b>")
        f["start"].setText(f"frame {seg.start}  ·  {timecode(seg.start, self.fps)}")
        f["end"].setText(f"frame {seg.end - 1}  ·  {timecode(seg.end, self.fps)}")
        f["length"].setText(f"{seg.length} frames  ·  {seg.length / self.fps:.2f} s")
        f["status"].setText(STATUS_TEXT.get(seg.status, seg.status.value))
        f["source"].setText("the model" if seg.source == Source.MODEL else "a person")
        # only a model's note speaks for its score; a person's note is just text
        f["confidence"].setText(confidence_in_words(seg.confidence, seg.note if seg.source == Source.MODEL else None))
        f["annotator"].setText(seg.annotator or "—")
        why = why_in_words(seg.note) if seg.source == Source.MODEL else None
        f["why"].setText(why or "")
        self._form.setRowVisible(f["why"], bool(why))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self.note:
            if event.type() == QEvent.Type.FocusOut:
                self._save_note()
            elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and \
                    event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                    event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self._save_note()
                return True
        return super().eventFilter(obj, event)

    def _save_note(self) -> None:
        seg = self.segment
        if seg is None or self.project is None:
            return
        text = self.note.toPlainText()
        if text == seg.note:
            return
        # the one edit path; ``edited`` only once the shown segment holds the new note (its
        # listeners re-read this panel, which would otherwise save the old text again)
        new = EditActions(lambda: self.project, lambda: None, self.message.emit).set_note(seg.id, text)
        if new is not None:
            self.segment = new
            self.edited.emit()
