"""BORIS ``.boris`` projects (JSON, the layout BORIS 8.x writes): segments as state events.

Export: one observation per item (its id is the item's name; a ``MEDIA`` observation of the
item's video, or a ``LIVE`` one for a skeleton-only item); the taxonomy as the ethogram
(``behaviors_conf``: every label a *State event*, with its shortcut key and colour); each MG
Studio tier as a BORIS *subject* (``subjects_conf``), so tiers stay apart and BORIS pairs each
start event with the next event of the same subject, behaviour and modifier. Event rows are
``[time, subject, code, modifier, comment, frame_index]`` (``MEDIA``) or
``[time, subject, code, modifier, comment]`` (``LIVE``), times in seconds.

Import accepts projects written by BORIS (``behaviors_conf``; ``ethogram`` in files written by
MG Studio before 0.9): a state event's START/STOP pair is **one** segment, paired per
(subject, behaviour, modifier) in time order as BORIS does (an unpaired start is closed at
the end of the media and reported); point events become one-frame segments. The observation's
``time offset`` is taken off. An observation is matched to an item by its id or by the file
name of its first media file (:func:`match_observation`). A subject's name is the tier and its coder.
An observation without an item can become a label-only recording
(:mod:`mgstudio.workflows.coding`): :func:`observation_media` gives the rate and length BORIS
noted for its media, :func:`observation_attributes` its independent variables.
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
from mgstudio.formats.tracks import (ImportPlan, ImportReport, Row, Track, as_seconds, collect_tracks, find_item,
                                     read_json, short)

if TYPE_CHECKING:
    from mgstudio.core.project import Project


def export_boris(project: "Project", path: str | Path, item_ids: list[int] | None = None,
                 tiers: list[str] | None = None, statuses: list | None = None) -> int:
    """Write a BORIS project with one observation per item; returns the number of segments."""
    ids = item_ids if item_ids is not None else [it.id for it in project.items()]
    ethogram = {
        str(i): {"type": "State event", "key": (lab.shortcut or "")[:1], "code": _no_pipe(lab.name),
                 "description": lab.description or "", "color": lab.color or "", "category": "",
                 "modifiers": {}, "excluded": "", "coding map": ""}
        for i, lab in enumerate(project.taxonomy.labels)
    }
    codes = {e["code"] for e in ethogram.values()}
    subjects: dict[str, dict[str, str]] = {}
    observations: dict[str, Any] = {}
    now = time.strftime("%Y-%m-%dT%H:%M:%S")
    n = 0
    for item_id in ids:
        item = project.item(item_id)
        media = str(item.video_path) if item.video_path else ""
        events: list[tuple[float, int, list[Any]]] = []
        for track in collect_tracks(project, item_id, tiers, statuses):
            subject = _no_pipe(track.tier)
            if subject not in {s["name"] for s in subjects.values()}:
                subjects[str(len(subjects))] = {"key": "", "name": subject, "description": track.annotator}
            for r in track.rows:
                label = _no_pipe(r.label)
                if label not in codes:  # a label outside the taxonomy: still a state event
                    codes.add(label)
                    ethogram[str(len(ethogram))] = {"type": "State event", "key": "", "code": label,
                                                    "description": "", "color": "", "category": "",
                                                    "modifiers": {}, "excluded": "", "coding map": ""}
                t0, t1 = frame_to_seconds(r.start, item.fps), frame_to_seconds(r.end, item.fps)
                start = [round(t0, 3), subject, label, "", r.note]
                stop = [round(t1, 3), subject, label, "", ""]
                if media:
                    start.append(r.start)
                    stop.append(r.end)
                # at equal times a stop (0) sorts before a start (1) so back-to-back segments pair right
                events.append((t0, 1, start))
                events.append((t1, 0, stop))
                n += 1
        events.sort(key=lambda e: (e[0], e[1]))
        duration = frame_to_seconds(item.frame_count or 0, item.fps)
        obs: dict[str, Any] = {
            "file": {str(k): [] for k in range(1, 9)}, "type": "MEDIA" if media else "LIVE",
            "date": now + ".000", "description": f"MG Studio item '{item.name}'",
            "time offset": 0.0, "events": [e[2] for e in events],
            "observation time interval": [0, 0], "independent_variables": {},
            "visualize_spectrogram": False, "visualize_waveform": False,
            "media_creation_date_as_offset": False, "media_scan_sampling_duration": 0,
            "image_display_duration": 1, "close_behaviors_between_videos": False,
        }
        if media:
            obs["file"]["1"] = [media]
            obs["media_info"] = {"length": {media: duration}, "fps": {media: float(item.fps)},
                                 "hasVideo": {media: True}, "hasAudio": {media: False},
                                 "offset": {"1": 0.0}}
        else:
            obs.update({"scan_sampling_time": 0, "start_from_current_time": False,
                        "start_from_current_epoch_time": False})
        observations[item.name] = obs
    doc = {
        "time_format": "hh:mm:ss", "project_date": now, "project_name": project.name,
        "project_description": f"Exported by MG Studio {__version__}",
        "project_format_version": "7.0", "subjects_conf": subjects, "behaviors_conf": ethogram,
        "observations": observations, "behavioral_categories": [], "independent_variables": {},
        "coding_map": {}, "behaviors_coding_map": [], "converters": {},
    }
    with atomic_write(path) as fh:
        json.dump(doc, fh, indent=1, ensure_ascii=False)
    return n


def _no_pipe(text: str) -> str:
    """BORIS refuses '|' in codes and subject names."""
    return text.replace("|", "/")


MAX_EVENTS = 5_000_000  # more than any coding; bounds the work on a hostile file


def read_boris(path: str | Path) -> dict[str, Any]:
    """Load and check the top-level structure of a ``.boris`` file."""
    path = Path(path)
    doc = read_json(path, "a BORIS project")
    if not isinstance(doc, dict) or not isinstance(doc.get("observations"), dict):
        raise FormatError(f"{path.name} is not a BORIS project (no 'observations' found).")
    ethogram = doc.get("behaviors_conf", doc.get("ethogram", {}))
    if not isinstance(ethogram, dict):
        raise FormatError(f"{path.name} is damaged: its ethogram ('behaviors_conf') is not a table of behaviours.")
    return doc


def state_codes(doc: dict[str, Any]) -> set[str]:
    """Codes of the ethogram's state events (``behaviors_conf``, or ``ethogram`` in old MG Studio files)."""
    ethogram = doc.get("behaviors_conf", doc.get("ethogram", {}))
    return {str(b.get("code")) for b in ethogram.values()
            if isinstance(b, dict) and "state" in str(b.get("type", "")).lower()}


