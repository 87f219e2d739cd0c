"""Video clips with the face blurred, located from the skeleton's head points.

For identity-free sharing of dataset clips. The face region of each frame is an ellipse around
the canonical face anchors (nose, eyes, ears, mouth corners), sized from their spread and the
shoulder width, blurred strongly (Gaussian + pixelation). Frames where the head points are
missing reuse the nearest frame's region; a clip where they are missing throughout is not
written (reported), because a clip with an unblurred face must never leave the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mgstudio.core.errors import CancelledError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.atomic import atomic_path

if TYPE_CHECKING:
    from mgstudio.core.project import Project

FACE = [CANONICAL.index(j) for j in ("nose", "left_eye", "right_eye", "left_ear", "right_ear",
                                     "mouth_left", "mouth_right", "head")]
SHOULDERS = [CANONICAL.index("left_shoulder"), CANONICAL.index("right_shoulder")]


def face_regions(xy: np.ndarray) -> np.ndarray | None:
    """Per frame (cx, cy, rx, ry) of the face ellipse from canonical 2D points; None if never seen."""
    face = xy[:, FACE]
    seen = np.isfinite(face).all(axis=2)
    ok = seen.sum(axis=1) >= 1
    if not ok.any():
        return None
    out = np.zeros((len(xy), 4), np.float32)
    for t in np.flatnonzero(ok):
        pts = face[t][seen[t]]
        c = pts.mean(axis=0)
        spread = float(np.max(np.linalg.norm(pts - c, axis=1))) if len(pts) > 1 else 0.0
        sh = xy[t, SHOULDERS]
        shoulder = float(np.linalg.norm(sh[0] - sh[1])) if np.isfinite(sh).all() else 0.0
        r = max(spread * 1.8, shoulder * 0.45, 12.0)
        out[t] = (c[0], c[1] - 0.1 * r, r, r * 1.3)
    good = np.flatnonzero(ok)
    for t in np.flatnonzero(~ok):  # nearest frame with a face
        out[t] = out[good[np.argmin(np.abs(good - t))]]
    return out


def blur_face(frame: np.ndarray, region: np.ndarray) -> np.ndarray:
    """A copy of an RGB frame with the elliptic region pixelated and blurred."""
    import cv2

    h, w = frame.shape[:2]
    cx, cy, rx, ry = (float(v) for v in region)
    x0, x1 = int(max(0, cx - rx)), int(min(w, cx + rx + 1))
    y0, y1 = int(max(0, cy - ry)), int(min(h, cy + ry + 1))
    out = frame.copy()
    if x1 <= x0 or y1 <= y0:
        return out
    patch = out[y0:y1, x0:x1]
    # about 5 cells across the face, then a blur a tenth of its size: features cannot be recovered
    small = cv2.resize(patch, (max(1, round((x1 - x0) / (2 * rx) * 5)), max(1, round((y1 - y0) / (2 * ry) * 6))),
                       interpolation=cv2.INTER_AREA)
    sigma = max(4.0, rx / 5)
    blurred = cv2.GaussianBlur(cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST), (0, 0), sigma)
    mask = np.zeros(patch.shape[:2], np.uint8)
    cv2.ellipse(mask, (int(cx - x0), int(cy - y0)), (int(rx), int(ry)), 0, 0, 360, 255, -1)
    patch[mask > 0] = blurred[mask > 0]
    return out


def export_blurred_clips(project: "Project", folder: Path, clips: list[dict[str, Any]],
                         cancel: Callable[[], bool] | None = None,
                         warnings: list[str] | None = None) -> list[Path]:
    """Write ``folder/{clip_id}.mp4`` for clips of video items; returns the files written."""
    import av

    from mgstudio.media.video import VideoReader

    warnings = warnings if warnings is not None else []
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    readers: dict[int, Any] = {}
    try:
        for c in clips:
            item, seg = c["item"], c["seg"]
            if not item.video_path or project.check_media(item.id) != "ok":
                warnings.append(f"No video for '{item.name}': its clips have no blurred video.")
                continue
            seq = project.load_skeleton(item.id).slice(seg.start, seg.end).to_layout(CANONICAL)
            regions = face_regions(seq.xy)
            if regions is None:
                warnings.append(f"No head points in {c['clip_id']}: its video was not written, to keep the face private.")
                continue
            reader = readers.get(item.id) or readers.setdefault(item.id, VideoReader(item.video_path))
            path = folder / f"{c['clip_id']}.mp4"
            with atomic_path(path) as tmp:
                with av.open(str(tmp), "w", format="mp4") as out:
                    stream = None
                    for k, f in enumerate(range(seg.start, seg.end)):
                        if cancel is not None and cancel():
                            raise CancelledError("Dataset export cancelled.")
                        frame = reader.frame(f)
                        if stream is None:
                            rate = getattr(item, "rate", None) or Fraction(item.fps).limit_denominator(1001)
                            stream = out.add_stream("libx264", rate=Fraction(rate))
                            stream.height, stream.width = frame.shape[0] // 2 * 2, frame.shape[1] // 2 * 2
                            stream.pix_fmt = "yuv420p"
                        img = blur_face(frame, regions[min(k, len(regions) - 1)])
                        img = img[: stream.height, : stream.width]
                        for pkt in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")):
                            out.mux(pkt)
                    if stream is not None:
                        for pkt in stream.encode():
                            out.mux(pkt)
            written.append(path)
    finally:
        for r in readers.values():
            r.close()
    return written
