"""``TimelineDock``: the timeline canvas with its zoom bar and scroll bar, bound to the app state.

Construct it with the app state (a script or test makes an ``AppState`` and sets its project)::

    dock = TimelineDock(state)
    window.addDockWidget(Qt.BottomDockWidgetArea, dock)

It shows ``state.project``'s current item, follows the item, frame and selection and writes the
user's seeks and selections back (see :mod:`mgstudio.app.timeline.binding`); its movement rows are
computed from the skeleton the shared :mod:`~mgstudio.app.session.skeleton_loader` reads (never a
second read), and the computation for an item the user has left stops.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QDockWidget, QFrame, QHBoxLayout, QLabel, QScrollArea, QScrollBar,
                               QSizePolicy, QToolButton, QVBoxLayout, QWidget)

from mgstudio.app.session.skeleton_loader import SkeletonLoader, skeleton_loader
from mgstudio.app.timeline.binding import StateBinding
from mgstudio.app.timeline.motion_job import MotionComputer
from mgstudio.app.timeline.canvas import TimelineWidget
from mgstudio.app.timeline.legend import TimelineLegend


ROWS_MIN_H = 90  # the ruler and about two rows: the rest scrolls


def zoom_text(fpp: float, fps: float) -> str:
    """How much one screen pixel covers, for the zoom bar."""
    if fpp <= 1:
        return f"1 frame = {1 / fpp:.0f} px"
    if fpp < fps:
        return f"1 px = {fpp:.1f} frames"
    return f"1 px = {fpp / fps:.1f} s"


class TimelineDock(QDockWidget):
    """Dockable timeline of the current item (tiers, segments, motion energy, playhead).

    ``TimelineDock(state, parent=None)`` with the :class:`~mgstudio.app.session.state.AppState`;
    ``.timeline`` is the :class:`TimelineWidget`. The dock shows ``state.project``, follows the
    state's project, item, frame, selection and ``segmentsChanged``, and writes seeks, selections
    and edits back.
    """

    def __init__(self, state: Any, parent: QWidget | None = None) -> None:
        super().__init__("Timeline", parent)
        self.setObjectName("TimelineDock")
        self.state = state
        self.timeline = TimelineWidget(state)
        self.motion = MotionComputer(self)
        self.motion.ready.connect(self._motion_ready)
        self.motion.failed.connect(self._motion_failed)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        self.zoom_out_btn = self._button("−", "Zoom out (Ctrl+-, or mouse wheel)", lambda: self.timeline.zoom(1 / 1.5))
        self.zoom_in_btn = self._button("+", "Zoom in (Ctrl+=, or mouse wheel)", lambda: self.timeline.zoom(1.5))
        self.fit_btn = self._button("Whole video", "Show the whole video (Ctrl+0)", self.timeline.zoom_fit)
        self.frames_btn = self._button("Frames", "Zoom in to single frames around the playhead",
                                       self.timeline.zoom_to_frames)
        self.zoom_label = QLabel()
        self.motion_box = QCheckBox("Movement")
        self.motion_box.setToolTip("Show how much the head, hands and arms move (relative to the torso)")
        self.motion_box.setChecked(True)
        self.motion_box.toggled.connect(self._toggle_motion)
        self.status_label = QLabel()
        self.status_label.setStyleSheet("color: #b05000;")
        # a long message is cut, never widens the window (the status bar shows it whole)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setMinimumWidth(40)
        self._clear_message = QTimer(self)
        self._clear_message.setSingleShot(True)
        self._clear_message.timeout.connect(self.status_label.clear)
        for w in (self.zoom_out_btn, self.zoom_in_btn, self.fit_btn, self.frames_btn, self.zoom_label):
            bar.addWidget(w)
        self.legend = TimelineLegend()  # what hatched, solid, hollow and grey mean
        bar.addSpacing(12)
        bar.addWidget(self.legend, 1)
        bar.addStretch(1)
        bar.addWidget(self.status_label)
        bar.addWidget(self.motion_box)

        self.scroll = QScrollBar(Qt.Orientation.Horizontal)
        self.scroll.valueChanged.connect(self._scrolled)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        # The rows scroll up and down: ten coders' tiers never make the window taller than a laptop screen.
        self.rows_area = QScrollArea()
        self.rows_area.setObjectName("TimelineRows")
        self.rows_area.setWidget(self.timeline)
        self.rows_area.setWidgetResizable(True)
        self.rows_area.setFrameShape(QFrame.Shape.NoFrame)
        self.rows_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.rows_area.setMinimumHeight(ROWS_MIN_H)
        self.rows_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the player
        self.rows_area.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        lay.addWidget(self.rows_area, 1)
        lay.addWidget(self.scroll)
        self.setWidget(body)

        self.timeline.viewChanged.connect(self._sync_scroll)
        self.timeline.message.connect(self.show_message)
        # the skeleton is read once, by the loader every view shares
        self.loader: SkeletonLoader = skeleton_loader(state)  # made before we listen to state: it hears items first
        self.loader.loaded.connect(self._skeleton_loaded)
        self.loader.failed.connect(self._skeleton_failed)
        state.skeletonChanged.connect(self._skeleton_changed)
        self.binding = StateBinding(self, state)
        self.load_motion()
        self._sync_scroll()

    def _button(self, text: str, tip: str, slot: Any) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.clicked.connect(slot)
        return b

    # ------------------------------------------------------------------ item / motion
    @property
    def project(self) -> Any:
        """The open project: ``state.project``."""
        return self.state.project

    def set_item(self, item_id: int | None) -> None:
        """Show another item of ``state.project`` (the binding calls this on ``itemChanged``)."""
        self.timeline.set_item(item_id)
        self.load_motion()
        self._sync_scroll()

    def reload_project(self) -> None:
        """``state.project`` changed: show its current item from scratch."""
        self.timeline.set_item(None)
        self.set_item(self.state.item_id)

    def _motion_key(self) -> Any:
        return self._key_of(self.timeline.item_id)

    def _key_of(self, item_id: Any) -> Any:
        return (str(getattr(self.project, "path", id(self.project))), item_id)

    def _uses_loader(self) -> bool:
        """Whether the shared skeleton loader reads the item this dock shows."""
        return self.loader.item_id == self.timeline.item_id

    def load_motion(self, seq: Any = None, reload: bool = False) -> None:
        """Show the movement rows of the current item, computed in the background from ``seq``,
        else from the skeleton the shared loader reads (with a state), else from the stored one.

        Results are remembered per item; ``reload=True`` (a new skeleton) computes again. Work
        for the item shown before stops.
        """
        tl = self.timeline
        tl.set_motion(None)
        tl.setProperty("motion_pending", False)
        if tl.item_id is None or self.project is None:
            self.motion.want(None)
            tl.repaint_all()
            return
        key = self._motion_key()
        if seq is not None or reload:
            self.motion.forget(key)
        self.motion.want(key)
        if seq is None:
            got = self.motion.cached(key)
            if got is not None:
                self._motion_ready(key, got)
                return
            if self._uses_loader():
                if self.loader.loading:  # computed when it arrives (_skeleton_loaded)
                    tl.setProperty("motion_pending", True)
                    tl.repaint_all()
                    return
                seq = self.loader.seq
                if seq is None:  # no skeleton, or it could not be read (the player says why)
                    tl.repaint_all()
                    return
            elif not self.project.has_skeleton(tl.item_id):
                tl.repaint_all()
                return
            else:
                project, item_id = self.project, tl.item_id
                seq = lambda: project.load_skeleton(item_id)  # noqa: E731  (runs in the pool: files only)
        tl.setProperty("motion_pending", True)
        tl.repaint_all()
        got = self.motion.request(key, seq, file=self._stored_file(seq))
        if got is not None:
            self._motion_ready(key, got)

    def _stored_file(self, seq: Any) -> Any:
        """The file of the current item's stored skeleton when ``seq`` was read from it (a long
        one is then computed in the helper process, which reads the file itself)."""
        if not self._uses_loader() or seq is not self.loader.seq:
            return None
        return self.project.skeleton_file(self.timeline.item_id)

    def _skeleton_loaded(self, item_id: Any, seq: Any) -> None:
        """The shared loader read a skeleton: compute its movement if this dock shows it."""
        if not self._uses_loader() or item_id != self.timeline.item_id:
            return
        key = self._motion_key()
        got = self.motion.cached(key)
        if got is not None and self.timeline.motion is got:
            return  # already shown (the item was computed before)
        if seq is None:
            self.timeline.setProperty("motion_pending", False)
            self.timeline.repaint_all()
            return
        if got is not None:
            self._motion_ready(key, got)
        else:
            self.load_motion(seq)

    def _skeleton_failed(self, item_id: Any, error: Any) -> None:
        if self._uses_loader() and item_id == self.timeline.item_id:
            self._motion_failed(self._motion_key(), str(error))

    def _skeleton_changed(self, item_id: Any) -> None:
        """A new skeleton was stored for ``item_id``: its movement is computed again."""
        if item_id == self.timeline.item_id:
            self.load_motion(reload=True)
        else:
            self.motion.forget(self._key_of(item_id))

    def _motion_ready(self, key: Any, motion: Any) -> None:
        if key == self._motion_key():
            self.timeline.setProperty("motion_pending", False)
            self.timeline.set_motion(motion)
            self.timeline.repaint_all()

    def _motion_failed(self, key: Any, message: str) -> None:
        if key == self._motion_key():
            self.timeline.setProperty("motion_pending", False)
            self.show_message(f"Movement could not be computed: {message}")
            self.timeline.repaint_all()

    def _toggle_motion(self, on: bool) -> None:
        self.timeline.show_motion = on
        self.timeline._layout_rows()
        self.timeline.update()

    # ------------------------------------------------------------------ scroll bar and messages
    def _sync_scroll(self) -> None:
        v = self.timeline.view
        span = int(v.width * v.fpp)
        self.scroll.blockSignals(True)
        self.scroll.setRange(0, max(0, v.frame_count - span))
        self.scroll.setPageStep(max(1, span))
        self.scroll.setSingleStep(max(1, span // 10))
        self.scroll.setValue(int(round(v.first)))
        self.scroll.blockSignals(False)
        self.zoom_label.setText(zoom_text(v.fpp, self.timeline.fps))

    def _scrolled(self, value: int) -> None:
        self.timeline.view.scroll_to(float(value))
        self.timeline.update()
        self.zoom_label.setText(zoom_text(self.timeline.view.fpp, self.timeline.fps))

    def show_message(self, text: str) -> None:
        """Show a short message for the user in the zoom bar (and the window's status bar)."""
        self.status_label.setText(text)
        self._clear_message.start(8000)
        win = self.window()
        sb = getattr(win, "statusBar", None)
        if callable(sb) and win is not self:
            try:
                sb().showMessage(text, 8000)
            except Exception:
                pass
