"""``SkeletonSequence``: frames x joints x coordinates, with confidences, fps and a layout.

Arrays (float32, NaN where a joint is missing):

- ``xy``    T x J x 2 image coordinates in pixels (x right, y down), or normalised units for
            sources without an image (then ``image_size`` is None);
- ``conf``  T x J confidence in [0, 1]; 0 where missing;
- ``world`` T x J x 3 metric world coordinates (x right, y up, z towards the camera), optional.

``start_frame`` is the index, in the item's media, of this sequence's first frame: a sequence
sliced out of a longer one keeps the media's frame numbers. Frame indices are the unit of truth.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mgstudio.core.atomic import atomic_file, open_regular
from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import CANONICAL, JointLayout, get_layout, mapping_matrix

NPZ_VERSION = 1
# ``meta`` entries that hold one value per frame (importers' source frame ids and timestamps):
# sliced along with the arrays, dropped on resampling.
PER_FRAME_META = ("frame_ids", "timestamps_ms")


def _present(a: np.ndarray) -> np.ndarray:
    """T x J: every coordinate of the joint is finite (faster than ``isfinite().all(axis=2)``)."""
    ok = np.isfinite(a[..., 0])
    for c in range(1, a.shape[-1]):
        ok &= np.isfinite(a[..., c])
    return ok


def _write_npz(fh: Any, arrays: dict[str, Any]) -> None:
    """An uncompressed ``.npz`` (a zip of ``.npy`` files, as ``np.savez`` writes).

    Measured on a 2-hour MediaPipe track (benchmarks/bench_skeleton_memory.py): deflate saved
    only a third of the size (noisy float coordinates hardly compress) but made saving about
    200 times slower than a plain write (a minute on a busy 2-core machine), so none is used.
    """
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, value in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)


@dataclass
class SkeletonSequence:
    """A skeleton track over time (see the module docstring for the array conventions)."""

    layout: JointLayout
    xy: np.ndarray
    conf: np.ndarray
    fps: float
    world: np.ndarray | None = None
    image_size: tuple[int, int] | None = None  # (width, height)
    start_frame: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.layout = get_layout(self.layout)
        self.xy = np.asarray(self.xy, dtype=np.float32)
        self.conf = np.asarray(self.conf, dtype=np.float32)
        t, j = self.xy.shape[:2] if self.xy.ndim == 3 else (-1, -1)
        if self.xy.ndim != 3 or self.xy.shape[2] != 2:
            raise FormatError(f"Skeleton coordinates must be frames x joints x 2, got {self.xy.shape}.")
        if j != self.layout.num_joints:
            raise FormatError(
                f"Skeleton has {j} joints but layout '{self.layout.name}' has {self.layout.num_joints}."
            )
        if self.conf.shape != (t, j):
            raise FormatError(f"Confidences must be {t} x {j}, got {self.conf.shape}.")
        if self.world is not None:
            self.world = np.asarray(self.world, dtype=np.float32)
            if self.world.shape != (t, j, 3):
                raise FormatError(f"World coordinates must be {t} x {j} x 3, got {self.world.shape}.")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise FormatError(f"Frame rate must be positive, got {self.fps}.")
        self.fps = float(self.fps)
        # Non-finite coordinates mean "missing": normalise them to NaN with confidence 0.
        bad = ~_present(self.xy)
        if self.world is not None:
            bad |= ~_present(self.world)
        self.conf = np.clip(np.where(np.isfinite(self.conf), self.conf, 0.0), 0.0, 1.0).astype(np.float32)
        if bad.any():
            # Copy before writing so that the caller's arrays are never modified.
            self.xy = self.xy.copy()
            if self.world is not None:
                self.world = self.world.copy()
            self.xy[bad] = np.nan
            self.conf[bad] = 0.0
            if self.world is not None:
                self.world[bad] = np.nan

    # ------------------------------------------------------------------ basics
    @classmethod
    def empty(cls, layout: JointLayout | str, n_frames: int, fps: float, *, with_world: bool = False,
              image_size: tuple[int, int] | None = None) -> "SkeletonSequence":
        """A sequence of ``n_frames`` with every joint missing."""
        lay = get_layout(layout)
        j = lay.num_joints
        return cls(lay, np.full((n_frames, j, 2), np.nan, np.float32), np.zeros((n_frames, j), np.float32),
                   fps, np.full((n_frames, j, 3), np.nan, np.float32) if with_world else None, image_size)

    def __len__(self) -> int:
        return int(self.xy.shape[0])

    @property
    def num_frames(self) -> int:
        return len(self)

    @property
    def end_frame(self) -> int:
        """One past the last media frame covered (half-open)."""
        return self.start_frame + len(self)

    @property
    def mask(self) -> np.ndarray:
        """T x J boolean: True where the joint is present."""
        return _present(self.xy)

    @property
    def duration(self) -> float:
        return len(self) / self.fps

    def coords(self, prefer_world: bool = True) -> np.ndarray:
        """T x J x C coordinates: world 3D when present (and preferred), else image 2D."""
        if prefer_world and self.world is not None:
            return self.world
        return self.xy

    # ------------------------------------------------------------------ transforms
    def slice(self, start: int, stop: int) -> "SkeletonSequence":
        """Frames [start, stop) in *media* frame numbers (clipped to what exists)."""
        a = max(0, start - self.start_frame)
        b = min(len(self), max(a, stop - self.start_frame))
        meta = dict(self.meta)
        for key in PER_FRAME_META:
            if isinstance(meta.get(key), list) and len(meta[key]) == len(self):
                meta[key] = meta[key][a:b]
        return SkeletonSequence(
            self.layout, self.xy[a:b].copy(), self.conf[a:b].copy(), self.fps,
            None if self.world is None else self.world[a:b].copy(), self.image_size,
            self.start_frame + a, meta,
        )

    def resample(self, n_frames: int) -> "SkeletonSequence":
        """Linear resampling to ``n_frames`` over the same time span (fps scaled to match).

        Missing joints stay missing where either neighbour is missing.
        """
        if n_frames <= 0:
            raise ValueError("n_frames must be positive")
        t = len(self)
        if t == 0:
            raise FormatError("Cannot resample an empty skeleton sequence.")
        pos = np.linspace(0, t - 1, n_frames) if t > 1 else np.zeros(n_frames)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, t - 1)
        w = (pos - lo).astype(np.float32)

        exact = w == 0  # lands on a source frame: its neighbour must not matter
        hi = np.where(exact, lo, hi)

        def interp(a: np.ndarray) -> np.ndarray:
            ww = w.reshape((-1,) + (1,) * (a.ndim - 1))
            return a[lo] * (1 - ww) + a[hi] * ww

        meta = {k: v for k, v in self.meta.items() if k not in PER_FRAME_META}
        return SkeletonSequence(
            self.layout, interp(self.xy), np.minimum(self.conf[lo], self.conf[hi]),
            self.fps * n_frames / t, None if self.world is None else interp(self.world),
            self.image_size, self.start_frame, meta,
        )

    def resample_fps(self, fps: float) -> "SkeletonSequence":
        """Resample to another frame rate over the same duration."""
        return self.resample(max(1, int(round(len(self) * fps / self.fps))))

    def to_layout(self, target: JointLayout | str = CANONICAL) -> "SkeletonSequence":
        """Map into another layout (the canonical one); absent joints become missing."""
        tgt = get_layout(target)
        if tgt.name == self.layout.name:
            return self
        w = mapping_matrix(self.layout, tgt)
        supplied = w.sum(axis=1) > 0

        rows = [(row, np.flatnonzero(w[row])) for row in np.flatnonzero(supplied)]

        def apply(a: np.ndarray) -> np.ndarray:
            # Row by row: a copy, or a weighted mean that is NaN (missing) when any source is.
            out = np.full((a.shape[0], tgt.num_joints, a.shape[2]), np.nan, np.float32)
            for row, src in rows:
                if len(src) == 1:
                    out[:, row] = a[:, src[0]]
                else:
                    out[:, row] = np.einsum("tsc,s->tc", a[:, src], w[row, src])
            return out

        conf_w = (w > 0).astype(np.float32)
        conf = np.zeros((len(self), tgt.num_joints), np.float32)
        for row in np.flatnonzero(supplied):
            conf[:, row] = self.conf[:, conf_w[row] > 0].min(axis=1)
        return SkeletonSequence(tgt, apply(self.xy), conf, self.fps,
                                None if self.world is None else apply(self.world),
                                self.image_size, self.start_frame, dict(self.meta, source_layout=self.layout.name))

    # ------------------------------------------------------------------ persistence
    def save_npz(self, path: str | Path) -> None:
        """Write atomically (:func:`~mgstudio.core.atomic.atomic_file`) as an ``.npz`` file; raises OSError."""
        path = Path(path)
        arrays: dict[str, Any] = {
            "xy": self.xy, "conf": self.conf, "fps": np.float64(self.fps),
            "start_frame": np.int64(self.start_frame),
            "layout": np.array(self.layout.name),
            "image_size": np.array(self.image_size if self.image_size else (-1, -1), dtype=np.int64),
            "meta": np.array(json.dumps(self.meta, default=str)),
            "version": np.int64(NPZ_VERSION),
        }
        if self.world is not None:
            arrays["world"] = self.world
        with atomic_file(path, "wb") as fh:
            _write_npz(fh, arrays)

    @classmethod
    def load_npz(cls, path: str | Path) -> "SkeletonSequence":
        """Read a sequence written by :meth:`save_npz` (never unpickles)."""
        path = Path(path)
        if not path.exists():
            raise FormatError(f"Skeleton file not found: {path}")
        try:
            fh = open_regular(path)  # a FIFO or device named like a skeleton is refused, never waited on
        except OSError as exc:
            raise FormatError(f"The skeleton file {path.name} could not be read: {exc.strerror or exc}.",
                              str(exc)) from exc
        try:
            with fh, np.load(fh, allow_pickle=False) as z:
                version = int(z["version"]) if "version" in z else 1
                if version > NPZ_VERSION:
                    raise FormatError(f"{path.name} was written by a newer MG Studio (skeleton format {version}).")
                size = tuple(int(v) for v in z["image_size"])
                return cls(
                    str(z["layout"]), z["xy"], z["conf"], float(z["fps"]),
                    z["world"] if "world" in z else None,
                    None if size[0] < 0 else (size[0], size[1]),
                    int(z["start_frame"]), json.loads(str(z["meta"])),
                )
        except FormatError:
            raise
        except Exception as exc:  # zipfile.BadZipFile, KeyError, ValueError...
            raise FormatError(f"{path.name} is not a readable MG Studio skeleton file.", str(exc)) from exc
