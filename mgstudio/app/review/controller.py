"""``ReviewController``: the keyboard-first review, wired to the app state and the review docks.

Construct it once in the main window, after the state::

    review = ReviewController(state, window)            # creates and docks the four docks
    review = ReviewController(state, window, create_docks=False)   # keys only; dock them yourself
    review.timeline_dock, review.palette_dock, review.inspector_dock, review.proposals_dock

Every key is a ``QAction`` on ``window`` (so it works wherever the focus is, except while
typing in a text field) with its shortcut from the user's keymap (``QSettings``, edited with
:meth:`edit_keymap`); label keys come from the project's taxonomy. Each method below is also
callable directly (menus, tests). Every change goes through one ``Project`` call (undoable,
saved at once) followed by ``state.notify_segments_changed()``.

Edge keys (:mod:`~mgstudio.app.review.edges`) move the selected segment's start or end by one
frame or to the playhead (quick repeated nudges of one edge are one undo step), refused with a
sentence at the video's ends
or at one frame long. U keeps a queue (:mod:`~mgstudio.app.review.uncertain`) that this
controller patches from the project's change log after any edit (its own, undo, the timeline's,
another program's) and drops when the log cannot tell, or on another item or project.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QWidget

from mgstudio.core.errors import MGStudioError
from mgstudio.app.session.changes import ChangeTracker
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.app.review.dialogs import CheatSheet, KeymapDialog, LabelPicker
from mgstudio.app.review.edges import Edge, nudge, to_playhead
from mgstudio.app.session import navigation
from mgstudio.app.review.inspector import SegmentInspectorDock
from mgstudio.app.review.keymap import ACTIONS, load_keymap
from mgstudio.app.review.label_editor import LabelEditor, label_usage
from mgstudio.app.review.palette import LabelPaletteDock
from mgstudio.app.review.proposals import ProposalsDock
from mgstudio.app.review.uncertain import UncertainQueue
from mgstudio.app.timeline.dock import TimelineDock

MAX_SHUTTLE = 4.0
NUDGE_MERGE_S = 1.5  # edge nudges of the same edge this close together are one undo step


class ReviewController(QObject):
    """Review keys and the glue between state, timeline, palette, inspector and proposals list.

    ``ReviewController(state, window, *, create_docks=True, settings=None)``. ``message(str)``
    carries sentences for the status bar; ``labelChanged(name)`` the label new segments get.
    """

    message = Signal(str)
    labelChanged = Signal(object)

    def __init__(self, state: Any, window: QWidget, *, create_docks: bool = True,
                 settings: QSettings | None = None) -> None:
        super().__init__(window)
        self.state = state
        self.window = window
        self.settings = settings
        self.keymap = load_keymap(settings)
        self.reaction_ms = self._load_reaction_ms()
        self._label_map: dict[str, str] = {}  # label renames of the step being applied
        self.current_label: str | None = None
        self.mark_in_frame: int | None = None
        self.auto_advance = True  # after A/R, select the next proposal to review
        self.actions: dict[str, QAction] = {}
        self.label_actions: list[QAction] = []
        self._reverse = QTimer(self)
        self._reverse.timeout.connect(self._reverse_tick)
        self._reverse_speed = 1.0
        self._cheat: CheatSheet | None = None
        self._uncertain = UncertainQueue()  # U's queue: patched from the change log, dropped when it can't tell
        self._changes = ChangeTracker()

        self.timeline_dock: TimelineDock | None = None
        self.palette_dock: LabelPaletteDock | None = None
        self.inspector_dock: SegmentInspectorDock | None = None
        self.proposals_dock: ProposalsDock | None = None
        if create_docks:
            self.timeline_dock = TimelineDock(None, None, state, window)
            self.palette_dock = LabelPaletteDock(self.taxonomy, window)
            self.inspector_dock = SegmentInspectorDock(self.project, window)
            self.proposals_dock = ProposalsDock(self.project, state.item_id, None, window)
            if isinstance(window, QMainWindow):
                window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.timeline_dock)
                window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.palette_dock)
                window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)
                window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.proposals_dock)
            self.attach_docks()

        self._make_actions()
        state.projectChanged.connect(self._project_changed)
        state.itemChanged.connect(self._item_changed)
        state.selectionChanged.connect(self._selection_changed)
        state.segmentsChanged.connect(self._segments_changed)
        state.playingChanged.connect(lambda playing: playing and self._reverse.stop())
        self._project_changed(self.project)

    # ------------------------------------------------------------------ wiring
    def attach_docks(self, timeline: TimelineDock | None = None, palette: LabelPaletteDock | None = None,
                     inspector: SegmentInspectorDock | None = None, proposals: ProposalsDock | None = None) -> None:
        """Connect docks made elsewhere (the ones given replace the controller's own)."""
        self.timeline_dock = timeline or self.timeline_dock
        self.palette_dock = palette or self.palette_dock
        self.inspector_dock = inspector or self.inspector_dock
        self.proposals_dock = proposals or self.proposals_dock
        if self.timeline_dock is not None:
            self.timeline_dock.timeline.message.connect(self.message)
            self.message.connect(self.timeline_dock.show_message)
        if self.palette_dock is not None:
            self.palette_dock.labelChosen.connect(self.apply_label)
            self.palette_dock.editRequested.connect(self.edit_labels)
        if self.inspector_dock is not None:
            ins = self.inspector_dock
            ins.edited.connect(self._changed)
            self.inspector_dock.message.connect(self.message)
        if self.proposals_dock is not None:
            self.proposals_dock.jumpRequested.connect(self.jump_to)

    def _make_actions(self) -> None:
        handlers: dict[str, Callable[[], Any]] = {
            "play_pause": self.play_pause, "prev_frame": lambda: self.step(-1), "next_frame": lambda: self.step(1),
            "back_second": lambda: self.step_seconds(-1), "forward_second": lambda: self.step_seconds(1),
            "shuttle_back": self.shuttle_back, "shuttle_stop": self.shuttle_stop,
            "shuttle_forward": self.shuttle_forward, "mark_in": self.mark_in, "mark_out": self.mark_out,
            "accept": self.accept, "reject": self.reject, "relabel": self.relabel, "delete": self.delete,
            "deselect": self.deselect,
            "next_segment": self.next_segment, "prev_segment": self.prev_segment,
            "next_uncertain": self.next_uncertain, "undo": self.undo, "redo": self.redo,
            "start_earlier": lambda: self.nudge_edge("start", -1), "start_later": lambda: self.nudge_edge("start", 1),
            "end_earlier": lambda: self.nudge_edge("end", -1), "end_later": lambda: self.nudge_edge("end", 1),
            "start_at_playhead": lambda: self.edge_to_playhead("start"),
            "end_at_playhead": lambda: self.edge_to_playhead("end"),
            "zoom_in": lambda: self._timeline_call("zoom", 1.5), "zoom_out": lambda: self._timeline_call("zoom", 1 / 1.5),
            "zoom_fit": lambda: self._timeline_call("zoom_fit"), "cheat_sheet": self.show_cheat_sheet,
        }
        for a in ACTIONS:
            act = QAction(a.text, self.window)
            act.setObjectName(f"review_{a.name}")
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _=False, h=handlers[a.name]: self._guard(h))
            self.window.addAction(act)
            self.actions[a.name] = act
        self.apply_keymap(self.keymap)

    def apply_keymap(self, keymap: dict[str, str]) -> None:
        self.keymap = dict(keymap)
        for name, act in self.actions.items():
            act.setShortcut(QKeySequence(self.keymap.get(name, "")))
        if "relabel" in self.actions:  # Enter on the keypad too
            key = QKeySequence(self.keymap.get("relabel", ""))
            extra = [QKeySequence("Enter")] if key.toString() == "Return" else []
            self.actions["relabel"].setShortcuts([key] + extra)

    def _make_label_actions(self) -> None:
        for act in self.label_actions:
            self.window.removeAction(act)
            act.deleteLater()
        self.label_actions = []
        for lab in getattr(self.taxonomy, "labels", []) or []:
            if not lab.shortcut:
                continue
            act = QAction(f"Label: {lab.name}", self.window)
            act.setShortcut(QKeySequence(lab.shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _=False, n=lab.name: self._guard(lambda: self.apply_label(n)))
            self.window.addAction(act)
            self.label_actions.append(act)

    def _guard(self, fn: Callable[[], Any]) -> None:
        """Run a key's handler; a refused edit becomes a message, never a crash."""
        try:
            fn()
        except MGStudioError as exc:
            self.message.emit(str(exc))
            self.state.notify_segments_changed()

    # ------------------------------------------------------------------ state reactions
    @property
    def project(self) -> Any:
        return self.state.project

    @property
    def taxonomy(self) -> Any:
        return getattr(self.state.project, "taxonomy", None)

    def _project_changed(self, project: Any) -> None:
        self._uncertain.invalidate()
        self._changes.reset(project)
        self._taxonomy_seen = self._taxonomy_key()
        self._make_label_actions()
        names = list(getattr(self.taxonomy, "names", []) or [])
        self.set_current_label(names[0] if names else None)
        self.mark_in_frame = None
        if self.palette_dock is not None:
            self.palette_dock.set_taxonomy(self.taxonomy)
            self.palette_dock.set_current_label(self.current_label)
        if self.inspector_dock is not None:
            self.inspector_dock.set_project(project)
        if self.proposals_dock is not None:
            self.proposals_dock.set_item(project, self.state.item_id)

    def _item_changed(self, item_id: Any) -> None:
        self._reverse.stop()
        self.set_mark_in(None)
        self._uncertain.invalidate()
        if self.proposals_dock is not None:
            self.proposals_dock.set_item(self.project, item_id)
        if self.inspector_dock is not None:
            self.inspector_dock.show_segment(None)

    def _selection_changed(self, ids: list[int]) -> None:
        first = ids[0] if ids else None
        if self.inspector_dock is not None:
            self.inspector_dock.show_segment(first)
        if self.proposals_dock is not None:
            self.proposals_dock.select_segment(first)

    def _segments_changed(self) -> None:
        cs = self._changes.pull(self.project)
        if cs is None:  # the change log cannot tell what changed: read U's queue again
            self._uncertain.invalidate()
            if self.project is not None and self._taxonomy_key() != self._taxonomy_seen:
                self._labels_changed()  # the label set was edited, or that edit undone
        elif cs and self.state.item_id in cs.item_ids:
            self._uncertain.patch(self.project, self.state.item_id, cs.segment_ids)
        if self.project is None:
            return
        alive = []
        for sid in self.state.selection:
            try:
                self.project.segment(sid)
                alive.append(sid)
            except MGStudioError:
                pass
        if alive != self.state.selection:
            self.state.set_selection(alive)
        if self.proposals_dock is not None:
            self.proposals_dock.refresh()
        if self.inspector_dock is not None:
            self.inspector_dock.show_segment(alive[0] if alive else None)

    def _changed(self) -> None:
        """Tell every view that segments changed; each asks the project's change log which ones
        and re-reads just those (see :class:`~mgstudio.app.session.changes.ChangeTracker`)."""
        self.state.notify_segments_changed()

    def _timeline_call(self, name: str, *args: Any) -> None:
        if self.timeline_dock is not None:
            getattr(self.timeline_dock.timeline, name)(*args)

    # ------------------------------------------------------------------ playing
    def play_pause(self) -> None:
        self._reverse.stop()
        self.state.toggle_playing()

    def step(self, frames: int) -> None:
        """Pause and move by ``frames``."""
        self._reverse.stop()
        navigation.step(self.state, frames)

    def step_seconds(self, seconds: float) -> None:
        """Shift+arrows: pause and move by whole seconds (as the transport's buttons)."""
        self._reverse.stop()
        navigation.step_seconds(self.state, seconds)

    def shuttle_forward(self) -> None:
        """L: play forwards at 1×; each further press doubles the speed (up to 4×)."""
        if self._reverse.isActive():
            self._reverse.stop()
            self.state.set_speed(1.0)
        elif self.state.playing:
            self.state.set_speed(min(MAX_SHUTTLE, self.state.speed * 2))
        else:
            self.state.set_speed(1.0)
        self.state.set_playing(True)

    def shuttle_back(self) -> None:
        """J: play backwards at 1×; each further press doubles the speed (up to 4×)."""
        self.state.set_playing(False)
        if self._reverse.isActive():
            self._reverse_speed = min(MAX_SHUTTLE, self._reverse_speed * 2)
        else:
            self._reverse_speed = 1.0
        self._reverse.start(max(1, int(round(1000 / (self.state.fps * self._reverse_speed)))))

    def shuttle_stop(self) -> None:
        """K: stop (forwards or backwards)."""
        self._reverse.stop()
        self.state.set_playing(False)

    @property
    def playing_backwards(self) -> bool:
        return self._reverse.isActive()

    def _reverse_tick(self) -> None:
        if self.state.frame <= 0:
            self._reverse.stop()
            return
        self.state.step(-1)

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
        seg = Segment(self.state.item_id, self.my_tier().id, a, b + 1, self.current_label,
                      source=Source.HUMAN, status=Status.ACCEPTED, annotator=self.project.annotator)
        made = self.project.create_segment(seg)
        self.set_mark_in(None)
        self._changed()
        self.state.set_selection([made.id])
        self.message.emit(f"Added “{made.label}”, frames {made.start}–{made.end - 1}.")
        return made

    def apply_label(self, name: str) -> None:
        """A label key or palette click: relabel the selection, or choose the label for new segments."""
        sel = self.state.selection
        if not sel:
            self.set_current_label(name)
            self.message.emit(f"New segments will be “{name}”.")
            return
        # A rejected proposal is not coding: a label key must not silently revive it as "edited".
        rejected = [s for s in self.project.segments_by_id(sel).values()
                    if s is not None and s.status == Status.REJECTED]
        if rejected:
            self.message.emit("This proposal was rejected: press A to accept it first, then choose its label.")
            return
        for sid in sel:
            self.project.update_segment(sid, label=name)
        self.set_current_label(name)
        self._changed()
        self.message.emit(f"Relabelled as “{name}”.")

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

    # ------------------------------------------------------------------ reviewing
    def _review(self, status: str, picker: LabelPicker | None = None) -> None:
        sel = self.state.selection
        if not sel:
            self.message.emit("Select a proposal first (press U for the least certain one, or N).")
            return
        chosen: str | None = None
        unlabelled_ids: set[int] = set()
        if status == "accept":
            unlabelled = self._without_mg_label(sel)
            if unlabelled:
                chosen = self._ask_mg_label(unlabelled[0], picker)
                if chosen is None:
                    self.message.emit(f"Not accepted: “{unlabelled[0].label}” is not one of this project's "
                                      "labels, so it stays a proposal without an MG label and is never "
                                      "exported as a class. Press A again (or Enter) to choose its label.")
                    return
            unlabelled_ids = {s.id for s in unlabelled}
        last = None
        for sid in sel:
            if status != "accept":
                last = self.project.reject(sid)
            elif sid in unlabelled_ids:  # one step: the MG label given, and so reviewed ("edited")
                last = self.project.update_segment(sid, label=chosen)
            else:
                last = self.project.accept(sid)
        self._changed()
        done = "Accepted" if status == "accept" else "Rejected"
        if chosen is not None:
            done = f"Accepted as “{chosen}”"
        if self.auto_advance and last is not None and last.source == Source.MODEL:
            nxt = self._next_proposal_after(last)
            if nxt is not None:
                self.jump_to(nxt)
                self.message.emit(f"{done}. Next proposal: “{nxt.label}”.")
                return
        if status != "accept":  # the rejected proposal does not stay selected for the next key
            self.state.set_selection([])
        self.message.emit(f"{done}.")

    def accept(self, picker: LabelPicker | None = None) -> None:
        """A: accept the selected proposal(s). A proposal whose label is not in the project's
        taxonomy (a class-agnostic "movement event") is accepted only with an MG label chosen
        from the taxonomy; cancelling leaves it an unreviewed proposal."""
        self._review("accept", picker)

    def _without_mg_label(self, ids: list[int]) -> list[Segment]:
        """The segments among ``ids`` whose label is not one of the taxonomy's labels."""
        names = set(getattr(self.taxonomy, "names", []) or [])
        if not names:
            return []
        segs = self.project.segments_by_id(ids)
        return [segs[i] for i in ids if segs.get(i) is not None and segs[i].label not in names]

    def _ask_mg_label(self, seg: Segment, picker: LabelPicker | None = None) -> str | None:
        """Which MG is this? (the label picker; None when cancelled)."""
        self._reverse.stop()
        self.state.set_playing(False)
        dlg = picker or LabelPicker(
            self.taxonomy, None, self.window, title="Which micro-gesture is this?",
            prompt=f"“{seg.label}” marks that something moved, not which gesture it is. Choose the MG "
                   "label to accept it with (Esc: leave it unreviewed, without a label).")
        if dlg.exec() != QDialog.DialogCode.Accepted or not dlg.chosen:
            return None
        return dlg.chosen

    def reject(self) -> None:
        """R: reject the selected proposal(s)."""
        self._review("reject")

    def delete(self) -> None:
        """Delete: remove the selected segment(s) (undo brings them back)."""
        sel = self.state.selection
        if not sel:
            return
        for sid in sel:
            self.project.delete_segment(sid)
        self.state.set_selection([])
        self._changed()
        self.message.emit("Deleted. Ctrl+Z brings it back.")

    def _next_proposal_after(self, seg: Segment) -> Segment | None:
        later = self._segments_from(seg.start, forward=True, statuses=[Status.PROPOSED], source=Source.MODEL)
        return next((s for s in later if (s.start, s.id) > (seg.start, seg.id or 0)), None)

    def _segments_from(self, frame: int, forward: bool, **filters: Any) -> list[Segment]:
        """Segments starting at/after (or before) ``frame``, nearest first (see :mod:`navigation`)."""
        return navigation.segments_from(self.state, frame, forward, **filters)

    def next_segment(self) -> Segment | None:
        """N: the next segment (any tier) after the selected one, or from the playhead."""
        return self._neighbour(forward=True)

    def prev_segment(self) -> Segment | None:
        """P: the previous segment (any tier)."""
        return self._neighbour(forward=False)

    def _neighbour(self, forward: bool) -> Segment | None:
        """N / P: the one behaviour of :func:`navigation.neighbour_segment` (the transport's
        buttons use it too): rejected proposals are skipped."""
        if self.state.item_id is None:
            return None
        s = navigation.neighbour_segment(self.state, forward)
        if s is None:
            self.message.emit("No more segments this way.")
            return None
        self.jump_to(s)
        return s

    def next_uncertain(self) -> Segment | None:
        """U: the proposal the model is least sure about, among those not reviewed yet."""
        if self.state.item_id is None:
            return None
        seg = self._uncertain.first(self.project, self.state.item_id)
        if seg is None:
            self.message.emit("Every proposal of this item has been reviewed.")
            return None
        self.jump_to(seg)
        conf = "" if seg.confidence is None else f" ({round(100 * seg.confidence)}% sure)"
        self.message.emit(f"Least certain proposal: “{seg.label}”{conf}. A accepts, R rejects.")
        return seg

    def jump_to(self, seg: Segment) -> None:
        """Go to a segment: its item, its first frame, and select it."""
        self._reverse.stop()
        navigation.go_to(self.state, seg)

    # ------------------------------------------------------------------ segment edges
    def _one_selected(self) -> Segment | None:
        sel = self.state.selection
        if not sel:
            self.message.emit("Select a segment first (click it, or press N or U).")
            return None
        if len(sel) > 1:
            self.message.emit("Select just one segment to move its start or end.")
            return None
        return self.project.segment(sel[0])

    def nudge_edge(self, edge: Edge, frames: int) -> Segment | None:
        """Alt+←/→ (start), Alt+Shift+←/→ (end): move one edge of the selected segment by ``frames``.

        Pauses and shows the frame at the moved edge. Presses of the same edge less than
        :data:`NUDGE_MERGE_S` apart are one undo step (holding the key, then Ctrl+Z, undoes the
        whole move); at the video's ends or at one frame long nothing changes and the status bar
        says why."""
        seg = self._one_selected()
        if seg is None:
            return None
        self._reverse.stop()
        self.state.set_playing(False)
        new = self._set_bounds(seg, nudge(seg.start, seg.end, edge, frames, self.state.frame_count),
                               merge_within=NUDGE_MERGE_S)
        if new is not None:
            self.state.set_frame(new.start if edge == "start" else new.end - 1)
        return new

    def edge_to_playhead(self, edge: Edge) -> Segment | None:
        """[ / ]: the selected segment starts at the frame shown / ends with the frame shown (included)."""
        seg = self._one_selected()
        if seg is None:
            return None
        return self._set_bounds(seg, to_playhead(seg.start, seg.end, edge, self.state.frame))

    def _set_bounds(self, seg: Segment, bounds: tuple[int, int] | str, merge_within: float = 0.0) -> Segment | None:
        if isinstance(bounds, str):  # clamped: nothing changes
            self.message.emit(bounds)
            return None
        start, end = bounds
        if (start, end) != (seg.start, seg.end):
            seg = self.project.update_segment(seg.id, start=start, end=end, merge_within=merge_within)
            self._changed()
        self.message.emit(f"“{seg.label}” now runs from frame {seg.start} to frame {seg.end - 1} "
                          f"({seg.length} frame{'s' * (seg.length != 1)}).")
        return seg

    # ------------------------------------------------------------------ history and help
    def undo(self) -> None:
        """Ctrl+Z: undo your last edit; an edit in another recording (or out of sight) is shown."""
        self._history_step(undo=True)

    def redo(self) -> None:
        """Ctrl+Shift+Z / Ctrl+Y: redo; shown where it happened, as undo."""
        self._history_step(undo=False)

    def _history_step(self, undo: bool) -> None:
        if self.project is None:
            return
        try:
            counter: int | None = self.project.change_counter()
        except MGStudioError:
            counter = None
        self._label_map = self.project.label_renames(undo=undo)
        what = self.project.undo() if undo else self.project.redo()
        self._changed()
        self._label_map = {}
        done = "Undone" if undo else "Redone"
        if not what:
            self.message.emit("Nothing to undo." if undo else "Nothing to redo.")
            return
        self.message.emit(f"{done}: {what}{self._show_step(counter)}")

    def _where_changed(self, counter: int | None) -> tuple[int, int, int | None] | None:
        """(item id, first frame, segment id if it still exists) of what changed after ``counter``:
        in the current recording when it changed there, else in the other one."""
        p = self.project
        if counter is None:
            return None
        try:
            cs = p.changes_since(counter)
        except MGStudioError:
            return None
        if not cs:
            return None
        alive = {i: s for i, s in p.segments_by_id(cs.segment_ids).items() if s is not None}
        places: list[tuple[int, int, int | None]] = [(s.item_id, s.start, s.id) for s in alive.values()]
        for sid in cs.segment_ids - alive.keys():  # gone (an undone creation): where it was
            for entry in p.audit(segment_id=sid, limit=1):
                was = entry.before if isinstance(entry.before, dict) else entry.after
                if isinstance(was, dict) and isinstance(was.get("item_id"), int) and isinstance(was.get("start"), int):
                    places.append((was["item_id"], was["start"], None))
        if not places:
            return None
        here = [pl for pl in places if pl[0] == self.state.item_id]
        return min(here or places, key=lambda pl: (pl[1], pl[2] is None))

    def _show_step(self, counter: int | None) -> str:
        """Go to what an undo/redo changed when it is in another recording or out of sight;
        returns the words for the status bar (" — in “clip 2”, frame 120")."""
        where = self._where_changed(counter)
        if where is None:
            return ""
        item_id, frame, seg_id = where
        other = item_id != self.state.item_id
        seen = False
        if not other and self.timeline_dock is not None:
            a, b = self.timeline_dock.timeline.view.visible_range
            seen = a <= frame <= b
        if not other and seen:
            return ""
        try:
            name = self.project.item(item_id).name
        except MGStudioError:
            return ""
        self._reverse.stop()
        self.state.set_playing(False)
        if other:
            self.state.set_item(item_id)
        self.state.set_frame(frame)
        if seg_id is not None:
            self.state.set_selection([seg_id])
        return (f" — in the recording “{name}”, frame {frame} (shown now)" if other
                else f" — at frame {frame} (shown now)")

    def show_cheat_sheet(self) -> CheatSheet:
        """F1: the list of keys (non-modal, stays open while you work)."""
        if self._cheat is not None:
            self._cheat.close()
        self._cheat = CheatSheet(self.keymap, self.taxonomy, self.window)
        self._cheat.show()
        return self._cheat

    def label_keys(self) -> dict[str, str]:
        return {lab.name: lab.shortcut for lab in getattr(self.taxonomy, "labels", []) or [] if lab.shortcut}

    def edit_keymap(self, dialog: KeymapDialog | None = None) -> bool:
        """Open the keyboard dialog; on OK the new keys are saved and take effect at once."""
        dlg = dialog or KeymapDialog(self.keymap, self.label_keys(), self.settings, self.window)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return False
        self.apply_keymap(dlg.keymap)
        return True
