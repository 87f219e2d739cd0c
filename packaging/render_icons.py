"""Render resources/icons/mgstudio.svg to mgstudio-48.png, -128.png and -256.png with Qt.

Run from the repository root: ``.venv/bin/python packaging/render_icons.py``
(works without a display: it uses Qt's offscreen platform).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (48, 128, 256)


def render(svg: Path, out_dir: Path, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Write one PNG per size next to the SVG; returns their paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"not a valid SVG: {svg}")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"mgstudio-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"could not write {path}")
        written.append(path)
    return written


if __name__ == "__main__":
    icons = Path(__file__).resolve().parents[1] / "resources" / "icons"
    for p in render(icons / "mgstudio.svg", icons):
        print(p)
