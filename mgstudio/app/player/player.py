"""``PlayerWidget``: the frame-exact player bound to the :class:`~mgstudio.app.session.state.AppState`.

Frames come from :class:`mgstudio.media.prefetch.PrefetchReader` (a decoding thread where the
latest request wins); the picture is replaced only by the frame the state asks for, so the
number on screen is always the frame shown. Playback is clocked by elapsed time (frames are
skipped when decoding cannot keep up, never shown late). Skeleton-only items play the skeleton.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QVBoxLayout, QWidget

from mgstudio.app.player.frame_view import FrameView
from mgstudio.app.player.overlay import PART_TITLES, PARTS
from mgstudio.app.player.transport import TransportBar
from mgstudio.app.session import navigation
from mgstudio.app.session.skeleton_loader import LOADING_TEXT, skeleton_loader
from mgstudio.app.session.state import AppState
from mgstudio.app.concurrency.latest import Latest
from mgstudio.core.errors import MGStudioError
from mgstudio.core.timebase import timecode


NO_SKELETON_TEXT = "This recording has no skeleton yet."
OPENING_TEXT = "Opening the video…"
SHOWN_ALONE = "\nThe skeleton is shown alone."


class _FrameBridge(QObject):
    """Carries frames from the decoding thread to the GUI thread (queued signal)."""

    frame = Signal(int, object)
    error = Signal(object)


class VideoChangedError(MGStudioError):
    """Another file is now where the recording's video was: refused until relinked or accepted.
    ``str()`` is the one-line status; ``screen`` the player's longer explanation."""

    def __init__(self, name: str, path: Any) -> None:
        super().__init__(f"The video of “{name}” was replaced by another file: use File ▸ Relink the video… "
                         "or File ▸ Accept the changed video.")
        self.screen = changed_text(name, path)


def changed_text(name: str, path: Any) -> str:
    return (f"The video of “{name}” is not the file it was when it was added: another file is now at\n{path}\n"
            "so the skeleton and the segments may not fit it; neither the video nor its skeleton is shown.\n\n"
            "Use File ▸ Relink the video… to point to the right file, or File ▸ Accept the changed video "
            "if this file is the right one.")


def _open_reader(path: Any, bridge: _FrameBridge, fingerprint: str | None = None,
                 name: str = "") -> tuple[Any, MGStudioError | None]:
    """Open a video in a thread (the first open of a long video scans it: seconds); a file whose
    content differs from ``fingerprint`` (the one that was added) is refused, not played.
    ``(PrefetchReader, None)`` or ``(None, error)``."""
    from mgstudio.core.fingerprint import media_status
    from mgstudio.media.prefetch import PrefetchReader

    reader = None
    try:
        if fingerprint and media_status(path, fingerprint, verify=True) == "changed":
            raise VideoChangedError(name, path)
        reader = PrefetchReader(path, on_frame=bridge.frame.emit, on_error=bridge.error.emit)
    except MGStudioError as exc:
        return None, exc
    except Exception as exc:  # noqa: BLE001 - shown to the user with details on demand
        return None, MGStudioError(f"The video could not be opened ({type(exc).__name__}).", detail=repr(exc))
    return reader, None


def _close_late_reader(opened: tuple[Any, MGStudioError | None]) -> None:
    """A video opened for a request the user has moved on from (or a closed player): closed."""
    if opened[0] is not None:
        opened[0].close()


