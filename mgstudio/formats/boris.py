"""BORIS ``.boris`` projects (JSON): segments as state events.

Export: one observation per item (its id is the item's name, its media the item's video);
the taxonomy as the ethogram (every label a *State event*, with its shortcut key and colour);
each MG Studio tier as a BORIS *subject*, so tiers stay apart and BORIS pairs each start event
with the next stop event of the same subject and behaviour. Event rows are
``[time, subject, code, modifier, comment, frame_index]`` with times in seconds.
Import accepts projects written by BORIS: state events are paired per (subject, behaviour) in
time order (an unpaired start is closed at the end of the media and reported); point events
become one-frame segments. An observation is matched to an item by its id or by the file
name of its first media file.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgstudio import __version__
from mgstudio.core.errors import FormatError
from mgstudio.core.timebase import frame_to_seconds, seconds_to_frame
from mgstudio.formats.atomic import atomic_write
from mgstudio.formats.tracks import ImportReport, find_item, Row, Track, apply_tracks, as_float, collect_tracks, read_json

if TYPE_CHECKING:
    from mgstudio.core.project import Project


def export_boris(project: "Project", path: str | Path, item_ids: list[int] | None = None,
                 tiers: list[str] | None = None, statuses: list | None = None) -> int:
    """Write a BORIS project with one observation per item; returns the number of segments."""
    ids = item_ids if item_ids is not None else [it.id for it in project.items()]
    ethogram = {
        str(i): {"id": i, "code": lab.name, "type": "State event", "key": lab.shortcut or "",
                 "description": lab.description or "", "category": "", "modifiers": {},
                 "excluded": "", "coding map": "", "color": lab.color}
        for i, lab in enumerate(project.taxonomy.labels)
    }
    subjects: dict[str, dict[str, str]] = {}
    observations: dict[str, Any] = {}
    n = 0
    for item_id in ids:
        item = project.item(item_id)
        events: list[tuple[float, int, list[Any]]] = []
        for track in collect_tracks(project, item_id, tiers, statuses):
            if track.tier not in {s["name"] for s in subjects.values()}:
                subjects[str(len(subjects))] = {"key": "", "name": track.tier, "description": track.annotator}
            for r in track.rows:
                t0, t1 = frame_to_seconds(r.start, item.fps), frame_to_seconds(r.end, item.fps)
                # at equal times a stop (0) sorts before a start (1) so back-to-back segments pair right
                events.append((t0, 1, [round(t0, 6), track.tier, r.label, "", r.note, r.start]))
                events.append((t1, 0, [round(t1, 6), track.tier, r.label, "", "", r.end]))
                n += 1
        events.sort(key=lambda e: (e[0], e[1]))
        media = str(item.video_path) if item.video_path else ""
        duration = frame_to_seconds(item.frame_count or 0, item.fps)
        observations[item.name] = {
            "file": {"1": [media] if media else [], **{str(k): [] for k in range(2, 9)}},
            "type": "MEDIA", "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "description": "",
            "time offset": 0.0, "events": [e[2] for e in events],
            "observation time interval": [0, 0], "independent_variables": {},
            "visualize_spectrogram": False, "visualize_waveform": False,
            "media_creation_date_as_offset": False, "media_scan_sampling_duration": 0,
            "image_display_duration": 1, "close_behaviors_between_videos": False,
            "media_info": {"length": {media: duration}, "fps": {media: item.fps},
                           "hasVideo": {media: bool(media)}, "hasAudio": {media: False},
                           "offset": {"1": 0.0}} if media else {},
        }
    doc = {
        "time_format": "s", "project_date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "project_name": project.name, "project_description": f"Exported by MG Studio {__version__}",
        "project_format_version": "7.0", "subjects_conf": subjects, "ethogram": ethogram,
        "observations": observations, "behavioral_categories": [], "independent_variables": {},
        "coding_map": {}, "behaviors_coding_map": [], "converters": {},
    }
    with atomic_write(path) as fh:
        json.dump(doc, fh, indent=1)
    return n


def read_boris(path: str | Path) -> dict[str, Any]:
    """Load and check the top-level structure of a ``.boris`` file."""
    path = Path(path)
    doc = read_json(path, "a BORIS project")
    if not isinstance(doc, dict) or not isinstance(doc.get("observations"), dict) \
            or not isinstance(doc.get("ethogram", {}), dict):
        raise FormatError(f"{path.name} is not a BORIS project (no 'observations' found).")
    return doc


def _tracks_for_observation(obs: dict[str, Any], state_codes: set[str], fps: float, n_frames: int,
                            where: str, report: ImportReport) -> list[Track]:
    events = obs.get("events", [])
    if not isinstance(events, list):
        raise FormatError(f"{where}: 'events' is not a list.")
    parsed = []
    for k, ev in enumerate(events):
        if not isinstance(ev, (list, tuple)) or len(ev) < 3:
            raise FormatError(f"{where}: event {k + 1} is not a [time, subject, behaviour, ...] row.")
        parsed.append((as_float(ev[0], "event time", f"{where}, event {k + 1}"), str(ev[1] or ""),
                       str(ev[2]), str(ev[4]) if len(ev) > 4 and ev[4] else ""))
    parsed.sort(key=lambda e: e[0])
    open_: dict[tuple[str, str], tuple[float, str]] = {}
    rows: dict[str, list[Row]] = defaultdict(list)
    for t, subject, code, comment in parsed:
        key = (subject, code)
        if code not in state_codes:  # point event: one frame
            f = seconds_to_frame(t, fps)
            rows[subject].append(Row(f, f + 1, code, note=comment))
        elif key in open_:
            t0, note = open_.pop(key)
            rows[subject].append(Row(seconds_to_frame(t0, fps), seconds_to_frame(t, fps), code, note=note))
        else:
            open_[key] = (t, comment)
    for (subject, code), (t0, note) in open_.items():
        report.warnings.append(f"'{code}' started at {t0:.2f} s had no stop event: it was closed at the end of the media.")
        rows[subject].append(Row(seconds_to_frame(t0, fps), n_frames or seconds_to_frame(t0, fps) + 1, code, note=note))
    return [Track(subject or "boris", rows=r) for subject, r in rows.items()]


def import_boris(project: "Project", path: str | Path, item_id: int | None = None,
                 label_map: dict[str, str] | None = None) -> ImportReport:
    """Import observations onto matching items (or the only/given observation onto ``item_id``)."""
    doc = read_boris(path)
    state_codes = {str(b.get("code")) for b in doc.get("ethogram", {}).values()
                   if isinstance(b, dict) and "state" in str(b.get("type", "")).lower()}
    report = ImportReport()
    observations = doc["observations"]
    for obs_id, obs in observations.items():
        if not isinstance(obs, dict):
            raise FormatError(f"{Path(path).name}: observation '{obs_id}' is malformed.")
        if item_id is not None:
            if len(observations) > 1:
                raise FormatError(f"{Path(path).name} holds {len(observations)} observations: "
                                  "import it without naming an item so each goes to the item of the same name.")
            item = project.item(item_id)
        else:
            item = find_item(project, str(obs_id))
            files = obs.get("file", {}).get("1", []) if isinstance(obs.get("file"), dict) else []
            if item is None and files:
                fname = Path(str(files[0])).name
                item = find_item(project, Path(fname).stem) or next(
                    (it for it in project.items() if it.video_path and Path(it.video_path).name == fname), None)
        if item is None:
            n = len(obs.get("events", []) or [])
            report.skipped += n
            report.warnings.append(f"No item matches the BORIS observation '{obs_id}': its {n} event(s) were skipped.")
            continue
        tracks = _tracks_for_observation(obs, state_codes, item.fps, int(item.frame_count or 0),
                                         f"{Path(path).name}, observation '{obs_id}'", report)
        apply_tracks(project, item.id, tracks, label_map, report, description=f"Import {Path(path).name}")
    return report
