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
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgstudio import __version__
from mgstudio.core.errors import FormatError
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.formats.atomic import atomic_write
from mgstudio.formats.tracks import ImportReport, find_item, read_json

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
    if not isinstance(doc.get("version"), int) or doc["version"] > VERSION:
        raise FormatError(f"{path.name} was written by a newer MG Studio (format version {doc.get('version')}).")
    for key in ("tiers", "segments"):
        if not isinstance(doc.get(key), list):
            raise FormatError(f"{path.name} is damaged: '{key}' is missing or not a list.")
    return doc


def import_json(project: "Project", path: str | Path) -> ImportReport:
    """Import segments onto the items of the same names (one undoable step per item)."""
    doc = read_segments_json(path)
    name = Path(path).name
    tier_info = {t.get("name"): t for t in doc["tiers"] if isinstance(t, dict)}
    report = ImportReport()
    known = set(project.taxonomy.names)
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    tiers: dict[str, Any] = {}
    for k, s in enumerate(doc["segments"]):
        if not isinstance(s, dict) or not {"item", "tier", "start", "end", "label"} <= set(s):
            raise FormatError(f"{name}: segment {k + 1} is incomplete.")
        by_item[str(s["item"])].append(s)
    for item_name, segs in by_item.items():
        item = find_item(project, item_name)
        if item is None:
            report.skipped += len(segs)
            report.warnings.append(f"No item named '{item_name}' in the project: its {len(segs)} segment(s) were skipped.")
            continue
        out = []
        have: dict[int, set[tuple[int, int, str]]] = {}  # per tier: what the item already has
        for k, s in enumerate(segs):
            name_ = str(s["tier"])
            tier = tiers.get(name_)
            if tier is None:  # one look-up per tier, not per segment
                info = tier_info.get(s["tier"], {})
                tier = tiers[name_] = project.ensure_tier(
                    name_, annotator=info.get("annotator"),
                    kind=info.get("kind") or ("model" if s.get("source") == "model" else "human"))
            try:
                seg = Segment(item_id=item.id, tier_id=tier.id, start=int(s["start"]), end=int(s["end"]),
                              label=str(s["label"]), source=Source(s.get("source", "human")),
                              status=Status(s.get("status", "accepted")), confidence=s.get("confidence"),
                              annotator=str(s.get("annotator") or ""), note=str(s.get("note") or ""),
                              created=float(s.get("created") or 0) or time.time(),
                              modified=float(s.get("modified") or 0) or time.time())
            except (TypeError, ValueError) as exc:
                raise FormatError(f"{name}: segment {k + 1} of '{item_name}' has a bad value ({exc}).") from None
            if tier.id not in have:
                have[tier.id] = {(x.start, x.end, x.label) for x in project.segments(item.id, tier_id=tier.id)}
            if (seg.start, seg.end, seg.label) in have[tier.id]:
                report.duplicates += 1  # importing the same file twice adds nothing
                continue
            have[tier.id].add((seg.start, seg.end, seg.label))
            if tier.name not in report.tiers:  # tiers that received segments
                report.tiers.append(tier.name)
            if seg.label not in known:
                report.unknown_labels[seg.label] += 1
            out.append(seg)
        if out:
            project.add_segments(out, f"Import {name}")
        report.imported += len(out)
    return report
