"""Segment proposals over untrimmed skeleton sequences.

``propose(seq, model, head)`` slides windows over the sequence **in batches** (never a
whole-video tensor: memory is one batch of windows plus a few per-frame score arrays), embeds
them with the frozen encoder, scores each window with a few-shot :class:`~.fewshot.Head`
(class probabilities + an MG-vs-background score ``1 - p(background)``, calibrated by the
head's temperature) and turns the per-frame scores into segments:

1. each window's probabilities are spread over its frames (mean of the windows covering a frame);
2. temporal smoothing: centred moving average over ``smooth`` frames (default: the stride);
3. candidates: runs of frames whose MG score >= ``threshold``, split where the best class
   changes, plus per-class runs where that class's probability >= ``threshold``;
4. same-label candidates closer than ``merge_gap`` frames are merged, shorter than ``min_len``
   dropped;
5. non-maximum suppression (temporal IoU > ``nms_iou``, any label) keeps the most confident.

A segment's confidence is the mean calibrated probability of its label over its frames.

**Before any label exists** (no head), :func:`propose` gives the MG-aware cold start of
:mod:`.coldstart`: self-contact, head, shoulder and torso cues with their reasons, thresholds
relative to the recording. :func:`movement_events` (motion energy + embedding novelty) is the
earlier cold start, kept for comparison (``benchmarks/bench_spotting.py``). Frames where the main
subject is not in view (:mod:`.presence`) are never proposed. See ``docs/recognizer.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from mgstudio.core import jobs as _jobs
from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.recognition.encoder import cancelled, encoder_hash, resolve_encoder  # noqa: F401 - re-exported

MOVEMENT_LABEL = "movement event"  # the label of the built-in ``movement`` taxonomy
DEFAULT_BATCH = 64

Progress = _jobs.Progress | None  # the job protocol of mgstudio.core.jobs (old names kept)
Cancel = _jobs.Cancel
_cancelled = _jobs.is_cancelled


THREADS_ENV = "MGSTUDIO_PROPOSAL_THREADS"


def proposal_threads() -> int:
    """Torch threads for a proposal pass: 1 (``MGSTUDIO_PROPOSAL_THREADS`` overrides; 0 = leave as is).
    The windows are small: on 2 cores one thread was faster than two (``benchmarks/bench_proposals.py``)."""
    try:
        return max(0, int(os.environ.get(THREADS_ENV, "1")))
    except ValueError:
        return 1


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads and restore the previous number after
    (``n`` <= 0: unchanged). torch is imported only when it is already loaded or needed."""
    if n <= 0:
        yield
        return
    import torch

    before = torch.get_num_threads()
    if before != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def sequence_coords(seq: SkeletonSequence, enc) -> np.ndarray:
    """``[T, J, C]`` coordinates of ``seq`` in the encoder's layout (NaN = missing)."""
    if not isinstance(seq, SkeletonSequence):
        raise MGStudioError("Proposals need a skeleton sequence.", type(seq).__name__)
    if seq.layout.name != enc.layout.name:
        try:
            seq = seq.to_layout(enc.layout)
        except Exception as exc:  # noqa: BLE001 - any mapping failure is a layout mismatch for the user
            raise MGStudioError(f"Skeletons in layout '{seq.layout.name}' do not match the recognizer's "
                                f"layout '{enc.layout.name}'.", str(exc)) from exc
    prefer_world = bool(enc.checkpoint.get("config", {}).get("data", {}).get("prefer_world", True))
    coords = np.asarray(seq.coords(prefer_world), np.float32)
    conf = getattr(seq, "conf", None)
    if conf is not None and conf.shape == coords.shape[:2]:
        coords = np.where((conf > 0)[..., None], coords, np.nan).astype(np.float32)
    return coords


def window_starts(n_frames: int, window: int, stride: int) -> np.ndarray:
    """First frames of the sliding windows (the last window ends at the last frame)."""
    if n_frames < window:
        return np.zeros(0, np.int64)
    starts = np.arange(0, n_frames - window + 1, max(1, stride), dtype=np.int64)
    if starts[-1] != n_frames - window:
        starts = np.append(starts, n_frames - window)
    return starts


