"""``FrameView``: one video frame scaled to fit, with the 2D skeleton drawn over it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from mgstudio.app.player.overlay import OverlayStyle, draw_skeleton, fit_transform
from mgstudio.core.skeleton import SkeletonSequence



def qimage_rgb(img: QImage) -> np.ndarray:
    """A copy of ``img`` as an H x W x 3 RGB array (rows padded by Qt are cut)."""
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h).reshape(h, img.bytesPerLine())
    return arr[:, :3 * w].reshape(h, w, 3).copy()

class FrameView(QWidget):
    """Paints the current RGB frame (letter-boxed) and the skeleton of the same frame.

    Without a video (skeleton-only items) the skeleton is fitted to the widget on a dark canvas.
    ``shown_frame`` is the media frame number of the picture on screen (``None`` before any).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 135)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # clicking the picture takes keys from text fields
        self.image: QImage | None = None
        self.image_size: tuple[int, int] | None = None
        self.shown_frame: int | None = None
        self.pending_frame: int | None = None  # asked for, not decoded yet
        self.playing = False  # no "loading" notice during playback (frames are skipped on purpose)
        self.skeleton: SkeletonSequence | None = None
        self.skeleton_frame: int | None = None
        self.show_skeleton = True
        self.style_ = OverlayStyle()
        self.message = ""
        self.joints_drawn = 0
        self._fit: tuple[float, float, float] | None = None

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    # ------------------------------------------------------------------ content
    def set_image(self, frame: int, rgb: np.ndarray | None) -> None:
        """Show ``rgb`` (H x W x 3 uint8) as media frame ``frame``; ``None`` clears the picture."""
        if rgb is None:
            self.image = None
            self.pending_frame = None
        else:
            rgb = np.ascontiguousarray(rgb)
            h, w = rgb.shape[:2]
            self.image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
            self.image_size = (w, h)
        self.shown_frame = frame
        self.update()

    def set_pending(self, frame: int | None) -> None:
        """The frame the player waits for (a small notice shows while it differs from the picture)."""
        self.pending_frame = frame
        self.update()

    def set_skeleton(self, seq: SkeletonSequence | None) -> None:
        self.skeleton = seq
        self._fit = None
        self.update()

    def set_skeleton_frame(self, frame: int | None) -> None:
        self.skeleton_frame = frame
        self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    # ------------------------------------------------------------------ painting
    def _image_rect(self) -> QRectF | None:
        size = self.image_size
        if size is None:
            return None
        w, h = size
        s = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * s) / 2, (self.height() - h * s) / 2, w * s, h * s)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#111317"))
        rect = self._image_rect()
        if self.image is not None and rect is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(rect, self.image)
        self.joints_drawn = 0
        seq, f = self.skeleton, self.skeleton_frame
        if self.show_skeleton and seq is not None and f is not None:
            k = f - seq.start_frame
            if 0 <= k < len(seq.xy):
                to_screen = self._to_screen(seq, rect)
                self.joints_drawn = draw_skeleton(p, seq.layout, seq.xy[k], seq.conf[k], to_screen, self.style_)
        waiting = (not self.playing and self.pending_frame is not None
                   and self.shown_frame != self.pending_frame)
        if waiting and self.image is not None:
            p.setPen(QColor("#FFD479"))
            p.drawText(self.rect().adjusted(8, 6, -8, -6), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                       f"loading frame {self.pending_frame}… (showing {self.shown_frame})")
        if self.message:
            p.setPen(QColor("#D8DEE9"))
            p.drawText(self.rect().adjusted(12, 12, -12, -12),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        p.end()

    def _to_screen(self, seq: SkeletonSequence, rect: QRectF | None) -> tuple[float, float, float]:
        if seq.image_size is not None and rect is not None and self.image is not None:
            w, _ = seq.image_size
            s = rect.width() / w
            return s, rect.left(), rect.top()
        if seq.image_size is not None:  # skeleton-only item that remembers its image size
            w, h = seq.image_size
            s = min(self.width() / w, self.height() / h)
            return s, (self.width() - w * s) / 2, (self.height() - h * s) / 2
        if self._fit is None or self._fit_size != (self.width(), self.height()):
            self._fit = fit_transform(seq.xy, self.width(), self.height())
            self._fit_size = (self.width(), self.height())
        return self._fit

    def grab_rgb(self) -> np.ndarray:
        """The widget as an RGB array (for tests and screenshots)."""
        return qimage_rgb(self.grab().toImage())
