"""OpenPose per-frame JSON folders (BODY_25, or the 137-point BODY_25 + face + hands).

OpenPose writes one ``<video>_<frame:012d>_keypoints.json`` per frame, each with a ``people``
list; every person has ``pose_keypoints_2d`` (25 x ``x y c``) and, when face/hand detection was
on, ``face_keypoints_2d`` (70 x 3), ``hand_left_keypoints_2d`` and ``hand_right_keypoints_2d``
(21 x 3 each). A point at ``0 0 0`` (or with confidence 0) was not detected: it becomes missing.

- The frame number is taken from the file name (its last run of digits), so a missing file is
  a frame with every joint missing and the sequence starts at the first file's frame number.
- When several people are in a frame (interviewer, audience cut-aways) the **main subject** is
  followed: the largest person first, then whoever is nearest to the subject's last position.
  When nobody is there, a person of the subject's size elsewhere is taken (the camera moved)
  but a much smaller one is not (the frame stays missing). ``meta`` reports ``max_people``,
  ``frames_with_several_people`` and ``subject_jumps``.
- A frame file that is not valid JSON becomes a missing frame, listed in ``meta["bad_frames"]``.
- Coordinates are pixels of the (unknown) video: pass ``image_size`` when known.
- Identity-free by default: the 70-point face is dropped except the mouth corners.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import OPENPOSE_137, OPENPOSE_BODY25
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.readfile import read_regular

DEFAULT_FPS = 30.0
_PARTS = (("pose_keypoints_2d", 25), ("face_keypoints_2d", 70),
          ("hand_left_keypoints_2d", 21), ("hand_right_keypoints_2d", 21))
_DIGITS = re.compile(r"(\d+)")
_MAX_FILE_BYTES = 20 * 1024 * 1024


def _frame_number(path: Path) -> int | None:
    runs = _DIGITS.findall(path.stem)
    return int(runs[-1]) if runs else None


def _json_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".json"]


def _load_frame(path: Path) -> dict:
    """One frame document; ValueError (with a reason) for anything that is not an OpenPose frame."""
    try:
        raw = read_regular(path, _MAX_FILE_BYTES, "OpenPose frame")
        data = json.loads(raw.decode("utf-8"))
    except FormatError as exc:
        raise ValueError(str(exc)) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("people"), list):
        raise ValueError("no 'people' list")
    return data


def is_openpose_folder(folder: str | Path) -> bool:
    """True when the folder's JSON files look like OpenPose output (checks a few of them)."""
    folder = Path(folder)
    if not folder.is_dir():
        return False
    for p in sorted(_json_files(folder))[:5]:
        try:
            _load_frame(p)
            return True
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            continue
    return False


def _person_points(person: dict, with_extras: bool) -> np.ndarray:
    """137 (or 25) x 3 array ``x y c`` of one person, NaN-filled where absent."""
    n = 137 if with_extras else 25
    out = np.full((n, 3), np.nan, np.float64)
    off = 0
    for key, count in _PARTS if with_extras else _PARTS[:1]:
        vals = person.get(key)
        if isinstance(vals, list) and len(vals) == count * 3:
            try:
                part = np.asarray(vals, dtype=np.float64).reshape(count, 3)
                part[~np.isfinite(part).all(axis=1) | (np.abs(part) > 1e7).any(axis=1)] = np.nan
                out[off:off + count] = part
            except (TypeError, ValueError, OverflowError):
                pass  # a malformed part stays missing
        off += count
    return out


