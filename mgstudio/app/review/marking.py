"""Coding by hand and labels, for :class:`~mgstudio.app.review.controller.ReviewController` (a
mixin): I/O marks with ELAN's reaction-time offset, the current label, label keys and the picker,
editing the label set (following a renamed label)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog

from mgstudio.core.errors import MGStudioError
from mgstudio.core.segments import Segment
from mgstudio.app.review.dialogs import LabelPicker
from mgstudio.app.review.label_editor import LabelEditor, label_usage

class MarkingAndLabels:
    """Marks and labels (see the module docstring); ``self`` is the review controller."""

    # ------------------------------------------------------------------ coding
    def edit_labels(self, dialog: LabelEditor | None = None) -> bool:
        """Edit labels…: on OK the label set changes and renamed labels follow on every segment,
        as one undoable step."""
        if self.project is None:
            return False
        dlg = dialog or LabelEditor(self.taxonomy, label_usage(self.project), self.keymap, self.window)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.taxonomy is None:
            return False
        renames = {a: b for a, b in dlg.renames.items() if a != b}
        if not renames and dlg.taxonomy.to_dict() == self.taxonomy.to_dict():
            self.message.emit("The labels are unchanged.")  # no undo step: say nothing about Ctrl+Z
            return False
        merged = dict(dlg.merges)
        parts = [f"merge “{a}” into “{b}”" if a in merged else f"rename “{a}” to “{b}”" for a, b in renames.items()]
        what = ("; ".join(parts) if parts else "edit the labels").capitalize()
        try:
            n = self.project.edit_labels(dlg.taxonomy, renames, what)
        except MGStudioError as exc:
            self.message.emit(str(exc))
            return False
        self._label_map = renames  # the label for new segments follows its label
        self._changed()  # views re-read (names, colours); _segments_changed rebuilds the palette
        self._label_map = {}
        self.message.emit(f"Labels saved{f'; {n} segment(s) relabelled' if n else ''}. Ctrl+Z takes it back.")
        return True

    def _taxonomy_key(self) -> Any:
        """What the palette and the label keys show of the label set (compared after changes)."""
        tax = self.taxonomy
        return None if tax is None else tax.to_dict()

    def _labels_changed(self) -> None:
        """The label set changed: palette, label keys and the label for new segments follow
        (through a rename, or its undo and redo, to the label with the same colour and key)."""
        seen = self._taxonomy_seen if isinstance(self._taxonomy_seen, dict) else {}
        old_labels = seen.get("labels", [])
        old_names = [lab.get("name") for lab in old_labels]
        self._taxonomy_seen = self._taxonomy_key()
        self._make_label_actions()
        names = list(getattr(self.taxonomy, "names", []) or [])
        if self.palette_dock is not None:
            self.palette_dock.set_taxonomy(self.taxonomy)
        current = self._label_map.get(self.current_label, self.current_label)  # this window's edit/undo/redo
        self._label_map = {}
        if current not in names:  # changed elsewhere: the new label with its colour and key, else its place
            was = next((lab for lab in old_labels if lab.get("name") == current), {})
            same = [lab.name for lab in getattr(self.taxonomy, "labels", []) or []
                    if lab.name not in old_names and lab.color == was.get("color")
                    and (lab.shortcut or None) == (was.get("shortcut") or None)]
            k = old_names.index(current) if current in old_names else -1
            current = same[0] if same else names[k] if 0 <= k < len(names) else (names[0] if names else None)
        self.set_current_label(current)
        self._timeline_call("repaint_all")

    def set_current_label(self, name: str | None) -> None:
        self.current_label = name
        if self.timeline_dock is not None:
            self.timeline_dock.timeline.set_current_label(name)
        if self.palette_dock is not None:
            self.palette_dock.set_current_label(name)
        self.labelChanged.emit(name)

    def set_mark_in(self, frame: int | None) -> None:
        self.mark_in_frame = frame
        if self.timeline_dock is not None:
            self.timeline_dock.timeline.set_marks(frame, None)

    def my_tier(self) -> Any:
        """The current annotator's tier (created when missing)."""
        p = self.project
        return p.ensure_tier(p.annotator, annotator=p.annotator)

    # ------------------------------------------------------------------ reaction time (ELAN's delayed marking)
    REACTION_KEY = "review/reaction_ms"

    def _load_reaction_ms(self) -> int:
        s = self.settings or QSettings()
        try:
            return max(0, min(1000, int(round(float(s.value(self.REACTION_KEY, 0))))))
        except (TypeError, ValueError, OverflowError):  # junk in the settings file: off
            return 0

    def set_reaction_ms(self, ms: int) -> None:
        """Marks made while playing are set this much earlier (0: where the playhead is)."""
        self.reaction_ms = max(0, min(1000, int(ms)))
        (self.settings or QSettings()).setValue(self.REACTION_KEY, self.reaction_ms)

    def ask_reaction_ms(self) -> None:
        """Edit ▸ Reaction time when marking…: ask for the milliseconds."""
        from PySide6.QtWidgets import QInputDialog, QSpinBox

        dlg = QInputDialog(self.window)
        dlg.setWindowTitle("Reaction time when marking")
        dlg.setLabelText("When you press I or O while the video plays, set the mark this much earlier, to\n"
                         "make up for the time it takes to react (0 = exactly where the playhead is; about\n"
                         "200-300 ms is typical). Marks made while paused are always exact.")
        dlg.setInputMode(QInputDialog.InputMode.IntInput)
        dlg.setIntRange(0, 1000)
        dlg.setIntStep(10)
        dlg.setIntValue(self.reaction_ms)
        spin = dlg.findChild(QSpinBox)
        if spin is not None:
            spin.setSuffix(" ms")
        if dlg.exec() == QDialog.DialogCode.Accepted:
            ms = dlg.intValue()
            self.set_reaction_ms(ms)
            self.message.emit(f"Marks made while playing are set {ms} ms earlier." if ms else
                              "Marks are set where the playhead is.")

    def _mark_frame(self) -> tuple[int, int]:
        """(frame to mark, frames taken off for the reaction time) for I and O."""
        st = self.state
        if not st.playing or self.playing_backwards or not self.reaction_ms:
            return st.frame, 0
        back = int(round(self.reaction_ms / 1000.0 * st.fps * st.speed))
        frame = max(0, st.frame - back)
        return frame, st.frame - frame

    def mark_in(self) -> None:
        """I: the new segment starts at the current frame (earlier by the reaction time while playing)."""
        if self.state.item_id is None:
            return
        frame, back = self._mark_frame()
        self.set_mark_in(frame)
        early = f" ({back} frames before the playhead, for your reaction time)" if back else ""
        self.message.emit(f"Start marked at frame {frame}{early}; press O at its last frame.")

    def mark_out(self) -> Segment | None:
        """O: the new segment ends with the current frame; it is created on your tier."""
        if self.state.item_id is None:
            return None
        if self.mark_in_frame is None:
            self.message.emit("Press I at the first frame of the gesture first, then O at its last frame.")
            return None
        if not self.current_label:
            self.message.emit("Pick a label first (click one in the label palette or press its key).")
            return None
        end = self._mark_frame()[0]
        if self.state.frame >= self.mark_in_frame:  # O after I: the reaction time never puts the end before I
            end = max(end, self.mark_in_frame)
        a, b = sorted((self.mark_in_frame, end))
        made = self.edits.create_segment(self.state.item_id, self.my_tier().id, a, b + 1, self.current_label)
        if made is not None:
            self.set_mark_in(None)
            self.state.set_selection([made.id])
        return made

    def apply_label(self, name: str) -> None:
        """A label key or palette click: relabel the selection, or choose the label for new segments."""
        sel = self.state.selection
        if not sel:
            self.set_current_label(name)
            self.message.emit(f"New segments will be “{name}”.")
            return
        # a rejected proposal is not coding: the edit path refuses to revive it as "edited"
        if self.edits.relabel(sel, name):
            self.set_current_label(name)

    def deselect(self) -> None:
        """Escape: nothing selected (label keys then choose the label for new segments)."""
        if self.state.selection:
            self.state.set_selection([])
            self.message.emit("Nothing selected.")

    def relabel(self, picker: LabelPicker | None = None) -> str | None:
        """Enter: choose a new label for the selection in a quick picker (type, Enter)."""
        sel = self.state.selection
        if not sel:
            self.message.emit("Select a segment first (click it, or press N or U).")
            return None
        current = self.project.segment(sel[0]).label
        dlg = picker or LabelPicker(self.taxonomy, current, self.window)
        if dlg.exec() != QDialog.DialogCode.Accepted or not dlg.chosen:
            return None
        self.apply_label(dlg.chosen)
        return dlg.chosen
