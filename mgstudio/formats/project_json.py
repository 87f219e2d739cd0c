"""Full-fidelity JSON: everything MG Studio knows about the segments, for archiving and transfer.

Layout (``format: "mgstudio-segments"``, ``version: 1``)::

    {"format": "mgstudio-segments", "version": 1, "app_version": "...",
     "taxonomy": {...},                       # Taxonomy.to_json()
     "tiers": [{"name", "annotator", "kind"}],
     "items": [{"name", "kind", "video_path", "fingerprint", "fps", "frame_count",
                "width", "height", "attributes"}],
     "segments": [{"item", "tier", "start", "end", "label", "source", "status",
                   "confidence", "annotator", "note", "created", "modified"}]}

Import matches items by name (items not in the project are reported and skipped) and
recreates tiers by name; every field of every segment comes back unchanged.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgstudio import __version__
from mgstudio.core.errors import FormatError
from mgstudio.core.segments import Source, Status
from mgstudio.formats.atomic import atomic_write
from mgstudio.formats.tracks import ImportPlan, ImportReport, Row, Track, as_float, as_frame, find_item, read_json, short

if TYPE_CHECKING:
    from mgstudio.core.project import Project

FORMAT = "mgstudio-segments"
VERSION = 1
SEGMENT_FIELDS = ("start", "end", "label", "source", "status", "confidence", "annotator", "note",
                  "created", "modified")


def export_json(project: "Project", path: str | Path, item_ids: list[int] | None = None) -> int:
    """Write the items' segments with every field; returns the number of segments."""
    ids = item_ids if item_ids is not None else [it.id for it in project.items()]
    tiers = {t.id: t for t in project.tiers()}
    items, segments = [], []
    for item_id in ids:
        it = project.item(item_id)
        items.append({"name": it.name, "kind": it.kind, "video_path": str(it.video_path) if it.video_path else None,
                      "fingerprint": it.fingerprint, "fps": it.fps, "frame_count": it.frame_count,
                      "width": it.width, "height": it.height, "attributes": dict(it.attributes or {})})
        for s in project.segments(item_id):
            d = {k: v for k, v in s.to_dict().items() if k in SEGMENT_FIELDS}
            segments.append({"item": it.name, "tier": tiers[s.tier_id].name, **d})
    doc = {
        "format": FORMAT, "version": VERSION, "app_version": __version__,
        "project": project.name, "taxonomy": project.taxonomy.to_dict(),
        "tiers": [{"name": t.name, "annotator": t.annotator, "kind": t.kind} for t in tiers.values()],
        "items": items, "segments": segments,
    }
    with atomic_write(path) as fh:
        json.dump(doc, fh, indent=1, ensure_ascii=False)
    return len(segments)


def read_segments_json(path: str | Path) -> dict[str, Any]:
    """Load and check an MG Studio segments JSON file."""
    path = Path(path)
    doc = read_json(path, "an MG Studio segments file")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise FormatError(f"{path.name} is not an MG Studio segments file.")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormatError(f"{path.name} is damaged: its format version is not a whole number.")
    if version > VERSION:
        raise FormatError(f"{path.name} was written by a newer MG Studio (format version {short(version, 20)}).")
    for key in ("tiers", "segments"):
        if not isinstance(doc.get(key), list):
            raise FormatError(f"{path.name} is damaged: '{key}' is missing or not a list.")
    return doc


MAX_SEGMENTS = 5_000_000  # bounds the work on a hostile file


def _time(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return v if 0 < v < 1e11 else None  # seconds since 1970, before the year 5138


def import_json(project: "Project", path: str | Path) -> ImportReport:
    """Import segments onto the items of the same names (one transaction, one undo step).

    Every field comes back; the import rules of :mod:`mgstudio.formats.tracks` apply
    (duplicates, overlaps, bad values are skipped with their place in the file).
    """
    doc = read_segments_json(path)
    name = Path(path).name
    if len(doc["segments"]) > MAX_SEGMENTS:
        raise FormatError(f"{name} holds {len(doc['segments'])} segments, more than MG Studio reads ({MAX_SEGMENTS}).")
    tier_info: dict[str, dict[str, Any]] = {}
    for t in doc["tiers"]:
        if isinstance(t, dict) and isinstance(t.get("name"), str):
            tier_info.setdefault(t["name"], t)
    plan = ImportPlan(project, file=name)
    report = plan.report
    tracks: dict[tuple[str, str, Source], Track] = {}
    for k, s in enumerate(doc["segments"]):
        where = f"{name}, segment {k + 1}"
        if not isinstance(s, dict) or not {"item", "tier", "start", "end", "label"} <= set(s):
            raise FormatError(f"{where} is incomplete (it needs item, tier, start, end and label).")
        if not all(isinstance(s[f], str) for f in ("item", "tier", "label")):
            raise FormatError(f"{where}: its item, tier and label must be text.")
        start = as_frame(s["start"], "start", where)
        end = as_frame(s["end"], "end", where)
        try:
            source = Source(s.get("source", "human"))
            status = Status(s.get("status", "accepted"))
        except (TypeError, ValueError):
            raise FormatError(f"{where}: the source or status is not one MG Studio knows.") from None
        conf = s.get("confidence")
        if conf is not None:
            conf = as_float(conf, "confidence", where)
        info = tier_info.get(s["tier"], {})
        key = (s["item"], s["tier"], source)
        track = tracks.get(key)
        if track is None:
            kind = info.get("kind") if info.get("kind") in ("human", "model") else None
            coder = info.get("annotator") if isinstance(info.get("annotator"), str) else ""
            track = tracks[key] = Track(s["tier"], coder, source, [], s["item"], kind)
        note, annotator = s.get("note"), s.get("annotator")
        track.rows.append(Row(start, end, s["label"], status, conf, note if isinstance(note, str) else "",
                              annotator if isinstance(annotator, str) else "", where,
                              _time(s.get("created")), _time(s.get("modified"))))
    by_item: dict[str, list[Track]] = defaultdict(list)
    for t in tracks.values():
        by_item[t.item or ""].append(t)
    for item_name, ts in by_item.items():
        item = find_item(project, item_name)
        if item is None:
            n = sum(len(t.rows) for t in ts)
            report.skipped += n
            report.warnings.append(f"No item named '{short(item_name, 60)}' in the project: its {n} segment(s) "
                                   "were skipped.")
            continue
        plan.add(item.id, ts)
    return plan.commit(f"Import {name}")
