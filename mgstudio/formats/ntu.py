"""Kinect v2 / NTU RGB+D ``.skeleton`` text files (25 joints, 30 fps).

Layout of a file (all whitespace-separated)::

    frame_count
    per frame:  body_count
      per body: body_id clipped_edges hand_left_conf hand_left_state hand_right_conf
                hand_right_state is_restricted lean_x lean_y tracking_state
                joint_count (25)
        per joint: x y z depth_x depth_y color_x color_y orient_w orient_x orient_y orient_z tracking_state

``x y z`` are camera-space metres (Kinect: x to the sensor's left, y up, z away), turned into
MG Studio's world convention like Kinect v1 (``(-x, y, -z)``); ``color_x color_y`` are pixels of
the 1920 x 1080 colour video and become ``xy``. Joint tracking states 2 (tracked) / 1 (inferred)
give confidence 1.0 / 0.5; state 0 (not tracked) makes the joint missing.

When several bodies appear (NTU's two-person actions, or a passer-by), the main subject is the
body seen in the most frames (ties: the one that moves most; found in one pass over the frames); ``meta["bodies"]`` counts them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import KINECT_V2
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.kinect import kinect_to_world
from mgstudio.formats.readfile import read_regular

NTU_FPS = 30.0
COLOR_SIZE = (1920, 1080)
NTU_NAME = re.compile(r"^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$", re.IGNORECASE)
_MAX_BYTES = 200 * 1024 * 1024


class _Tokens:
    """Sequential reader over a file's numbers with clear errors."""

    def __init__(self, tokens: list[str], name: str) -> None:
        self.t, self.i, self.name = tokens, 0, name

    def take(self, n: int) -> list[str]:
        if self.i + n > len(self.t):
            raise FormatError(f"{self.name} ends too early: it is not a complete NTU .skeleton file.")
        out = self.t[self.i:self.i + n]
        self.i += n
        return out

    def int(self, what: str, lo: int = 0, hi: int = 10_000_000) -> int:
        (tok,) = self.take(1)
        try:
            v = int(tok)
        except ValueError:
            raise FormatError(f"{self.name} is not an NTU .skeleton file ({what} is not a whole number).",
                              tok[:50]) from None
        if not lo <= v <= hi:
            raise FormatError(f"{self.name} is not an NTU .skeleton file ({what} = {v}).")
        return v


def parse_skeleton_text(text: str, name: str = "file") -> tuple[list[list[tuple[str, np.ndarray]]], int]:
    """Frames as lists of ``(body_id, 25 x 12 array)``, and the declared frame count."""
    tok = _Tokens(text.split(), name)
    n_frames = tok.int("the frame count", 0, 1_000_000)
    if n_frames > len(tok.t) - 1:  # every frame needs at least its body count
        raise FormatError(f"{name} declares {n_frames:,} frames but holds only {len(tok.t) - 1:,} more "
                          f"numbers: it is not a complete NTU .skeleton file.")
    frames: list[list[tuple[str, np.ndarray]]] = []
    for _ in range(n_frames):
        bodies = []
        for _ in range(tok.int("a body count", 0, 20)):
            info = tok.take(10)
            n_joints = tok.int("a joint count", 1, 100)
            if n_joints != 25:
                raise FormatError(f"{name}: bodies have {n_joints} joints; Kinect v2 files have 25.")
            try:
                joints = np.array(tok.take(25 * 12), dtype=np.float64).reshape(25, 12)
            except ValueError as exc:
                raise FormatError(f"{name} is not an NTU .skeleton file (non-numeric joint data).",
                                  str(exc)[:200]) from exc
            bodies.append((info[0], joints))
        frames.append(bodies)
    return frames, n_frames


