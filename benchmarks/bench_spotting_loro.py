"""Cold start vs the motion-energy baseline, leave-one-recording-out, on every real recording.

    PYTHONPATH=. OMP_NUM_THREADS=1 nice python -m benchmarks.bench_spotting_loro

No label, no encoder: class-agnostic spotting of UCI gesture units, UCI strokes and UTKinect
actions (references as in :mod:`benchmarks.bench_spotting`). Rows:

- ``motion energy``: the 20-line baseline of ``bench_spotting`` (its settings);
- ``before``: the cold start as it was (``min_s`` 0.3 s);
- ``min 0.68 s, no cap``: events shorter than iMiGUE's 5th percentile MG length dropped;
- ``cold start``: the shipped defaults (that, and at most 11.9 proposals per minute in view,
  iMiGUE's 90th percentile MG rate, strongest first);
- ``cold start, split at holds``: ``CueParams(split_holds=True)``, for a coding of gesture phases;
- ``... LORO``: for each recording, the setting (from a small grid) that scores best on the
  *other* recordings of the same set is used on it; pooled over the held-out recordings. This says
  how much one would gain, or lose, by tuning to a lab's own coding, and whether the defaults
  are where tuning would go anyway. The baseline gets the same treatment over its own ``k``.

P/R/F1 at IoU 0.1 / 0.3 / 0.5, precision of the top 10 and top 25 % by confidence, ECE; the
spread of per-recording F1 (IoU 0.3) shows that no single file carries a figure.
"""

from __future__ import annotations

import itertools
import os
import time

import numpy as np

from benchmarks.bench_spotting import load_uci, load_utk, motion_energy_baseline
from mgstudio.core.segments import Segment
from mgstudio.recognition.coldstart import CueParams, cold_start_segments
from mgstudio.recognition.spotting import IOUS, score

GRID = [dict(min_s=m, frac=f, split_holds=h, max_per_min=c) for m, f, h, c in
        itertools.product((0.3, 0.68, 0.9), (0.2, 0.3, 0.4), (False, True), (None, 6.0, 11.9, 18.0))
        if not (h and c)]  # the cap is off with split_holds
ME_GRID = [dict(k=k) for k in (1.0, 1.5, 2.0, 3.0)]


def _predict(data, fn) -> list[list[Segment]]:
    return [[p.with_(item_id=n) for p in fn(s)] for n, s, _ in data]


def _gt(data) -> list[list[Segment]]:
    return [[Segment(n, 0, a + s.start_frame, b + s.start_frame, lab) for a, b, lab in ref] for n, s, ref in data]


def _f1(preds, gts, idx) -> float:
    return score([p for i in idx for p in preds[i]], [g for i in idx for g in gts[i]], (0.3,))["agnostic@0.3"]["F1"]


def loro(per_setting: list[list[list[Segment]]], gts) -> tuple[list[list[Segment]], list[int]]:
    """Held-out predictions: recording i gets the setting best on all the others; the choices."""
    n = len(gts)
    out, chosen = [], []
    for i in range(n):
        rest = [j for j in range(n) if j != i]
        best = max(range(len(per_setting)), key=lambda k: _f1(per_setting[k], gts, rest))
        chosen.append(best)
        out.append(per_setting[best][i])
    return out, chosen


def line(name: str, preds, gts) -> str:
    sc = score([p for r in preds for p in r], [g for r in gts for g in r])
    per = [score(p, g, (0.3,))["agnostic@0.3"]["F1"] for p, g in zip(preds, gts)]
    cells = "  ".join(f"{sc[f'agnostic@{t}']['P']:.2f}/{sc[f'agnostic@{t}']['R']:.2f}/"
                      f"{sc[f'agnostic@{t}']['F1']:.2f}" for t in IOUS)
    return (f"  {name:<34} n={sc['n_pred']:>4}  {cells}  top10 {sc['top10_precision']:.2f}  "
            f"top25% {sc['top25pct_precision']:.2f}  ECE {sc['ece']:.2f}  per-recording F1 "
            f"min {min(per):.2f} median {np.median(per):.2f} max {max(per):.2f}")


def main() -> dict[str, dict[str, float]]:
    sets = {"UCI gesture units": load_uci("units")[0], "UCI strokes": load_uci("strokes")[0],
            "UTKinect actions": load_utk()[0]}
    t0 = time.perf_counter()
    f1s: dict[str, dict[str, float]] = {}
    for name, data in sets.items():
        gts = _gt(data)
        grid = [_predict(data, lambda s, kw=kw: cold_start_segments(s, params=CueParams(**kw))) for kw in GRID]
        me_grid = [_predict(data, lambda s, kw=kw: motion_energy_baseline(s, **kw)) for kw in ME_GRID]
        rows = {
            "motion energy": _predict(data, motion_energy_baseline),
            "before (min 0.3 s, no cap)": _predict(
                data, lambda s: cold_start_segments(s, params=CueParams(min_s=0.3, max_per_min=None))),
            "min 0.68 s, no cap": _predict(data, lambda s: cold_start_segments(s, params=CueParams(max_per_min=None))),
            "cold start (defaults)": _predict(data, cold_start_segments),
            "cold start, split at holds": _predict(
                data, lambda s: cold_start_segments(s, params=CueParams(split_holds=True))),
        }
        me_loro, me_ch = loro(me_grid, gts)
        cs_loro, cs_ch = loro(grid, gts)
        rows["motion energy, k by LORO"] = me_loro
        rows["cold start, setting by LORO"] = cs_loro
        print(f"{name} ({len(data)} recordings, {sum(map(len, gts))} reference segments), class-agnostic "
              f"P/R/F1 at IoU 0.1  0.3  0.5:")
        for k, v in rows.items():
            print(line(k, v, gts))
        picked = sorted({str(GRID[c]) for c in cs_ch})
        print(f"  LORO picked for the cold start: {picked}; for the baseline k = "
              f"{sorted({ME_GRID[c]['k'] for c in me_ch})}")
        f1s[name] = {k: score([p for r in v for p in r], [g for r in gts for g in r], (0.3,))["agnostic@0.3"]["F1"]
                     for k, v in rows.items()}
    print(f"({time.perf_counter() - t0:.0f} s, load average {os.getloadavg()[0]:.1f})")
    return f1s


if __name__ == "__main__":
    res = main()
    from benchmarks.results import record, row

    record("bench_spotting_loro", [row(f"{n}: cold start class-agnostic F1 @IoU 0.3 (defaults)",
                                       v["cold start (defaults)"], "motion-energy baseline", v["motion energy"],
                                       "F1", True) for n, v in res.items()])