def iter_window_batches(coords: np.ndarray, window: int, stride: int,
                        batch: int = DEFAULT_BATCH) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(starts, windows[B, window, J, C])`` batches; only one batch exists at a time."""
    starts = window_starts(len(coords), window, stride)
    for i in range(0, len(starts), batch):
        s = starts[i:i + batch]
        yield s, np.stack([coords[a:a + window] for a in s])


def check_sequence(seq: SkeletonSequence, window: int) -> None:
    """Clear errors for sequences the proposal engine cannot read."""
    n = len(seq)
    if n < window:
        secs = window / seq.fps if seq.fps else float(window)
        raise MGStudioError(f"This skeleton is only {n} frames long; proposals need at least {window} frames "
                            f"(about {secs:.1f} s).")
    c = seq.coords(False)
    if not np.isfinite(c).any():
        raise MGStudioError("No joint is visible anywhere in this skeleton, so there is nothing to propose "
                            "(was the person out of view or the extraction empty?).")


@dataclass
class WindowScores:
    """Per-window outputs of a proposal pass."""

    starts: np.ndarray  # [N] first frame (sequence index)
    window: int
    proba: np.ndarray | None  # [N, K] calibrated probabilities (head classes), or None
    classes: list[str]
    visible: np.ndarray  # [N] bool: some joint seen in the window
    emb: np.ndarray | None = None  # [N, D] when kept


def score_windows(seq: SkeletonSequence, enc, head=None, *, stride: int | None = None, batch: int = DEFAULT_BATCH,
                  keep_embeddings: bool = False, progress: Progress = None, cancel: Cancel = None) -> WindowScores:
    """Embed the sliding windows of ``seq`` batch by batch and score them with ``head``."""
    w = enc.window
    stride = int(stride or max(1, w // 2))
    check_sequence(seq, w)
    coords = sequence_coords(seq, enc)
    starts = window_starts(len(coords), w, stride)
    n = len(starts)
    use_enc_head = head is None and enc.has_head
    classes = list(head.classes) if head is not None else (list(enc.classes) if use_enc_head else [])
    proba = np.zeros((n, len(classes)), np.float32) if classes else None
    embs = np.zeros((n, enc.dim), np.float32) if keep_embeddings else None
    visible = np.zeros(n, bool)
    done = 0
    for s, wins in iter_window_batches(coords, w, stride, batch):
        if cancelled(cancel):
            raise CancelledError()
        sl = slice(done, done + len(s))
        visible[sl] = np.isfinite(wins).any(axis=(1, 2, 3))
        e = enc.embed(wins)
        if embs is not None:
            embs[sl] = e
        if head is not None:
            proba[sl] = head.proba(e)
        elif use_enc_head:
            import torch

            with torch.no_grad():
                lg = enc.head(torch.from_numpy(e).to(enc.device)).float().cpu().numpy()
            from mgstudio.recognition.fewshot import softmax

            proba[sl] = softmax(lg)
        done += len(s)
        if progress is not None:
            progress(done, n)
    return WindowScores(starts, w, proba, classes, visible, embs)


# ---------------------------------------------------------------------- post-processing
def spread(starts: np.ndarray, window: int, values: np.ndarray, n_frames: int) -> np.ndarray:
    """Per-frame mean of window ``values`` ``[N, K]`` over the windows covering each frame."""
    k = values.shape[1]
    diff = np.zeros((n_frames + 1, k), np.float64)
    cnt = np.zeros(n_frames + 1, np.float64)
    np.add.at(diff, starts, values)
    np.add.at(diff, np.minimum(starts + window, n_frames), -values)
    np.add.at(cnt, starts, 1.0)
    np.add.at(cnt, np.minimum(starts + window, n_frames), -1.0)
    acc, c = np.cumsum(diff, 0)[:n_frames], np.cumsum(cnt)[:n_frames]
    return (acc / np.maximum(c, 1)[:, None]).astype(np.float32)


def smooth(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average along axis 0 (edges use the frames that exist)."""
    if width <= 1 or len(x) == 0:
        return x
    x2 = x if x.ndim == 2 else x[:, None]
    c = np.concatenate([np.zeros((1, x2.shape[1])), np.cumsum(x2, 0, dtype=np.float64)])
    idx = np.arange(len(x2))
    lo = np.clip(idx - width // 2, 0, len(x2))
    hi = np.clip(idx + width - width // 2, 0, len(x2))
    out = ((c[hi] - c[lo]) / (hi - lo)[:, None]).astype(np.float32)
    return out if x.ndim == 2 else out[:, 0]


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open ``[start, end)`` runs of True."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.flatnonzero(np.diff(m.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(d[::2], d[1::2])]


@dataclass
class Candidate:
    start: int
    end: int
    label: str
    confidence: float


def merge_close(cands: list[Candidate], gap: int, score: np.ndarray | None = None,
                label_col: dict[str, int] | None = None) -> list[Candidate]:
    """Merge same-label candidates separated by fewer than ``gap`` frames."""
    out: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c.label, c.start)):
        last = out[-1] if out else None
        if last is not None and last.label == c.label and c.start - last.end < gap:
            n1, n2 = last.end - last.start, c.end - c.start
            last.confidence = (last.confidence * n1 + c.confidence * n2) / (n1 + n2)
            last.end = max(last.end, c.end)
        else:
            out.append(Candidate(c.start, c.end, c.label, c.confidence))
    return out


