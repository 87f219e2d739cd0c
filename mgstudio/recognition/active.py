"""Active learning: which proposal to review next so that the label model learns the most.

Reviewing the least confident proposal first (what U did) spends the coder's time on outliers:
a one-off tracking glitch is as uncertain as a whole family of similar, unclear movements, but
labelling the glitch teaches the model nothing about the family. The order here follows
*information density* (Settles & Craven, 2008), with two additions of ours:

``value = uncertainty × density × novelty``, then a greedy pick that spreads the choices:

- **uncertainty**: with a label model, the margin ``1 - (p1 - p2)`` between its two most likely
  classes (background counts as a class: "is this an MG at all" is the first question); without
  one, ``1 - |2c - 1|`` of the proposal's confidence ``c`` (0.5 = a coin toss);
- **density**: how typical the proposal is of the ones still to review: its mean cosine
  similarity (mapped to 0–1) to its ``k`` nearest unreviewed neighbours in the encoder's
  embedding; an outlier scores low;
- **novelty**: how unlike every segment already reviewed it is, ``(1 - max cos)/2`` clipped
  to 0–1 (1 when nothing is reviewed yet): a proposal next to a reviewed one adds little;
- **spread**: after each pick, the remaining values are multiplied by ``1 - max(0, cos)`` to the
  pick, so the next press does not show its near-duplicate.

:func:`information_order` is the numpy core; :func:`review_order` applies it to a project item.
"""

from __future__ import annotations

import numpy as np

from mgstudio.core.segments import Segment, Status


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def margin_uncertainty(proba: np.ndarray) -> np.ndarray:
    """``1 - (p1 - p2)`` per row of class probabilities (1 = undecided, 0 = sure)."""
    p = np.sort(np.asarray(proba, np.float64), axis=1)[:, ::-1]
    second = p[:, 1] if p.shape[1] > 1 else 1.0 - p[:, 0]
    return np.clip(1.0 - (p[:, 0] - second), 0.0, 1.0)


def confidence_uncertainty(conf: np.ndarray) -> np.ndarray:
    """``1 - |2c - 1|``: 1 at a confidence of 0.5, 0 at 0 or 1."""
    c = np.clip(np.nan_to_num(np.asarray(conf, np.float64), nan=0.5), 0.0, 1.0)
    return 1.0 - np.abs(2.0 * c - 1.0)


def information_order(uncertainty: np.ndarray, emb: np.ndarray, reviewed: np.ndarray | None = None,
                      k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Review order (indices) of candidates and each one's value at the time it was picked.

    ``uncertainty`` [N] in 0–1, ``emb`` [N, D] candidate embeddings, ``reviewed`` [M, D] embeddings
    of segments already reviewed (or None)."""
    u = np.clip(np.asarray(uncertainty, np.float64), 0.0, 1.0)
    n = len(u)
    if n == 0:
        return np.zeros(0, int), np.zeros(0)
    z = _unit(emb)
    sim = z @ z.T
    if n > 1:
        others = np.where(np.eye(n, dtype=bool), -np.inf, sim)
        kk = max(1, min(k, n - 1))
        near = -np.sort(-others, axis=1)[:, :kk]
        density = (near.mean(1) + 1.0) / 2.0
    else:
        density = np.ones(1)
    if reviewed is not None and len(reviewed):
        novelty = np.clip((1.0 - (z @ _unit(reviewed).T).max(1)) / 2.0, 0.0, 1.0)
    else:
        novelty = np.ones(n)
    value = u * density * novelty
    left = np.ones(n, bool)
    order, picked = [], []
    # ties (e.g. nothing reviewed, equal uncertainty) go to the most typical, then the earliest
    tie = density * 1e-9
    for _ in range(n):
        cand = np.where(left, value + tie, -np.inf)
        i = int(np.argmax(cand))
        order.append(i)
        picked.append(float(value[i]))
        left[i] = False
        value = value * (1.0 - np.clip(sim[i], 0.0, 1.0) * left)
    return np.array(order, int), np.array(picked)


def review_order(project, item_id: int, model=None, head=None, cancel=None) -> list[tuple[Segment, float]]:
    """The item's unreviewed proposals in the order that teaches the label model most, each with
    its value (see the module docstring). ``head``: the active label model by default (when there
    is none, uncertainty comes from the proposals' confidences). ``cancel`` (event or callable) is
    checked between batches of 64 windows (``CancelledError``)."""
    from mgstudio.core.errors import CancelledError
    from mgstudio.core.jobs import is_cancelled
    from mgstudio.recognition.examples import windows_for
    from mgstudio.recognition.proposals import sequence_coords
    from mgstudio.recognition.versions import active_encoder, load_active_head

    props = [s for s in project.segments(item_id, statuses=[Status.PROPOSED])]
    if not props:
        return []
    seq = project.load_skeleton(item_id)
    if seq is None:
        return [(s, 0.0) for s in sorted(props, key=lambda s: (s.confidence or 0.0, s.start))]
    enc = active_encoder(project, model)
    if head is None:
        head = load_active_head(project, enc)
    reviewed = [s for s in project.segments(item_id) if s.status != Status.PROPOSED]
    coords = sequence_coords(seq, enc)
    n, w, off = len(coords), enc.window, int(seq.start_frame)

    def embed(segs: list[Segment]) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Window embeddings of ``segs`` (the windows the proposal pass sees) and each one's rows."""
        spans, wins = [], []
        for s in segs:
            st = windows_for(max(0, s.start - off), min(n, s.end - off), n, w)
            spans.append((len(wins), len(wins) + len(st)))
            wins += [coords[a:a + w] for a in st]
        if n < w:  # shorter than a window: the encoder resamples the whole sequence
            wins = [coords] * len(wins)
        out = []
        for a in range(0, len(wins), 64):
            if is_cancelled(cancel):
                raise CancelledError("Ordering the proposals was cancelled.")
            out.append(enc.embed(np.stack(wins[a:a + 64])))
        return np.concatenate(out), spans

    win_emb, spans = embed(props)
    emb = np.stack([win_emb[a:b].mean(0) for a, b in spans])
    if head is not None:
        proba = head.proba(win_emb)
        unc = margin_uncertainty(np.stack([proba[a:b].mean(0) for a, b in spans]))
    else:
        unc = confidence_uncertainty(np.array([s.confidence if s.confidence is not None else 0.5 for s in props]))
    rev = None
    if reviewed:
        r_emb, r_spans = embed(reviewed)
        rev = np.stack([r_emb[a:b].mean(0) for a, b in r_spans])
    order, value = information_order(unc, emb, rev)
    return [(props[i], float(v)) for i, v in zip(order, value)]


__all__ = ["information_order", "review_order", "margin_uncertainty", "confidence_uncertainty"]
