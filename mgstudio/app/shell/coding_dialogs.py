"""File ▸ Import coding… / Export coding…: ELAN, BORIS, CSV and JSON files from the window.

The jobs run in a worker thread (the :class:`~mgstudio.core.project.Project` is thread-safe);
an import is checked whole before anything is written and is one undoable step, so Ctrl+Z
takes it back and a file that cannot be read changes nothing. Export: a typed extension
(``x.csv``) wins over the selected file-type filter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mgstudio.core.segments import Status
from mgstudio.formats.segment_io import detect_format, export_file, import_file, target_item
from mgstudio.formats.tracks import ImportReport, cancellable

IMPORT_FILTER = ("Coding files (*.eaf *.boris *.csv *.tsv *.txt *.json);;ELAN (*.eaf);;"
                 "BORIS projects (*.boris);;Tables (*.csv *.tsv *.txt);;MG Studio JSON (*.json);;All files (*)")

# (file-dialog filter, format, suffix); ELAN holds one recording, the others the whole project
EXPORTS = (
    ("ELAN file of this recording (*.eaf)", "eaf", ".eaf"),
    ("CSV table of all recordings (*.csv)", "csv", ".csv"),
    ("BORIS project of all recordings (*.boris)", "boris", ".boris"),
    ("MG Studio JSON of everything, for another MG Studio (*.json)", "json", ".json"),
)
KEPT = [s for s in Status if s != Status.REJECTED]  # rejected proposals are not coding


def import_job(project: Any, path: Path, current: int | None, create_missing: bool = False,
               cancel: Any = None) -> tuple[ImportReport, str | None]:
    """Import ``path`` as the window does (see :func:`target_item`); returns the report and the
    name of the recording it went to (None when the file names its recordings). With
    ``create_missing`` the recordings the file names and the project lacks are first added as
    label-only recordings (:mod:`mgstudio.workflows.coding`); the report's warnings say so.
    ``cancel`` (the status bar's Cancel) stops a plain import before anything is written."""
    fmt = detect_format(path)
    if create_missing:
        from mgstudio.workflows.coding import import_coding

        done = import_coding(project, path, fmt, create_missing=True)
        done.report.warnings[:0] = done.notes
        return done.report, None
    target = target_item(project, path, fmt, current)
    with cancellable(cancel):
        report = import_file(project, path, fmt, target)
    return report, (project.item(target).name if target is not None else None)


def missing_recordings(project: Any, path: Path) -> list[str]:
    """The recordings a coding file names that the project lacks (empty when the file cannot
    make any, or cannot be read: the import then says why)."""
    from mgstudio.core.errors import MGStudioError
    from mgstudio.workflows.coding import CREATES, scan_coding

    try:
        fmt = detect_format(path)
        if fmt not in CREATES or (fmt == "eaf" and project.items()):
            return []  # an ELAN file goes to the recording on screen once there is one
        return scan_coding(path, fmt).missing(project)
    except MGStudioError:
        return []


def ask_create_missing(parent: QWidget, path: Path, names: list[str]) -> bool | None:
    """Ask whether to add the file's unknown recordings as label-only ones; None = cancel."""
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    box = QMessageBox(QMessageBox.Icon.Question, "Import coding",
                      f"{path.name} codes {len(names)} recording(s) that are not in this project ({shown}).\n\n"
                      "Add them as label-only recordings? They have no video or skeleton: reports, agreement "
                      "and exports work on them; each runs to the end of its last segment.\n\n"
                      "No: import only the coding of recordings already in the project.",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Yes)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Cancel:
        return None
    return answer == QMessageBox.StandardButton.Yes


def export_job(project: Any, path: Path, fmt: str, current: int | None) -> int:
    """Write the coding to ``path``; returns the number of segments written."""
    return export_file(project, path, fmt, [current] if fmt == "eaf" and current is not None else None,
                       None, None if fmt == "json" else KEPT)


def ask_import(parent: QWidget, start_dir: str = "") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Import coding (ELAN, BORIS, CSV…)", start_dir, IMPORT_FILTER)
    return Path(path) if path else None


def ask_export(parent: QWidget, start: Path, has_item: bool) -> tuple[Path, str] | None:
    """Ask where and in which format; ELAN is offered only with a recording on screen."""
    choices = [c for c in EXPORTS if has_item or c[1] != "eaf"]
    path, chosen = QFileDialog.getSaveFileName(parent, "Export coding", str(start.with_suffix(choices[0][2])),
                                               ";;".join(c[0] for c in choices))
    if not path:
        return None
    return export_target(Path(path), chosen, has_item)


def export_target(path: Path, chosen_filter: str, has_item: bool = True) -> tuple[Path, str]:
    """The file and format to write: a typed extension wins over the selected filter
    (``x.csv`` with the ELAN filter writes CSV to ``x.csv``); without one, the filter's is added."""
    choices = [c for c in EXPORTS if has_item or c[1] != "eaf"]
    typed = next(((f, s) for _, f, s in choices if path.suffix.lower() == s), None)
    if typed is not None:
        return path, typed[0]
    fmt, suffix = next(((f, s) for name, f, s in choices if name == chosen_filter), choices[0][1:])
    return path.with_name(path.name + suffix), fmt


def import_message(path: Path, report: ImportReport, item_name: str | None) -> str:
    where = f" into “{item_name}”" if item_name else ""
    if not report.imported:  # no undo step was made: Ctrl+Z would undo the edit before
        undo = "Nothing was added, so this import made no undo step (Ctrl+Z would undo your edit before it)."
    else:
        undo = "Edit ▸ Undo (Ctrl+Z) takes the whole import back in one step."
    return f"{path.name} was imported{where}.\n\n{report.summary()}\n\n{undo}"


def show_import(parent: QWidget, text: str, report: ImportReport | None = None) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, "Import coding", text, QMessageBox.StandardButton.Ok, parent)
    if report is not None and (len(report.warnings) > report.MAX_WARNINGS or report.details):
        # every note and every skipped row with its reason, tier and time, behind "Show Details…"
        box.setDetailedText("\n".join(report.warnings + report.details))
    box.open()
    return box
