"""The iMiGUE label CSV layout (``labels_20200831.csv``).

Columns: ``video_id,label_id,start_time,start_frame,end_time,end_frame,class,subject_id,
subject_gender,subject_nationality,win_or_lose`` at 25 fps. ``label_id`` is the row's running
number within its video; **the class id is the ``class`` column** (1–31 MG classes, 32
illustrative gestures, 99 non-MG): a row is labelled with the taxonomy label whose ``code``
equals its class (the class id as text when no label has that code; a ``class`` that is text,
as older MG Studio exports wrote, is kept as the label). ``end_frame`` is read as the **last**
frame of the clip (inclusive), so MG Studio's half-open end is ``end_frame + 1``.
``video_id`` names the item; ``win_or_lose`` becomes the item attribute ``outcome`` and
``subject_id`` the attribute ``subject`` (used for subject-wise splits). Gender and
nationality are not imported: they are not needed for MG analysis (identity-free).
The rows go on the tier ``imigue`` (coder "iMiGUE"), not on the importing user's tier.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from mgstudio.core.errors import FormatError
from mgstudio.core.timebase import frame_to_seconds
from mgstudio.formats.atomic import atomic_write
from mgstudio.formats.tracks import (ImportPlan, ImportReport, Row, Track, as_frame, cell, collect_tracks, csv_reader,
                                     csv_rows, find_item, short)

if TYPE_CHECKING:
    from mgstudio.core.project import Project

COLUMNS = ["video_id", "label_id", "start_time", "start_frame", "end_time", "end_frame", "class",
           "subject_id", "subject_gender", "subject_nationality", "win_or_lose"]
IMIGUE_FPS = 25.0
IMIGUE_TIER = "imigue"
IMIGUE_CODER = "iMiGUE"


def read_imigue(path: str | Path) -> dict[str, tuple[list[tuple[int, int, str, str]], dict[str, str]]]:
    """Rows per video: ``{video_id: ([(start, end, class, where), ...], attributes)}``."""
    path = Path(path)
    reader = csv_reader(path)
    need = {"video_id", "class", "start_frame", "end_frame"}
    if not need <= set(reader.fieldnames or []):
        raise FormatError(f"{path.name} is not an iMiGUE label file: it needs the columns "
                          "video_id, class, start_frame and end_frame.")
    out: dict[str, tuple[list, dict]] = defaultdict(lambda: ([], {}))
    for rec in csv_rows(reader, path):
        where = f"{path.name}, line {reader.line_num}"
        vid = cell(rec, "video_id")
        if not vid:
            raise FormatError(f"{where}: the video_id is empty.")
        cls = cell(rec, "class")
        start = as_frame(rec.get("start_frame"), "start_frame", where)
        last = as_frame(rec.get("end_frame"), "end_frame", where)
        rows, attrs = out[vid]
        rows.append((start, last + 1, cls, where))
        if cell(rec, "win_or_lose"):
            attrs["outcome"] = cell(rec, "win_or_lose")
        if cell(rec, "subject_id"):
            attrs["subject"] = cell(rec, "subject_id")
    return dict(out)


def class_label(cls: str, by_code: dict[int, str]) -> str:
    """The taxonomy label of an iMiGUE class id (``"17"`` -> ``"folding arms"``)."""
    try:
        code = int(float(cls))
    except (ValueError, OverflowError):
        return cls  # a class written as text
    return by_code.get(code, str(code))


def import_imigue(project: "Project", path: str | Path, tier: str | None = None,
                  label_map: dict[str, str] | None = None) -> ImportReport:
    """Import labels onto the items named by ``video_id`` (others are reported and skipped)."""
    by_code = {lab.code: lab.name for lab in project.taxonomy.labels if lab.code is not None}
    plan = ImportPlan(project, label_map, file=Path(path).name)
    report = plan.report
    tier_name = tier or IMIGUE_TIER
    attributes = []
    for vid, (rows, attrs) in read_imigue(path).items():
        item = find_item(project, vid)
        if item is None:
            report.skipped += len(rows)
            report.warnings.append(f"No item named '{short(vid, 60)}' in the project: its {len(rows)} label(s) "
                                   "were skipped.")
            continue
        track = Track(tier_name, IMIGUE_CODER,
                      rows=[Row(s, e, class_label(cls, by_code), where=w) for s, e, cls, w in rows])
        plan.add(item.id, [track])
        attributes += [(item.id, k, v) for k, v in attrs.items() if (item.attributes or {}).get(k) != v]
    plan.commit(f"Import {Path(path).name}")
    for item_id, k, v in attributes:
        project.set_item_attribute(item_id, k, v)
    return report


def export_imigue(project: "Project", path: str | Path, item_ids: list[int] | None = None,
                  tiers: list[str] | None = None, statuses: list | None = None) -> int:
    """Write the iMiGUE layout (``class`` from the taxonomy codes, 99 when a label has none;
    ``label_id`` numbers the rows of each video from 1)."""
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
            for k, r in enumerate(rows, start=1):  # label_id: the running number within the video
                code = codes.get(r.label)
                w.writerow([item.name, k,
                            f"{frame_to_seconds(r.start, item.fps):.2f}", r.start,
                            f"{frame_to_seconds(r.end - 1, item.fps):.2f}", r.end - 1,
                            99 if code is None else code,
                            attrs.get("subject", ""), "", "", attrs.get("outcome", "")])
                n += 1
    return n
