"""File ▸ Import coding… / Export coding…: ELAN, BORIS, CSV and JSON files from the window.

The jobs run in a worker thread (the :class:`~mgstudio.core.project.Project` is thread-safe);
an import is checked whole before anything is written and is one undoable step, so Ctrl+Z
takes it back and a file that cannot be read changes nothing. Export: a typed extension
(``x.csv``) wins over the selected file-type filter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mgstudio.core.segments import Status
from mgstudio.formats.segment_io import detect_format, export_file, import_file, target_item
from mgstudio.formats.tracks import ImportReport, cancellable

if TYPE_CHECKING:
    from mgstudio.core.project import Project

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


def import_job(project: Project, path: Path, current: int | None, create_missing: bool = False,
               cancel: Any = None) -> tuple[ImportReport, str | None]:
    """Import ``path`` as the window does (see :func:`target_item`); returns the report and the
    name of the recording it went to (None when the file names its recordings). With
    ``create_missing`` the recordings the file names and the project lacks are first added as
    label-only recordings (:mod:`mgstudio.workflows.coding`), in the import's one undo step; one
    the file gives no frame rate for (a live BORIS observation) gets 25 fps, as the question said.
    ``cancel`` (the status bar's Cancel) stops the import before anything is written."""
    fmt = detect_format(path)
    if create_missing:
        from mgstudio.workflows.coding import DEFAULT_FPS, import_coding

        with cancellable(cancel):
            done = import_coding(project, path, fmt, create_missing=True, fps=DEFAULT_FPS if _unrated(path) else None)
        done.report.warnings[:0] = done.notes
        return done.report, None
    target = target_item(project, path, fmt, current)
    with cancellable(cancel):
        report = import_file(project, path, fmt, target)
    return report, (project.item(target).name if target is not None else None)


_last_scan: dict[str, Any] = {}  # the scan missing_recordings made, for the question that follows


def _scan_of(path: Path) -> Any:
    return _last_scan.get("scan") if _last_scan.get("path") == str(path) else None


def _unrated(path: Path) -> list[str]:
    """The recordings of the last scanned file that carry no frame rate of their own (BORIS live)."""
    scan = _scan_of(path)
    if scan is None or scan.fps is not None:
        return []
    return [n for n, r in scan.recordings.items() if r.fps is None]


def missing_recordings(project: Project, path: Path) -> list[str]:
    """The recordings a coding file names that the project lacks (empty when the file cannot
    make any, or cannot be read: the import then says why)."""
    from mgstudio.core.errors import MGStudioError
    from mgstudio.workflows.coding import CREATES, scan_coding

    _last_scan.clear()
    try:
        fmt = detect_format(path)
        if fmt not in CREATES or (fmt == "eaf" and project.items()):
            return []  # an ELAN file goes to the recording on screen once there is one
        scan = scan_coding(path, fmt)
        _last_scan.update(path=str(path), scan=scan)
        return scan.missing(project)
    except MGStudioError:
        return []


def _what_they_get(path: Path, names: list[str]) -> str:
    """How the new recordings get their frame rate and length, in the file's own terms."""
    scan = _scan_of(path)
    fmt = scan.fmt if scan is not None else detect_format(path)
    if fmt == "boris":
        unrated = [n for n in _unrated(path) if n in names]
        text = ("Each gets the frame rate BORIS noted for its video "
                f"({_rates(scan, names)}) and runs as long as its video or its last event.")
        if unrated:
            text += (f" {len(unrated)} live observation(s) have no frame rate ({_shown(unrated, 3)}): "
                     "they are added at 25 fps (Edit attributes… in the recordings list corrects it).")
        return text
    if fmt == "json":
        return f"Each keeps the frame rate ({_rates(scan, names)}), length and attributes the file gives it."
    return "Each runs to the end of its last segment."


def _rates(scan: Any, names: list[str]) -> str:
    rates = sorted({r.fps for n, r in scan.recordings.items() if n in names and r.fps is not None}) if scan else []
    if not rates:
        return "25 fps"
    return f"{float(rates[0]):g} fps" if len(rates) == 1 else f"{float(rates[0]):g}–{float(rates[-1]):g} fps"


def _shown(names: list[str], n: int = 5) -> str:
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")


def ask_create_missing(parent: QWidget, path: Path, names: list[str]) -> bool | None:
    """Ask whether to add the file's unknown recordings as label-only ones; None = cancel."""
    scan = _scan_of(path)
    fmt = scan.fmt if scan is not None else ""
    what = {"boris": "observation(s)", "json": "recording(s)"}.get(fmt, "recording(s)")
    verb = {"boris": "holds", "json": "holds"}.get(fmt, "codes")
    box = QMessageBox(QMessageBox.Icon.Question, "Import coding",
                      f"{path.name} {verb} {len(names)} {what} that are not in this project ({_shown(names)}).\n\n"
                      "Add them as label-only recordings? They have no video or skeleton: reports, agreement "
                      f"and exports work on them. {_what_they_get(path, names)}\n\n"
                      "Undo (Ctrl+Z) takes the new recordings back with the import.\n\n"
                      "No: import only the coding of recordings already in the project.",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Yes)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Cancel:
        return None
    return answer == QMessageBox.StandardButton.Yes


def export_job(project: Project, path: Path, fmt: str, current: int | None) -> int:
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
    created = any(w.startswith("Created ") and "label-only recording" in w for w in report.warnings)
    if created:  # the new recordings are in the import's undo step, even without a segment
        undo = "Edit ▸ Undo (Ctrl+Z) takes the whole import back in one step, the new recordings with it."
    elif not report.imported:  # no undo step was made: Ctrl+Z would undo the edit before
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
