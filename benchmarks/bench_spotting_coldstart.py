"""The cold start on every real set in one run: the interview reference, UCI gesture units and
strokes, UTKinect actions; class-agnostic P/R/F1 at IoU 0.1 / 0.3 / 0.5 beside the motion-energy
baseline of :mod:`benchmarks.bench_spotting`.

    PYTHONPATH=. OMP_NUM_THREADS=1 nice python -m benchmarks.bench_spotting_coldstart [--set min_s=0.3 ...]

Without ``--set`` it prints, in one run, the cold start as it was before session 8 and each of
that session's changes added in turn (the last row is what ships), plus rows tried and not kept.
``--set NAME=VALUE`` instead scores one :class:`~mgstudio.recognition.coldstart.CueParams`
variant. References as in ``bench_spotting`` (UCI units =
non-Rest spans, strokes, UTKinect's 10 actions) and ``bench_spotting_interviews`` (our own coding
of the two interview clips; MediaPipe skeletons cached under /tmp). No label, no encoder.
"""

from __future__ import annotations

import argparse
import os
import time

from benchmarks.bench_spotting import load_uci, load_utk, motion_energy_baseline
from benchmarks.bench_spotting_interviews import reference, skeleton
from mgstudio.core.segments import Segment
from mgstudio.recognition.coldstart import CueParams, cold_start_segments
from mgstudio.recognition.spotting import IOUS, score


def sets() -> dict[str, list[tuple[str, object, list[Segment]]]]:
    """Set name -> [(item, skeleton, class-agnostic reference segments)]."""
    out = {"interviews": [(n, skeleton(n), spans) for n, spans in reference().items()]}
    for name, (data, _) in (("UCI units", load_uci("units")), ("UCI strokes", load_uci("strokes")),
                            ("UTKinect", (load_utk()[0], None))):
        out[name] = [(n, s, [Segment(n, 0, a + s.start_frame, b + s.start_frame, "m") for a, b, _ in ref])
                     for n, s, ref in data]
    return out


def row(name: str, sc: dict) -> str:
    cells = " | ".join(f"{sc[f'agnostic@{t}']['P']:.2f} / {sc[f'agnostic@{t}']['R']:.2f} / "
                       f"{sc[f'agnostic@{t}']['F1']:.2f}" for t in IOUS)
    return (f"| {name} | {sc['n_pred']} / {sc['n_ref']} | {cells} | {sc['top10_precision']:.2f} | "
            f"{sc['top25pct_precision']:.2f} | {sc['ece']:.2f} |")


def run(prm: CueParams, data: dict, baseline: bool = True) -> dict[str, dict]:
    res = {}
    for name, items in data.items():
        pred, base, gt = [], [], []
        for n, seq, ref in items:
            pred += [p.with_(item_id=n) for p in cold_start_segments(seq, None, prm)]
            if baseline:
                base += [p.with_(item_id=n) for p in motion_energy_baseline(seq)]
            gt += ref
        res[name] = score(pred, gt)
        if baseline:
            res[name + " (motion energy)"] = score(base, gt)
    return res


BEFORE = dict(cap_min_s=0.0, edge_rest_q=None, rest_baseline=False, short_s=0.68)  # session 7's defaults
STEPS = [
    ("before (session 7 defaults)", BEFORE),
    ("+ rate cap over at least 60 s in view", dict(BEFORE, cap_min_s=60.0)),
    ("+ edges through moving frames", dict(BEFORE, cap_min_s=60.0, edge_rest_q=0.5)),
    ("+ resting-posture contacts not claimed", dict(short_s=0.68)),
    ("+ 0.4-0.68 s events kept when as strong as the top tenth of the longer ones (= now, the defaults)", {}),
    ("for a coding of gesture phases: split_holds=True (edges stop at the velocity minimum)", dict(split_holds=True)),
    ("not kept: events joined where the part never came to rest", dict(join_unrested=True)),
    ("not kept: min length 0.4 s instead of 0.68 s for every event", dict(min_s=0.4)),
    ("not kept: 0.4-0.68 s events kept when as strong as the top quarter", dict(short_q=0.75)),
    ("not kept: no rate cap", dict(max_per_min=None)),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", action="append", default=[], help="CueParams field=value")
    args = ap.parse_args()
    kw = {}
    for s in args.set:
        k, v = s.split("=", 1)
        kw[k] = None if v == "None" else (v == "True" if v in ("True", "False") else float(v))
    t0 = time.perf_counter()
    data = sets()
    steps = [(f"cold start {kw}", kw)] if kw else STEPS
    print("pooled, class-agnostic; proposals / reference; P / R / F1 at IoU " + " | ".join(str(t) for t in IOUS)
          + " | top-10 precision | top-25 % precision | ECE (of the rank scores, uncalibrated)")
    for k, (title, params) in enumerate(steps):
        res = run(CueParams(**params), data, baseline=k == 0)
        print(f"\n{title}")
        for name, sc in res.items():
            print(row(name, sc))
    print(f"\n{time.perf_counter() - t0:.1f} s, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
