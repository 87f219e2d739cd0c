"""The iMiGUE label CSV layout (``labels_20200831.csv``).

Columns: ``video_id,label_id,start_time,start_frame,end_time,end_frame,class,subject_id,
subject_gender,subject_nationality,win_or_lose`` at 25 fps. ``end_frame`` is read as the
**last** frame of the clip (inclusive), so MG Studio's half-open end is ``end_frame + 1``.
Class ids 1–32 are MG classes and 99 is non-MG; ids are kept: a row is labelled with the
taxonomy label whose ``code`` equals its ``label_id`` (the ``class`` text when no code matches).
``video_id`` names the item; ``win_or_lose`` becomes the item attribute ``outcome`` and
``subject_id`` the attribute ``subject`` (used for subject-wise splits). Gender and
nationality are not imported: they are not needed for MG analysis (identity-free).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from mgstudio.core.errors import FormatError
from mgstudio.core.timebase import frame_to_seconds
from mgstudio.formats.atomic import atomic_write
from mgstudio.formats.tracks import ImportReport, find_item, Row, Track, apply_tracks, as_float, collect_tracks, read_text

if TYPE_CHECKING:
    from mgstudio.core.project import Project

COLUMNS = ["video_id", "label_id", "start_time", "start_frame", "end_time", "end_frame", "class",
           "subject_id", "subject_gender", "subject_nationality", "win_or_lose"]
IMIGUE_FPS = 25.0


def read_imigue(path: str | Path) -> dict[str, tuple[list[tuple[int, int, int, str]], dict[str, str]]]:
    """Rows per video: ``{video_id: ([(start, end, label_id, class), ...], attributes)}``."""
    path = Path(path)
    reader = csv.DictReader(read_text(path).splitlines())
    need = {"video_id", "label_id", "start_frame", "end_frame"}
    if not need <= set(reader.fieldnames or []):
        raise FormatError(f"{path.name} is not an iMiGUE label file: it needs the columns "
                          "video_id, label_id, start_frame and end_frame.")
    out: dict[str, tuple[list, dict]] = defaultdict(lambda: ([], {}))
    for lineno, rec in enumerate(reader, start=2):
        where = f"{path.name}, line {lineno}"
        vid = (rec.get("video_id") or "").strip()
        if not vid:
            raise FormatError(f"{where}: the video_id is empty.")
        label_id = int(as_float(rec["label_id"], "label_id", where))
        start = int(as_float(rec["start_frame"], "start_frame", where))
        last = int(as_float(rec["end_frame"], "end_frame", where))
        rows, attrs = out[vid]
        rows.append((start, last + 1, label_id, (rec.get("class") or "").strip()))
        if (rec.get("win_or_lose") or "").strip():
            attrs["outcome"] = rec["win_or_lose"].strip()
        if (rec.get("subject_id") or "").strip():
            attrs["subject"] = rec["subject_id"].strip()
    return dict(out)


def import_imigue(project: "Project", path: str | Path, tier: str | None = None,
                  label_map: dict[str, str] | None = None) -> ImportReport:
    """Import labels onto the items named by ``video_id`` (others are reported and skipped)."""
    by_code = {lab.code: lab.name for lab in project.taxonomy.labels if lab.code is not None}
    report = ImportReport()
    tier_name = tier or project.annotator or "imigue"
    for vid, (rows, attrs) in read_imigue(path).items():
        item = find_item(project, vid)
        if item is None:
            report.skipped += len(rows)
            report.warnings.append(f"No item named '{vid}' in the project: its {len(rows)} label(s) were skipped.")
            continue
        track = Track(tier_name, project.annotator,
                      rows=[Row(s, e, by_code.get(code, cls or str(code))) for s, e, code, cls in rows])
        apply_tracks(project, item.id, [track], label_map, report, description=f"Import {Path(path).name}")
        for k, v in attrs.items():
            project.set_item_attribute(item.id, k, v)
    return report


def export_imigue(project: "Project", path: str | Path, item_ids: list[int] | None = None,
                  tiers: list[str] | None = None, statuses: list | None = None) -> int:
    """Write the iMiGUE layout (label ids from the taxonomy codes; 99 when a label has none)."""
    codes = {lab.name: lab.code for lab in project.taxonomy.labels}
    ids = item_ids if item_ids is not None else [it.id for it in project.items()]
    n = 0
    with atomic_write(path, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for item_id in ids:
            item = project.item(item_id)
            attrs = item.attributes or {}
            rows = sorted((r for t in collect_tracks(project, item_id, tiers, statuses) for r in t.rows),
                          key=lambda r: r.start)
            for r in rows:
                code = codes.get(r.label)
                w.writerow([item.name, 99 if code is None else code,
                            f"{frame_to_seconds(r.start, item.fps):.2f}", r.start,
                            f"{frame_to_seconds(r.end - 1, item.fps):.2f}", r.end - 1, r.label,
                            attrs.get("subject", ""), "", "", attrs.get("outcome", "")])
                n += 1
    return n