class PlayerWidget(QWidget):
    """Video (or skeleton-only) player with the 2D overlay and transport controls."""

    mediaError = Signal(object)  # an MGStudioError for the window's status bar / dialog

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.view = FrameView(self)
        self.transport = TransportBar(self)
        self.overlay_button = QToolButton(self.transport)
        self.overlay_button.setText("Skeleton")
        self.overlay_button.setToolTip("Show or hide the skeleton and its parts")
        self.overlay_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.overlay_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.overlay_menu = QMenu(self)
        self.overlay_actions: dict[str, QAction] = {}
        act = self.overlay_menu.addAction("Show skeleton")
        act.setCheckable(True)
        act.setChecked(True)
        act.toggled.connect(self.set_skeleton_visible)
        self.overlay_actions["skeleton"] = act
        self.overlay_menu.addSeparator()
        for part in PARTS:
            a = self.overlay_menu.addAction(PART_TITLES[part])
            a.setCheckable(True)
            a.setChecked(True)
            a.toggled.connect(lambda on, p=part: self.set_part_visible(p, on))
            self.overlay_actions[part] = a
        self.overlay_button.setMenu(self.overlay_menu)
        self.transport.add_tool(self.overlay_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.transport)

        self.reader: Any = None  # PrefetchReader of the current video
        self.skeleton = None
        self.opening = False  # a video is being opened in a thread
        self.video_changed = False  # the current video was refused: another file is at its place
        self.loader = skeleton_loader(state)  # made before we listen to state: it hears items first
        self.loader.loaded.connect(self._on_skeleton_loaded)
        self.loader.failed.connect(lambda _i, exc: self.mediaError.emit(exc))
        self._bridge = _FrameBridge()
        self._bridge.frame.connect(self._on_decoded)
        self._bridge.error.connect(self._on_error)
        self._opener = Latest(self._on_opened, on_stale=_close_late_reader, name="mg-open-video", parent=self)
        self._clock = QElapsedTimer()
        self._play_origin = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.frames_shown = 0

        t = self.transport
        t.playToggled.connect(state.toggle_playing)
        t.stepRequested.connect(self.step)
        t.secondRequested.connect(self.step_seconds)
        t.segmentJumpRequested.connect(self.jump_segment)
        t.speedChosen.connect(state.set_speed)
        t.loopToggled.connect(self.set_loop_segment)
        t.scrubbed.connect(state.set_frame)
        state.itemChanged.connect(self._on_item)
        state.projectChanged.connect(lambda _p: self._on_item(None))
        state.frameChanged.connect(self._on_frame)
        state.playingChanged.connect(self._on_playing)
        state.speedChanged.connect(self._on_speed)
        state.loopChanged.connect(lambda loop: t.set_loop(loop is not None))
        self._on_item(state.item_id)

    # ------------------------------------------------------------------ item
    def close_media(self) -> None:
        self._opener.invalidate()  # a video still opening is closed when it arrives
        self.opening = False
        self.video_changed = False
        if self.reader is not None:
            reader, self.reader = self.reader, None
            reader.on_frame = None
            reader.close()

    def _on_item(self, item_id: int | None) -> None:
        self.state.set_playing(False)
        self.close_media()
        self.view.set_image(None, None)
        self.view.image_size = None
        self.view.set_skeleton(None)
        self.view.set_message("")
        item, project = self.state.item, self.state.project
        if item is None or project is None:
            self.transport.set_range(0)
            self.view.set_message("Open a project and choose a recording on the left." if project is None
                                  else "Choose a recording in the project list.")
            return
        self.skeleton = self.loader.seq if self.loader.item_id == item.id else None
        self.view.set_skeleton(self.skeleton)
        if item.kind == "video":
            self._open_video(item)
        else:
            self.view.image_size = item.width and item.height and (item.width, item.height) or None
            if self.loader.loading:
                self.view.set_message(LOADING_TEXT)
            elif self.skeleton is None:
                self.view.set_message(NO_SKELETON_TEXT)
        n = self.state.frame_count
        self.transport.set_range(n, timecode(max(n - 1, 0), item.rate or item.fps))
        self._on_frame(self.state.frame)

    def _on_skeleton_loaded(self, item_id: Any, seq: Any) -> None:
        st = self.state
        if item_id != st.item_id or st.item is None:
            return
        self.skeleton = seq
        if self.video_changed:
            return
        if self.view.message in (LOADING_TEXT, NO_SKELETON_TEXT):
            self.view.set_message("")
        if seq is None and st.item.kind != "video":
            self.view.set_message(NO_SKELETON_TEXT)
        if seq is not None and "was not found" in self.view.message and SHOWN_ALONE not in self.view.message:
            self.view.set_message(self.view.message + SHOWN_ALONE)
        self.view.set_skeleton(seq)
        if self.reader is None:
            self.view.set_skeleton_frame(st.frame)

    def _open_video(self, item: Any) -> None:
        status = self.state.project.check_media(item.id, verify=False)  # no read on the GUI thread
        if status == "missing":
            self.view.set_message(f"The video of “{item.name}” was not found at\n{item.video_path}\n\n"
                                  "Use File ▸ Relink the video… to point to its new place."
                                  + (SHOWN_ALONE if self.skeleton is not None else ""))
            return
        self.opening = True
        self.view.set_message(OPENING_TEXT)
        self._opener.submit(_open_reader, item.video_path, self._bridge, item.fingerprint, item.name)

    def _on_opened(self, opened: tuple[Any, MGStudioError | None]) -> None:  # the newest open only
        reader, exc = opened
        self.opening = False
        self.video_changed = isinstance(exc, VideoChangedError)
        if self.video_changed:  # its skeleton may not fit the file there now: nothing is drawn
            self.view.set_skeleton(None)
        if exc is not None:
            self.view.set_message(getattr(exc, "screen", str(exc)))
            self.mediaError.emit(exc)
            return
        self.reader = reader
        self.view.image_size = reader.info.size
        if self.view.message == OPENING_TEXT:
            self.view.set_message("")
        self._on_frame(self.state.frame)

    # ------------------------------------------------------------------ frames
    def _on_frame(self, frame: int) -> None:
        item = self.state.item
        n = self.state.frame_count
        if item is not None:
            self.transport.set_position(frame, n, timecode(frame, item.rate or item.fps))
        if self.reader is not None:
            # picture and skeleton change together, when the decoded frame arrives
            self.view.set_pending(frame)
            hit = self.reader.request(frame)
            if hit is not None:
                self._show(frame, hit)
        elif item is not None:
            self.view.set_skeleton_frame(frame)
            if self.opening:  # the video's picture is not there yet
                return
            self.view.shown_frame = frame
            self.frames_shown += 1

    def _on_decoded(self, frame: int, rgb: np.ndarray) -> None:
        if frame == self.state.frame and self.reader is not None and self.view.shown_frame != frame:
            self._show(frame, rgb)

    def _show(self, frame: int, rgb: np.ndarray) -> None:
        self.view.skeleton_frame = frame
        self.view.set_image(frame, rgb)
        self.frames_shown += 1

    def _on_error(self, exc: MGStudioError) -> None:
        self.view.set_message(str(exc))
        self.mediaError.emit(exc)

    # ------------------------------------------------------------------ playback
    def _on_playing(self, playing: bool) -> None:
        self.transport.set_playing(playing)
        self.view.playing = playing
        if playing:
            n = self.state.frame_count
            loop = self.state.loop
            if loop is not None and not (loop[0] <= self.state.frame < loop[1]):
                self.state.set_frame(loop[0])
            elif n and self.state.frame >= n - 1:
                self.state.set_frame(0)
            self._restart_clock()
            self._timer.start(max(5, int(500 / (self.state.fps * self.state.speed))))
        else:
            self._timer.stop()

    def _on_speed(self, speed: float) -> None:
        self.transport.set_speed(speed)
        if self.state.playing:
            self._restart_clock()
            self._timer.setInterval(max(5, int(500 / (self.state.fps * speed))))

    def _restart_clock(self) -> None:
        self._play_origin = self.state.frame
        self._clock.restart()

    def _tick(self) -> None:
        st = self.state
        target = self._play_origin + int(math.floor(self._clock.nsecsElapsed() * 1e-9 * st.fps * st.speed))
        loop = st.loop
        if loop is not None and target >= loop[1]:
            st.set_frame(loop[0])
            self._restart_clock()
            return
        if target >= st.frame_count - 1:
            st.set_frame(st.frame_count - 1)
            st.set_playing(False)
            return
        if target != st.frame:
            st.set_frame(target)

    # ------------------------------------------------------------------ commands
    def step(self, frames: int) -> None:
        navigation.step(self.state, frames)

    def step_seconds(self, seconds: int) -> None:
        """The transport's one-second buttons: as Shift+arrows (:mod:`navigation`), it pauses."""
        navigation.step_seconds(self.state, seconds)

    def _segments(self) -> list[Any]:
        st = self.state
        if st.project is None or st.item_id is None:
            return []
        return [s for s in st.project.segments(st.item_id) if getattr(s.status, "value", s.status) != "rejected"]

    def jump_segment(self, direction: int) -> None:
        """Go to the next (+1) or previous (-1) segment of any tier and select it: the same
        segment as N / P (:func:`navigation.neighbour_segment`, rejected proposals skipped)."""
        target = navigation.neighbour_segment(self.state, direction > 0)
        if target is not None:
            navigation.go_to(self.state, target)

    def set_loop_segment(self, on: bool) -> None:
        """Loop the selected segment (or the one under the playhead); ``False`` stops looping."""
        if not on:
            self.state.set_loop(None)
            return
        segs = self._segments()
        sel = set(self.state.selection)
        chosen = [s for s in segs if s.id in sel] or [s for s in segs if s.start <= self.state.frame < s.end]
        if not chosen:
            self.transport.set_loop(False)
            self.mediaError.emit(MGStudioError("Select a segment first to loop it."))
            return
        seg = chosen[0]
        self.state.set_loop((seg.start, seg.end))
        if not (seg.start <= self.state.frame < seg.end):
            self.state.set_frame(seg.start)

    def set_skeleton_visible(self, on: bool) -> None:
        self.view.show_skeleton = on
        self.view.update()

    def set_part_visible(self, part: str, on: bool) -> None:
        self.view.style_.parts[part] = on
        self.view.update()

    def closeEvent(self, event) -> None:  # noqa: N802
        self._timer.stop()
        self.close_media()
        super().closeEvent(event)