def read_skeleton(path: str | Path) -> SkeletonSequence:
    """Read one NTU RGB+D ``.skeleton`` file into a ``kinect_v2`` sequence of its main subject."""
    path = Path(path)
    raw = read_regular(path, _MAX_BYTES, "NTU .skeleton file")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path.name} is not an NTU .skeleton text file (it holds non-text bytes).",
                          str(exc)) from exc
    frames, n = parse_skeleton_text(text, path.name)
    if n == 0:
        raise FormatError(f"{path.name} holds no frames.")
    with_body = sum(1 for bodies in frames if bodies)
    if n - with_body > 10 * with_body + 1000:  # output memory must stay in proportion to the file
        raise FormatError(f"{path.name} declares {n:,} frames but only {with_body:,} of them hold a body: "
                          f"it is not an NTU .skeleton recording MG Studio can use.")
    # One pass over the frames: per body id, the frames it is in and its joints.
    seen: dict[str, list[int]] = {}
    joints_of: dict[str, list[np.ndarray]] = {}
    for t, bodies in enumerate(frames):
        for body_id, joints in bodies:
            seen.setdefault(body_id, []).append(t)
            joints_of.setdefault(body_id, []).append(joints[:, :3])

    data = np.full((n, 25, 12), np.nan, np.float64)
    if seen:
        def motion(bid: str) -> float:
            pts = np.stack(joints_of[bid])
            if len(pts) < 2:
                return 0.0
            with np.errstate(all="ignore"):
                m = float(np.nansum(np.nanstd(np.where(np.isfinite(pts), pts, np.nan), axis=0)))
            return m if np.isfinite(m) else 0.0

        counts = {b: len(set(ts)) for b, ts in seen.items()}
        best = max(counts.values())
        tied = [b for b, c in counts.items() if c == best]  # motion only breaks ties
        main = max(tied, key=motion) if len(tied) > 1 else tied[0]
        for t, bodies in enumerate(frames):
            for body_id, joints in bodies:
                if body_id == main:
                    data[t] = joints
                    break
    state = data[..., 11]
    conf = np.where(state == 2, 1.0, np.where(state == 1, 0.5, 0.0)).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        data[~np.isfinite(data) | (np.abs(data) > 1e7)] = np.nan
        cam = data[..., :3].astype(np.float32)
    missing = (conf == 0) | ~np.isfinite(cam).all(axis=2) | (np.abs(cam) < 1e-9).all(axis=2)
    cam[missing] = np.nan
    xy = data[..., 5:7].astype(np.float32)
    xy[missing] = np.nan
    conf[missing] = 0.0
    meta: dict = {"dataset": "NTU RGB+D", "source_file": path.name, "bodies": len(seen)}
    m = NTU_NAME.match(path.stem)
    if m:
        setup, camera, subject, rep, action = (int(g) for g in m.groups())
        meta.update(setup=setup, camera=camera, subject=subject, take=rep, action=action)
    return SkeletonSequence(KINECT_V2, xy, conf, NTU_FPS, kinect_to_world(cam), COLOR_SIZE, 0, meta)


def format_skeleton(frames: list[list[np.ndarray]], body_ids: list[list[int]] | None = None) -> str:
    """Write NTU ``.skeleton`` text from per-frame lists of 25 x 3 Kinect camera-space bodies.

    Colour pixels are projected with a nominal Kinect v2 colour camera (focal 1060 px); depth
    pixels with the depth camera (focal 365 px); every joint is "tracked" (state 2) unless its
    coordinates are NaN (written as zeros with state 0). Used to make test files and to export.
    """
    lines = [str(len(frames))]
    for t, bodies in enumerate(frames):
        lines.append(str(len(bodies)))
        for b, joints in enumerate(bodies):
            bid = body_ids[t][b] if body_ids else 72057594037931100 + b
            lines.append(f"{bid} 0 1 2 1 2 0 0.1 -0.1 2")
            lines.append("25")
            for x, y, z in np.asarray(joints, dtype=np.float64):
                if not np.isfinite([x, y, z]).all() or z <= 0:
                    lines.append("0 0 0 0 0 0 0 0 0 0 0 0")
                    continue
                dx, dy = 256 - 365 * x / z, 212 - 365 * y / z
                cx, cy = 960 - 1060 * x / z, 540 - 1060 * y / z
                lines.append(f"{x:.7f} {y:.7f} {z:.7f} {dx:.4f} {dy:.4f} {cx:.3f} {cy:.3f} "
                             f"0.9 0.01 0.02 0.03 2")
    return "\n".join(lines) + "\n"