def _text(v: Any) -> str:
    return v if isinstance(v, str) else "" if v is None else str(v) if isinstance(v, (int, float)) else ""


def _tracks_for_observation(obs: dict[str, Any], states: set[str], fps: float, n_frames: int,
                            where: str, report: ImportReport) -> list[Track]:
    events = obs.get("events", [])
    if not isinstance(events, list):
        raise FormatError(f"{where}: 'events' is not a list.")
    if len(events) > MAX_EVENTS:
        raise FormatError(f"{where} holds {len(events)} events, more than MG Studio reads ({MAX_EVENTS}).")
    offset_raw = obs.get("time offset", 0) or 0
    offset = as_seconds(offset_raw, "the time offset", where) if not isinstance(offset_raw, str) or offset_raw else 0.0
    parsed = []
    for k, ev in enumerate(events):
        if not isinstance(ev, (list, tuple)) or len(ev) < 3:
            raise FormatError(f"{where}: event {k + 1} is not a [time, subject, behaviour, ...] row.")
        t = as_seconds(ev[0], "event time", f"{where}, event {k + 1}") - offset
        code = _text(ev[2]).strip()
        modifier = _text(ev[3]) if len(ev) > 3 else ""
        comment = _text(ev[4]) if len(ev) > 4 else ""
        parsed.append((t, k, _text(ev[1]).strip(), code, modifier, comment))
    parsed.sort(key=lambda e: (e[0], e[1]))
    open_: dict[tuple[str, str, str], tuple[float, str]] = {}
    rows: dict[str, list[Row]] = defaultdict(list)
    for t, k, subject, code, modifier, comment in parsed:
        key = (subject, code, modifier)
        at = f"{where}, event {k + 1} at {t:.3f} s"
        if code not in states:  # point event: one frame
            f = seconds_to_frame(t, fps)
            rows[subject].append(Row(f, f + 1, code, note=comment, where=at))
        elif key in open_:  # BORIS: the next event of the same subject, code and modifier stops it
            t0, note = open_.pop(key)
            note = "; ".join(x for x in (note, comment, modifier and f"modifier: {modifier}") if x)
            rows[subject].append(Row(seconds_to_frame(t0, fps), seconds_to_frame(t, fps), code, note=note, where=at))
        else:
            open_[key] = (t, comment)
    for (subject, code, modifier), (t0, note) in open_.items():
        report.warnings.append(f"'{short(code, 40)}' started at {t0:.2f} s had no stop event: "
                               "it was closed at the end of the media.")
        f0 = seconds_to_frame(t0, fps)
        rows[subject].append(Row(f0, n_frames if n_frames > f0 else f0 + 1, code, note=note,
                                 where=f"{where} at {t0:.3f} s"))
    return [Track(subject or "boris", subject or "boris", rows=r) for subject, r in rows.items()]


