"""``TransportBar``: play/pause, frame and second steps, segment jumps, speed, loop, scrubbing,
and the frame number + timecode (always visible)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QVBoxLayout,
                               QWidget)

SPEEDS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


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
        self.frame_label = QLabel("Frame –", self)
        self.frame_label.setObjectName("frameLabel")
        self.frame_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.time_label = QLabel("00:00:00.000", self)
        self.time_label.setObjectName("timeLabel")
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        for w in (self.prev_segment, self.back_second, self.back_frame, self.play, self.next_frame,
                  self.forward_second, self.next_segment):
            row.addWidget(w)
        row.addSpacing(8)
        row.addWidget(self.loop)
        row.addWidget(self.speed)
        row.addStretch(1)
        row.addWidget(self.frame_label)
        row.addSpacing(12)
        row.addWidget(self.time_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.setSpacing(2)
        lay.addWidget(self.slider)
        lay.addLayout(row)

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

    # ------------------------------------------------------------------ updates from the player
    def set_range(self, frame_count: int) -> None:
        self._updating = True
        self.slider.setRange(0, max(0, frame_count - 1))
        self.slider.setPageStep(max(1, frame_count // 20))
        self._updating = False
        self.setEnabled(frame_count > 0)

    def set_position(self, frame: int, frame_count: int, timecode: str) -> None:
        self._updating = True
        self.slider.setValue(frame)
        self._updating = False
        self.frame_label.setText(f"Frame {frame} / {max(frame_count - 1, 0)}")
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
