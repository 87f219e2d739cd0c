"""Small dialogs: errors with details on demand, About, and new / open project."""

from __future__ import annotations

import traceback
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

import mgstudio
from mgstudio.core.errors import MGStudioError


def error_box(parent: QWidget | None, error: BaseException | str, title: str = "MG Studio",
              detail: str | None = None) -> QMessageBox:
    """A message box with the error's sentence and its technical detail behind "Show Details…"."""
    if isinstance(error, MGStudioError):
        text, detail = str(error), detail or error.detail
    elif isinstance(error, BaseException):
        text = f"Something unexpected went wrong ({type(error).__name__}). Your project is safe."
        detail = detail or "".join(traceback.format_exception(error))
    else:
        text = str(error)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if detail:
        box.setDetailedText(str(detail))
    return box


def show_error(parent: QWidget | None, error: BaseException | str, title: str = "MG Studio") -> None:
    """Show :func:`error_box` modally (non-blocking ``open()`` when there is a parent window)."""
    box = error_box(parent, error, title)
    if parent is not None:
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
    else:
        box.exec()


def about(parent: QWidget | None) -> None:
    QMessageBox.about(
        parent, "About MG Studio",
        f"<h3>MG Studio {mgstudio.__version__}</h3>"
        "<p>Annotate, recognise and interpret micro-gestures from skeletons.</p>"
        "<p>Skeletons by MediaPipe Holistic; recognition by a dual-stream contrastive model; "
        "your edits are saved as you make them.</p>")


def ask_new_project(parent: QWidget | None, start_dir: str = "") -> Path | None:
    """Ask for a folder and a name; returns ``FOLDER/NAME.mgproj`` or ``None``."""
    name, ok = QInputDialog.getText(parent, "New project", "Project name:")
    if not ok or not name.strip():
        return None
    folder = QFileDialog.getExistingDirectory(parent, "Where should the project be saved?", start_dir)
    if not folder:
        return None
    safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in name.strip())
    return Path(folder) / f"{safe}.mgproj"


def ask_open_project(parent: QWidget | None, start_dir: str = "") -> Path | None:
    """Ask for a project folder (``*.mgproj``) or its ``project.sqlite``."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", start_dir,
                                          "MG Studio projects (project.sqlite);;All files (*)")
    if path:
        return Path(path).parent if Path(path).name == "project.sqlite" else Path(path)
    folder = QFileDialog.getExistingDirectory(parent, "Open a project folder (.mgproj)", start_dir)
    return Path(folder) if folder else None


def ask_media_files(parent: QWidget | None, start_dir: str = "") -> list[Path]:
    """Ask for videos or skeleton files to add to the project."""
    files, _ = QFileDialog.getOpenFileNames(
        parent, "Add videos or skeleton files", start_dir,
        "Videos and skeletons (*.mp4 *.mov *.avi *.mkv *.m4v *.webm *.npz *.json *.skeleton *.pkl *.txt *.csv);;"
        "All files (*)")
    return [Path(f) for f in files]
