"""Confidences that mean something: calibrated on the project's own reviewed proposals.

A proposal's raw confidence is a ranking score. Once a coder has reviewed at least
:data:`MIN_REVIEWED` model proposals (with both accepted/edited and rejected ones), an isotonic
regression from raw score to "the coder kept it" is fitted (:func:`fit_calibration`) and stored
in the project (:data:`STATE_KEY`); proposals then carry the calibrated probability. Before that,
confidences are ranks, and the proposal's note says so (:func:`is_calibrated`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mgstudio.core.segments import Source, Status

STATE_KEY = "recognition.calibration"
MIN_REVIEWED = 20


@dataclass
class Calibration:
    """A monotone map from raw score to probability (isotonic steps), fitted on ``n`` reviews."""

    x: list[float]
    y: list[float]
    n: int

    def __call__(self, score: float | np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(score, float), self.x, self.y)


def kind_of(seg) -> str:
    """``"cues"`` for cold-start proposals (their note says why), ``"model"`` for a label model's."""
    return "cues" if (seg.note or "").startswith("Why proposed: ") else "model"


def reviewed_outcomes(project, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(raw confidence, kept 1 / rejected 0) of the project's reviewed model proposals (of ``kind``)."""
    segs = project.segments(None, statuses=[Status.ACCEPTED, Status.EDITED, Status.REJECTED], source=Source.MODEL)
    segs = [s for s in segs if s.confidence is not None and (kind is None or kind_of(s) == kind)]
    raw = np.array([_raw(s) for s in segs], float)
    kept = np.array([s.status != Status.REJECTED for s in segs], float)
    return raw, kept


def _raw(seg) -> float:
    """The score a proposal was ranked by (kept in its note when it was calibrated)."""
    for part in (seg.note or "").split():
        if part.startswith("raw="):
            try:
                return float(part[4:].rstrip(").,"))
            except ValueError:
                break
    return float(seg.confidence)


def fit(raw: np.ndarray, kept: np.ndarray, min_reviewed: int = MIN_REVIEWED) -> Calibration | None:
    """Isotonic calibration of ``raw`` scores on outcomes ``kept``; None when too few or one-sided."""
    raw, kept = np.asarray(raw, float), np.asarray(kept, float)
    if len(raw) < min_reviewed or kept.min(initial=1) == kept.max(initial=0):
        return None
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, kept)
    return Calibration([float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_], int(len(raw)))


def fit_calibration(project, kind: str = "model", min_reviewed: int = MIN_REVIEWED) -> Calibration | None:
    """Fit on the project's reviewed proposals of ``kind`` and store it (cleared when too few)."""
    cal = fit(*reviewed_outcomes(project, kind), min_reviewed=min_reviewed)
    if not project.read_only:
        project.set_state(f"{STATE_KEY}.{kind}", None if cal is None else {"x": cal.x, "y": cal.y, "n": cal.n})
    return cal


def load_calibration(project, kind: str = "model") -> Calibration | None:
    d = project.get_state(f"{STATE_KEY}.{kind}")
    if not d:
        return None
    try:
        return Calibration(list(map(float, d["x"])), list(map(float, d["y"])), int(d["n"]))
    except (KeyError, TypeError, ValueError):
        return None


def apply(segs: list, cal: Calibration | None) -> list:
    """Segments with calibrated confidences (raw score kept in the note), or unchanged without ``cal``."""
    if cal is None:
        return segs
    out = []
    for s in segs:
        raw = float(s.confidence or 0.0)
        note = (s.note or "").replace(" (a rank, not a probability)", "")
        note = (note + f" Calibrated on {cal.n} reviewed proposals (raw={raw:.4f}).").strip()
        out.append(s.with_(confidence=round(float(cal(raw)), 4), note=note))
    return out


def rank_notes(segs: list) -> list:
    """Uncalibrated proposals: their rank by confidence goes into the note (it is not a probability)."""
    order = sorted(range(len(segs)), key=lambda i: -(segs[i].confidence or 0.0))
    rank = {i: k + 1 for k, i in enumerate(order)}
    out = []
    for i, s in enumerate(segs):
        if "Rank " in (s.note or ""):
            out.append(s)
        else:
            out.append(s.with_(note=((s.note or "") + f" Rank {rank[i]} of {len(segs)} (a rank, not a probability).")
                               .strip()))
    return out


def is_calibrated(seg) -> bool:
    return "Calibrated on" in (seg.note or "")


def expected_calibration_error(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE: mean |accuracy - confidence| over equal-width confidence bins, weighted by their size."""
    conf, correct = np.asarray(conf, float), np.asarray(correct, float)
    if len(conf) == 0:
        return float("nan")
    idx = np.minimum((conf * bins).astype(int), bins - 1)
    err = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            err += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(err)
