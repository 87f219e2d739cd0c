"""Kinect v1 skeleton text files: MSR Action3D and UTKinect-Action3D.

- **MSR Action3D** ``aAA_sSS_eEE_skeleton3D.txt``: 20 lines per frame, each ``x y z confidence``
  (metres, camera space), 15 fps. Its joint order is not the Kinect SDK's; rows are reordered
  into the ``kinect_v1`` layout (SDK order) on import.
- **UTKinect** ``joints_sXX_eXX.txt``: one line per skeleton sample, ``frame_id`` then 20 x
  ``x y z`` in SDK order. Samples are taken every 2-8 video frames (30 fps video); the sequence
  keeps every sample (dense) and the video frame id of each in ``meta["frame_ids"]``.
  ``actionLabel.txt`` gives each recording's actions as video frame ids.

Kinect camera space has x towards the sensor's left (the subject's right when facing it), y up,
z away from the sensor. Both files agree with that: in MSR's one-arm actions (done with the right
arm) and UTKinect's throws, the moving hand is the one with the larger x. On import, ``world``
is turned into MG Studio's convention (x right as seen in the image, y up, z towards the camera:
``(-x, y, -z)``, a rotation, not a mirror) and ``xy`` is a pinhole projection onto a nominal
640 x 480 Kinect v1 image (focal length 585 px) for drawing. A joint at exactly (0, 0, 0) is
untracked and becomes missing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import KINECT_V1
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.readfile import read_regular

MSR_FPS = 15.0
UTKINECT_VIDEO_FPS = 30.0
KINECT_V1_IMAGE = (640, 480)
KINECT_V1_FOCAL = 585.0

# MSR Action3D row order, as names of the kinect_v1 layout (see the module docstring).
MSR_JOINT_ORDER = (
    "left_shoulder", "right_shoulder", "shoulder_center", "spine", "left_hip", "right_hip",
    "hip_center", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand",
    "right_hand", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_foot",
    "right_foot", "head",
)
MSR_ACTIONS = (
    "high arm wave", "horizontal arm wave", "hammer", "hand catch", "forward punch", "high throw",
    "draw x", "draw tick", "draw circle", "hand clap", "two hand wave", "side-boxing", "bend",
    "forward kick", "side kick", "jogging", "tennis swing", "tennis serve", "golf swing",
    "pick up & throw",
)
UTKINECT_ACTIONS = ("walk", "sitDown", "standUp", "pickUp", "carry", "throw", "push", "pull",
                    "waveHands", "clapHands")

MSR_NAME = re.compile(r"^a(\d+)_s(\d+)_e(\d+)_skeleton3D\.txt$", re.IGNORECASE)
UTK_NAME = re.compile(r"^joints_s(\d+)_e(\d+)\.txt$", re.IGNORECASE)
_MAX_BYTES = 200 * 1024 * 1024


class ActionSegment(NamedTuple):
    """A labelled action: half-open frame range ``[start, end)`` in the unit stated by the caller."""

    label: str
    start: int
    end: int


def _read_numbers(path: Path, what: str) -> tuple[str, np.ndarray]:
    """The file's text and all of its whitespace-separated numbers (clear errors otherwise)."""
    raw = read_regular(path, _MAX_BYTES, f"{what} file")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path.name} is not a {what} text file.", str(exc)) from exc
    try:
        values = np.array(text.split(), dtype=np.float64)
    except ValueError as exc:
        raise FormatError(f"{path.name} is not a {what} file: it contains non-numeric text.",
                          str(exc)[:200]) from exc
    return text, values


def kinect_to_world(cam: np.ndarray) -> np.ndarray:
    """Kinect camera space (x sensor-left, y up, z away) -> MG Studio world (x right, y up, z to camera)."""
    out = np.array(cam, dtype=np.float32, copy=True)
    out[..., 0] *= -1.0
    out[..., 2] *= -1.0
    return out


