"""On-disk cache of pose extraction: finished results and resumable partial work.

One entry per (video fingerprint, extractor settings) key, in ``cache_dir``:

- ``KEY.npz``: the finished :class:`~mgstudio.core.skeleton.SkeletonSequence` (raw, unsmoothed);
- ``KEY.face.npz``: the 468-point face mesh, only when the user asked to keep it;
- ``KEY.part/``: checkpoints of an unfinished run, one ``.npz`` per block of frames
  (``00000000-00000300.npz`` holds frames [0, 300)). Blocks are written atomically and never
  rewritten, so checkpointing costs the same at minute 1 and at hour 2, and extraction memory
  does not grow with the video's length. A restart continues after the last contiguous block.

The video is recognised by the project's fingerprint (size + first and last MiB): fast on
multi-GB videos, unchanged when the file is moved, changed when it is re-encoded or replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from mgstudio.core.atomic import atomic_file, open_regular
from mgstudio.core.errors import FormatError, MediaError, MGStudioError
from mgstudio.core.fingerprint import fingerprint
from mgstudio.core.skeleton import SkeletonSequence

def video_fingerprint(path: str | Path) -> str:
    """The project's fingerprint of a video file (:func:`mgstudio.core.fingerprint.fingerprint`)."""
    try:
        return fingerprint(path)
    except OSError as exc:
        raise MediaError(f"Cannot read the video file {Path(path).name}.", str(exc)) from exc


def cache_key(fingerprint: str, settings: dict[str, Any]) -> str:
    """Short stable key for a video fingerprint plus the settings that change results."""
    blob = json.dumps({"video": fingerprint, "settings": settings}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def default_cache_dir() -> Path:
    """``$MGSTUDIO_CACHE_DIR/pose`` or the user's cache folder (``platformdirs``)."""
    env = os.environ.get("MGSTUDIO_CACHE_DIR")
    if env:
        return Path(env) / "pose"
    import platformdirs

    return Path(platformdirs.user_cache_dir("mgstudio", appauthor=False)) / "pose"


def _atomic_savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez`` into an atomic file; a failed write (disk full) leaves nothing and prints nothing
    (``np.savez``'s zip would retry its directory on the closed file at exit: "Exception ignored")."""
    try:
        with atomic_file(path, "wb") as fh:
            zf = zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
            try:
                for name, value in arrays.items():
                    with zf.open(name + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)
                zf.close()
            except BaseException:
                zf.fp = None  # no second attempt at the zip directory, now or when collected
                raise
    except OSError as exc:
        raise _unwritable(path.parent, exc) from exc


def _unwritable(folder: Path, exc: OSError) -> MGStudioError:
    return MGStudioError(f"MG Studio cannot write its skeleton cache in {folder} (disk full or no permission).",
                         str(exc))


class PoseCache:
    """Finished results and checkpoint blocks for one cache key."""

    def __init__(self, cache_dir: str | Path, key: str) -> None:
        self.dir = Path(cache_dir)
        self.key = key
        self.final_path = self.dir / f"{key}.npz"
        self.face_path = self.dir / f"{key}.face.npz"
        self.part_dir = self.dir / f"{key}.part"

    # ------------------------------------------------------------------ finished results
    def load(self) -> SkeletonSequence | None:
        """The cached result, or None (an unreadable entry is dropped and recomputed)."""
        if not self.final_path.exists():
            return None
        try:
            return SkeletonSequence.load_npz(self.final_path)
        except Exception:
            self.final_path.unlink(missing_ok=True)
            return None

    def save(self, seq: SkeletonSequence, face: np.ndarray | None = None) -> None:
        """Store the finished result (and the face mesh when kept), then drop the checkpoints."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            if face is not None:
                with atomic_file(self.face_path, "wb") as fh:
                    np.savez_compressed(fh, face=face)
            seq.save_npz(self.final_path)
        except OSError as exc:
            raise _unwritable(self.dir, exc) from exc
        shutil.rmtree(self.part_dir, ignore_errors=True)

    # ------------------------------------------------------------------ checkpoints
    def _blocks(self) -> list[tuple[int, int, Path]]:
        if not self.part_dir.is_dir():
            return []
        out = []
        for p in self.part_dir.glob("*.npz"):
            if not p.is_file():  # a FIFO, device or folder named like a block is not one
                continue
            try:
                a, b = (int(v) for v in p.stem.split("-"))
            except ValueError:
                continue
            out.append((a, b, p))
        return sorted(out)

    def resume_point(self) -> int:
        """Number of leading frames already checkpointed (0 when none)."""
        done = 0
        for a, b, _ in self._blocks():
            if a != done:
                break
            done = b
        return done

    def write_block(self, start: int, arrays: dict[str, np.ndarray]) -> None:
        """Checkpoint frames ``[start, start + len)``; ``arrays`` share their first dimension."""
        n = len(next(iter(arrays.values())))
        if n == 0:
            return
        try:
            self.part_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unwritable(self.dir, exc) from exc
        _atomic_savez(self.part_dir / f"{start:08d}-{start + n:08d}.npz", arrays)

    def write_state(self, state: dict[str, Any]) -> None:
        """Save small JSON state next to the checkpoints (e.g. who is being followed)."""
        try:
            self.part_dir.mkdir(parents=True, exist_ok=True)
            with atomic_file(self.part_dir / "state.json", "w") as fh:
                fh.write(json.dumps(state))
        except OSError as exc:
            raise _unwritable(self.dir, exc) from exc

    def read_state(self) -> dict[str, Any] | None:
        try:  # a FIFO or device named like the state file is refused, never waited on
            with open_regular(self.part_dir / "state.json") as fh:
                return json.loads(fh.read(1 << 20).decode("utf-8"))
        except (OSError, ValueError, FormatError):
            return None

    def read_blocks(self, stop: int) -> dict[str, np.ndarray]:
        """Concatenate the contiguous checkpoint blocks covering ``[0, stop)``."""
        out: dict[str, np.ndarray] = {}
        done = 0
        for a, b, p in self._blocks():
            if a != done or done >= stop:
                break
            try:
                fh = open_regular(p)  # a FIFO named like a block ends the usable blocks, never hangs
            except (OSError, FormatError):
                break
            with fh, np.load(fh, allow_pickle=False) as z:
                for k in z.files:
                    block = z[k][: stop - a]
                    if k not in out:  # filled in place: peak memory is the result, not twice it
                        out[k] = np.empty((stop,) + block.shape[1:], block.dtype)
                    out[k][a:a + len(block)] = block
            done = b
        return {k: v[:min(done, stop)] for k, v in out.items()}

    def clear(self) -> None:
        """Forget everything stored under this key."""
        shutil.rmtree(self.part_dir, ignore_errors=True)
        for p in (self.final_path, self.face_path):
            p.unlink(missing_ok=True)


def load_face_mesh(seq: SkeletonSequence) -> np.ndarray | None:
    """The T x 468 x 3 face mesh kept with ``PoseSettings(keep_face_mesh=True)``, else None.

    Columns are x, y in pixels and MediaPipe's relative depth (same scale as x); NaN where no
    face was found. The mesh identifies a person: it is stored apart from the skeleton and only
    on request.
    """
    path = seq.meta.get("face_mesh_file")
    if not path or not Path(path).exists():
        return None
    with np.load(path, allow_pickle=False) as z:
        return z["face"]
