"""The observable app state shared by every widget (like SLEAP's ``GuiState``).

One :class:`AppState` lives in the main window; widgets read its properties and listen to its
signals instead of talking to each other. Setters emit only when the value really changes, so a
widget may call a setter from its own signal handler without loops.

Signals (all emitted on the GUI thread):

``projectChanged(object)``   the open :class:`~mgstudio.core.project.Project`, or ``None``.
                             Item, frame, selection and playing are reset first.
``itemChanged(object)``      the current item id (``int``) or ``None``. Frame goes back to 0
                             (the window then restores the saved frame with ``set_frame``).
``frameChanged(int)``        the current frame (a media frame number, clamped to the item).
``selectionChanged(list)``   the selected segment ids (``list[int]``, may be empty).
``playingChanged(bool)``     playback started / stopped.
``speedChanged(float)``      playback speed (0.1–4.0).
``loopChanged(object)``      the looped range ``(start, end)`` (half-open), or ``None``.
``skeletonChanged(object)``  the skeleton of item id changed (extraction finished, import):
                             views showing that item reload it.
``segmentsChanged()``        segments of the project changed (an edit, undo/redo, proposals):
                             views catch up with the project. It carries no ids on purpose:
                             each view asks the project which segments changed since it last
                             looked (:class:`~mgstudio.app.session.changes.ChangeTracker`, built on the
                             audit log), so it re-reads only those, whoever made the change.

Use::

    state = AppState()
    state.frameChanged.connect(player.show_frame)
    state.set_project(project)           # opens; emits projectChanged
    state.set_item(item.id)              # emits itemChanged, frameChanged(0)
    state.set_frame(120)                 # emits frameChanged(120) (clamped to the item)
    state.set_selection([seg.id])
    project.accept(seg.id); state.notify_segments_changed()

Properties: ``project``, ``item_id``, ``item`` (the :class:`Item` or ``None``), ``frame``,
``frame_count``, ``fps``, ``selection``, ``playing``, ``speed``, ``loop``.
"""

from __future__ import annotations

from typing import Any, TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from mgstudio.core.project import Project

MIN_SPEED, MAX_SPEED = 0.1, 4.0


class AppState(QObject):
    """Current project, item, frame, selection and playback; see the module docstring."""

    projectChanged = Signal(object)
    itemChanged = Signal(object)
    frameChanged = Signal(int)
    selectionChanged = Signal(list)
    playingChanged = Signal(bool)
    speedChanged = Signal(float)
    loopChanged = Signal(object)
    segmentsChanged = Signal()
    skeletonChanged = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project: Any = None
        self._item: Any = None
        self._frame = 0
        self._selection: list[int] = []
        self._playing = False
        self._speed = 1.0
        self._loop: tuple[int, int] | None = None

    # ------------------------------------------------------------------ reads
    @property
    def project(self) -> Any:
        return self._project

    @property
    def item(self) -> Any:
        """The current :class:`~mgstudio.core.project.Item`, or ``None``."""
        return self._item

    @property
    def item_id(self) -> int | None:
        return None if self._item is None else self._item.id

    @property
    def frame(self) -> int:
        return self._frame

    @property
    def frame_count(self) -> int:
        """Frames of the current item (0 without one or when unknown)."""
        return int(self._item.frame_count or 0) if self._item is not None else 0

    @property
    def fps(self) -> float:
        """Frame rate of the current item (25.0 without one)."""
        if self._item is None or not self._item.fps:
            return 25.0
        return float(self._item.fps)

    @property
    def selection(self) -> list[int]:
        return list(self._selection)

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def loop(self) -> tuple[int, int] | None:
        return self._loop

    # ------------------------------------------------------------------ writes
    def set_project(self, project: Project) -> None:
        """Make ``project`` current (``None`` closes); resets item, frame, selection, playing."""
        self.set_playing(False)
        self.set_loop(None)
        self.set_selection([])
        self._item = None
        self._frame = 0
        self._project = project
        self.projectChanged.emit(project)
        self.itemChanged.emit(None)

    def set_item(self, item_id: int | None) -> None:
        """Show item ``item_id`` (re-read from the project) from frame 0."""
        if item_id is not None and self._item is not None and item_id == self._item.id:
            return
        self.set_playing(False)
        self.set_loop(None)
        self.set_selection([])
        self._item = None if item_id is None or self._project is None else self._project.item(item_id)
        self._frame = 0
        self.itemChanged.emit(self.item_id)
        self.frameChanged.emit(0)

    def refresh_item(self) -> None:
        """Re-read the current item's record (after relink, attribute changes) and re-emit it."""
        if self._item is not None and self._project is not None:
            self._item = self._project.item(self._item.id)
            self.itemChanged.emit(self._item.id)
            self.frameChanged.emit(self._frame)

    def clamp(self, frame: int) -> int:
        """``frame`` limited to the current item's frames."""
        n = self.frame_count
        return max(0, min(int(frame), n - 1)) if n > 0 else max(0, int(frame))

    def set_frame(self, frame: int) -> None:
        """Go to ``frame`` (clamped to the item)."""
        frame = self.clamp(frame)
        if frame != self._frame:
            self._frame = frame
            self.frameChanged.emit(frame)

    def step(self, frames: int) -> None:
        """Move by ``frames`` (negative goes back)."""
        self.set_frame(self._frame + int(frames))

    def set_selection(self, ids: list[int]) -> None:
        ids = [int(i) for i in ids]
        if ids != self._selection:
            self._selection = ids
            self.selectionChanged.emit(list(ids))

    def set_playing(self, playing: bool) -> None:
        playing = bool(playing) and (self._item is not None)
        if playing != self._playing:
            self._playing = playing
            self.playingChanged.emit(playing)

    def toggle_playing(self) -> None:
        self.set_playing(not self._playing)

    def set_speed(self, speed: float) -> None:
        speed = max(MIN_SPEED, min(MAX_SPEED, float(speed)))
        if abs(speed - self._speed) > 1e-9:
            self._speed = speed
            self.speedChanged.emit(speed)

    def set_loop(self, frames: tuple[int, int] | None) -> None:
        """Loop playback inside ``(start, end)`` (half-open), or stop looping with ``None``."""
        loop = None if frames is None else (int(frames[0]), int(frames[1]))
        if loop != self._loop:
            self._loop = loop
            self.loopChanged.emit(loop)

    def notify_skeleton_changed(self, item_id: int) -> None:
        """Tell the views that ``item_id``'s skeleton was (re)made."""
        self.skeletonChanged.emit(item_id)

    def notify_segments_changed(self) -> None:
        """Tell every view that segments changed (call after a project edit, undo or redo, or
        after another process wrote the project); each re-reads only what changed."""
        self.segmentsChanged.emit()