def project_kinect(cam: np.ndarray, focal: float = KINECT_V1_FOCAL,
                   size: tuple[int, int] = KINECT_V1_IMAGE) -> np.ndarray:
    """Pinhole projection of Kinect camera-space points to image pixels (x right, y down)."""
    z = cam[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = size[0] / 2 - focal * cam[..., 0] / z
        v = size[1] / 2 - focal * cam[..., 1] / z
    xy = np.stack([u, v], axis=-1).astype(np.float32)
    xy[~(z > 0)] = np.nan
    return xy


def _sequence(cam: np.ndarray, conf: np.ndarray, fps: float, meta: dict) -> SkeletonSequence:
    """Build a kinect_v1 sequence from T x 20 x 3 camera-space points (SDK order)."""
    cam = cam.astype(np.float32)
    missing = (np.abs(cam) < 1e-9).all(axis=2) | ~np.isfinite(cam).all(axis=2) | ~(cam[..., 2] > 0)
    cam[missing] = np.nan
    conf = np.where(missing, 0.0, conf).astype(np.float32)
    return SkeletonSequence(KINECT_V1, project_kinect(cam), conf, fps, kinect_to_world(cam),
                            KINECT_V1_IMAGE, 0, meta)


def msr_meta(name: str) -> dict:
    """Action / subject / take from an MSR Action3D file name (empty if it does not match)."""
    m = MSR_NAME.match(name)
    if not m:
        return {}
    action, subject, take = (int(g) for g in m.groups())
    meta = {"dataset": "MSR Action3D", "action": action, "subject": subject, "take": take}
    if 1 <= action <= len(MSR_ACTIONS):
        meta["action_name"] = MSR_ACTIONS[action - 1]
    return meta


def read_msr(path: str | Path) -> SkeletonSequence:
    """Read one MSR Action3D ``*_skeleton3D.txt`` file into a ``kinect_v1`` sequence."""
    path = Path(path)
    _, values = _read_numbers(path, "MSR Action3D skeleton")
    per_frame = 20 * 4
    n = values.size // per_frame
    if n == 0:
        raise FormatError(f"{path.name} holds no complete skeleton frame (MSR Action3D files have "
                          f"20 lines of 'x y z confidence' per frame).", f"{values.size} numbers")
    meta = msr_meta(path.name) or {"dataset": "MSR Action3D"}
    meta["source_file"] = path.name
    if values.size % per_frame:
        meta["warning"] = (f"the file ends with an incomplete frame "
                           f"({values.size % per_frame} of {per_frame} numbers); it was left out")
    raw = values[: n * per_frame].reshape(n, 20, 4)
    order = np.array([MSR_JOINT_ORDER.index(j) for j in KINECT_V1.joints])
    raw = raw[:, order]
    return _sequence(raw[..., :3], np.clip(raw[..., 3], 0.0, 1.0), MSR_FPS, meta)


def utkinect_meta(name: str) -> dict:
    m = UTK_NAME.match(name)
    if not m:
        return {}
    subject, take = (int(g) for g in m.groups())
    return {"dataset": "UTKinect-Action3D", "subject": subject, "take": take,
            "recording": f"s{subject:02d}_e{take:02d}"}


def read_utkinect(path: str | Path) -> SkeletonSequence:
    """Read one UTKinect ``joints_sXX_eXX.txt`` file into a dense ``kinect_v1`` sequence.

    ``meta["frame_ids"]`` holds each sample's video frame id (30 fps video); ``fps`` is the
    mean sample rate, ``30 * (n - 1) / (last_id - first_id)``.
    """
    path = Path(path)
    text, values = _read_numbers(path, "UTKinect joints")
    lines = [ln.split() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise FormatError(f"{path.name} is empty: no UTKinect skeleton samples.")
    good = [ln for ln in lines if len(ln) == 61]
    if len(good) < len(lines) / 2:
        raise FormatError(f"{path.name} is not a UTKinect joints file (each line should hold a frame "
                          f"id and 20 x 'x y z').", f"{len(good)} of {len(lines)} lines have 61 values")
    arr = np.array(good, dtype=np.float64)
    ids = arr[:, 0]
    if not np.all(np.isfinite(ids)) or np.any(ids != np.round(ids)):
        raise FormatError(f"{path.name}: the first column should hold integer frame ids.")
    order = np.argsort(ids, kind="stable")
    arr, ids = arr[order], ids[order].astype(np.int64)
    cam = arr[:, 1:].reshape(-1, 20, 3)
    span = int(ids[-1] - ids[0])
    fps = UTKINECT_VIDEO_FPS * (len(ids) - 1) / span if span > 0 and len(ids) > 1 else UTKINECT_VIDEO_FPS
    meta = utkinect_meta(path.name) or {"dataset": "UTKinect-Action3D"}
    meta.update(source_file=path.name, frame_ids=ids.tolist(), video_fps=UTKINECT_VIDEO_FPS)
    if len(good) < len(lines):
        meta["warning"] = f"{len(lines) - len(good)} malformed lines were skipped"
    conf = np.ones(cam.shape[:2], np.float32)
    return _sequence(cam, conf, round(fps, 3), meta)


def read_utkinect_labels(path: str | Path) -> dict[str, list[ActionSegment]]:
    """UTKinect ``actionLabel.txt``: recording name -> actions as *video frame ids* ``[start, end)``.

    The file gives inclusive last frames; ``end`` here is one past. Actions marked ``NaN``
    (not performed) are left out.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"Cannot read the UTKinect label file {path.name}.", str(exc)) from exc
    out: dict[str, list[ActionSegment]] = {}
    current: list[ActionSegment] | None = None
    for no, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if re.fullmatch(r"s\d+_e\d+", line):
            current = out.setdefault(line, [])
            continue
        m = re.fullmatch(r"(\w+):\s*(\S+)\s+(\S+)", line)
        if not m or current is None:
            raise FormatError(f"{path.name} is not a UTKinect action label file (line {no}).", line[:100])
        label, a, b = m.groups()
        if a.lower() == "nan" or b.lower() == "nan":
            continue
        try:
            start, last = int(a), int(b)
        except ValueError:
            raise FormatError(f"{path.name}, line {no}: frame ids must be integers.", line[:100]) from None
        if last >= start:
            current.append(ActionSegment(label, start, last + 1))
    return out


def frames_to_samples(seq: SkeletonSequence, segments: list[ActionSegment]) -> list[ActionSegment]:
    """Turn video-frame-id segments into half-open *sample index* ranges of a UTKinect sequence.

    A sample belongs to a segment when its frame id lies in ``[start, end)``; segments that
    contain no sample are dropped.
    """
    ids = np.asarray(seq.meta["frame_ids"])
    out = []
    for s in segments:
        a = int(np.searchsorted(ids, s.start, side="left"))
        b = int(np.searchsorted(ids, s.end, side="left"))
        if b > a:
            out.append(ActionSegment(s.label, a, b))
    return out


def find_utkinect_labels(folder: Path) -> Path | None:
    """The label file next to UTKinect joints files.

    ``actionLabel_modified.txt`` (when present) is preferred: it corrects typos of the original
    (e.g. s02_e02's ``push: 2556 3622`` -> ``3556 3622``).
    """
    for name in ("actionLabel_modified.txt", "actionLabel.txt"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_utkinect(folder: str | Path) -> list[tuple[str, SkeletonSequence, list[ActionSegment]]]:
    """Every UTKinect recording in a folder with its actions as sample-index ranges.

    For segment-spotting tests: ``(name, sequence, segments)`` sorted by name.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if UTK_NAME.match(p.name))
    if not files:
        raise FormatError(f"No UTKinect joints_sXX_eXX.txt files in {folder}.")
    label_file = find_utkinect_labels(folder)
    labels = read_utkinect_labels(label_file) if label_file else {}
    out = []
    for f in files:
        seq = read_utkinect(f)
        name = seq.meta.get("recording", f.stem)
        segs = frames_to_samples(seq, labels.get(name, []))
        seq.meta["actions"] = [tuple(s) for s in segs]
        out.append((name, seq, segs))
    return out


def load_msr_clips(folder: str | Path, clean_only: bool = True) -> list[tuple[SkeletonSequence, int, int]]:
    """MSR Action3D as labelled clips ``(sequence, action 1-20, subject 1-10)``.

    With ``clean_only``, only the 557 files listed in ``files_used_in_cvpr12_paper.txt`` (when
    that list is present); unreadable files are skipped and counted in each clip's meta.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if MSR_NAME.match(p.name))
    if not files:
        raise FormatError(f"No MSR Action3D aAA_sSS_eEE_skeleton3D.txt files in {folder}.")
    listing = folder / "files_used_in_cvpr12_paper.txt"
    if clean_only and listing.is_file():
        keep = {ln.strip() for ln in listing.read_text(errors="replace").split() if ln.strip()}
        files = [p for p in files if p.name in keep or p.name.replace("_skeleton3D.txt", "") in keep]
    out = []
    for f in files:
        try:
            seq = read_msr(f)
        except FormatError:
            continue
        out.append((seq, int(seq.meta["action"]), int(seq.meta["subject"])))
    return out
