"""MG-aware proposals before any label: interpretable cues on the canonical layout.

Most micro-gesture classes are self-contact (a hand meets the face, head, neck, chest, the other
arm or the other hand) or a shift of the head, shoulders or torso. :func:`cue_events` finds them
without labels and says why, e.g. ``"right hand near mouth/chin, 1.8 s"``, with the class the cue
suggests (hand at the head -> ``touching or scratching head``).

Per recording (all thresholds are relative to the recording itself, so the proposal rate follows
the person: MG rates differ ~4x between people):

1. skeletons go to the canonical layout; 3D world coordinates are used when present, else 2D;
   joints with confidence < 0.3 or outside the picture count as unseen;
   everything is divided by the recording's median body size (shoulder width, else head-spine)
   and hands, head and shoulders are taken relative to the torso centre (leaning is its own cue);
   frames where the main subject is not in view (:mod:`.presence`) are dropped;
2. each *channel* (left hand, right hand, head, head turn, shoulders, torso) gets its position ``p(t)``
   (for *head turn*: the head's roll and yaw in radians from the eyes and nose, where the face is
   tracked: tilts and turns barely move the head's centre)
   (short tracking gaps <= 0.2 s interpolated, 0.1 s smoothing), speed ``v(t)`` and displacement
   ``D(t) = |p(t) - rest|`` from its rest position (median position over its slowest 30 % of
   frames);
3. a channel is *active* where ``D`` exceeds ``q10 + max(floor, frac * (q90 - q10))`` of its
   own distribution (``floor`` keeps tracker jitter out when a person barely moves) or its speed
   is far above its median (robust z over median/MAD > ``speed_z``);
4. onsets and offsets are moved outwards to where the movement starts and ends: through frames
   where the part is faster than its median speed and a quarter of the way to the activity
   threshold, then down to the velocity minimum (at most
   ``edge_s``; only the minimum with ``split_holds``), never across absent frames or another event
   of the channel: two contacts with a rest between stay two events; events shorter than ``min_s`` (0.68 s, the 5th
   percentile of iMiGUE's MG lengths, ``PAPER.md``) are dropped, unless they last ``short_s`` (0.4 s)
   and score as high as the strongest tenth of the longer events; with ``split_holds`` a hand
   event is also cut where the hand holds still (slower than its resting speed for ``hold_s``),
   for a study that codes gesture phases (strokes) rather than whole movements; at most
   ``max_per_min`` events per minute in view are kept, the strongest (11.9, iMiGUE's 90th
   percentile MG rate: a list a coder can finish, not every twitch), counted over at least
   ``cap_min_s`` (60 s) in view, so a clip of a few seconds keeps up to a minute's worth;
5. a hand event gets the nearest body target during it (face parts, head, neck, chest, the other
   arm, the other hand): within ``contact`` body sizes it is a contact ("near"), which names the
   likely class, and the target named is where the hand goes (its frames furthest from rest), not
   what it passes; a target the hand already touches in its resting posture (a microphone or phone
   held at the face, hands folded), or was already at for ``held_s`` before the event, is the
   person's baseline and never claimed; events overlapping
   another (any channel) by IoU > 0.1 yield to the strongest.

The score of an event (its rank) is the peak of ``(D - threshold) / spread`` (+1 for a contact);
it is **not a probability**: there are no labels to calibrate on yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from mgstudio.core.layouts import CANONICAL
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.recognition.presence import body_scale, presence_mask, torso_centre

# target name -> (canonical joints averaged, suggested iMiGUE-style class)
FACE_TARGETS: dict[str, tuple[tuple[str, ...], str]] = {
    "mouth/chin": (("mouth_left", "mouth_right"), "touching jaw"),
    "nose": (("nose",), "touching or scratching facial parts"),
    "eyes": (("left_eye", "right_eye"), "rubbing eyes"),
    "ear": (("left_ear", "right_ear"), "touching ears"),
    "head": (("head",), "touching or scratching head"),
    "neck": (("neck",), "touching or scratching neck"),
}
CLASS_CHEST = "touching or covering suprasternal notch"
CLASS_ARM = "scratching or touching arms"
CLASS_HANDS = "rubbing or holding hands"
CLASS_FOLD = "folding arms"
CLASS_TORSO = "moving torso"
CLASS_SHOULDERS = "shaking shoulders"
CLASS_HEAD = "head up"
CLASS_ILLUSTRATIVE = "illustrative hand gestures"

CHANNELS = ("left hand", "right hand", "head", "head turn", "shoulders", "torso")
MIN_CONF = 0.3  # joints tracked with less confidence are treated as unseen (as in :mod:`.presence`)


@dataclass
class CueEvent:
    """One proposed event, in sequence frame indices [start, end)."""

    start: int
    end: int
    channel: str
    score: float
    reason: str
    likely: str | None


@dataclass
class CueParams:
    """The cold start's parameters (chosen on the UCI gesture-phase data; see docs/recognizer.md)."""

    frac: float = 0.3
    floor: float = 0.12
    speed_z: float = 4.0
    edge_s: float = 0.5
    min_s: float = 0.68  # iMiGUE's 5th percentile MG length (PAPER.md); 0.3 before: fragments, rarely right
    # events of short_s..min_s are kept only when their score reaches this quantile of the longer events'
    short_s: float = 0.4
    short_q: float = 0.9
    split_holds: bool = False
    hold_s: float = 0.3
    # at most this many proposals per minute of the subject in view, strongest first: iMiGUE's
    # 90th-percentile MG rate (PAPER.md); None = no cap (never capped with split_holds: phases are denser)
    max_per_min: float | None = 11.9
    # the cap counts at least this much time in view: a rate is a per-minute figure, and the MGs of a
    # clip of a few seconds are not 11.9 x its minutes (that kept 1 proposal on a 4-s clip)
    cap_min_s: float = 60.0
    max_s: float = 10.0
    contact: float = 0.6
    gap_fill_s: float = 0.2
    merge_iou: float = 0.1
    # onsets/offsets grow through frames faster than this quantile of the channel's speed, to where the
    # movement starts and ends (None, and always with split_holds: only down to the nearest velocity
    # minimum, which tracker jitter puts a frame or two from the above-threshold core)
    edge_rest_q: float | None = 0.5
    edge_low: float = 0.25  # ... and displaced from rest by more than q10 + this fraction of the spread
    # two events of one channel whose grown edges meet (the part did not come to rest between them)
    # are one movement (off: it merges strokes into gesture units, UCI strokes F1 0.38 -> 0.34)
    join_unrested: bool = False
    # a hand's contact with a target it already touches in its resting posture (a microphone or a
    # phone held at the face, hands folded) is the person's baseline, not an MG: never claimed
    rest_baseline: bool = True
    held_s: float = 0.5  # ... nor one it was already at for this long before the event began


