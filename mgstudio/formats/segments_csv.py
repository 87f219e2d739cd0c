"""Segments as CSV, one row per segment.

Columns (header required; order free on import):

=============  ===========================================================================
``item``       item name
``tier``       tier name
``annotator``  who made or last reviewed the segment
``source``     ``human`` or ``model``
``status``     ``proposed``, ``accepted``, ``rejected`` or ``edited``
``label``      the label
``start_frame``  first frame (0-based)
``end_frame``    one past the last frame (half-open, as everywhere in MG Studio)
``start_s``, ``end_s``, ``duration_s``  the same in seconds (derived from the item's fps)
``confidence`` model confidence in [0, 1], empty for human segments
``note``       free text
=============  ===========================================================================

On import, frames are used when present, else seconds; ``label`` and a start/end are required.
The delimiter follows the header (comma, tab or semicolon). A tier's coder is its
``annotator`` column (else the tier's name), never the person importing the file.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from mgstudio.core.errors import FormatError
from mgstudio.core.segments import Source, Status
from mgstudio.core.timebase import frame_to_seconds, seconds_to_frame
from mgstudio.formats.atomic import atomic_write
from mgstudio.formats.tracks import (ImportPlan, ImportReport, Row, Track, as_float, as_frame, as_seconds, cell,
                                     collect_tracks, csv_reader, csv_rows, find_item, short)

if TYPE_CHECKING:
    from mgstudio.core.project import Project

COLUMNS = ["item", "tier", "annotator", "source", "status", "label", "start_frame", "end_frame",
           "start_s", "end_s", "duration_s", "confidence", "note"]


def export_csv(project: "Project", path: str | Path, item_ids: list[int] | None = None,
               tiers: list[str] | None = None, statuses: list | None = None) -> int:
    """Write the segments of the items (all when None); returns the number of rows."""
    ids = item_ids if item_ids is not None else [it.id for it in project.items()]
    n = 0
    with atomic_write(path, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for item_id in ids:
            item = project.item(item_id)
            for track in collect_tracks(project, item_id, tiers, statuses):
                for r in track.rows:
                    s, e = frame_to_seconds(r.start, item.fps), frame_to_seconds(r.end, item.fps)
                    w.writerow([item.name, track.tier, r.annotator or track.annotator, track.source.value,
                                r.status.value if r.status else "", r.label, r.start, r.end,
                                f"{s:.6f}", f"{e:.6f}", f"{e - s:.6f}",
                                "" if r.confidence is None else f"{r.confidence:.6f}", r.note])
                    n += 1
    return n


def read_csv(path: str | Path, fps_for_item: dict[str, float] | float) -> list[Track]:
    """Parse a segments CSV (or TSV) into tracks (one per item x tier x source)."""
    path = Path(path)
    reader = csv_reader(path)
    fields = set(reader.fieldnames or [])
    if "label" not in fields or not ({"start_frame", "end_frame"} <= fields or {"start_s", "end_s"} <= fields):
        raise FormatError(f"{path.name} is not an MG Studio segments CSV: it needs a 'label' column and "
                          "'start_frame'/'end_frame' or 'start_s'/'end_s' columns.")
    groups: dict[tuple, Track] = {}
    for rec in csv_rows(reader, path):
        where = f"{path.name}, line {reader.line_num}"
        item = cell(rec, "item")
        fps = fps_for_item if isinstance(fps_for_item, (int, float)) else fps_for_item.get(item, 0.0)
        if cell(rec, "start_frame"):
            start = as_frame(rec.get("start_frame"), "start_frame", where)
            end = as_frame(rec.get("end_frame"), "end_frame", where)
        else:
            if not fps:
                raise FormatError(f"{where}: no frame rate known for item '{short(item, 60)}' to convert seconds.")
            start = seconds_to_frame(as_seconds(rec.get("start_s"), "start_s", where), fps)
            end = seconds_to_frame(as_seconds(rec.get("end_s"), "end_s", where), fps)
        try:
            source = Source(cell(rec, "source") or "human")
            status = Status(cell(rec, "status")) if cell(rec, "status") else None
        except ValueError:
            raise FormatError(f"{where}: the source or status is not one MG Studio knows "
                              "(human/model; proposed, accepted, rejected, edited).") from None
        conf_text = cell(rec, "confidence")
        conf = as_float(conf_text, "confidence", where) if conf_text else None
        tier = cell(rec, "tier") or ("proposals" if source == Source.MODEL else "imported")
        key = (item, tier, source)
        track = groups.get(key)
        if track is None:
            track = groups[key] = Track(tier, cell(rec, "annotator"), source, [], item or None)
        note = rec.get("note")
        track.rows.append(Row(start, end, cell(rec, "label"), status, conf,
                              note if isinstance(note, str) else "", cell(rec, "annotator"), where))
    return list(groups.values())


def import_csv(project: "Project", path: str | Path, item_id: int | None = None,
               label_map: dict[str, str] | None = None) -> ImportReport:
    """Import rows onto their items (by the ``item`` column, or all onto ``item_id``).

    Everything is read and checked before the first write; the rows of every item are added
    in one transaction (one undo step).
    """
    fps_map = {it.name: it.fps for it in project.items()}
    if item_id is not None:
        fps: dict[str, float] | float = project.item(item_id).fps
    else:
        fps = fps_map
    tracks = read_csv(path, fps)
    plan = ImportPlan(project, label_map, file=Path(path).name)
    by_item: dict[int, list[Track]] = defaultdict(list)
    for t in tracks:
        if item_id is not None:
            by_item[item_id].append(t)
            continue
        it = find_item(project, t.item) if t.item else None
        if it is None:
            plan.report.skipped += len(t.rows)
            plan.report.warnings.append(f"No item named '{short(t.item or '', 60)}' in the project: "
                                        f"its {len(t.rows)} row(s) were skipped.")
            continue
        by_item[it.id].append(t)
    for iid, ts in by_item.items():
        plan.add(iid, ts)
    return plan.commit(f"Import {Path(path).name}")
