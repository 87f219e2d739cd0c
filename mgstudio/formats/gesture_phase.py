"""UCI Gesture Phase Segmentation raw CSV files (Madeo et al. 2013): 6 Kinect joints + phases.

Columns: ``lhx,lhy,lhz, rhx,rhy,rhz, hx,hy,hz, sx,sy,sz, lwx,lwy,lwz, rwx,rwy,rwz, timestamp,
phase`` — left hand, right hand, head, spine, left wrist, right wrist (the ``gesture_phase6``
layout's order), a timestamp in milliseconds and the phase of that frame (Rest, Preparation,
Stroke, Hold, Retraction; one file spells Preparation in Portuguese, "Preparação", which is
mapped to the English name).

The coordinates are in the dataset's own units with y growing downwards (the head has the
smallest y), like image coordinates, so x and y go to ``xy`` (``image_size`` None). The z column
(depth, same unknown units) is not imported: ``world`` promises metres, which these are not, and
the skeleton is drawn and recognised in 2D; the CSV itself is untouched. The
frames are the file's rows (the Kinect delivered them irregularly, 15-80 ms apart, with rare long
pauses); ``fps`` is 1000 / the median interval and each row's time is in ``meta["timestamps_ms"]``.
Consecutive frames with the same phase become one segment ``(phase, start, end)``, half-open.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import GESTURE_PHASE6
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.kinect import ActionSegment

HEADER = ("lhx", "lhy", "lhz", "rhx", "rhy", "rhz", "hx", "hy", "hz", "sx", "sy", "sz",
          "lwx", "lwy", "lwz", "rwx", "rwy", "rwz", "timestamp", "phase")
PHASES = ("Rest", "Preparation", "Stroke", "Hold", "Retraction")
_ALIASES = {"preparação": "Preparation", "preparacao": "Preparation", "preparaçao": "Preparation"}
_MAX_BYTES = 50 * 1024 * 1024


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def looks_like(path: str | Path) -> bool:
    """True when the file starts with the gesture-phase header."""
    try:
        with open(path, "rb") as fh:
            head = _decode(fh.read(400)).splitlines()
    except OSError:
        return False
    return bool(head) and tuple(h.strip().lower() for h in head[0].split(",")) == HEADER


def _phase(name: str) -> str:
    key = name.strip()
    for p in PHASES:
        if key.lower() == p.lower():
            return p
    return _ALIASES.get(key.lower(), key)


def read_gesture_phase(path: str | Path) -> tuple[SkeletonSequence, list[ActionSegment]]:
    """Read a ``*_raw.csv`` file: the skeleton and its phase segments."""
    path = Path(path)
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise FormatError(f"{path.name} is too large to be a gesture-phase file.")
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise FormatError(f"Cannot read {path.name}.", str(exc)) from exc
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise FormatError(f"{path.name} is not a readable CSV file.", str(exc)) from exc
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows or tuple(c.strip().lower() for c in rows[0]) != HEADER:
        raise FormatError(f"{path.name} is not a UCI gesture-phase raw file (its header should be "
                          f"'lhx,lhy,lhz,...,timestamp,phase').", ",".join(rows[0])[:200] if rows else "")
    body = rows[1:]
    if not body:
        raise FormatError(f"{path.name} has a header but no frames.")
    coords = np.full((len(body), 18), np.nan, np.float64)
    stamps = np.full(len(body), np.nan)
    phases: list[str] = []
    bad = 0
    for i, r in enumerate(body):
        if len(r) != 20:
            bad += 1
            phases.append("")
            continue
        try:
            coords[i] = [float(v) for v in r[:18]]
            stamps[i] = float(r[18])
        except ValueError:
            bad += 1
        phases.append(_phase(r[19]))
    if bad > len(body) / 2:
        raise FormatError(f"{path.name}: most rows are malformed; it is not a gesture-phase file.",
                          f"{bad} of {len(body)} rows")
    pts = coords.reshape(-1, 6, 3)
    xy = pts[..., :2].astype(np.float32)
    conf = np.isfinite(xy).all(axis=2).astype(np.float32)
    diffs = np.diff(stamps[np.isfinite(stamps)])
    diffs = diffs[diffs > 0]
    fps = 1000.0 / float(np.median(diffs)) if diffs.size else 30.0
    meta = {"dataset": "UCI Gesture Phase Segmentation", "source_file": path.name,
            "timestamps_ms": [None if not np.isfinite(s) else int(s) for s in stamps],
            "recording": path.stem.replace("_raw", "")}
    if bad:
        meta["warning"] = f"{bad} malformed rows became missing frames"
    segments: list[ActionSegment] = []
    start = 0
    for i in range(1, len(phases) + 1):
        if i == len(phases) or phases[i] != phases[start]:
            if phases[start]:
                segments.append(ActionSegment(phases[start], start, i))
            start = i
    meta["phases"] = [tuple(s) for s in segments]
    seq = SkeletonSequence(GESTURE_PHASE6, xy, conf, round(fps, 3), None, None, 0, meta)
    return seq, segments
