"""The dark theme shows an unchecked check box's frame and the file dialog's toolbar icons."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QCheckBox, QStyle


@pytest.fixture
def dark(qapp):
    from mgstudio.app.shell.theme import apply_theme

    saved = (qapp.palette(), qapp.styleSheet())
    apply_theme(qapp, "dark")
    yield qapp
    qapp.setPalette(saved[0])
    qapp.setStyleSheet(saved[1])


def brightest(img, x0: int, y0: int, x1: int, y1: int) -> int:
    return max(QColor(img.pixel(x, y)).lightness() for x in range(x0, x1) for y in range(y0, y1))


def test_an_unchecked_check_box_is_visible_on_the_dark_theme(qtbot, dark) -> None:
    box = QCheckBox("Movement")
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    img = box.grab().toImage()
    window = QColor(dark.palette().color(dark.palette().ColorRole.Window)).lightness()
    side = box.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + 4
    # the frame of the empty box stands out from the window (it was within 10 levels of it before)
    assert brightest(img, 0, 0, side, img.height()) - window > 60


def test_file_dialog_icons_are_light_on_the_dark_theme(qtbot, dark) -> None:
    style = QApplication.style()
    for sp in (QStyle.StandardPixmap.SP_FileDialogToParent, QStyle.StandardPixmap.SP_FileDialogNewFolder,
               QStyle.StandardPixmap.SP_FileDialogDetailedView, QStyle.StandardPixmap.SP_ArrowBack):
        img = style.standardIcon(sp, None, QCheckBox()).pixmap(16, 16).toImage()
        shown = [QColor.fromRgba(img.pixel(x, y)) for x in range(img.width()) for y in range(img.height())]
        shown = [c for c in shown if c.alpha() > 128]
        assert shown, sp
        assert max(c.lightness() for c in shown) > 180, sp  # light on the dark window, not dark grey


def test_the_file_dialogs_toolbar_icons_are_drawn_full_size_on_the_dark_theme(qtbot, dark) -> None:
    from PySide6.QtWidgets import QFileDialog, QToolButton

    dlg = QFileDialog(None, "Add videos or skeleton files", str(__import__("pathlib").Path(__file__).parent))
    dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    for name in ("toParentButton", "newFolderButton", "listModeButton", "detailModeButton"):
        button = dlg.findChild(QToolButton, name)
        img = button.grab().toImage()
        ground = QColor(img.pixel(3, img.height() // 2)).lightness()  # the button's face, inside its border
        marks = [(x, y) for x in range(3, img.width() - 3) for y in range(3, img.height() - 3)
                 if abs(QColor(img.pixel(x, y)).lightness() - ground) > 60]
        assert marks, name
        w = max(x for x, _ in marks) - min(x for x, _ in marks) + 1
        h = max(y for _, y in marks) - min(y for _, y in marks) + 1
        assert w >= 12 and h >= 8, (name, w, h)  # the style sheet's padding left a 4-px dot before
    detail = dlg.findChild(QToolButton, "detailModeButton").grab().toImage()
    levels = {QColor(detail.pixel(x, y)).lightness() // 64 for x in range(6, detail.width() - 6)
              for y in range(6, detail.height() - 6)}
    assert len(levels) >= 3  # its lines are drawn inside the page, not one flat light square
