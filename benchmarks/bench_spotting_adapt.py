"""Does "Adapt to this study" help learnt spotting? The split-half protocol of ``mgstudio eval
--spotting`` with the shipped encoder, then again after ``adapt`` on the same project.

    PYTHONPATH=. OMP_NUM_THREADS=1 nice python -m benchmarks.bench_spotting_adapt [--minutes 3] [--sets uci,utk]

Per data set (UCI gesture units, UTKinect actions; references as in :mod:`benchmarks.bench_spotting`):
a project of every recording; the first half of each recording is taken as coded and a label
model learnt from it; its proposals on the second halves are scored (class-agnostic and
label-matched, IoU 0.1 / 0.3 / 0.5). Then the recognizer is adapted, without labels, on every
skeleton of the project for ``--minutes`` of wall time (CPU here; the step count is printed), and
the same protocol is run with the adapted encoder. Same machine state for both; load average
printed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchmarks.bench_spotting import load_uci, load_utk, project_of


def _line(name: str, sc: dict) -> str:
    cells = "  ".join(f"@{t}: agnostic {sc[f'agnostic@{t}']['F1']:.2f} labelled {sc[f'labelled@{t}']['F1']:.2f}"
                      for t in (0.1, 0.3, 0.5))
    return (f"  {name:<40} {sc['n_pred']:>4} proposals  {cells}  top10 {sc['top10_precision']:.2f}  "
            f"ECE {sc['ece']:.2f}")


def run(name: str, data, tax, minutes: float) -> dict:
    from mgstudio.core.project import Project
    from mgstudio.recognition.spotting import evaluate_project
    from mgstudio.recognition.versions import adapted_path
    from mgstudio.workflows.adapt import adapt

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        proj = project_of(Path(tmp), "adapt", data, tax)
        path = Path(proj.path) if hasattr(proj, "path") else Path(tmp) / "adapt.mgproj"
        res0 = evaluate_project(proj, "reference", split_half=True)
        ck = adapted_path(proj)
        proj.close()
        t0 = time.perf_counter()
        ad = adapt(path, minutes=minutes, checkpoint_every=100)
        t_ad = time.perf_counter() - t0
        with Project.open(path, read_only=True) as proj:
            res1 = evaluate_project(proj, "reference", split_half=True, model=ck)
    print(f"{name}: adaptation {ad.steps} steps in {t_ad:.0f} s on {ad.device} ({ad.windows} windows); "
          f"fixed-batch probe loss {ad.probe[0][1]:.3f} -> {ad.probe[-1][1]:.3f}; load average "
          f"{os.getloadavg()[0]:.1f}")
    for key, title in (("learnt_second_half", "learnt, sliding windows"),
                       ("learnt_cues_second_half", "learnt, cue events ranked by the head")):
        print(_line(f"shipped encoder, {title}", res0[key]))
        print(_line(f"adapted encoder, {title}", res1[key]))
        out[key] = (res0[key]["agnostic@0.3"]["F1"], res1[key]["agnostic@0.3"]["F1"],
                    res0[key]["labelled@0.3"]["F1"], res1[key]["labelled@0.3"]["F1"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--sets", default="uci,utk")
    args = ap.parse_args()
    sets = args.sets.split(",")
    if "uci" in sets:
        run("UCI gesture units", *load_uci("units"), args.minutes)
    if "utk" in sets:
        run("UTKinect actions", *load_utk(), args.minutes)


if __name__ == "__main__":
    main()