def first_media(obs: dict[str, Any]) -> str | None:
    """The first media file of an observation's first player (``None``: a live observation)."""
    files = obs.get("file", {}).get("1", []) if isinstance(obs.get("file"), dict) else []
    return files[0] if isinstance(files, list) and files and isinstance(files[0], str) and files[0] else None


def match_observation(project: "Project", obs_id: str, obs: dict[str, Any]) -> Any:
    """The item an observation goes to: the one named like the observation, else like its first
    media file (by name without extension, or a video of that file name); ``None`` when none."""
    item = find_item(project, obs_id)
    media = first_media(obs)
    if item is None and media is not None:
        fname = Path(media.replace("\\", "/")).name
        item = find_item(project, Path(fname).stem) or next(
            (it for it in project.items() if it.video_path and Path(it.video_path).name == fname), None)
    return item


def _positive(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return v if 0 < v < 1e9 else None


def observation_media(obs: dict[str, Any]) -> tuple[float | None, float | None]:
    """The frame rate and length (seconds) BORIS noted for an observation's first media file
    (``media_info``); ``None`` for what it does not say (a live observation says neither)."""
    media, info = first_media(obs), obs.get("media_info")
    if media is None or not isinstance(info, dict):
        return None, None

    def noted(key: str) -> float | None:
        table = info.get(key)
        return _positive(table.get(media)) if isinstance(table, dict) else None

    return noted("fps"), noted("length")


def observation_attributes(obs: dict[str, Any]) -> dict[str, str]:
    """An observation's independent variables (e.g. condition, session) as item attributes."""
    ivs = obs.get("independent_variables")
    if not isinstance(ivs, dict):
        return {}
    out = {}
    for k, v in ivs.items():
        key, value = str(k).strip(), _text(v).strip()
        if key and value:
            out[key[:100]] = value[:1000]
    return out


def observation_end(obs: dict[str, Any], states: set[str], fps: float, where: str) -> int:
    """The frame after an observation's last event at ``fps`` (the events checked as on import)."""
    tracks = _tracks_for_observation(obs, states, fps, 0, where, ImportReport())
    return max((r.end for t in tracks for r in t.rows), default=0)


def import_boris(project: "Project", path: str | Path, item_id: int | None = None,
                 label_map: dict[str, str] | None = None) -> ImportReport:
    """Import observations onto matching items (or the only/given observation onto ``item_id``).

    Every observation is read and checked before the first write; all are added in one
    transaction (one undo step).
    """
    doc = read_boris(path)
    states = state_codes(doc)
    plan = ImportPlan(project, label_map, file=Path(path).name)
    report = plan.report
    observations = doc["observations"]
    name = Path(path).name
    if item_id is not None and len(observations) > 1:
        raise FormatError(f"{name} holds {len(observations)} observations: import it without naming an item "
                          "so each goes to the item of the same name.")
    for obs_id, obs in observations.items():
        if not isinstance(obs, dict):
            raise FormatError(f"{name}: observation '{short(obs_id, 60)}' is malformed.")
        item = project.item(item_id) if item_id is not None else match_observation(project, str(obs_id), obs)
        if item is None:
            events = obs.get("events", [])
            n = len(events) if isinstance(events, list) else 0
            report.skipped += n
            report.warnings.append(f"No item matches the BORIS observation '{short(obs_id, 60)}': "
                                   f"its {n} event(s) were skipped.")
            continue
        tracks = _tracks_for_observation(obs, states, item.fps, int(item.frame_count or 0),
                                         f"{name}, observation '{short(obs_id, 60)}'", report)
        plan.add(item.id, tracks)
    return plan.commit(f"Import {name}")