def nms(cands: list[Candidate], iou: float) -> list[Candidate]:
    """Keep the most confident candidates; drop any overlapping a kept one with IoU > ``iou``."""
    kept: list[Candidate] = []
    for c in sorted(cands, key=lambda c: -c.confidence):
        ok = True
        for k in kept:
            inter = max(0, min(c.end, k.end) - max(c.start, k.start))
            union = (c.end - c.start) + (k.end - k.start) - inter
            if union > 0 and inter / union > iou:
                ok = False
                break
        if ok:
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def segments_from_scores(ws: WindowScores, n_frames: int, *, threshold: float = 0.5, smooth_frames: int | None = None,
                         min_len: int | None = None, merge_gap: int | None = None,
                         nms_iou: float = 0.3) -> list[Candidate]:
    """Post-processing of window probabilities into labelled candidates (sequence frame indices)."""
    from mgstudio.recognition.fewshot import BACKGROUND

    if ws.proba is None or len(ws.starts) == 0:
        return []
    w = ws.window
    stride = int(ws.starts[1] - ws.starts[0]) if len(ws.starts) > 1 else w
    p = np.where(ws.visible[:, None], ws.proba, 0.0).astype(np.float32)
    if BACKGROUND in ws.classes:
        bi = ws.classes.index(BACKGROUND)
        p[~ws.visible, bi] = 1.0
    frame = smooth(spread(ws.starts, w, p, n_frames), smooth_frames or stride)
    mg_cols = [i for i, c in enumerate(ws.classes) if c != BACKGROUND]
    if not mg_cols:
        return []
    mgp = frame[:, mg_cols]
    fg = 1.0 - frame[:, ws.classes.index(BACKGROUND)] if BACKGROUND in ws.classes else mgp.max(1)
    best = mgp.argmax(1)
    min_len = int(min_len if min_len is not None else max(2, w // 4))
    merge_gap = int(merge_gap if merge_gap is not None else max(1, w // 4))
    cands: list[Candidate] = []
    for a, b in runs(fg >= threshold):
        # split where the best class changes
        s = a
        for i in range(a + 1, b + 1):
            if i == b or best[i] != best[s]:
                col = mg_cols[best[s]]
                cands.append(Candidate(s, i, ws.classes[col], float(frame[s:i, col].mean())))
                s = i
    for j, col in enumerate(mg_cols):
        for a, b in runs(mgp[:, j] >= threshold):
            cands.append(Candidate(a, b, ws.classes[col], float(frame[a:b, col].mean())))
    cands = merge_close(cands, merge_gap)
    cands = [c for c in cands if c.end - c.start >= min_len]
    return nms(cands, nms_iou)


def _to_segments(cands: list[Candidate], seq: SkeletonSequence, item_id: int = 0, tier_id: int = 0) -> list[Segment]:
    off = int(seq.start_frame)
    out = []
    for c in cands:
        conf = float(np.clip(c.confidence, 0.0, 1.0))
        if not np.isfinite(conf):
            raise MGStudioError("The recognizer produced an invalid score (please report this).", repr(c))
        out.append(Segment(item_id, tier_id, c.start + off, c.end + off, c.label, source=Source.MODEL,
                           status=Status.PROPOSED, confidence=round(conf, 4)))
    return out


def propose(seq: SkeletonSequence, model=None, head=None, progress: Progress = None, cancel: Cancel = None, *,
            threshold: float | None = None, stride: int | None = None, batch: int = DEFAULT_BATCH,
            movement: bool | None = None, labels: list[str] | None = None, threads: int | None = None,
            cues=None, **post: Any) -> list[Segment]:
    """Proposed MG segments over ``seq`` (media frame numbers; ``item_id``/``tier_id`` left 0).

    ``model``: an :class:`~mgstudio.recognition.encoder.Encoder` or a checkpoint path (default:
    the shipped encoder). ``head``: a :class:`~mgstudio.recognition.fewshot.Head` (or a path).
    Without a head (and no classifier in the checkpoint) or with ``movement=True``, returns the
    MG-aware cold start (:mod:`.coldstart`: contact, head, shoulder and torso cues, each with its
    reason; labelled with the class the cue suggests when it is in ``labels``; ``cues``: its
    :class:`~.coldstart.CueParams`, e.g. ``CueParams(split_holds=True)``). Frames where the
    main subject is not in view (:mod:`.presence`) are never proposed. ``progress(done, total)`` counts windows; ``cancel`` is a
    callable or ``threading.Event``. ``post`` goes to :func:`segments_from_scores`. The pass runs
    with ``threads`` torch threads (default :func:`proposal_threads`), restored afterwards.
    """
    with torch_threads(proposal_threads() if threads is None else int(threads)):
        return _propose(seq, model, head, progress, cancel, threshold=threshold, stride=stride, batch=batch,
                        movement=movement, labels=labels, cues=cues, **post)


def _propose(seq: SkeletonSequence, model, head, progress: Progress, cancel: Cancel, *, threshold: float | None,
             stride: int | None, batch: int, movement: bool | None, labels: list[str] | None,
             cues=None, **post: Any) -> list[Segment]:
    enc = resolve_encoder(model)
    if head is not None and not hasattr(head, "proba"):
        from mgstudio.recognition.fewshot import Head

        head = Head.load(head)
    if head is not None:
        check_head(head, enc)
    if movement or (movement is None and head is None and not enc.has_head):
        from mgstudio.recognition.coldstart import cold_start_segments

        segs = cold_start_segments(seq, labels, cues)
        if threshold is not None:
            segs = [s for s in segs if (s.confidence or 0.0) >= threshold]
        if progress is not None:
            progress(1, 1)
        return segs
    ws = score_windows(seq, enc, head, stride=stride, batch=batch, progress=progress, cancel=cancel)
    cands = segments_from_scores(ws, len(seq), threshold=0.5 if threshold is None else float(threshold), **post)
    return drop_absent(_to_segments(cands, seq), seq)


def drop_absent(segs: list[Segment], seq: SkeletonSequence, min_len: int = 2) -> list[Segment]:
    """Cut proposals to the frames where the main subject is in view (:mod:`.presence`): each keeps
    its longest present stretch; those with none (cut-aways, phantom skeletons) are dropped."""
    from mgstudio.recognition.presence import presence_mask

    present = presence_mask(seq)
    off = int(seq.start_frame)
    out = []
    for s in segs:
        a, b = max(0, s.start - off), min(len(seq), s.end - off)
        best = max(runs(present[a:b]), key=lambda r: r[1] - r[0], default=None) if b > a else None
        if best is not None and best[1] - best[0] >= min_len:
            out.append(s.with_(start=a + best[0] + off, end=a + best[1] + off))
    return out


def check_head(head, enc) -> None:
    """Refuse a head trained on another encoder (its embeddings mean something else)."""
    want = head.meta.get("encoder_hash")
    if head.dim != enc.dim or (want and want != encoder_hash(enc)):
        raise MGStudioError("This label model was trained with another recognizer model; run 'learn' again "
                            "with the current one.", f"head {want}, encoder {encoder_hash(enc)}")


# ---------------------------------------------------------------------- movement events
def _robust_z(x: np.ndarray) -> np.ndarray:
    v = x[np.isfinite(x)]
    if v.size == 0:
        return np.full_like(x, np.nan)
    med = float(np.median(v))
    mad = float(np.median(np.abs(v - med))) * 1.4826
    spread_ = max(mad, 0.05 * abs(med), 1e-6)
    return (x - med) / spread_


def _split_long(a: int, b: int, score: np.ndarray, max_len: int, min_len: int) -> list[tuple[int, int]]:
    """Split ``[a, b)`` at the deepest interior minimum of ``score`` until pieces are <= max_len."""
    if b - a <= max_len:
        return [(a, b)]
    inner = score[a + min_len:b - min_len]
    if inner.size == 0:
        return [(a, b)]
    cut = a + min_len + int(np.nanargmin(np.nan_to_num(inner, nan=np.inf)))
    return _split_long(a, cut, score, max_len, min_len) + _split_long(cut, b, score, max_len, min_len)


def movement_score(seq: SkeletonSequence, min_speed: float = 0.1) -> np.ndarray:
    """Per-frame movement score: the largest robust z-score over head, hands and arms of the
    motion energy (:func:`mgstudio.core.motion.motion_energy`), counted only where that part
    moves faster than ``min_speed`` body sizes per second."""
    from mgstudio.core.motion import PARTS, motion_energy

    me = motion_energy(seq)
    score = np.full(len(seq), np.nan, np.float32)
    for part in PARTS:
        e = me.parts[part]
        z = np.where(e >= min_speed, _robust_z(e), np.nan)
        score = np.fmax(score, z.astype(np.float32))
    return score


def novelty_score(seq: SkeletonSequence, enc, stride: int | None = None, progress: Progress = None,
                  cancel: Cancel = None) -> np.ndarray:
    """Per-frame novelty: robust z-score of each window's cosine distance to the sequence's
    median embedding (its usual posture), spread over the window's frames."""
    ws = score_windows(seq, enc, None, stride=stride, keep_embeddings=True, progress=progress, cancel=cancel)
    e = ws.emb
    e = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-6)
    centre = np.median(e, axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-6)
    d = 1.0 - e @ centre
    z = _robust_z(d)
    z[~ws.visible] = np.nan
    return spread(ws.starts, ws.window, np.nan_to_num(z, nan=-10.0)[:, None], len(seq))[:, 0]


def movement_events(seq: SkeletonSequence, model=None, progress: Progress = None, cancel: Cancel = None, *,
                    threshold: float = 2.0, low: float = 0.5, novelty: bool = True, novelty_threshold: float = 3.0,
                    min_s: float = 0.3, max_s: float = 4.0, merge_s: float = 0.5,
                    label: str = MOVEMENT_LABEL) -> list[Segment]:
    """Class-agnostic movement-event proposals (no labels needed).

    A frame is "moving" when :func:`movement_score` >= ``low``; an event is a run of moving frames
    that peaks at >= ``threshold`` (hysteresis), or a run of windows whose embedding novelty
    (:func:`novelty_score`) >= ``novelty_threshold``. Events closer than ``merge_s`` merge,
    shorter than ``min_s`` are dropped, longer than ``max_s`` are split at the quietest frame.
    Confidence (a ranking score, not a probability: there are no labels to calibrate on yet)
    is ``peak / (peak + threshold)``, 0.5 at the threshold.
    """
    n = len(seq)
    if n < 2:
        raise MGStudioError(f"This skeleton has only {n} frame(s); movement needs at least two.")
    if not np.isfinite(seq.coords(False)).any():
        raise MGStudioError("No joint is visible anywhere in this skeleton, so there is no movement to find.")
    fps = float(seq.fps) or 30.0
    score = movement_score(seq)
    if cancelled(cancel):
        raise CancelledError()
    enc = None
    if novelty:
        enc = resolve_encoder(model)
        check_sequence(seq, enc.window)
        with torch_threads(proposal_threads()):
            nov = novelty_score(seq, enc, progress=progress, cancel=cancel)
        nov = np.where(nov >= novelty_threshold, nov * (threshold / novelty_threshold), np.nan)
        score = np.fmax(score, nov.astype(np.float32))
    out = events_from_score(np.nan_to_num(score, nan=0.0), fps, threshold=threshold, low=low, min_s=min_s,
                            max_s=max_s, merge_s=merge_s, label=label)
    if progress is not None and enc is None:
        progress(1, 1)
    return _to_segments(out, seq)


def events_from_score(s: np.ndarray, fps: float, *, threshold: float = 2.0, low: float = 0.5, min_s: float = 0.3,
                      max_s: float = 4.0, merge_s: float = 0.5, label: str = MOVEMENT_LABEL) -> list[Candidate]:
    """Hysteresis events on a per-frame score (see :func:`movement_events`)."""
    min_len, max_len = max(2, int(round(min_s * fps))), max(4, int(round(max_s * fps)))
    cands: list[Candidate] = []
    for a, b in runs(s >= low):
        for a2, b2 in _split_long(a, b, s, max_len, min_len):
            peak = float(s[a2:b2].max())
            if peak >= threshold:
                cands.append(Candidate(a2, b2, label, peak / (peak + threshold)))
    cands = merge_close(cands, max(1, int(round(merge_s * fps))))
    out: list[Candidate] = []
    for c in cands:  # merging may re-create long events
        for a2, b2 in _split_long(c.start, c.end, s, max_len, min_len):
            if b2 - a2 >= min_len:
                peak = float(s[a2:b2].max())
                out.append(Candidate(a2, b2, label, peak / (peak + threshold)))
    return sorted(out, key=lambda c: c.start)


# ---------------------------------------------------------------------- projects
def propose_item(project, item_id: int, model=None, head=None, progress: Progress = None, cancel: Cancel = None,
                 *, movement: bool | None = None, threshold: float | None = None, **kw: Any) -> list[Segment]:
    """Propose on one project item and write the proposals with ``replace_proposals`` (one undo
    step; reviewed proposals are kept, new ones overlapping a reviewed segment are dropped).
    Confidences are calibrated on the project's reviewed proposals of the same kind when there are
    enough (:mod:`.calibration`); otherwise each proposal's note gives its rank.

    ``head=None`` uses the project's active label model (``mgstudio learn``) when there is one,
    else movement events.
    """
    item = project.item(item_id)
    seq = project.load_skeleton(item.id)
    if seq is None:
        raise MGStudioError(f"'{item.name}' has no skeleton yet: extract it first (mgstudio extract).")
    from mgstudio.recognition.versions import active_encoder, project_encoder

    enc = project_encoder(project, model) if (movement or head is not None) else active_encoder(project, model)
    if head is None and not movement:
        from mgstudio.recognition.versions import load_active_head

        head = load_active_head(project, enc)
    segs = propose(seq, enc, head, progress, cancel, movement=movement, threshold=threshold,
                   labels=list(project.taxonomy.names), **kw)
    from mgstudio.recognition.calibration import apply, fit_calibration, rank_notes

    cal = None if project.read_only else fit_calibration(project, "cues" if (movement or head is None) else "model")
    segs = apply(segs, cal) if cal is not None else rank_notes(segs)
    reviewed = [s for s in project.segments(item.id) if s.status != Status.PROPOSED and s.status != Status.REJECTED]
    segs = [s for s in segs if not _covered(s, reviewed)]
    tier = project.proposals_tier.id
    segs = [s.with_(item_id=item.id, tier_id=tier) for s in segs]
    what = "movement events" if segs and segs[0].label == MOVEMENT_LABEL and (movement or head is None) else "proposals"
    return project.replace_proposals(item.id, segs, f"Propose {what} for {item.name}")


def _covered(s: Segment, reviewed: list[Segment]) -> bool:
    for r in reviewed:
        inter = max(0, min(s.end, r.end) - max(s.start, r.start))
        if inter > 0.5 * (s.end - s.start):
            return True
    return False
