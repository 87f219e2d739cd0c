"""ELAN ``.eaf`` import and export through pympi-ling.

Export: one EAF per item; one tier per MG Studio tier (an annotator's tier or the model's
``proposals``), its ANNOTATOR attribute set; the project's taxonomy as a controlled vocabulary
referenced by the tiers' linguistic type; the video as linked media. Frame ``f`` starts at
``round(f * 1000 / fps)`` ms; import rounds ms back to the nearest frame, which is exact both
ways for any rate below 1000 fps (each frame lasts more than 1 ms).
Review status, confidence and notes do not exist in ELAN: proposals' confidence is appended
to nothing; a full-fidelity copy is the JSON format (``formats.project_json``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

from mgstudio.core.errors import FormatError
from mgstudio.core.segments import Source
from mgstudio.core.timebase import frame_to_ms, ms_to_frame
from mgstudio.formats.atomic import atomic_path
from mgstudio.formats.tracks import ImportReport, Row, Track, apply_tracks, collect_tracks

if TYPE_CHECKING:
    from mgstudio.core.project import Project

LING_TYPE = "mg-label"
CV_ID = "mg-taxonomy"
MODEL_TIER_PREFIX = "model: "


def export_eaf(project: "Project", path: str | Path, item_id: int, tiers: list[str] | None = None,
               statuses: list | None = None) -> int:
    """Write the item's tiers to ``path``; returns the number of annotations written."""
    from pympi.Elan import Eaf

    item = project.item(item_id)
    fps = item.fps
    eaf = Eaf(author="MG Studio")
    eaf.remove_tier("default")
    eaf.remove_linguistic_type("default-lt")
    eaf.add_language("eng", "http://cdb.iso.org/lg/CDB-00130975-001", "English (eng)")
    eaf.add_controlled_vocabulary(CV_ID)
    eaf.add_cv_description(CV_ID, "eng", f"MG Studio taxonomy '{project.taxonomy.name}'")
    for i, label in enumerate(project.taxonomy.labels):
        eaf.add_cv_entry(CV_ID, f"cveid{i}", [(label.name, "eng", label.description or None)])
    eaf.add_linguistic_type(LING_TYPE, param_dict={
        "LINGUISTIC_TYPE_ID": LING_TYPE, "TIME_ALIGNABLE": "true", "GRAPHIC_REFERENCES": "false",
        "CONTROLLED_VOCABULARY_REF": CV_ID,
    })
    if item.video_path:
        eaf.add_linked_file(str(item.video_path), mimetype="video/mp4")
    n = 0
    for track in collect_tracks(project, item_id, tiers, statuses):
        tier_id = (MODEL_TIER_PREFIX + track.tier) if track.source == Source.MODEL else track.tier
        eaf.add_tier(tier_id, ling=LING_TYPE, ann=track.annotator or None)
        for row in track.rows:
            eaf.add_annotation(tier_id, frame_to_ms(row.start, fps), frame_to_ms(row.end, fps), row.label)
            n += 1
    with atomic_path(path) as tmp:
        eaf.to_file(str(tmp))
    return n


def read_eaf(path: str | Path, fps: float) -> list[Track]:
    """Parse an EAF file into tracks (frames at ``fps``); raises FormatError on bad files."""
    from pympi.Elan import Eaf

    path = Path(path)
    if not path.is_file():
        raise FormatError(f"File not found: {path}")
    try:
        eaf = Eaf(str(path), suppress_version_warning=True)
    except ParseError as exc:
        raise FormatError(f"{path.name} is not a valid ELAN file (the XML is malformed).", str(exc)) from exc
    except Exception as exc:  # pympi raises assorted errors on structurally odd files
        raise FormatError(f"{path.name} could not be read as an ELAN file.", repr(exc)) from exc
    tracks = []
    for tier_id in eaf.get_tier_names():
        params = eaf.get_parameters_for_tier(tier_id) or {}
        source = Source.HUMAN
        name = tier_id
        if tier_id.startswith(MODEL_TIER_PREFIX):
            source, name = Source.MODEL, tier_id[len(MODEL_TIER_PREFIX):]
        try:
            data = eaf.get_annotation_data_for_tier(tier_id)
        except Exception:  # reference tiers whose parents are missing, etc.
            continue
        rows = []
        for ann in data:
            start_ms, end_ms, value = ann[0], ann[1], ann[2]
            if start_ms is None or end_ms is None:
                continue
            rows.append(Row(ms_to_frame(start_ms, fps), ms_to_frame(end_ms, fps), str(value).strip()))
        tracks.append(Track(name, params.get("ANNOTATOR", "") or "", source, rows))
    return tracks


def import_eaf(project: "Project", path: str | Path, item_id: int,
               label_map: dict[str, str] | None = None) -> ImportReport:
    """Import every tier of an EAF file onto ``item_id`` (one undoable step)."""
    tracks = read_eaf(path, project.item(item_id).fps)
    return apply_tracks(project, item_id, tracks, label_map, description=f"Import {Path(path).name}")
