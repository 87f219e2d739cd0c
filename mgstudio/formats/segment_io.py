"""One entry point for segment files: detect the format, import, export.

Formats: ``eaf`` (ELAN), ``csv`` (MG Studio segments CSV), ``imigue`` (the iMiGUE label CSV),
``boris`` (BORIS project), ``json`` (full-fidelity MG Studio JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mgstudio.core.errors import FormatError
from mgstudio.formats import boris, eaf, imigue_csv, project_json, segments_csv
from mgstudio.formats.readfile import read_regular
from mgstudio.formats.tracks import ImportReport, find_item

if TYPE_CHECKING:
    from mgstudio.core.project import Project

FORMATS = ("eaf", "csv", "imigue", "boris", "json")
PER_ITEM = {"eaf"}  # formats that hold one item per file


def detect_format(path: str | Path, for_export: bool = False) -> str:
    """Guess a segment file's format from its extension (and, on import, a CSV's header)."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".eaf":
        return "eaf"
    if ext == ".boris":
        return "boris"
    if ext == ".json":
        return "json"
    if ext in (".csv", ".tsv", ".txt"):
        if for_export:
            return "csv"
        header = _first_line(path)
        return "imigue" if "video_id" in header and "label_id" in header else "csv"
    raise FormatError(f"Cannot tell the format of {path.name}: use --format "
                      f"({', '.join(FORMATS)}).")


def _first_line(path: Path) -> str:
    """A coding file's first line (a FIFO or device is refused, never waited on)."""
    if not path.exists():
        raise FormatError(f"File not found: {path}")
    head = read_regular(path, 1 << 16, "coding file", head=True)
    return head.decode("utf-8-sig", errors="replace").split("\n", 1)[0]


def import_file(project: "Project", path: str | Path, fmt: str = "auto", item_id: int | None = None,
                label_map: dict[str, str] | None = None, dependent: str = "notes") -> ImportReport:
    """Import a segment file into the project; returns what was done.

    ``dependent`` (ELAN): ``"notes"`` keeps dependent tiers as notes of their parent's
    segments, ``"tiers"`` imports them as tiers of their own.
    """
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "eaf":
        if item_id is None:
            items = project.items()
            stem = Path(path).stem
            match = find_item(project, stem)
            if match is None and len(items) == 1:
                match = items[0]
            if match is None:
                raise FormatError(f"Say which item {Path(path).name} belongs to (--item NAME), or import it as a "
                                  "label-only recording (--create-items).")
            item_id = match.id
        if dependent not in ("notes", "tiers"):
            raise FormatError(f"Dependent tiers are imported as 'notes' or 'tiers', not '{dependent}'.")
        return eaf.import_eaf(project, path, item_id, label_map, dependent)  # type: ignore[arg-type]
    if fmt == "csv":
        return segments_csv.import_csv(project, path, item_id, label_map)
    if fmt == "imigue":
        return imigue_csv.import_imigue(project, path, label_map=label_map)
    if fmt == "boris":
        return boris.import_boris(project, path, item_id, label_map)
    if fmt == "json":
        return project_json.import_json(project, path)
    raise FormatError(f"Unknown format '{fmt}'. Known formats: {', '.join(FORMATS)}.")


def target_item(project: "Project", path: str | Path, fmt: str, current: int | None) -> int | None:
    """Which recording a file for one recording goes to when imported in the window.

    An ELAN file, or a CSV without an ``item`` column, describes one recording: the one named
    like the file if the project has it, else ``current`` (the one on screen). Files that name
    their recordings (BORIS, iMiGUE, JSON, CSV with ``item``) return None: each part goes to its own.
    """
    path = Path(path)
    if fmt == "csv":
        header = _first_line(path)
        names = {h.strip().strip('"').lower() for h in header.replace("\t", ",").replace(";", ",").split(",")}
        if "item" in names:
            return None
    elif fmt != "eaf":
        return None
    match = find_item(project, path.stem)
    if match is not None:
        return match.id
    if current is None:
        raise FormatError(f"{path.name} holds the coding of one recording: choose that recording first.")
    return current


def export_file(project: "Project", path: str | Path, fmt: str | None = None,
                item_ids: list[int] | None = None, tiers: list[str] | None = None,
                statuses: list | None = None) -> int:
    """Export segments; returns how many were written."""
    fmt = fmt or detect_format(path, for_export=True)
    if fmt == "eaf":
        ids = item_ids if item_ids is not None else [it.id for it in project.items()]
        if len(ids) != 1:
            raise FormatError("An ELAN file holds one video: choose one item (--item NAME).")
        return eaf.export_eaf(project, path, ids[0], tiers, statuses)
    if fmt == "csv":
        return segments_csv.export_csv(project, path, item_ids, tiers, statuses)
    if fmt == "imigue":
        return imigue_csv.export_imigue(project, path, item_ids, tiers, statuses)
    if fmt == "boris":
        return boris.export_boris(project, path, item_ids, tiers, statuses)
    if fmt == "json":
        return project_json.export_json(project, path, item_ids)
    raise FormatError(f"Unknown format '{fmt}'. Known formats: {', '.join(FORMATS)}.")
