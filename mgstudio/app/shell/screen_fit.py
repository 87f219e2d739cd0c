"""The window fits the screen it is on: docks scroll instead of growing it, and the default
layout is cut to the screen's free area (a 1280×720 laptop as well as a large monitor).

``scroll_wrap(dock)`` puts a dock's content in a scroll area, so its minimum size no longer adds
up with the other docks' into a window taller than the screen. ``fit_to_screen(window)`` sizes a
new window to the screen's available area and returns that size.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

DEFAULT_SIZE = QSize(1400, 860)  # on a large screen


def scroll_wrap(dock: QDockWidget) -> QScrollArea | None:
    """Put ``dock``'s content in a scroll area (once); returns it, or None without content."""
    content = dock.widget()
    if content is None or isinstance(content, QScrollArea):
        return content
    area = QScrollArea(dock)
    area.setObjectName(f"{dock.objectName()}Scroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(content)
    area.setMinimumSize(QSize(60, 40))
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the player
    dock.setWidget(area)
    return area


def available_size(widget: QWidget) -> QSize:
    """The free area of the screen ``widget`` is on (without task bars); the primary screen's
    when it has none yet."""
    screen = widget.screen() if widget.isVisible() else None
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        return DEFAULT_SIZE
    return screen.availableGeometry().size()


def fit_to_screen(window: QMainWindow) -> QSize:
    """Resize ``window`` to the default size, cut to the screen's free area; returns the size.

    The layout is brought up to date first: a minimum worked out while a dock still held its
    unwrapped content (a panel's constructor can make Qt lay out early) would otherwise stay
    the window's minimum and keep it taller than a laptop screen (835×901 on 1280×720)."""
    layout = window.layout()
    if layout is not None:
        layout.invalidate()
        layout.activate()
    free = available_size(window)
    frame_w = max(0, window.frameGeometry().width() - window.geometry().width())
    frame_h = max(0, window.frameGeometry().height() - window.geometry().height())
    size = QSize(min(DEFAULT_SIZE.width(), free.width() - frame_w),
                 min(DEFAULT_SIZE.height(), free.height() - frame_h))
    window.resize(size)
    return size


__all__ = ["scroll_wrap", "fit_to_screen", "available_size", "DEFAULT_SIZE"]
