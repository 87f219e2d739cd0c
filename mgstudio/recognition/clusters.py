"""Clusters of similar unlabelled windows, so an annotator can label a whole cluster at once.

Windows of the encoder's length slide over every item's skeleton (stride: half a window);
windows overlapping a reviewed segment are left out, and so (by default) are still windows
(no movement event in them: :func:`mgstudio.recognition.proposals.movement_score`), which
would otherwise fill the biggest clusters with "sitting still". The embeddings are
L2-normalised and grouped by k-means (k-means++ seeding, best of several restarts; numpy only).
Each cluster lists its windows as ``(item_id, start, end)`` media frames, most typical first,
with the window nearest the centre as its representative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.segments import Segment, Status
from mgstudio.recognition.encoder import cancelled, resolve_encoder
from mgstudio.recognition.proposals import (Cancel, Progress, check_sequence, movement_score,
                                            score_windows)


@dataclass
class Cluster:
    id: int
    members: list[tuple[int, int, int]]  # (item_id, start, end), nearest the centre first
    representative: tuple[int, int, int]
    spread: float  # mean cosine distance of members to the centre (0 = identical)

    @property
    def size(self) -> int:
        return len(self.members)


def kmeans(x: np.ndarray, k: int, *, seed: int = 0, iters: int = 50, restarts: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """k-means (k-means++ seeding, best inertia of ``restarts``): ``(assignments [N], centres [k, D])``."""
    x = np.asarray(x, np.float64)
    n = len(x)
    if n == 0:
        raise MGStudioError("There are no windows to group.")
    k = int(max(1, min(k, n)))
    rng = np.random.default_rng(seed)
    best = (np.inf, None, None)
    sq = (x ** 2).sum(1)
    for _ in range(restarts):
        centres = [x[rng.integers(n)]]
        d2 = ((x - centres[0]) ** 2).sum(1)
        for _ in range(1, k):
            p = d2 / d2.sum() if d2.sum() > 0 else np.full(n, 1.0 / n)
            centres.append(x[rng.choice(n, p=p)])
            d2 = np.minimum(d2, ((x - centres[-1]) ** 2).sum(1))
        c = np.stack(centres)
        assign = np.zeros(n, np.int64)
        for it in range(iters):
            dist = sq[:, None] - 2 * x @ c.T + (c ** 2).sum(1)[None]
            new = dist.argmin(1)
            if it > 0 and (new == assign).all():
                break
            assign = new
            for j in range(k):
                m = assign == j
                c[j] = x[m].mean(0) if m.any() else x[rng.integers(n)]
        inertia = float((sq - 2 * (x * c[assign]).sum(1) + (c[assign] ** 2).sum(1)).sum())
        if inertia < best[0]:
            best = (inertia, assign.copy(), c.copy())
    return best[1], best[2]


def cluster_windows(project, model=None, k: int | None = None, *, item_ids: list[int] | None = None,
                    only_moving: bool = True, stride: int | None = None, seed: int = 0,
                    progress: Progress = None, cancel: Cancel = None) -> list[Cluster]:
    """Group the project's unlabelled windows into ``k`` clusters (default ~sqrt(N/2), 2..20),
    largest first."""
    enc = resolve_encoder(model)
    keys: list[tuple[int, int, int]] = []
    embs: list[np.ndarray] = []
    items = [it for it in project.items() if (item_ids is None or it.id in item_ids)]
    for n_done, it in enumerate(items):
        if cancelled(cancel):
            raise CancelledError()
        seq = project.load_skeleton(it.id)
        if seq is None or len(seq) < enc.window:
            continue
        check_sequence(seq, enc.window)
        ws = score_windows(seq, enc, None, stride=stride, keep_embeddings=True, cancel=cancel)
        off = int(seq.start_frame)
        reviewed = np.zeros(len(seq) + 1, bool)
        for s in project.segments(it.id, statuses=[Status.ACCEPTED, Status.EDITED, Status.REJECTED]):
            reviewed[max(0, s.start - off):max(0, s.end - off)] = True
        moving = None
        if only_moving:
            moving = np.nan_to_num(movement_score(seq), nan=0.0) >= 2.0
        for i, st in enumerate(ws.starts):
            a, b = int(st), int(st) + ws.window
            if not ws.visible[i] or reviewed[a:b].any() or (moving is not None and not moving[a:b].any()):
                continue
            keys.append((it.id, a + off, b + off))
            embs.append(ws.emb[i])
        if progress is not None:
            progress(n_done + 1, len(items))
    if not embs:
        raise MGStudioError("There are no unlabelled moments with movement to group (all reviewed, or no skeletons).")
    x = np.stack(embs)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-6)
    if k is None:
        k = int(np.clip(round(np.sqrt(len(x) / 2)), 2, 20))
    assign, centres = kmeans(x, k, seed=seed)
    centres = centres / np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-6)
    out = []
    for j in range(len(centres)):
        idx = np.flatnonzero(assign == j)
        if idx.size == 0:
            continue
        d = 1.0 - x[idx] @ centres[j]
        order = idx[np.argsort(d)]
        members = [keys[i] for i in order]
        out.append(Cluster(0, members, members[0], float(d.mean())))
    out.sort(key=lambda c: (-c.size, c.spread))
    for i, c in enumerate(out):
        c.id = i + 1
    return out


def label_cluster(project, members: list[tuple[int, int, int]], label: str, tier=None) -> list[Segment]:
    """Label a cluster's windows as accepted segments in one undo step (overlapping windows of an
    item are merged). ``tier``: default the current annotator's tier."""
    if not label:
        raise MGStudioError("Choose a label for the group first.")
    t = project.ensure_tier(tier or project.annotator, project.annotator) if not hasattr(tier, "id") else tier
    by: dict[int, list[tuple[int, int]]] = {}
    for item_id, a, b in members:
        by.setdefault(item_id, []).append((a, b))
    segs = []
    for item_id, spans in by.items():
        spans.sort()
        cur = list(spans[0])
        for a, b in spans[1:] + [(None, None)]:
            if a is not None and a <= cur[1]:
                cur[1] = max(cur[1], b)
                continue
            segs.append(Segment(item_id, t.id, cur[0], cur[1], label, annotator=project.annotator or ""))
            if a is not None:
                cur = [a, b]
    return project.add_segments(segs, f"Label a group of {len(members)} moments as {label}")
