"""Skeletons from video with MediaPipe holistic, into a ``mediapipe_holistic`` SkeletonSequence.

What is stored per frame (layout ``mediapipe_holistic``: 33 pose points, then 21 left-hand and
21 right-hand points):

- ``xy``: image pixels (x right, y down) of the decoded, rotation-corrected frame;
- ``conf``: pose points: MediaPipe's *visibility*; hand points: 1 where the hand was found
  (holistic gives no per-point hand score); 0 where missing;
- ``world``: metres, origin between the hips, x right, y up, z towards the camera (MediaPipe's
  world landmarks with y and z flipped into MG Studio's convention). Holistic has no 3D hand
  model in world space, so each hand is placed at its pose wrist and its points offset by the
  hand's own image offsets (and relative depth) times a metres-per-pixel scale read from the same
  frame's arm and shoulder bones (the least foreshortened of them). Good for hand shape and
  motion; not a calibrated hand measurement.

Left and right are the *subject's* (MediaPipe holistic's convention for both pose and hands: a
person facing the camera has their left wrist on the image's right side). Only the face points
inside the 33 pose points are kept (nose, eyes, ears, mouth corners): the 468-point face mesh
identifies a person and is stored apart, on request only (``keep_face_mesh=True``, see
:func:`~mgstudio.media.pose_cache.load_face_mesh`).

:func:`extract_pose` reports progress, can be cancelled, checkpoints blocks of frames so a restart
continues where it stopped, and caches the finished result per video fingerprint and settings.
With several people in view it follows one subject (:mod:`mgstudio.media.subject`). Results are
raw; smoothing (:mod:`mgstudio.media.smoothing`) is applied on a copy by whoever wants it.
"""

from __future__ import annotations

import os

import importlib.metadata
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mgstudio.core.errors import CancelledError, MediaError, MGStudioError
from mgstudio.core.jobs import Cancel, Progress, cancel_check
from mgstudio.core.layouts import MEDIAPIPE_HOLISTIC
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.media.pose_cache import PoseCache, cache_key, default_cache_dir, load_face_mesh, video_fingerprint
from mgstudio.media.subject import SubjectTracker

__all__ = ["PoseSettings", "extract_pose", "load_face_mesh", "EXTRACTOR_VERSION"]

EXTRACTOR_VERSION = 1
N_POSE, N_HAND = 33, 21
J = N_POSE + 2 * N_HAND
LEFT_HAND, RIGHT_HAND = N_POSE, N_POSE + N_HAND
L_WRIST, R_WRIST = 15, 16
FACE_POINTS = 468
# Bones used to read metres per pixel off a frame (shoulders, arms, torso sides).
_SCALE_BONES = np.array([(11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24)])

# Per-frame source codes: ``meta["frame_source"]`` counts them, ``meta["frame_source_runs"]`` lists
# them as runs (e.g. where the subject was out of view or another person was rejected).
NO_POSE, FULL_FRAME, SUBJECT_CROP, OTHER_PERSON = 0, 1, 2, 3
_SOURCE_NAMES = {NO_POSE: "no_pose", FULL_FRAME: "full_frame", SUBJECT_CROP: "subject_crop",
                 OTHER_PERSON: "other_person_rejected"}

ProgressFn = Progress  # the job protocol of mgstudio.core.jobs (old names kept)
CancelArg = Cancel
_is_cancelled = cancel_check


