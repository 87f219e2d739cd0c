"""Pickled pose sets (JHMDB / DD-Net style, and PYSKL / MMAction2 annotation lists), read safely.

A pickle can run any code while it loads, so user files go through
:func:`mgstudio.formats.safe_pickle.safe_loads`: plain containers, scalars and numeric arrays that
MG Studio builds itself from validated bytes (no object arrays, bounded memory, no memo bombs).
Anything else (``os.system``, ``builtins.eval``, arbitrary classes) is refused with a
:class:`FormatError` before it is called.

Supported content:

- DD-Net JHMDB: ``{"pose": [T x 15 x 2 arrays], "label": [class names]}``;
- PYSKL / MMAction2: ``{"annotations": [{"frame_dir", "label", "keypoint": M x T x V x C,
  "keypoint_score": M x T x V, "img_shape": (h, w)}, ...], "split": {...}}`` or a bare list of
  such annotations; the first person (``M`` index 0) is taken.

The layout is chosen by the joint count (15 jhmdb15, 17 coco17, 20 kinect_v1, 25 openpose_body25 /
kinect_v2 for 3D, 75 mediapipe_holistic, 137 openpose_137).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import get_layout
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.readfile import read_regular
from mgstudio.formats.safe_pickle import PickleRefused, safe_loads

DEFAULT_FPS = 30.0
_MAX_BYTES = 500 * 1024 * 1024

_BY_JOINTS_2D = {15: "jhmdb15", 17: "coco17", 22: "imigue22", 25: "openpose_body25",
                 75: "mediapipe_holistic", 137: "openpose_137", 20: "kinect_v1"}
_BY_JOINTS_3D = {20: "kinect_v1", 25: "kinect_v2", 75: "mediapipe_holistic"}


def safe_load(data: bytes) -> Any:
    """Unpickle ``data`` through :mod:`mgstudio.formats.safe_pickle` (latin-1 for Python 2 pickles)."""
    try:
        return safe_loads(data, encoding="latin1")
    except PickleRefused as exc:
        raise FormatError(f"This pickle was refused: {exc}.", str(exc)) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise FormatError("This file is not a readable pickle of pose data.", str(exc)[:300]) from exc


def _layout_for(joints: int, dims: int) -> str:
    table = _BY_JOINTS_3D if dims == 3 else _BY_JOINTS_2D
    if joints not in table:
        raise FormatError(f"Poses with {joints} joints ({dims}D) match no joint layout MG Studio knows.")
    return table[joints]


def _sequence(pose: Any, score: Any, fps: float, meta: dict, image_size=None) -> SkeletonSequence:
    arr = np.asarray(pose)
    if arr.ndim != 3 or arr.shape[2] not in (2, 3) or arr.dtype.kind not in "fiu":
        raise FormatError("A pose in this pickle is not a frames x joints x 2 (or 3) number array.",
                          f"shape {arr.shape}, dtype {arr.dtype}")
    arr = arr.astype(np.float32)
    t, j, c = arr.shape
    if t == 0:
        raise FormatError("A pose in this pickle has no frames.")
    layout = get_layout(_layout_for(j, c))
    conf = np.ones((t, j), np.float32) if score is None else np.asarray(score, np.float32).reshape(t, j)
    if c == 3:
        return SkeletonSequence(layout, arr[..., :2] * [1, -1], conf, fps, arr, image_size, 0, meta)
    return SkeletonSequence(layout, arr, conf, fps, None, image_size, 0, meta)


def _from_annotations(anns: list, stem: str, fps: float) -> list[tuple[str, SkeletonSequence]]:
    out = []
    for i, a in enumerate(anns):
        if not isinstance(a, dict) or "keypoint" not in a:
            raise FormatError("This pickle's annotation list has an entry without 'keypoint' data.")
        kp = np.asarray(a["keypoint"])
        if kp.ndim != 4 or kp.shape[0] == 0:
            raise FormatError("PYSKL keypoints must be persons x frames x joints x coordinates.",
                              f"shape {kp.shape}")
        score = a.get("keypoint_score")
        score = None if score is None else np.asarray(score)[0]
        shape = a.get("img_shape")
        size = (int(shape[1]), int(shape[0])) if isinstance(shape, (tuple, list)) and len(shape) == 2 else None
        name = str(a.get("frame_dir", f"{stem}_{i:05d}"))
        meta = {"source_file": stem, "label": a.get("label"), "persons": int(kp.shape[0])}
        out.append((name, _sequence(kp[0], score, fps, meta, size)))
    return out


def load_pose_pickle(path: str | Path, fps: float = DEFAULT_FPS) -> list[tuple[str, SkeletonSequence]]:
    """Every pose sequence in a pickle, as ``(name, sequence)``; labels go to ``meta["label"]``."""
    path = Path(path)
    try:
        data = safe_load(read_regular(path, _MAX_BYTES, "pose pickle"))
    except FormatError as exc:
        msg = str(exc)
        raise FormatError(msg if path.name in msg else f"{path.name}: {msg}", exc.detail) from exc
    try:
        return _sequences(data, path, fps)
    except FormatError as exc:
        msg = str(exc)
        if path.name in msg:
            raise
        raise FormatError(f"{path.name}: {msg[0].lower() + msg[1:]}", exc.detail) from exc
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, AttributeError, MemoryError) as exc:
        raise FormatError(f"{path.name} holds pose data of an unexpected shape or type.",
                          f"{type(exc).__name__}: {exc}"[:300]) from exc


def _sequences(data: Any, path: Path, fps: float) -> list[tuple[str, SkeletonSequence]]:
    if isinstance(data, dict) and "pose" in data:
        poses, labels = data["pose"], data.get("label")
        if not isinstance(poses, (list, tuple)):
            raise FormatError(f"{path.name}: 'pose' should be a list of pose arrays.")
        if labels is not None and (not isinstance(labels, (list, tuple)) or len(labels) != len(poses)):
            raise FormatError(f"{path.name}: 'label' should list one class per pose.")
        out = []
        for i, pose in enumerate(poses):
            label = None if labels is None else str(labels[i])
            meta = {"source_file": path.name, "index": i, "label": label}
            name = f"{path.stem}/{i:04d}" + (f"_{label}" if label else "")
            out.append((name, _sequence(pose, None, fps, meta)))
        if not out:
            raise FormatError(f"{path.name} holds no poses.")
        return out
    if isinstance(data, dict) and isinstance(data.get("annotations"), list):
        return _from_annotations(data["annotations"], path.stem, fps)
    if isinstance(data, list) and data and isinstance(data[0], dict) and "keypoint" in data[0]:
        return _from_annotations(data, path.stem, fps)
    raise FormatError(f"{path.name} is a pickle but not a pose set MG Studio knows "
                      f"(expected 'pose' + 'label' lists, or PYSKL 'annotations').")
