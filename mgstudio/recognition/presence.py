"""Is the main subject in view? A per-frame mask, and the spans where they are not.

A frame counts as *present* when the recording's main subject is seen there: enough of the
core upper body (head, neck, shoulders, spine; whatever the layout supplies) is tracked with
confidence >= ``min_conf``, and the skeleton belongs to the recording's main subject: the
seen frames are cut into *tracks* wherever the torso centre jumps by more than ``max_jump`` body
sizes in one step, the size changes by more than ``jump_ratio`` x, or more than ``max_hole``
frames are unseen (a cut-away, a phantom skeleton over the audience); the longest track is the
main subject, and a track counts as it when its median size is within ``scale_range`` x the
main track's (shoulder width, else head-spine distance) and it lies within ``max_shift`` sizes
of the main track's median place or continues, within ``max_hole`` frames and two sizes, where
the subject's previous track ended (a person walking about or bending down stays the subject). Choices are ours; present runs shorter than ``min_run_s`` are
dropped and absent holes of at most ``fill_frames`` frames are filled (one-frame tracking gaps
are not cut-aways). Proposals are never made on absent frames; :func:`absent_spans` gives the
timeline its marks. numpy only.
"""

from __future__ import annotations

import numpy as np

from mgstudio.core.layouts import CANONICAL
from mgstudio.core.skeleton import SkeletonSequence

DEPTH_LAYOUTS = ("kinect_v1", "kinect_v2")  # world coordinates measured by a depth camera
CORE = ("nose", "head", "neck", "left_shoulder", "right_shoulder", "spine")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.flatnonzero(np.diff(m.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(d[::2], d[1::2])]


def body_scale(c: np.ndarray) -> tuple[np.ndarray, str]:
    """Per-frame body size of canonical coordinates ``[T, J, C]``: shoulder width, else head-spine
    distance, else neck-pelvis; NaN where unseen. Returns (sizes, what was measured)."""
    j = CANONICAL.index
    for a, b, what in (("left_shoulder", "right_shoulder", "shoulder width"), ("head", "spine", "head-spine"),
                       ("neck", "pelvis", "neck-pelvis")):
        s = np.linalg.norm(c[:, j(a)] - c[:, j(b)], axis=-1)
        if np.isfinite(s).mean() > 0.2 and np.nanmedian(s) > 0:
            return s.astype(np.float32), what
    return np.full(len(c), np.nan, np.float32), "none"


def torso_centre(c: np.ndarray) -> np.ndarray:
    """Per-frame torso centre ``[T, C]``: neck, else spine, else mid-shoulders (one choice per recording)."""
    j = CANONICAL.index
    cands = [c[:, j("neck")], c[:, j("spine")], 0.5 * (c[:, j("left_shoulder")] + c[:, j("right_shoulder")]),
             c[:, j("head")]]
    best = max(cands, key=lambda x: np.isfinite(x).all(-1).mean())
    return best


def presence_mask(seq: SkeletonSequence, *, min_conf: float = 0.3, min_core: float = 0.5,
                  scale_range: tuple[float, float] = (0.6, 1.6), max_shift: float = 3.0,
                  max_jump: float = 1.0, jump_ratio: float = 1.4, max_hole: int = 15,
                  min_run_s: float = 0.3, fill_frames: int = 2) -> np.ndarray:
    """Boolean ``[T]``: True where the main subject is in view (see the module docstring)."""
    n = len(seq)
    if n == 0:
        return np.zeros(0, bool)
    cs = seq.to_layout(CANONICAL)
    # depth-sensor sources (Kinect) in metres: a person walking towards the camera keeps their size;
    # image-based ones (MediaPipe, OpenPose) in the image plane, where a cut-away changes place and size
    native3d = cs.world is not None and (seq.layout.name in DEPTH_LAYOUTS or seq.image_size is None)
    c = np.asarray(cs.world if native3d else cs.xy, np.float32)  # no copy for float32 sources
    conf = cs.conf
    core = [CANONICAL.index(x) for x in CORE]
    supplied = [k for k in core if np.isfinite(c[:, k]).any(-1).any()]
    if not supplied:
        return np.zeros(n, bool)
    seen = (conf[:, supplied] >= min_conf) & np.isfinite(c[:, supplied]).all(-1)
    ok = seen.mean(1) >= min_core
    size, _ = body_scale(c)
    centre = torso_centre(c)
    ok &= np.isfinite(size) & np.isfinite(centre).all(-1) & (size > 0)
    # tracks: runs of seen frames without a jump in place or size (a cut, another person)
    idx = np.flatnonzero(ok)
    if len(idx) >= 3:
        step = np.linalg.norm(np.diff(centre[idx], axis=0), axis=-1) / size[idx[:-1]]
        ratio = size[idx[1:]] / size[idx[:-1]]
        cut = (step > max_jump) | (ratio > jump_ratio) | (ratio < 1.0 / jump_ratio) | (np.diff(idx) > max_hole + 1)
        track = np.concatenate([[0], np.cumsum(cut)])
        lengths = np.bincount(track)
        main_t = int(np.argmax(lengths))
        main = track == main_t
        med_size = float(np.median(size[idx[main]]))
        med_pos = np.median(centre[idx[main]], axis=0)
        spans = [idx[track == t] for t in range(len(lengths))]

        def same_size(sel: np.ndarray) -> bool:
            return scale_range[0] <= float(np.median(size[sel])) / med_size <= scale_range[1]

        def near(a: int, b: int) -> bool:  # frame a of one track, frame b of the next: a continuous move
            return (abs(b - a) <= max_hole + 1
                    and float(np.linalg.norm(centre[b] - centre[a])) / med_size <= 2.0 * max(max_jump, 1.0))

        keep = {main_t}
        # outwards from the main track: a track of the subject's size counts as the subject where it
        # lies near the subject's usual place or continues where the subject's last track left off (a
        # person walking about, bending down for a moment); others are cut-aways and phantoms
        for order, edge in ((range(main_t + 1, len(lengths)), -1), (range(main_t - 1, -1, -1), 0)):
            last = main_t
            for t in order:
                sel = spans[t]
                shift = float(np.linalg.norm(np.median(centre[sel], axis=0) - med_pos)) / med_size
                joined = near(int(spans[last][-1]), int(sel[0])) if edge == -1 else near(int(sel[-1]),
                                                                                          int(spans[last][0]))
                if same_size(sel) and (shift <= max_shift or joined):
                    keep.add(t)
                    last = t
        for t, sel in enumerate(spans):
            if t not in keep:
                ok[sel] = False
    for a, b in _runs(~ok):  # one-frame tracking gaps are not absences
        if b - a <= fill_frames and a > 0 and b < n:
            ok[a:b] = True
    min_run = max(1, int(round(min_run_s * seq.fps)))
    for a, b in _runs(ok):
        if b - a < min_run:
            ok[a:b] = False
    return ok


def absent_spans(seq: SkeletonSequence, **kw) -> list[tuple[int, int]]:
    """Half-open media-frame spans ``[start, end)`` where the main subject is not in view."""
    off = int(seq.start_frame)
    return [(a + off, b + off) for a, b in _runs(~presence_mask(seq, **kw))]


def present_spans(seq: SkeletonSequence, **kw) -> list[tuple[int, int]]:
    """Half-open media-frame spans where the main subject is in view."""
    off = int(seq.start_frame)
    return [(a + off, b + off) for a, b in _runs(presence_mask(seq, **kw))]
