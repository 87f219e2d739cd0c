"""Event-based agreement between two coders: the modified Cohen's kappa of Holle & Rein (2015).

Gesture researchers compare codings gesture by gesture rather than frame by frame (EasyDIAg,
ELAN's "modified Cohen's kappa"):

1. **Linking.** Two segments of the same recording, one per coder, are *linked* when their
   relative overlap, the frames both cover divided by the frames either covers (from the
   earlier start to the later end), reaches a criterion (60 % by default). Each segment is
   linked at most once; the pairs with the largest overlap are linked first.
2. **Table.** Every linked pair adds one count to (label of coder A, label of coder B); a
   segment of A that found no partner adds one to (its label, *unmatched*), one of B to
   (*unmatched*, its label). The (*unmatched*, *unmatched*) cell stays empty: nobody coded
   "nothing happened".
3. **Kappa.** Cohen's kappa of that table (agreement on *whether and what*), and kappa over the
   linked pairs only (agreement on *what*, given both saw a gesture).

Reference: Holle, H. & Rein, R. (2015). EasyDIAg: A tool for easy determination of interrater
agreement. Behavior Research Methods, 47(3), 837-847.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mgstudio.core.segments import Segment

UNMATCHED = "(unmatched)"
DEFAULT_OVERLAP = 0.6


def relative_overlap(a: Segment, b: Segment) -> float:
    """Frames both segments cover / frames from the earlier start to the later end (0..1)."""
    inter = min(a.end, b.end) - max(a.start, b.start)
    if inter <= 0:
        return 0.0
    return inter / (max(a.end, b.end) - min(a.start, b.start))


def link(segs_a: Sequence[Segment], segs_b: Sequence[Segment], min_overlap: float = DEFAULT_OVERLAP
         ) -> tuple[list[tuple[Segment, Segment]], list[Segment], list[Segment]]:
    """(linked pairs, A's unmatched, B's unmatched) for the segments of one recording."""
    if not 0.0 < min_overlap <= 1.0:
        raise ValueError("the overlap criterion is a share between 0 and 1")
    b_sorted = sorted(segs_b, key=lambda s: s.start)
    b_starts = [s.start for s in b_sorted]
    candidates: list[tuple[float, int, int]] = []
    for i, a in enumerate(segs_a):
        # A partner b covers at least min_overlap of the extent, which is at least len(b), so
        # len(b) <= len(a) / min_overlap: it starts before a ends and less than that before a.
        lo = bisect.bisect_left(b_starts, a.start - (a.end - a.start) / min_overlap)
        for j in range(lo, bisect.bisect_left(b_starts, a.end)):
            r = relative_overlap(a, b_sorted[j])
            if r >= min_overlap:
                candidates.append((r, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[Segment, Segment]] = []
    for _r, i, j in candidates:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append((segs_a[i], b_sorted[j]))
    only_a = [s for i, s in enumerate(segs_a) if i not in used_a]
    only_b = [s for j, s in enumerate(b_sorted) if j not in used_b]
    return pairs, only_a, only_b


def _kappa(m: np.ndarray) -> float:
    n = m.sum()
    if n == 0:
        return float("nan")
    po = np.trace(m) / n
    pe = float((m.sum(axis=1) * m.sum(axis=0)).sum()) / (n * n)
    if pe >= 1.0:
        return 1.0 if po >= 1.0 else 0.0
    return float((po - pe) / (1.0 - pe))


@dataclass
class EventAgreement:
    """The result of :func:`event_agreement` (see the module doc)."""

    min_overlap: float
    labels: list[str]  # the table's rows and columns; UNMATCHED first
    matrix: np.ndarray  # counts, coder A's label (rows) x coder B's (columns)
    kappa: float  # unmatched segments included: agreement on whether and what
    kappa_linked: float  # linked pairs only: agreement on what (nan without any)
    linked: int
    only_a: int
    only_b: int

    @property
    def raw(self) -> float:
        """Share of all events (linked pairs and unmatched segments) on which the coders agree."""
        n = self.matrix.sum()
        return float(np.trace(self.matrix[1:, 1:]) / n) if n else float("nan")

    @property
    def same_label(self) -> int:
        return int(np.trace(self.matrix[1:, 1:]))

    def summary(self) -> str:
        linked = "" if np.isnan(self.kappa_linked) else f", {self.kappa_linked:.2f} on the linked pairs"
        kappa = "not defined (no segments)" if np.isnan(self.kappa) else f"{self.kappa:.2f}"
        return (f"modified κ (Holle & Rein, overlap ≥ {round(self.min_overlap * 100, 1):g}%) = {kappa}{linked}; "
                f"{self.linked} pair(s) linked ({self.same_label} with the same label), "
                f"{self.only_a} + {self.only_b} unmatched")


def event_agreement(per_item: Sequence[tuple[Sequence[Segment], Sequence[Segment]]],
                    min_overlap: float = DEFAULT_OVERLAP) -> EventAgreement:
    """Modified Cohen's kappa over recordings: ``per_item`` holds (coder A's, coder B's) segments
    of each recording (segments are only linked within a recording)."""
    if not 0.0 < min_overlap <= 1.0:
        raise ValueError("the overlap criterion is a share between 0 and 1")
    rows: list[tuple[str | None, str | None]] = []  # None: unmatched
    n_linked = n_a = n_b = 0
    for segs_a, segs_b in per_item:
        pairs, only_a, only_b = link(segs_a, segs_b, min_overlap)
        rows += [(a.label, b.label) for a, b in pairs]
        rows += [(a.label, None) for a in only_a]
        rows += [(None, b.label) for b in only_b]
        n_linked, n_a, n_b = n_linked + len(pairs), n_a + len(only_a), n_b + len(only_b)
    names = sorted({x for r in rows for x in r if x is not None})
    index: dict[str | None, int] = {None: 0, **{lab: k + 1 for k, lab in enumerate(names)}}
    labels = [UNMATCHED] + names
    m = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for la, lb in rows:
        m[index[la], index[lb]] += 1
    return EventAgreement(min_overlap, labels, m, _kappa(m), _kappa(m[1:, 1:]) if n_linked else float("nan"),
                          n_linked, n_a, n_b)
