"""``ReviewController``: the keyboard-first review, wired to the app state and the review docks.

Construct it once in the main window, after the state; the shell makes the docks and hands
them over (:func:`~mgstudio.app.shell.review_docks.make_review_docks`)::

    review = ReviewController(state, window)            # the keys
    review.attach_docks(timeline, palette, inspector, proposals)
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
another program's) and drops when the log cannot tell, or on another item or project. By default
U follows the active-learning order (:mod:`~mgstudio.app.review.active_queue`, worked out in a
worker); until that order is ready, or with ``u_active = False``, it takes the least confident.
"""

from __future__ import annotations

from typing import Any, Callable, TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QWidget

from mgstudio.core.errors import MGStudioError
from mgstudio.app.session.changes import ChangeTracker
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.app.review.dialogs import CheatSheet, KeymapDialog, LabelPicker
from mgstudio.app.review.edges import Edge, nudge, to_playhead
from mgstudio.app.session import navigation
from mgstudio.app.session.actions import EditActions
from mgstudio.app.review.inspector import SegmentInspectorDock
from mgstudio.app.review.marking import MarkingAndLabels
from mgstudio.app.review.keymap import ACTIONS, load_keymap
from mgstudio.app.review.palette import LabelPaletteDock
from mgstudio.app.review.proposals import ProposalsDock
from mgstudio.app.review.active_queue import ActiveOrder
from mgstudio.app.review.uncertain import UncertainQueue
from mgstudio.app.timeline.dock import TimelineDock

if TYPE_CHECKING:
    from mgstudio.core.project import Project

MAX_SHUTTLE = 4.0
NUDGE_MERGE_S = 1.5  # edge nudges of the same edge this close together are one undo step