def _body_box(points: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Centre and size (bounding-box diagonal) of a person's detected body keypoints."""
    body = points[:25]
    ok = np.isfinite(body).all(axis=1) & (body[:, 2] > 0)
    if ok.sum() < 2:
        return None
    pts = body[ok, :2]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    return (lo + hi) / 2, float(np.linalg.norm(hi - lo)) + 1e-6


def _choose(people: list[np.ndarray], prev: tuple[np.ndarray, float] | None) -> int | None:
    """Index of the main subject among a frame's people (continuity, then size)."""
    boxes = [_body_box(p) for p in people]
    valid = [i for i, b in enumerate(boxes) if b is not None]
    if not valid:
        return None
    largest = max(valid, key=lambda i: boxes[i][1])
    if prev is None:
        return largest
    centre, size = prev
    dist = {i: float(np.linalg.norm(boxes[i][0] - centre)) / size for i in valid}
    near = [i for i in valid if dist[i] < 0.5]
    if near:
        return min(near, key=lambda i: dist[i])
    # Nobody where the subject was: a person of the subject's size is the subject after a
    # camera move; a much smaller one is someone else (audience, interviewer) -> missing.
    return largest if boxes[largest][1] >= 0.6 * size else None


def read_openpose_folder(folder: str | Path, fps: float = DEFAULT_FPS,
                         image_size: tuple[int, int] | None = None,
                         keep_face: bool = False) -> SkeletonSequence:
    """Read an OpenPose JSON folder into one sequence of the main subject.

    The layout is ``openpose_137`` when any frame has face or hand keypoints, else
    ``openpose_body25``. Identity-free by default: of the 70 face points only those the
    canonical layout uses (the mouth corners) are kept, the rest are set missing on import;
    ``keep_face=True`` keeps the whole face (e.g. for a study that needs it).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FormatError(f"{folder.name} is not a folder of OpenPose JSON files.")
    files = _json_files(folder)
    if not files:
        raise FormatError(f"{folder.name} holds no JSON files: it is not an OpenPose output folder.")
    numbered = [(_frame_number(p), p) for p in files]
    nums = [n for n, _ in numbered]
    if (any(n is None for n in nums) or len(set(nums)) != len(nums)
            or max(nums) - min(nums) > 10 * len(nums) + 1000):
        # No usable frame numbers in the names: one file per frame, in name order.
        numbered = [(i, p) for i, p in enumerate(sorted(files))]
    numbered.sort(key=lambda t: (t[0], t[1].name))
    frames: dict[int, dict] = {}
    bad: list[str] = []
    for n, p in numbered:
        try:
            frames[n] = _load_frame(p)
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            bad.append(p.name)
    if not frames:
        raise FormatError(f"{folder.name} is not an OpenPose output folder: none of its {len(files)} "
                          f"JSON files has a 'people' list.", ", ".join(bad[:5]))
    extras = any(
        isinstance(person, dict) and any(
            isinstance(person.get(k), list) and len(person.get(k)) > 0 for k, _ in _PARTS[1:])
        for data in frames.values() for person in data["people"])
    layout = OPENPOSE_137 if extras else OPENPOSE_BODY25
    first = min(n for n, _ in numbered)
    last = max(n for n, _ in numbered)
    t = last - first + 1
    pts = np.full((t, layout.num_joints, 3), np.nan, np.float32)
    prev: tuple[np.ndarray, float] | None = None
    max_people, several, switches, found = 0, 0, 0, 0
    for n, data in sorted(frames.items()):
        people = [_person_points(p, extras) for p in data["people"] if isinstance(p, dict)]
        max_people = max(max_people, len(people))
        several += len(people) > 1
        idx = _choose(people, prev)
        if idx is None:
            continue
        found += 1
        box = _body_box(people[idx])
        if prev is not None and box is not None and np.linalg.norm(box[0] - prev[0]) / prev[1] >= 0.5:
            switches += 1
        prev = box
        pts[n - first] = people[idx]
    if not found:
        raise FormatError(f"{folder.name} holds no readable person: none of its {len(files)} JSON files "
                          f"has body keypoints ({len(bad)} of them are not OpenPose frames).",
                          ", ".join(bad[:5]))
    conf = pts[..., 2]
    missing = ~np.isfinite(pts).all(axis=2) | ~(conf > 0) | ((pts[..., 0] == 0) & (pts[..., 1] == 0))
    if not keep_face and extras:
        needed = {layout.index(j) for srcs in layout.to_canonical.values() for j in srcs}
        drop = [i for i in range(25, 95) if i not in needed]
        missing[:, drop] = True
    xy = pts[..., :2].copy()
    xy[missing] = np.nan
    conf = np.where(missing, 0.0, np.clip(np.nan_to_num(conf), 0.0, 1.0)).astype(np.float32)
    meta = {"source": "openpose", "source_folder": folder.name, "max_people": max_people,
            "frames_with_several_people": several, "subject_jumps": switches,
            "frame_files": len(files), "missing_frame_files": t - len(numbered),
            "face_mesh_kept": bool(keep_face and extras)}
    if bad:
        meta["bad_frames"] = bad[:100]
        meta["bad_frame_count"] = len(bad)
    return SkeletonSequence(layout, xy, conf, fps, None, image_size, first, meta)
