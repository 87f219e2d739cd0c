"""Screenshots of widgets that contain the 3D view.

The 3D view renders into its own native OpenGL window (see :mod:`mgstudio.app.player.view3d`), which
``QWidget.grab()`` cannot see (it would leave a blank rectangle). :func:`grab` paints each visible
3D view's framebuffer into the picture at its place.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QWidget


def grab(widget: QWidget) -> QPixmap:
    """``widget.grab()`` with the 3D views inside it drawn in."""
    from mgstudio.app.player.view3d import View3D

    pix = widget.grab()
    views = [widget] if isinstance(widget, View3D) else []
    views += widget.findChildren(View3D)
    painter: QPainter | None = None
    for view in views:
        box = view.gl_container
        if not box.isVisible() or (hasattr(view.gl, "isExposed") and not view.gl.isExposed()):
            continue
        image = view.gl.grabFramebuffer()
        if image.isNull():
            continue
        if painter is None:
            painter = QPainter(pix)
        top_left = box.mapTo(widget, QPoint(0, 0)) if box is not widget else QPoint(0, 0)
        painter.drawImage(QRect(top_left, box.size()), image)
    if painter is not None:
        painter.end()
    return pix