@dataclass(frozen=True)
class PoseSettings:
    """What :func:`extract_pose` does. Everything except ``checkpoint_every`` is part of the cache key.

    - ``subject_box`` ``(x, y, w, h)`` in pixels at ``subject_frame``: follow that person
      instead of the one MediaPipe finds first.
    - ``follow_subject=False``: take whatever holistic finds on each full frame.
    - ``keep_face_mesh=True``: also store the identifying 468-point face mesh (apart).
    - ``stop_frame``: extract only frames ``[0, stop_frame)`` (previews, tests).
    """

    model_complexity: int = 1
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    keep_face_mesh: bool = False
    follow_subject: bool = True
    subject_box: tuple[float, float, float, float] | None = None
    subject_frame: int = 0
    stop_frame: int | None = None
    checkpoint_every: int = field(default=300, compare=False)

    def __post_init__(self) -> None:
        if self.model_complexity != 1:
            raise MGStudioError(
                "Only the standard pose model (complexity 1) is available offline.",
                f"model_complexity={self.model_complexity}: MediaPipe 0.10.21 bundles only pose_landmark_full",
            )
        for name in ("min_detection_confidence", "min_tracking_confidence"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise MGStudioError(f"{name.replace('_', ' ').capitalize()} must be between 0 and 1, got {v}.")
        if self.subject_box is not None:
            box = tuple(float(v) for v in self.subject_box)
            if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
                raise MGStudioError("The subject box must be x, y, width, height with a positive size.",
                                    f"subject_box={self.subject_box!r}")
            object.__setattr__(self, "subject_box", box)
        if self.checkpoint_every < 1:
            raise MGStudioError("Checkpoint interval must be at least one frame.")

    def cache_fields(self) -> dict[str, Any]:
        """The settings that change the result (the cache key is built from these)."""
        d = asdict(self)
        d.pop("checkpoint_every")
        d["subject_box"] = list(self.subject_box) if self.subject_box else None
        return d


# ---------------------------------------------------------------------- frames
@dataclass
class _Video:
    fps: float
    frame_count: int
    width: int
    height: int
    frames: Iterator[np.ndarray]
    close: Callable[[], None]


def _open_video(path: Path, start: int, stop: int | None) -> _Video:
    """Metadata and RGB frames ``[start, stop)`` (rotation applied) from :mod:`mgstudio.media.video`."""
    from mgstudio.media.video import VideoReader

    reader = VideoReader(path)  # MediaError for missing, empty, non-video or frameless files
    info = reader.info
    frames = (rgb for _, rgb in reader.iter_frames(start, stop))
    return _Video(float(info.fps), int(info.frame_count), int(info.width), int(info.height), frames, reader.close)


class _Prefetch:
    """Decode in a background thread (PyAV releases the GIL) while MediaPipe runs.

    :meth:`close` stops the thread and waits for it, so the container can be closed safely.
    """

    _END = object()

    def __init__(self, frames: Iterator[np.ndarray], depth: int = 4) -> None:
        self._frames = frames
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="pose-decode", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        try:
            for f in self._frames:
                if not self._put(f):
                    return
            self._put(self._END)
        except BaseException as exc:  # handed to the consumer
            self._put(exc)

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            item = self._q.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


# ---------------------------------------------------------------------- MediaPipe
def _holistic(settings: PoseSettings) -> Any:
    # MediaPipe's C++ logging (glog/absl) prints internal warnings users cannot act on.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import mediapipe as mp

    return mp.solutions.holistic.Holistic(
        static_image_mode=False, model_complexity=1, smooth_landmarks=True,
        enable_segmentation=False, refine_face_landmarks=False,
        min_detection_confidence=settings.min_detection_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
    )


def _pose_2d(res: Any, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, w, h = box
    a = np.array([(p.x, p.y, p.visibility) for p in res.pose_landmarks.landmark], np.float32)
    return a[:, :2] * (w, h) + (x0, y0), a[:, 2]


def _metres_per_pixel(xy: np.ndarray, world: np.ndarray, conf: np.ndarray) -> float:
    a, b = _SCALE_BONES[:, 0], _SCALE_BONES[:, 1]
    img = np.linalg.norm(xy[a] - xy[b], axis=1)
    wl = np.linalg.norm(world[a] - world[b], axis=1)
    good = (img > 4.0) & (conf[a] > 0.5) & (conf[b] > 0.5)
    if not good.any():
        good = img > 1.0
    # Projection only shortens bones: the least shortened gives the truest scale.
    return float(np.min(wl[good] / img[good])) if good.any() else float("nan")


def _fill_frame(res: Any, box: tuple[int, int, int, int], xy: np.ndarray, conf: np.ndarray,
                world: np.ndarray, face: np.ndarray | None, pose_xy: np.ndarray, pose_conf: np.ndarray) -> None:
    """Write one holistic result (landmarks relative to ``box``) into the frame's rows."""
    x0, y0, w, h = box
    xy[:N_POSE] = pose_xy
    conf[:N_POSE] = pose_conf
    pw = np.array([(p.x, p.y, p.z) for p in res.pose_world_landmarks.landmark], np.float32)
    pw[:, 1:] *= -1.0  # MediaPipe: y down, z away from the camera -> y up, z towards it
    world[:N_POSE] = pw
    scale = None
    for lm, off, wrist in ((res.left_hand_landmarks, LEFT_HAND, L_WRIST),
                           (res.right_hand_landmarks, RIGHT_HAND, R_WRIST)):
        if lm is None:
            continue
        a = np.array([(p.x, p.y, p.z) for p in lm.landmark], np.float32)
        hxy = a[:, :2] * (w, h) + (x0, y0)
        if scale is None:
            scale = _metres_per_pixel(pose_xy, pw, pose_conf)
        if not np.isfinite(scale):
            continue
        rel = np.empty((N_HAND, 3), np.float32)
        rel[:, :2] = hxy - hxy[0]
        rel[:, 2] = (a[:, 2] - a[0, 2]) * w  # relative depth, same scale as x (MediaPipe)
        rel[:, 1:] *= -1.0
        xy[off:off + N_HAND] = hxy
        conf[off:off + N_HAND] = 1.0
        world[off:off + N_HAND] = pw[wrist] + scale * rel
    if face is not None and res.face_landmarks is not None:
        f = np.array([(p.x, p.y, p.z) for p in res.face_landmarks.landmark], np.float32)[:FACE_POINTS]
        face[:, 0] = f[:, 0] * w + x0
        face[:, 1] = f[:, 1] * h + y0
        face[:, 2] = f[:, 2] * w


class _Runner:
    """Runs holistic on each frame, following the subject (full frame first, crop on demand)."""

    RECOVER_FRAMES = 3  # right after another person took over, try the crop on every frame...
    RETRY_EVERY = 15  # ...then on every 15th frame only, so long cut-aways cost little
    CUT_CORRELATION = 0.3  # coarse thumbnails of consecutive frames correlate less: a new shot

    def __init__(self, settings: PoseSettings, width: int, height: int, fps: float) -> None:
        self.settings = settings
        self.full_box = (0, 0, width, height)
        # One model serves both the full frames and the subject crops: a second instance would
        # cost a second model load (~1 s, ~200 MB); switching inputs costs MediaPipe a re-detection.
        self.main = _holistic(settings)
        self.crop_mode = False
        self.tracker = SubjectTracker(width, height, fps, settings.subject_box, settings.subject_frame) \
            if settings.follow_subject else None
        self._thumb: np.ndarray | None = None
        self._step = max(1, min(width, height) // 24)

    def _scene_cut(self, rgb: np.ndarray) -> bool:
        """Cheap shot-change test: correlation of strided green-channel thumbnails (~24 x 40)."""
        thumb = rgb[:: self._step, :: self._step, 1].astype(np.float32)
        thumb -= thumb.mean()
        thumb /= float(np.linalg.norm(thumb)) + 1e-6
        prev, self._thumb = self._thumb, thumb
        return prev is not None and prev.shape == thumb.shape and float((thumb * prev).sum()) < self.CUT_CORRELATION

    def close(self) -> None:
        self.main.close()

    def _crop(self, i: int, rgb: np.ndarray) -> tuple[Any, tuple[int, int, int, int], np.ndarray, np.ndarray] | None:
        assert self.tracker is not None
        box = self.tracker.crop_box()
        if box is None:
            return None
        x, y, w, h = box
        res = self.main.process(np.ascontiguousarray(rgb[y:y + h, x:x + w]))
        if res.pose_landmarks is None:
            return None
        pxy, pc = _pose_2d(res, box)
        return (res, box, pxy, pc) if self.tracker.accepts(i, pxy, pc, rgb) else None

    def step(self, i: int, rgb: np.ndarray) -> tuple[int, Any, tuple[int, int, int, int] | None, Any, Any]:
        """(source code, result, box, pose xy, pose conf) for frame ``i``."""
        tr = self.tracker
        tried_crop = False
        if tr is not None and self._scene_cut(rgb):
            tr.scene_cut(i)
            self.crop_mode = False
        if tr is not None and self.crop_mode:
            tried_crop = True
            got = self._crop(i, rgb)
            if got is not None:
                return (SUBJECT_CROP, *got)
            self.crop_mode = False
        res = self.main.process(rgb)
        other = False
        if res.pose_landmarks is not None:
            pxy, pc = _pose_2d(res, self.full_box)
            if tr is None or tr.accepts(i, pxy, pc, rgb):
                return FULL_FRAME, res, self.full_box, pxy, pc
            other = True
        if tr is not None and other and not tried_crop and tr.has_subject and \
                (tr.anchor is None or tr.cut_at <= tr.last_seen):
            # Someone else took MediaPipe's attention within the same shot: look where the
            # subject was.
            lost = tr.lost_for(i)
            if lost <= self.RECOVER_FRAMES or lost % self.RETRY_EVERY == 0:
                got = self._crop(i, rgb)
                if got is not None:
                    self.crop_mode = True
                    return (SUBJECT_CROP, *got)
        return (OTHER_PERSON if other else NO_POSE), None, None, None, None


# ---------------------------------------------------------------------- extraction
def _mediapipe_version() -> str:
    try:
        return importlib.metadata.version("mediapipe")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - mediapipe is a dependency
        return "unknown"


def _runs(codes: np.ndarray) -> list[list[Any]]:
    """Run-length list ``[[name, start, stop), ...]`` of the per-frame source codes."""
    if len(codes) == 0:
        return []
    cut = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], cut])
    stops = np.concatenate([cut, [len(codes)]])
    return [[_SOURCE_NAMES[int(codes[a])], int(a), int(b)] for a, b in zip(starts, stops)]


