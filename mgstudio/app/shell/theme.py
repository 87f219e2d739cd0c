"""The dark and light themes: palettes, style sheets (resources/style) and the Fusion proxy style."""

from __future__ import annotations

from pathlib import Path

try:  # the packaged app keeps resources elsewhere (see mgstudio.resources)
    from mgstudio.resources import resource_path

    STYLE_DIR = resource_path("style")
except ImportError:  # pragma: no cover
    STYLE_DIR = Path(__file__).resolve().parents[3] / "resources" / "style"


PALETTES = {  # role -> colour; custom-painted widgets (timeline, player) read the palette
    "dark": {"Window": "#1E2127", "WindowText": "#D8DEE9", "Base": "#16181D", "AlternateBase": "#1B1E24",
             "Text": "#D8DEE9", "Button": "#2B3039", "ButtonText": "#D8DEE9", "Highlight": "#3B6EA8",
             "HighlightedText": "#FFFFFF", "ToolTipBase": "#2B3039", "ToolTipText": "#ECEFF4",
             "PlaceholderText": "#7B8494", "Mid": "#3A404B", "Dark": "#101216", "Light": "#4C566A",
             "Midlight": "#343A44", "Shadow": "#000000", "BrightText": "#FFFFFF", "Link": "#88C0D0"},
    "light": {"Window": "#F4F5F7", "WindowText": "#1F2430", "Base": "#FFFFFF", "AlternateBase": "#F3F5F8",
              "Text": "#1F2430", "Button": "#FFFFFF", "ButtonText": "#1F2430", "Highlight": "#2F6DB5",
              "HighlightedText": "#FFFFFF", "ToolTipBase": "#FFFFDC", "ToolTipText": "#1F2430",
              "PlaceholderText": "#8C96A6", "Mid": "#B8BEC9", "Dark": "#8C96A6", "Light": "#FFFFFF",
              "Midlight": "#E6E8EC", "Shadow": "#5C6370", "BrightText": "#FFFFFF", "Link": "#2F6DB5"},
}


def theme_palette(name: str):
    """The ``QPalette`` of a theme (``dark`` or ``light``)."""
    from PySide6.QtGui import QColor, QPalette

    pal = QPalette()
    for role, colour in PALETTES.get(name, PALETTES["dark"]).items():
        pal.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role in ("WindowText", "Text", "ButtonText"):
        pal.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor("#7B8494"))
    return pal


def apply_theme(app, name: str) -> None:
    """Apply the dark or light theme: Fusion style, palette and style sheet."""
    from mgstudio.app.shell.theme_style import ThemeStyle

    if not isinstance(app.style(), ThemeStyle):
        app.setStyle(ThemeStyle())  # Fusion, with check boxes and file-dialog icons visible on dark
    app.setPalette(theme_palette(name))
    path = STYLE_DIR / f"{name}.qss"
    app.setStyleSheet(path.read_text(encoding="utf-8") if path.is_file() else "")
    app.setProperty("mgstudio_theme", name)