class ReviewController(MarkingAndLabels, QObject):
    """Review keys and the glue between state, timeline, palette, inspector and proposals list.

    ``ReviewController(state, window, *, settings=None)``; :meth:`attach_docks`. ``message(str)``
    carries sentences for the status bar; ``labelChanged(name)`` the label new segments get.
    """

    message = Signal(str)
    labelChanged = Signal(object)

    def __init__(self, state: Any, window: QWidget, *, settings: QSettings | None = None) -> None:
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
        self.u_active = True  # U follows the active-learning order once it is worked out
        self.active_order = ActiveOrder(self)
        self._changes = ChangeTracker()
        # the one edit path (session/actions.py): the timeline's menu and mouse use the same class
        self.edits = EditActions(lambda: self.state.project, self._changed, self.message.emit)

        self.timeline_dock: TimelineDock | None = None
        self.palette_dock: LabelPaletteDock | None = None
        self.inspector_dock: SegmentInspectorDock | None = None
        self.proposals_dock: ProposalsDock | None = None

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
        """Wire the docks the shell made to the keys: messages, labels chosen, the label for new
        segments, edits in the inspector, jumps from the proposals list."""
        self.timeline_dock = timeline or self.timeline_dock
        self.palette_dock = palette or self.palette_dock
        self.inspector_dock = inspector or self.inspector_dock
        self.proposals_dock = proposals or self.proposals_dock
        if timeline is not None:
            timeline.timeline.message.connect(self.message)
            self.message.connect(timeline.show_message)
            timeline.timeline.set_current_label(self.current_label)
            timeline.timeline.set_marks(self.mark_in_frame, None)
        if palette is not None:
            palette.labelChosen.connect(self.apply_label)
            palette.editRequested.connect(self.edit_labels)
            palette.set_taxonomy(self.taxonomy)
            palette.set_current_label(self.current_label)
        if inspector is not None:
            inspector.edited.connect(self._changed)
            inspector.message.connect(self.message)
        if proposals is not None:  # the dock goes there itself (navigation.go_to)
            proposals.jumpRequested.connect(lambda _seg: self._reverse.stop())

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
    def uncertain(self) -> UncertainQueue:
        """U's queue of unreviewed proposals, least confident first."""
        return self._uncertain

    @property
    def taxonomy(self) -> Any:
        return getattr(self.state.project, "taxonomy", None)

    def _project_changed(self, project: Project) -> None:
        self._uncertain.invalidate()
        self.active_order.reset()
        self._changes.reset(project)
        self._taxonomy_seen = self._taxonomy_key()
        self._make_label_actions()
        names = list(getattr(self.taxonomy, "names", []) or [])
        self.set_current_label(names[0] if names else None)
        self.mark_in_frame = None
        if self.palette_dock is not None:
            self.palette_dock.set_taxonomy(self.taxonomy)
            self.palette_dock.set_current_label(self.current_label)

    def _item_changed(self, item_id: Any) -> None:
        self._reverse.stop()
        self.set_mark_in(None)
        self._uncertain.invalidate()
        self.active_order.reset()
        if self.inspector_dock is not None:
            self.inspector_dock.show_segment(None)

    def _selection_changed(self, ids: list[int]) -> None:
        first = ids[0] if ids else None
        if self.inspector_dock is not None:
            self.inspector_dock.show_segment(first)

    def _segments_changed(self) -> None:
        cs = self._changes.pull(self.project)
        if cs is None or (cs and self.state.item_id in cs.item_ids):
            self.active_order.changed()  # proposals or labels changed: order again after a pause
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

    # ------------------------------------------------------------------ reviewing
    def _review(self, status: str, picker: LabelPicker | None = None) -> None:
        sel = self.state.selection
        if not sel:
            self.message.emit("Select a proposal first (press U for the least certain one, or N).")
            return
        chosen: str | None = None
        if status == "accept":
            unlabelled = self._without_mg_label(sel)
            if unlabelled:
                chosen = self._ask_mg_label(unlabelled[0], picker)
                if chosen is None:
                    self.message.emit(f"Not accepted: “{unlabelled[0].label}” is not one of this project's "
                                      "labels, so it stays a proposal without an MG label and is never "
                                      "exported as a class. Press A again (or Enter) to choose its label.")
                    return
        last = self.edits.review(sel, "accept" if status == "accept" else "reject", label=chosen)
        if last is None:
            return  # refused: the edit path said why
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
        if self.edits.delete(sel):
            self.state.set_selection([])

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
        """U: the unreviewed proposal whose review teaches the label model most (active order,
        :mod:`mgstudio.recognition.active`); the least confident one until that order is ready."""
        if self.state.item_id is None:
            return None
        seg, ready = (None, False)
        if self.u_active and getattr(self.project, "path", None) is not None:
            seg, ready = self.active_order.next(self.project, self.state.item_id)
        if seg is not None:
            self.jump_to(seg)
            conf = "" if seg.confidence is None else f" ({round(100 * seg.confidence)}% sure)"
            self.message.emit(f"Most informative proposal to review next: “{seg.label}”{conf}. A accepts, R rejects.")
            return seg
        fallback = self._uncertain.first(self.project, self.state.item_id)
        if fallback is None:
            self.message.emit("Every proposal of this item has been reviewed.")
            return None
        self.jump_to(fallback)
        conf = "" if fallback.confidence is None else f" ({round(100 * fallback.confidence)}% sure)"
        if self.u_active and not ready:
            self.message.emit(f"The most informative order is still being worked out, so this is the least "
                              f"certain proposal: “{fallback.label}”{conf}.")
        else:
            self.message.emit(f"Least certain proposal: “{fallback.label}”{conf}. A accepts, R rejects.")
        return fallback

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
        if (start, end) == (seg.start, seg.end):
            self.message.emit(f"“{seg.label}” already runs from frame {seg.start} to frame {seg.end - 1}.")
            return seg
        return self.edits.set_bounds(seg.id, start, end, merge_within=merge_within)

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
        what = self.edits.step_history(undo)
        self._label_map = {}
        done = "Undone" if undo else "Redone"
        if not what:
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
