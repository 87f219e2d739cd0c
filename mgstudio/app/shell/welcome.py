"""The welcome page shown where the video goes while no project is open: New, Open, the demo,
and the recent projects (a click opens one)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    """Signals: ``newRequested``, ``openRequested``, ``demoRequested``, ``recentChosen(Path)``."""

    newRequested = Signal()
    openRequested = Signal()
    demoRequested = Signal()
    recentChosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WelcomePage")
        title = QLabel("<h2>MG Studio</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.coder_label = QLabel("")
        self.coder_label.setObjectName("WelcomeCoder")
        self.coder_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.coder_label.setWordWrap(True)
        self.new_button = QPushButton("New project…")
        self.new_button.setToolTip("Start a project: choose its folder, its labels and who codes")
        self.open_button = QPushButton("Open project…")
        self.open_button.setToolTip("Open a project folder (.mgproj)")
        self.demo_button = QPushButton("Try the demo project")
        self.demo_button.setToolTip("A short interview clip with a skeleton and model proposals to review")
        for b in (self.new_button, self.open_button, self.demo_button):
            b.setMinimumHeight(34)
            b.setMinimumWidth(220)
        self.new_button.setDefault(True)
        self.new_button.clicked.connect(self.newRequested)
        self.open_button.clicked.connect(self.openRequested)
        self.demo_button.clicked.connect(self.demoRequested)
        self.recent_title = QLabel("Recent projects")
        self.recent = QListWidget()
        self.recent.setObjectName("WelcomeRecent")
        self.recent.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.recent.setMaximumWidth(420)
        self.recent.setMaximumHeight(150)
        self.recent.itemActivated.connect(lambda it: self.recentChosen.emit(Path(it.data(Qt.ItemDataRole.UserRole))))
        self.recent.itemClicked.connect(lambda it: self.recentChosen.emit(Path(it.data(Qt.ItemDataRole.UserRole))))
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(title)
        lay.addWidget(self.coder_label)
        lay.addSpacing(8)
        for w in (self.new_button, self.open_button, self.demo_button):
            lay.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addSpacing(8)
        lay.addWidget(self.recent_title, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.recent, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)

    def set_coder(self, name: str) -> None:
        self.coder_label.setText(f"Coding as <b>{name}</b> (File ▸ Switch coder… to change)" if name else
                                 "Nobody is set as the coder yet: File ▸ Switch coder…")

    def set_recent(self, paths: list[Path]) -> None:
        self.recent.clear()
        for p in paths:
            it = QListWidgetItem(f"{p.stem}  —  {p.parent}")
            it.setData(Qt.ItemDataRole.UserRole, str(p))
            it.setToolTip(str(p))
            self.recent.addItem(it)
        self.recent.setVisible(bool(paths))
        self.recent_title.setVisible(bool(paths))


__all__ = ["WelcomePage"]
