"""``TransportBar``: play/pause, frame and second steps, segment jumps, speed, loop, scrubbing,
and the frame number + timecode (always visible).

The frame number and timecode keep a width reserved for the widest text the recording can
show (``Frame 431999 / 431999`` for two hours at 60 fps, every digit as wide as the font's
widest), so they are never cut and do not shift while playing. They sit at the end of the
button row when it has room, else at the end of the slider row: the bar's minimum width is
the narrower arrangement's, so a window 1200 pixels wide still shows them in full.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QVBoxLayout,
                               QWidget)

SPEEDS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
NO_FRAME = "Frame –"
ZERO_TIME = "00:00:00.000"


def frame_text(frame: int, frame_count: int) -> str:
    """The frame label's text: the frame shown and the last frame's number."""
    return f"Frame {frame} / {max(frame_count - 1, 0)}"


def widest_width(fm: QFontMetrics, text: str) -> int:
    """Pixel width of ``text`` with every digit replaced by the font's widest digit: the most
    any text of the same shape (same digit count) can need."""
    digits = "0123456789"
    widest = max(digits, key=fm.horizontalAdvance)
    return fm.horizontalAdvance(re.sub(r"\d", widest, text))


class TransportBar(QWidget):
    """Buttons and slider; it only emits requests (the player decides what happens)."""

    playToggled = Signal()
    stepRequested = Signal(int)          # frames (+/-1)
    secondRequested = Signal(int)        # seconds (+/-1)
    segmentJumpRequested = Signal(int)   # -1 previous, +1 next
    loopToggled = Signal(bool)
    speedChosen = Signal(float)
    scrubbed = Signal(int)               # frame from the slider

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        st = self.style()

        def button(icon: QStyle.StandardPixmap | None, text: str, tip: str) -> QToolButton:
            b = QToolButton(self)
            if icon is not None:
                b.setIcon(st.standardIcon(icon))
            else:
                b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window's shortcuts
            return b

        SP = QStyle.StandardPixmap
        self.prev_segment = button(SP.SP_MediaSkipBackward, "", "Previous segment (P)")
        self.back_second = button(SP.SP_MediaSeekBackward, "", "Back one second (Shift+←)")
        self.back_frame = button(None, "◀|", "Back one frame (←)")
        self.play = button(SP.SP_MediaPlay, "", "Play / pause (Space)")
        self.next_frame = button(None, "|▶", "Forward one frame (→)")
        self.forward_second = button(SP.SP_MediaSeekForward, "", "Forward one second (Shift+→)")
        self.next_segment = button(SP.SP_MediaSkipForward, "", "Next segment (N)")
        self.loop = button(None, "⟲ Loop", "Loop the selected segment")
        self.loop.setCheckable(True)
        self.speed = QComboBox(self)
        self.speed.setToolTip("Playback speed")
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setToolTip("Drag to scrub through the recording")
        self.readout = QWidget(self)  # frame number + timecode, moved as one
        self.frame_label = QLabel(NO_FRAME, self.readout)
        self.frame_label.setObjectName("frameLabel")
        self.frame_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.frame_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.time_label = QLabel(ZERO_TIME, self.readout)
        self.time_label.setObjectName("timeLabel")
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        rl = QHBoxLayout(self.readout)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.setSpacing(12)
        rl.addWidget(self.frame_label)
        rl.addWidget(self.time_label)
        self._frame_sample = NO_FRAME  # the widest text each label must hold for this recording
        self._time_sample = ZERO_TIME

        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        for w in (self.prev_segment, self.back_second, self.back_frame, self.play, self.next_frame,
                  self.forward_second, self.next_segment):
            row.addWidget(w)
        row.addSpacing(8)
        row.addWidget(self.loop)
        row.addWidget(self.speed)
        row.addStretch(1)
        top = QHBoxLayout()
        top.setContentsMargins(4, 0, 4, 0)
        top.setSpacing(8)
        top.addWidget(self.slider, 1)
        top.addWidget(self.readout)
        self._row, self._top, self._wide = row, top, False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addLayout(row)
        self._reserve()

        self.play.clicked.connect(self.playToggled)
        self.back_frame.clicked.connect(lambda: self.stepRequested.emit(-1))
        self.next_frame.clicked.connect(lambda: self.stepRequested.emit(1))
        self.back_second.clicked.connect(lambda: self.secondRequested.emit(-1))
        self.forward_second.clicked.connect(lambda: self.secondRequested.emit(1))
        self.prev_segment.clicked.connect(lambda: self.segmentJumpRequested.emit(-1))
        self.next_segment.clicked.connect(lambda: self.segmentJumpRequested.emit(1))
        self.loop.toggled.connect(self.loopToggled)
        self.speed.activated.connect(lambda i: self.speedChosen.emit(float(self.speed.itemData(i))))
        self.slider.valueChanged.connect(self._slider_moved)
        self._updating = False

    def _slider_moved(self, value: int) -> None:
        if not self._updating:
            self.scrubbed.emit(value)

    def add_tool(self, widget: QWidget) -> None:
        """Put ``widget`` in the button row, before the speed choice."""
        self._row.insertWidget(self._row.indexOf(self.speed), widget)
        self._arrange()

    # ------------------------------------------------------------------ layout
    def _reserve(self) -> None:
        """Fix each label's width to the widest text it can show for the current recording."""
        fm = self.frame_label.fontMetrics()
        self.frame_label.setFixedWidth(widest_width(fm, self._frame_sample) + 2)
        self.time_label.setFixedWidth(widest_width(self.time_label.fontMetrics(), self._time_sample) + 2)
        self._arrange()

    def _row_min_without_readout(self) -> int:
        row_min = self._row.minimumSize().width()
        if self._wide:
            row_min -= self.readout.minimumSizeHint().width() + max(0, self._row.spacing())
        return row_min

    def _arrange(self) -> None:
        """Readout in the button row when it fits there, else in the slider row."""
        need = self._row_min_without_readout() + max(0, self._row.spacing()) + self.readout.minimumSizeHint().width()
        wide = self.width() >= need
        if wide == self._wide:
            return
        self._wide = wide
        (self._top if wide else self._row).removeWidget(self.readout)
        (self._row if wide else self._top).addWidget(self.readout)
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """The narrower arrangement's size (readout beside the slider), whatever the current one."""
        hint = super().minimumSizeHint()
        m = self._top.contentsMargins()
        top_min = (self.slider.minimumSizeHint().width() + self._top.spacing()
                   + self.readout.minimumSizeHint().width() + m.left() + m.right())
        return QSize(max(self._row_min_without_readout(), top_min), hint.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._arrange()

    def event(self, event) -> bool:  # noqa: N802 - Qt API
        # a child's size changed (a tool button added or restyled, the labels widened): the button
        # row may no longer have room for the readout although the bar kept its width
        if event.type() == QEvent.Type.LayoutRequest:
            self._arrange()
        return super().event(event)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._reserve()

    # ------------------------------------------------------------------ updates from the player
    def set_range(self, frame_count: int, end_timecode: str = ZERO_TIME) -> None:
        """A recording of ``frame_count`` frames whose last frame starts at ``end_timecode``."""
        self._updating = True
        self.slider.setRange(0, max(0, frame_count - 1))
        self.slider.setPageStep(max(1, frame_count // 20))
        self._updating = False
        self.setEnabled(frame_count > 0)
        last = max(frame_count - 1, 0)
        self._frame_sample = frame_text(last, frame_count) if frame_count > 0 else NO_FRAME
        self._time_sample = end_timecode if len(end_timecode) >= len(ZERO_TIME) else ZERO_TIME
        if frame_count <= 0:
            self.frame_label.setText(NO_FRAME)
            self.time_label.setText(ZERO_TIME)
        self._reserve()

    def set_position(self, frame: int, frame_count: int, timecode: str) -> None:
        self._updating = True
        self.slider.setValue(frame)
        self._updating = False
        text = frame_text(frame, frame_count)
        if len(text) > len(self._frame_sample) or len(timecode) > len(self._time_sample):
            # a frame past the announced end (a count that was wrong): widen rather than cut
            self._frame_sample = max(self._frame_sample, text, key=len)
            self._time_sample = max(self._time_sample, timecode, key=len)
            self._reserve()
        self.frame_label.setText(text)
        self.time_label.setText(timecode)

    def set_playing(self, playing: bool) -> None:
        SP = QStyle.StandardPixmap
        self.play.setIcon(self.style().standardIcon(SP.SP_MediaPause if playing else SP.SP_MediaPlay))

    def set_speed(self, speed: float) -> None:
        best = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
        self.speed.setCurrentIndex(best)

    def set_loop(self, on: bool) -> None:
        self.loop.blockSignals(True)
        self.loop.setChecked(on)
        self.loop.blockSignals(False)
