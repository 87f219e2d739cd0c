"""ELAN ``.eaf`` import and export through pympi-ling.

Import: :mod:`mgstudio.formats.eaf_read` (dependent tiers, unaligned slots, skipped rows).

Export: one EAF per item; one tier per MG Studio tier (an annotator's tier or the model's
``proposals``), its ANNOTATOR attribute set; the project's taxonomy as a controlled vocabulary
referenced by the tiers' linguistic type; the video as linked media (``MEDIA_URL`` as
``file:///…`` plus ``RELATIVE_MEDIA_URL``, as ELAN writes). Frame ``f`` starts at
``round(f * 1000 / fps)`` ms (integer math on the exact rate); import rounds ms back to the nearest frame, which is exact both
ways for any rate below 1000 fps (each frame lasts more than 1 ms).
Review status, confidence and notes do not exist in ELAN: proposals' confidence is appended
to nothing; a full-fidelity copy is the JSON format (``formats.project_json``).
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from mgstudio.core.segments import Source
from mgstudio.core.timebase import as_fraction
from mgstudio.formats import eaf_read
from mgstudio.formats.atomic import atomic_path
from mgstudio.formats.eaf_read import MODEL_TIER_PREFIX, Dependent
from mgstudio.formats.tracks import ImportReport, Track, apply_tracks, collect_tracks

if TYPE_CHECKING:
    from mgstudio.core.project import Project

LING_TYPE = "mg-label"
CV_ID = "mg-taxonomy"


def frame_to_ms_int(frame: int, num: int, den: int) -> int:
    """Start of ``frame`` in whole ms at ``num/den`` fps, rounded half up (exact integer math)."""
    return (2 * frame * den * 1000 + num) // (2 * num)


def media_urls(video: Path, eaf_path: Path) -> tuple[str, str | None]:
    """``MEDIA_URL`` (``file:///…``) and ``RELATIVE_MEDIA_URL`` (``./clip.mp4``) as ELAN writes them."""
    video = video.expanduser().absolute()
    url = video.as_uri()
    try:
        rel = Path(os.path.relpath(video, eaf_path.expanduser().absolute().parent)).as_posix()
    except ValueError:  # another drive (Windows): no relative path
        return url, None
    return url, rel if rel.startswith("../") else "./" + rel


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str | None) -> str:
    """``text`` with the characters XML 1.0 cannot hold replaced (ELAN could not open the file)."""
    return _NOT_XML.sub("\ufffd", text or "")


def _unique(name: str, used: set[str]) -> str:
    """A tier id not used yet in this file (ELAN tier ids are unique): ``name``, ``name (2)``..."""
    out, k = name, 2
    while out in used:
        out, k = f"{name} ({k})", k + 1
    used.add(out)
    return out


def export_eaf(project: "Project", path: str | Path, item_id: int, tiers: list[str] | None = None,
               statuses: list | None = None) -> int:
    """Write the item's tiers to ``path``; returns the number of annotations written."""
    from pympi.Elan import Eaf

    item = project.item(item_id)
    rate = getattr(item, "rate", None) or as_fraction(item.fps)
    num, den = rate.numerator, rate.denominator
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
        url, rel = media_urls(Path(item.video_path), Path(path))
        eaf.add_linked_file(url, relpath=rel, mimetype=mimetypes.guess_type(str(item.video_path))[0] or "video/mp4")
    n = 0
    used: set[str] = set()
    for track in collect_tracks(project, item_id, tiers, statuses):
        tier_id = (MODEL_TIER_PREFIX + track.tier) if track.source == Source.MODEL else track.tier
        tier_id = _unique(_xml_text(tier_id).strip() or "unnamed tier", used)
        eaf.add_tier(tier_id, ling=LING_TYPE, ann=_xml_text(track.annotator) or None)
        for row in track.rows:
            eaf.add_annotation(tier_id, frame_to_ms_int(row.start, num, den), frame_to_ms_int(row.end, num, den),
                               _xml_text(row.label))
            n += 1
    with atomic_path(path) as tmp:
        eaf.to_file(str(tmp))
    return n


def read_eaf(path: str | Path, fps: float, report: ImportReport | None = None,
             dependent: Dependent = "notes") -> list[Track]:
    """Parse an EAF file into tracks (see :mod:`mgstudio.formats.eaf_read`)."""
    return eaf_read.read_eaf(path, fps, report, dependent)


def import_eaf(project: "Project", path: str | Path, item_id: int,
               label_map: dict[str, str] | None = None, dependent: Dependent = "notes") -> ImportReport:
    """Import every top-level tier of an EAF file onto ``item_id`` (one undoable step).

    Dependent tiers become notes of their parent's segments (``dependent="notes"``) or tiers
    of their own (``"tiers"``). Everything is read and checked before the first write.
    """
    item = project.item(item_id)
    report = ImportReport()
    tracks = read_eaf(path, getattr(item, "rate", None) or item.fps, report, dependent)
    return apply_tracks(project, item_id, tracks, label_map, report, description=f"Import {Path(path).name}",
                        file=Path(path).name)
