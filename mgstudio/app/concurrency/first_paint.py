"""Run work right after a widget's first paint, so that the window appears before slow set-up.

The 3D view (pyqtgraph + PyOpenGL, about a third of start-up) is built this way: the main window
shows at once with a placeholder, and the view follows a moment later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QEvent, QObject, QTimer

if TYPE_CHECKING:  # concurrency/ imports no QtWidgets at run time (docs/internal-api.md)
    from PySide6.QtWidgets import QWidget


class FirstPaint(QObject):
    """Event filter that calls ``callback`` once, after the watched widget's first paint."""

    def __init__(self, callback: Callable[[], object], delay_ms: int = 0) -> None:
        super().__init__()
        self._callback = callback
        self._delay_ms = delay_ms
        self.done = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            QTimer.singleShot(self._delay_ms, self._callback)  # after this paint has completed
        return False


def after_first_paint(widget: QWidget, callback: Callable[[], object], delay_ms: int = 0) -> FirstPaint:
    """Call ``callback`` ``delay_ms`` after ``widget`` has been painted for the first time."""
    watcher = FirstPaint(callback, delay_ms)
    watcher.setParent(widget)
    widget.installEventFilter(watcher)
    if widget.isVisible():
        widget.update()
    return watcher