def _interp_short(x: np.ndarray, max_gap: int) -> np.ndarray:
    """Linear interpolation over NaN runs of at most ``max_gap`` frames (per column)."""
    x = x.copy()
    t = np.arange(len(x))
    for k in range(x.shape[1]):
        col = x[:, k]
        bad = ~np.isfinite(col)
        if not bad.any() or bad.all():
            continue
        filled = np.interp(t, t[~bad], col[~bad])
        m = np.concatenate([[False], bad, [False]])
        d = np.flatnonzero(np.diff(m.astype(np.int8)))
        for a, b in zip(d[::2], d[1::2]):
            if b - a <= max_gap and a > 0 and b < len(col):
                col[a:b] = filled[a:b]
    return x


def _smooth(x: np.ndarray, w: int) -> np.ndarray:
    if w <= 1:
        return x
    k = np.ones(w) / w
    out = np.full_like(x, np.nan)
    for c in range(x.shape[1]):
        col = x[:, c]
        ok = np.isfinite(col)
        num = np.convolve(np.where(ok, col, 0.0), k, mode="same")
        den = np.convolve(ok.astype(float), k, mode="same")
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, c] = np.where(ok & (den > 0.5), num / den, np.nan)
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.flatnonzero(np.diff(m.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(d[::2], d[1::2])]


def _mean_joints(c: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    idx = [CANONICAL.index(n) for n in names]
    with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        return np.nanmean(c[:, idx], axis=1)


def _hand_point(c: np.ndarray, side: str) -> np.ndarray:
    """Mean of the tracked hand joints, else the wrist."""
    hand = [i for i in CANONICAL.parts[f"{side}_hand"]]
    with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        h = np.nanmean(c[:, hand], axis=1)
    w = c[:, CANONICAL.index(f"{side}_wrist")]
    return np.where(np.isfinite(h).all(-1, keepdims=True), h, w)


def _head_angles(rel: np.ndarray) -> np.ndarray:
    """Per-frame head orientation ``[T, 3]`` in radians from the face landmarks: roll (the eye line's
    angle, relative to its median direction) and yaw (the nose's offset along the eye line, taken as
    half an eye distance deep), then 0; NaN without both eyes and the nose. Radians on the scale of
    the other channels' body sizes, so the same activity rule applies (its 0.12 floor is about 7°)."""
    j = CANONICAL.index
    le, re, nose = rel[:, j("left_eye"), :2], rel[:, j("right_eye"), :2], rel[:, j("nose"), :2]
    e = le - re
    z = e[:, 0] + 1j * e[:, 1]
    out = np.full((len(rel), 3), np.nan, np.float32)
    ok = np.isfinite(z) & np.isfinite(nose).all(-1) & (np.abs(z) > 0)
    if ok.sum() < 5:
        return out
    u = z[ok] / np.abs(z[ok])
    ref = np.median(u.real) + 1j * np.median(u.imag)
    ref = ref / abs(ref) if abs(ref) > 0 else 1.0
    roll = np.angle(u / ref)
    eye_len = np.abs(z[ok])
    off = ((nose[ok] - 0.5 * (le[ok] + re[ok])) * np.stack([u.real, u.imag], -1)).sum(-1) / eye_len
    yaw = np.arcsin(np.clip(off / 0.5, -1.0, 1.0))
    out[ok, 0], out[ok, 1], out[ok, 2] = roll, yaw, 0.0
    return out


def _seg_dist(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-frame distance of points ``p`` to segments ``a-b`` (NaN where any is missing)."""
    ab = b - a
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.sum((p - a) * ab, -1) / np.sum(ab * ab, -1), 0.0, 1.0)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=-1)


def _channel_signals(p: np.ndarray, fps: float, prm: CueParams) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Speed, displacement from rest, activity threshold and spread of a channel's positions."""
    p = _smooth(_interp_short(p, max(1, int(round(prm.gap_fill_s * fps)))), max(1, int(round(0.1 * fps))))
    v = np.full(len(p), np.nan)
    v[1:] = np.linalg.norm(np.diff(p, axis=0), axis=-1) * fps
    ok = np.isfinite(v) & np.isfinite(p).all(-1)
    if ok.sum() < 5:
        return v, np.full(len(p), np.nan), np.inf, 1.0
    slow = ok & (v <= np.quantile(v[ok], 0.3))
    rest = np.median(p[slow], axis=0)
    d = np.linalg.norm(p - rest, axis=-1)
    q10, q90 = np.quantile(d[ok], [0.1, 0.9])
    spread = max(prm.floor, prm.frac * (q90 - q10))
    thr = q10 + spread
    return v, d, float(thr), float(spread)


def _edges(a: int, b: int, v: np.ndarray, lo: int, hi: int, max_edge: int,
           rest_speed: float = np.inf, d: np.ndarray | None = None, low: float = np.inf) -> tuple[int, int]:
    """Move ``a`` back and ``b`` forward to where the movement starts and ends: through frames where
    the part is still moving (faster than ``rest_speed`` and displaced more than ``low`` from
    rest: tracker jitter at rest is neither), then down to the velocity minimum."""
    vv = np.nan_to_num(v, nan=0.0)
    moving = (vv > rest_speed) & (np.nan_to_num(d, nan=0.0) > low) if d is not None else np.zeros(len(vv), bool)
    s = a
    while s - 1 >= max(lo, a - max_edge) and (vv[s - 1] <= vv[s] or moving[s - 1]):
        s -= 1
    e = b
    while e < min(hi, b + max_edge) and (vv[e] <= vv[e - 1] or moving[e]):
        e += 1
    return s, e


def _split_long(a: int, b: int, d: np.ndarray, max_len: int, min_len: int) -> list[tuple[int, int]]:
    if b - a <= max_len or b - a < 2 * min_len + 1:
        return [(a, b)]
    inner = np.nan_to_num(d[a + min_len:b - min_len], nan=np.inf)
    cut = a + min_len + int(np.argmin(inner))
    return _split_long(a, cut, d, max_len, min_len) + _split_long(cut, b, d, max_len, min_len)


def _split_holds(spans: list[tuple[int, int]], v: np.ndarray, rest_speed: float, hold: int) -> list[tuple[int, int]]:
    """Cut each span where the speed stays at or below ``rest_speed`` for ``hold`` frames or more
    (the hand holds still between two strokes); the still frames belong to neither piece."""
    out = []
    for a, b in spans:
        moving = np.nan_to_num(v[a:b], nan=0.0) > rest_speed
        for h0, h1 in _runs(~moving):
            if h1 - h0 < hold:
                moving[h0:h1] = True
        out += [(a + x, a + y) for x, y in _runs(moving)]
    return out


def _iou(a: CueEvent, b: CueEvent) -> float:
    inter = max(0, min(a.end, b.end) - max(a.start, b.start))
    union = (a.end - a.start) + (b.end - b.start) - inter
    return inter / union if union > 0 else 0.0


def _channel_points(seq: SkeletonSequence, present: np.ndarray | None = None
                    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray] | None:
    """Per-channel positions (body sizes, relative to the torso), the presence mask and the relative
    canonical coordinates of ``seq``; None when no body size can be measured."""
    cs = seq.to_layout(CANONICAL)
    # float32 and one array reused for the torso-relative coordinates: the pass holds about one copy
    # of the recording's joints beside the sequence itself (benchmarks/bench_proposals.py: peak memory)
    c = np.array(cs.coords(True), np.float32)
    c[cs.conf < MIN_CONF] = np.nan  # guessed joints: MediaPipe places an unseen wrist below the frame
    if cs.image_size is not None:  # a joint outside the picture was not seen either
        w, h = cs.image_size
        with np.errstate(invalid="ignore"):
            out = (cs.xy[..., 0] < 0) | (cs.xy[..., 0] > w) | (cs.xy[..., 1] < 0) | (cs.xy[..., 1] > h)
        c[out] = np.nan
        del out
    mask = presence_mask(seq) if present is None else np.asarray(present, bool)
    c[~mask] = np.nan
    size, _ = body_scale(c)
    if not np.isfinite(size).any():
        return None
    c /= np.float32(np.nanmedian(size))
    centre = np.array(torso_centre(c))  # a copy: c becomes relative to it below
    torso = centre - np.nanmedian(centre, axis=0) + np.nan_to_num(
        _mean_joints(c, ("neck",)) - _mean_joints(c, ("spine", "pelvis")), nan=0.0) * 0.5
    c -= centre[:, None, :]
    rel = c
    head = _mean_joints(rel, ("nose", "left_eye", "right_eye", "head"))
    points = {
        "left hand": _hand_point(rel, "left"),
        "right hand": _hand_point(rel, "right"),
        "head": head,
        "head turn": _head_angles(rel),
        "shoulders": _mean_joints(rel, ("left_shoulder", "right_shoulder")) - head,
        "torso": torso,
    }
    return points, mask, rel


def cue_events(seq: SkeletonSequence, params: CueParams | None = None,
               present: np.ndarray | None = None) -> list[CueEvent]:
    """Cold-start events of ``seq`` (sequence frame indices), best first is not implied: sorted by start."""
    prm = params or CueParams()
    n = len(seq)
    fps = float(seq.fps) or 30.0
    if n < 3:
        return []
    got = _channel_points(seq, present)
    if got is None:
        return []
    points, mask, rel = got
    min_len, max_len = max(2, int(round(prm.min_s * fps))), max(4, int(round(prm.max_s * fps)))
    max_edge = max(1, int(round(prm.edge_s * fps)))
    held = int(round(prm.held_s * fps)) if prm.rest_baseline else 0
    short_len = max(2, int(round(min(prm.short_s, prm.min_s) * fps)))
    events: list[CueEvent] = []
    for ch, p in points.items():
        if not np.isfinite(p).all(-1).any():
            continue
        v, d, thr, spread = _channel_signals(p, fps, prm)
        if not np.isfinite(thr):
            continue
        ok = np.isfinite(v)
        vmed = float(np.median(v[ok])) if ok.any() else 0.0
        vmad = float(np.median(np.abs(v[ok] - vmed))) * 1.4826 if ok.any() else 0.0
        with np.errstate(invalid="ignore"):
            fast = (v - vmed) / max(vmad, 1e-6) > prm.speed_z
            active = ((d > thr) | fast) & mask
        if ch in ("head", "head turn", "shoulders", "torso"):
            with np.errstate(invalid="ignore"):
                active = (d > thr) & mask  # slow shifts count only when they move far
        # with split_holds a stroke ends where the hold starts: edges stop at the nearest velocity minimum
        grow = prm.edge_rest_q is not None and ok.any() and not prm.split_holds
        rest_v = float(np.quantile(v[ok], prm.edge_rest_q)) if grow else np.inf
        runs = [r for r in _runs(active)]
        grown: list[tuple[int, int]] = []
        for k, (a, b) in enumerate(runs):
            lo = grown[-1][1] if grown else 0
            hi = runs[k + 1][0] if k + 1 < len(runs) else n
            a2, b2 = _edges(a, b, v, lo, hi, max_edge, rest_v, d, thr - (1.0 - prm.edge_low) * spread)
            while a2 < b2 and not mask[a2]:
                a2 += 1
            while b2 > a2 and not mask[b2 - 1]:
                b2 -= 1
            if grow and prm.join_unrested and grown and a2 <= grown[-1][1] and b2 > a2:
                grown[-1] = (grown[-1][0], b2)  # the part never came to rest in between: one movement
            else:
                grown.append((a2, b2))
        dists, resting = None, frozenset()
        if ch.endswith("hand"):
            dists = _target_distances(rel, ch.split()[0])
            if prm.rest_baseline:
                with np.errstate(invalid="ignore"):
                    resting = _resting_near(dists, mask & (d <= thr), prm.contact)
        if prm.split_holds and ch.endswith("hand"):
            grown = _split_holds(grown, v, float(np.quantile(v[ok], 0.3)), max(2, int(round(prm.hold_s * fps))))
        for a, b in grown:
            for a2, b2 in _split_long(a, b, -np.nan_to_num(v, nan=0.0), max_len, min_len):
                if b2 - a2 < short_len:
                    continue
                peak = float(np.nanmax(d[a2:b2])) if np.isfinite(d[a2:b2]).any() else thr
                score = max(0.0, (peak - thr) / spread)
                reason, likely, contact = _explain(ch, a2, b2, prm, dists, resting, d, held)
                secs = (b2 - a2) / fps
                events.append(CueEvent(a2, b2, ch, score + (1.0 if contact else 0.0), f"{reason}, {secs:.1f} s",
                                       likely))
    # a movement shorter than min_s stays only when it stands out: as strong as the strongest tenth of
    # the recording's longer events (a fast speaker's beats), never a mere fragment
    long_scores = [e.score for e in events if e.end - e.start >= min_len]
    bar = float(np.quantile(long_scores, prm.short_q)) if long_scores else np.inf
    events = [e for e in events if e.end - e.start >= min_len or e.score >= bar]
    kept: list[CueEvent] = []
    for e in sorted(events, key=lambda e: -e.score):
        if all(_iou(e, k) <= prm.merge_iou for k in kept):
            kept.append(e)
    if prm.max_per_min and not prm.split_holds:
        cap = max(1, int(np.ceil(prm.max_per_min * max(mask.sum() / fps, prm.cap_min_s) / 60.0)))
        kept = kept[:cap]  # the strongest first
    return sorted(kept, key=lambda e: e.start)


def _target_distances(rel: np.ndarray, side: str) -> dict[str, tuple[np.ndarray, str]]:
    """Per-frame distance (body sizes) of the ``side`` hand to each body target, and the class a
    contact with it suggests: face parts, head, neck, chest, the other arm, the other hand."""
    other = "left" if side == "right" else "right"
    hand = _hand_point(rel, side)
    out: dict[str, tuple[np.ndarray, str]] = {}
    with np.errstate(invalid="ignore"):
        for name, (joints, cls) in FACE_TARGETS.items():
            out[name] = (np.linalg.norm(hand - _mean_joints(rel, joints), axis=-1), cls)
        out["chest"] = (np.linalg.norm(hand - _mean_joints(rel, ("neck", "spine")), axis=-1), CLASS_CHEST)
        j = CANONICAL.index
        arm = np.fmin(_seg_dist(hand, rel[:, j(f"{other}_shoulder")], rel[:, j(f"{other}_elbow")]),
                      _seg_dist(hand, rel[:, j(f"{other}_elbow")], rel[:, j(f"{other}_wrist")]))
        out[f"{other} arm"] = (arm, CLASS_ARM)
        out[f"{other} hand"] = (np.linalg.norm(hand - _hand_point(rel, other), axis=-1), CLASS_HANDS)
    return {k: v for k, v in out.items() if np.isfinite(v[0]).any()}


def _resting_near(dists: dict[str, tuple[np.ndarray, str]], at_rest: np.ndarray, contact: float) -> set[str]:
    """Targets the hand already touches in its resting posture (median distance over the frames
    where it rests within ``contact``): holding a microphone or a phone at the face, a chin on a
    hand, hands folded. Being near them is the person's baseline, not a new contact."""
    out = set()
    for name, (d, _) in dists.items():
        ok = at_rest & np.isfinite(d)
        if ok.sum() >= 5 and float(np.median(d[ok])) <= contact:
            out.add(name)
    return out


def _explain(ch: str, a: int, b: int, prm: CueParams, dists: dict[str, tuple[np.ndarray, str]] | None = None,
             resting: set[str] | frozenset[str] = frozenset(), disp: np.ndarray | None = None,
             held: int = 0) -> tuple[str, str | None, bool]:
    """Why an event of channel ``ch`` on [a, b) was proposed, the class it suggests, and whether it
    is a contact. ``dists`` are the hand's per-frame target distances (:func:`_target_distances`);
    targets in ``resting`` (where the hand rests anyway) are never claimed as a contact; the target
    is judged over the frames where the hand is furthest from rest (``disp``, its displacement), and
    nothing is claimed for a hand seen in under half of the event's frames, nor for a target the
    hand was already at over the ``held`` frames before the event (a posture held for a while)."""
    if ch == "head":
        return "head moves", None, False
    if ch == "head turn":
        return "head tilts or turns", None, False
    if ch == "shoulders":
        return "shoulders move", CLASS_SHOULDERS, False
    if ch == "torso":
        return "torso sways or leans", CLASS_TORSO, False
    side = ch.split()[0]
    near = {name: (float(np.nanmin(d[a:b])), cls) for name, (d, cls) in (dists or {}).items()
            if np.isfinite(d[a:b]).any()}
    seen = max((float(np.isfinite(d[a:b]).mean()) for d, _ in (dists or {}).values()), default=0.0)
    if near and seen < 0.5:  # a hand seen in under half of its event (at the picture's edge): no claim
        return f"{side} hand moves", None, False
    touched = {k: v for k, v in near.items() if v[0] <= prm.contact}
    new = {k: v for k, v in touched.items() if k not in resting}
    if new and min(touched, key=lambda k: touched[k][0]) in new:  # the closest approach is not to a resting place
        # name where the hand goes, not what it passes on the way: among the targets it came within
        # reach of, the nearest over the frames where it is furthest from rest
        sel = np.arange(a, b)
        if disp is not None and np.isfinite(disp[a:b]).any():
            sel = a + np.flatnonzero(np.nan_to_num(disp[a:b], nan=-np.inf) >= 0.8 * np.nanmax(disp[a:b]))

        def at_goal(name: str) -> float:
            d = dists[name][0][sel]
            return float(np.nanmedian(d)) if np.isfinite(d).any() else new[name][0]

        name = min(new, key=at_goal)
        before = dists[name][0][max(0, a - held):a]
        if held and np.isfinite(before).sum() >= max(1, held // 2) and float(np.nanmedian(before)) <= prm.contact:
            return f"{side} hand moves", None, False  # it was already there before: a held posture
        return f"{side} hand near {name}", new[name][1], True
    if touched:  # moving while at its resting place (a microphone held at the mouth)
        return f"{side} hand moves", None, False
    return f"{side} hand moves", CLASS_ILLUSTRATIVE, False


# ---------------------------------------------------------------------- segments for the store
REASON_PREFIX = "Why proposed: "


def reason_note(event: CueEvent, rank: int, total: int) -> str:
    """The note a cold-start proposal carries (the inspector shows it): why, the likely class, its rank."""
    likely = f" Likely: {event.likely}." if event.likely else ""
    return f"{REASON_PREFIX}{event.reason}.{likely} Rank {rank} of {total} (a rank, not a probability)."


def proposal_reason(note: str) -> str | None:
    """The "why" of a proposal's note (``"right hand near mouth/chin, 1.8 s"``), or None."""
    for line in (note or "").splitlines():
        if line.startswith(REASON_PREFIX):
            m = re.match(r"(.*?)\.(?:\s|$)", line[len(REASON_PREFIX):])  # "1.8 s" keeps its decimal point
            return (m[1] if m else line[len(REASON_PREFIX):]).strip() or None
    return None


_VERBS = (("hand near ", "hand came near the "), ("hand moves", "hand moved"), ("head moves", "head moved"),
          ("shoulders move", "shoulders moved"), ("torso sways or leans", "torso swayed or leaned"))


_RANK = re.compile(r"Rank (\d+) of (\d+)")  # what a proposal's note says about its score
_CALIBRATED = re.compile(r"Calibrated on (\d+) reviewed proposals")


def confidence_short(confidence: float | None, note: str | None) -> str:
    """A confidence for a table cell: ``"87%"`` when it is a probability (calibrated, or a label
    model's), ``"rank 3 of 30"`` for an uncalibrated cold-start score, ``""`` when there is none."""
    if confidence is None:
        return ""
    text = note or ""
    rank = _RANK.search(text)
    if rank and not _CALIBRATED.search(text):
        return f"rank {rank[1]} of {rank[2]}"
    return f"{round(100 * confidence)}%"


def confidence_in_words(confidence: float | None, note: str | None) -> str:
    """The inspector's confidence: a percentage only when it is one (calibrated, or a label model's
    probability); an uncalibrated cold-start score is shown as the rank it really is."""
    if confidence is None:
        return "—"
    short = confidence_short(confidence, note)
    return f"{short} (not yet a probability)" if short.startswith("rank") else short


def why_in_words(note: str | None) -> str | None:
    """A proposal's note in plain words for the inspector, e.g. "The right hand came near the
    mouth/chin for 1.8 s; perhaps touching jaw. Rank 3 of 30 here (not a probability until 20
    proposals are reviewed)." None when the note says nothing about why (a person's segment, a plain note)."""
    text = note or ""
    parts: list[str] = []
    reason = proposal_reason(text)
    if reason:
        what, _, secs = reason.rpartition(", ")
        if not what or not secs.endswith(" s"):
            what, secs = reason, ""
        for old, new in _VERBS:
            what = what.replace(old, new)
        sentence = f"The {what}" + (f" for {secs}" if secs else "")
        likely = re.search(r"Likely: ([^.]+)\.", text)
        parts.append(sentence + (f"; perhaps {likely[1]}." if likely else "."))
    rank = _RANK.search(text)
    cal = _CALIBRATED.search(text)
    if cal:
        parts.append(f"Confidence learnt from {cal[1]} reviewed proposals.")
    elif rank:
        from mgstudio.recognition.calibration import MIN_REVIEWED

        parts.append(f"Rank {rank[1]} of {rank[2]} here (not a probability until {MIN_REVIEWED} proposals are "
                     f"reviewed).")
    if not parts:
        return None
    if not reason:
        parts.insert(0, "Found by the label model learnt from this project's labels.")
    return " ".join(parts)


def cold_start_segments(seq: SkeletonSequence, labels: list[str] | tuple[str, ...] | None = None,
                        params: CueParams | None = None, *, default_label: str = "movement event"):
    """Cold-start proposals as :class:`~mgstudio.core.segments.Segment` (media frames, ids 0).

    A proposal's label is the class its cue suggests when that class is in ``labels`` (the
    project's taxonomy), else ``default_label``; its note says why and gives its rank; its
    confidence is ``(score + 1) / (score + 3)``, a ranking score only."""
    from mgstudio.core.errors import MGStudioError
    from mgstudio.core.segments import Segment, Source, Status

    fps = float(seq.fps) or 30.0
    prm = params or CueParams()
    need = max(8, int(round(2 * prm.min_s * fps)))  # two of the shortest events
    if len(seq) < need:
        raise MGStudioError(f"This skeleton is only {len(seq)} frame{'' if len(seq) == 1 else 's'} long; proposals "
                            f"need at least {need} frames ({need / fps:.1f} s).")
    if not np.isfinite(seq.coords(False)).any():
        raise MGStudioError("No joint is visible anywhere in this skeleton, so there is nothing to propose "
                            "(was the person out of view or the extraction empty?).")
    events = cue_events(seq, prm)
    wanted = set(labels or ())
    order = {id(e): k + 1 for k, e in enumerate(sorted(events, key=lambda e: -e.score))}
    off = int(seq.start_frame)
    out = []
    for e in events:
        label = e.likely if e.likely in wanted else default_label
        out.append(Segment(0, 0, e.start + off, e.end + off, label, source=Source.MODEL, status=Status.PROPOSED,
                           confidence=round(float((e.score + 1.0) / (e.score + 3.0)), 4),
                           note=reason_note(e, order[id(e)], len(events))))
    return out


def no_proposals_note(seq: SkeletonSequence, params: CueParams | None = None) -> str:
    """One sentence saying why the cold start proposes nothing on ``seq`` (shown where a recording
    gets no proposals): nothing visible, the subject never in view, or nobody moving enough."""
    prm = params or CueParams()
    if len(seq) == 0 or not np.isfinite(seq.coords(False)).any():
        return "No joint is visible anywhere in this skeleton, so there is nothing to propose."
    got = _channel_points(seq)
    if got is None or not got[1].any():
        return ("The main person is not in view long enough anywhere in this recording (cut-aways or no "
                "upper body found), so nothing was proposed there.")
    points, mask, _ = got
    fps = float(seq.fps) or 30.0
    reach = 0.0
    for p in points.values():
        if np.isfinite(p).all(-1).sum() >= 5:
            _, d, _, _ = _channel_signals(p, fps, prm)
            if np.isfinite(d).any():
                reach = max(reach, float(np.nanquantile(d, 0.99)))
    seen = mask.mean()
    return (f"Nothing moved enough to propose: the hands, head and torso stay within {reach:.2f} body sizes "
            f"of where they rest (person in view {seen:.0%} of the time).")
