"""``ThemeStyle``: Fusion, with what the dark theme would otherwise hide made visible.

Fusion draws the frame of a check box (and of a check box in a list) a shade darker than the
window, which on the dark theme is next to invisible when unchecked; the toolbar icons of Qt's
file dialog (back, up, new folder, list / details) are dark grey on dark grey. This style draws
check-box and radio frames in the palette's placeholder-text colour and, on a dark palette,
recolours those icons to the text colour. Tab titles (tabbed panels) that do not fit lose their
middle, not their end.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
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
    """``icon`` in one colour (its shape kept by its transparency)."""
    out = QIcon()
    for size in ICON_SIZES:
        src = icon.pixmap(size, size)
        if src.isNull():
            continue
        pm = QPixmap(src.size())
        pm.setDevicePixelRatio(src.devicePixelRatio())
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.drawPixmap(0, 0, src)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        p.fillRect(pm.rect(), colour)
        p.end()
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
        if hint == QStyle.StyleHint.SH_TabBar_ElideMode:  # tab bars that do not choose: "Emotion…report"
            return int(Qt.TextElideMode.ElideMiddle.value)
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
