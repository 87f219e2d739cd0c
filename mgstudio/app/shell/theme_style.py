"""``ThemeStyle``: Fusion, with what the dark theme would otherwise hide made visible.

Fusion draws the frame of a check box (and of a check box in a list) a shade darker than the
window, which on the dark theme is next to invisible when unchecked; the toolbar icons of Qt's
file dialog (back, up, new folder, list / details) are dark grey on dark grey. This style draws
check-box and radio frames in the palette's placeholder-text colour and, on a dark palette,
turns those icons' lightness over (light strokes, detail kept). The style sheets give the file
dialog's tool buttons room for their icons (their padding left 4 px). Tab titles are kept whole
(arrows scroll tab bars that do not fit), never cut to "S…t".
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleFactory

PE = QStyle.PrimitiveElement
SP = QStyle.StandardPixmap
TINTED = (SP.SP_ArrowBack, SP.SP_ArrowForward, SP.SP_ArrowUp, SP.SP_FileDialogToParent, SP.SP_FileDialogNewFolder,
          SP.SP_FileDialogListView, SP.SP_FileDialogDetailedView, SP.SP_FileDialogBack, SP.SP_FileDialogInfoView,
          SP.SP_FileDialogContentsView, SP.SP_BrowserReload)
ICON_SIZES = (16, 22, 24, 32)


def is_dark(pal: QPalette) -> bool:
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def tinted(icon: QIcon, colour: QColor) -> QIcon:
    """``icon`` for a dark background. A mostly dark icon (Fusion's black arrows, grey-lined pages)
    has each pixel's lightness turned over (dark strokes become light, white fills dark) and its
    hue pulled to ``colour``; transparency is kept, so inner detail (the lines of "details view")
    survives, not only the outline. An icon already light is left as it is."""
    out = QIcon()
    for size in ICON_SIZES:
        src = icon.pixmap(size, size)
        if src.isNull():
            continue
        img = src.toImage().convertToFormat(QImage.Format.Format_ARGB32)
        pixels = [(x, y, img.pixelColor(x, y)) for y in range(img.height()) for x in range(img.width())]
        pixels = [(x, y, c) for x, y, c in pixels if c.alpha() > 0]
        weight = sum(c.alpha() for _x, _y, c in pixels) or 1
        if sum(c.lightness() * c.alpha() for _x, _y, c in pixels) / weight >= 128:
            out.addPixmap(src)  # light already: readable on dark
            continue
        for x, y, c in pixels:
            t = QColor(colour)
            t.setHsl(t.hslHue(), min(t.hslSaturation(), c.hslSaturation()), max(60, 255 - c.lightness()), c.alpha())
            img.setPixelColor(x, y, t)
        pm = QPixmap.fromImage(img)
        pm.setDevicePixelRatio(src.devicePixelRatio())
        out.addPixmap(pm)
    return out if not out.isNull() else icon


class ThemeStyle(QProxyStyle):
    """Fusion with visible check-box frames and file-dialog icons (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))
        self._icons: dict[tuple[int, str], QIcon] = {}

    def drawPrimitive(self, element, option, painter, widget=None) -> None:  # noqa: N802
        super().drawPrimitive(element, option, painter, widget)
        if element not in (PE.PE_IndicatorCheckBox, PE.PE_IndicatorItemViewItemCheck, PE.PE_IndicatorRadioButton):
            return
        pal = option.palette
        colour = pal.color(QPalette.ColorRole.PlaceholderText)
        if not option.state & QStyle.StateFlag.State_Enabled:
            colour = pal.color(QPalette.ColorRole.Mid)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, element == PE.PE_IndicatorRadioButton)
        painter.setPen(QPen(colour, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        r = option.rect.adjusted(0, 0, -1, -1)
        side = min(r.width(), r.height())
        r.setWidth(side)
        r.setHeight(side)
        r.moveCenter(option.rect.center())
        if element == PE.PE_IndicatorRadioButton:
            painter.drawEllipse(r)
        else:
            painter.drawRect(r)
        painter.restore()

    def styleHint(self, hint, option=None, widget=None, returnData=None) -> int:  # noqa: N802
        if hint == QStyle.StyleHint.SH_TabBar_ElideMode:  # tab bars that do not choose: titles whole
            return int(Qt.TextElideMode.ElideNone.value)
        return super().styleHint(hint, option, widget, returnData)

    def standardIcon(self, sp, option=None, widget=None) -> QIcon:  # noqa: N802
        icon = super().standardIcon(sp, option, widget)
        pal = widget.palette() if widget is not None else (option.palette if option is not None else None)
        if sp not in TINTED or pal is None or not is_dark(pal):
            return icon
        colour = pal.color(QPalette.ColorRole.Text)
        key = (int(sp.value) if hasattr(sp, "value") else int(sp), colour.name())
        if key not in self._icons:
            self._icons[key] = tinted(icon, colour)
        return self._icons[key]


__all__ = ["ThemeStyle", "tinted", "is_dark"]