class _Block:
    """Preallocated arrays for one checkpoint block of frames."""

    def __init__(self, n: int, face: bool) -> None:
        self.xy = np.full((n, J, 2), np.nan, np.float32)
        self.conf = np.zeros((n, J), np.float32)
        self.world = np.full((n, J, 3), np.nan, np.float32)
        self.source = np.zeros(n, np.uint8)
        self.face = np.full((n, FACE_POINTS, 3), np.nan, np.float32) if face else None
        self.n = 0

    def reset(self) -> None:
        self.xy.fill(np.nan)
        self.conf.fill(0.0)
        self.world.fill(np.nan)
        self.source.fill(0)
        if self.face is not None:
            self.face.fill(np.nan)
        self.n = 0

    def arrays(self) -> dict[str, np.ndarray]:
        n = self.n
        out = {"xy": self.xy[:n], "conf": self.conf[:n], "world": self.world[:n], "source": self.source[:n]}
        if self.face is not None:
            out["face"] = self.face[:n]
        return out


def extract_pose(video_path: str | Path, settings: PoseSettings | None = None,
                 progress: ProgressFn | None = None, cancel: CancelArg = None,
                 cache_dir: str | Path | None = None, fresh: bool = False) -> SkeletonSequence:
    """Extract a ``mediapipe_holistic`` skeleton from every frame of a video.

    ``progress(done, total)`` is called a few times a second; ``cancel`` is a callable returning
    True or a ``threading.Event``: extraction then stops within a frame, keeps what it has done
    (a later call continues from there) and raises :class:`CancelledError`. A finished result is
    cached in ``cache_dir`` (default: the user's cache folder) and returned at once next time;
    ``fresh=True`` drops the cached result and checkpoints first and extracts again. Raises :class:`MediaError` for a missing, unreadable or undecodable video.
    """
    settings = settings or PoseSettings()
    path = Path(video_path)
    if not path.is_file():
        raise MediaError(f"Video not found: {path}.")
    is_cancelled = _is_cancelled(cancel)
    key_fields = settings.cache_fields() | {"extractor": EXTRACTOR_VERSION, "mediapipe": _mediapipe_version()}
    fingerprint = video_fingerprint(path)
    cache = PoseCache(Path(cache_dir) if cache_dir is not None else default_cache_dir(), cache_key(fingerprint, key_fields))
    if fresh:
        cache.clear()
    done_seq = cache.load()
    if done_seq is not None:
        if progress is not None:
            progress(len(done_seq), len(done_seq))
        return done_seq

    start = cache.resume_point()
    video = _open_video(path, start, settings.stop_frame)
    total = video.frame_count if settings.stop_frame is None else min(video.frame_count or settings.stop_frame,
                                                                      settings.stop_frame)
    total = max(total, start)
    runner: _Runner | None = None
    block = _Block(settings.checkpoint_every, settings.keep_face_mesh)
    block_start = i = start
    frames: _Prefetch | None = None
    last_report = 0.0

    def report(done: int, force: bool = False) -> None:
        nonlocal last_report
        now = time.monotonic()
        if progress is not None and (force or now - last_report >= 0.1):
            last_report = now
            progress(done, max(total, done))

    saved = cache.read_state() if start > 0 else None

    def make_runner() -> _Runner:
        r = _Runner(settings, video.width, video.height, video.fps)
        if r.tracker is not None and saved is not None and saved.get("frame") == start:
            r.tracker.restore(saved.get("tracker", {}))  # keep following the same person
        return r

    def checkpoint() -> None:
        cache.write_block(block_start, block.arrays())
        if runner is not None and runner.tracker is not None:
            cache.write_state({"frame": i, "tracker": runner.tracker.state()})

    try:
        report(start, force=True)
        runner = make_runner()
        frames = _Prefetch(video.frames)
        for rgb in frames:
            if is_cancelled():
                raise CancelledError("Skeleton extraction was cancelled; the frames done so far are kept.")
            if i == start and (rgb.shape[1], rgb.shape[0]) != (video.width, video.height):
                runner.close()  # rotated or resized on decode: follow the frames' real size
                video.width, video.height = rgb.shape[1], rgb.shape[0]
                runner = make_runner()
            code, res, box, pxy, pc = runner.step(i, rgb)
            k = block.n
            block.source[k] = code
            if res is not None:
                _fill_frame(res, box, block.xy[k], block.conf[k], block.world[k],
                            None if block.face is None else block.face[k], pxy, pc)
            block.n += 1
            i += 1
            if block.n == settings.checkpoint_every:
                checkpoint()
                block_start = i
                block.reset()
            report(i)
        if is_cancelled():
            raise CancelledError("Skeleton extraction was cancelled; the frames done so far are kept.")
    except BaseException:
        # Cancelled, decoding failed half-way, Ctrl+C...: keep every frame done so far (best
        # effort: an unwritable cache must not hide the original error).
        try:
            checkpoint()
        except MGStudioError:
            pass
        raise
    finally:
        if frames is not None:
            frames.close()
        if runner is not None:
            runner.close()
        video.close()
    cache.write_block(block_start, block.arrays())
    if i == 0:
        raise MediaError(f"{path.name} contains no video frames.")

    arrays = cache.read_blocks(i)
    counts = np.bincount(arrays["source"], minlength=4)
    meta: dict[str, Any] = {
        "source": "mediapipe_holistic",
        "extractor_version": EXTRACTOR_VERSION,
        "mediapipe": key_fields["mediapipe"],
        "video": str(path),
        "video_fingerprint": fingerprint,
        "settings": settings.cache_fields(),
        "frame_source": {_SOURCE_NAMES[c]: int(counts[c]) for c in range(4)},
        "frame_source_runs": _runs(arrays["source"]),
        "world_hands": "hand points placed at the pose wrist, scaled from image offsets",
        "smoothed": False,
    }
    if settings.keep_face_mesh:
        meta["face_mesh_file"] = str(cache.face_path)
    seq = SkeletonSequence(MEDIAPIPE_HOLISTIC, arrays["xy"], arrays["conf"], video.fps, arrays["world"],
                           (video.width, video.height), 0, meta)
    cache.save(seq, arrays.get("face"))
    report(i, force=True)
    return seq
