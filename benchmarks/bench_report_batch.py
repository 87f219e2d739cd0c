"""``report --batch`` over a study that is only a coding file: ≥ 300 label-only recordings.

Run: ``.venv/bin/python -m benchmarks.bench_report_batch [N_RECORDINGS] [N_MODEL_SAMPLE]``
(defaults 320 and 6). Writes an iMiGUE-layout label file for N recordings (64 subjects, lengths
2-20 min, 5-80 MGs with long-tailed class rates; losers fold their arms and touch their face a
little more often), then times, in one run on this machine:

- the import that creates one label-only recording per recording (``import_coding``);
- **baseline**: reading every recording's segments from the store (the floor of any batch);
- the statistics-only batch (``--no-model``: evidence of every item, the logistic-regression
  baseline cross-validated by subject, confusion tables), and its ratio to the baseline;
- the batch with the built-in model on a stratified sample (the full 2 x N reports would take
  hours on 2 cores), per item and extrapolated to N; and that a rerun resumes all of them.

Measured 2026-12-07 14:05 UTC, 2 shared cores, load average 0.2-1.5 during the run, 320
recordings / 13,876 segments: import creating the label-only recordings 1.22 s; baseline (read
every segment) 0.06 s; statistics-only batch 1.40 s (25x the bare read: evidence of 320 items plus
the cross-validated regression; balanced accuracy 0.62, by subject over 64 subjects); with
SmolLM2-135M on 2 threads, a stratified sample of 4: 73 s = 18.3 s per recording (two reports
each), so all 320 would take about 1.6 h; model load 0.21 s; the rerun resumed 4 of 4 in 0.03 s.
The 4 answers with MG evidence all failed the gates (shown as no answer); without evidence the
model said "won" 4 of 4. (An earlier run at load 6-9 took about 5 min for one recording.)
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from mgstudio.core.project import Project
from mgstudio.core.taxonomy import load_taxonomy
from mgstudio.reasoning.backends import LlamaCppBackend, default_model_path
from mgstudio.reasoning.batch import evaluate_cases, project_cases
from mgstudio.workflows.coding import import_coding

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
FPS = 25


def write_study(path: Path, n: int, seed: int = 11) -> Path:
    """An iMiGUE label file of ``n`` recordings (see the module docstring)."""
    tax = load_taxonomy("imigue")
    codes = [lab.code for lab in tax.labels if lab.code is not None and lab.code <= 31]
    weights = [1.0 / (k + 1) for k in range(len(codes))]
    rnd = random.Random(seed)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["video_id", "label_id", "start_time", "start_frame", "end_time", "end_frame", "class",
                    "subject_id", "subject_gender", "subject_nationality", "win_or_lose"])
        for k in range(n):
            outcome = "lose" if rnd.random() < 0.5 else "win"
            frames = int(rnd.uniform(2, 20) * 60 * FPS)
            count = rnd.randint(5, 80)
            order = codes[:]
            rnd.shuffle(order)
            rows = []
            for _ in range(count):
                s = rnd.randrange(0, frames - 200)
                cls = rnd.choices(order, weights)[0]
                if outcome == "lose" and rnd.random() < 0.06:
                    cls = rnd.choice((17, 6))  # folding arms, touching facial parts: a small real effect
                rows.append((s, s + rnd.randint(15, 150), cls))
            rows.sort()
            for j, (s, e, cls) in enumerate(rows, 1):
                w.writerow([f"{k:04d}", j, f"{s / FPS:.2f}", s, f"{e / FPS:.2f}", e, cls,
                            f"S{k % 64:02d}", "", "", outcome])
    return path


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 320
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    root = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    labels = write_study(root / "labels.csv", n)
    proj = root / "study.mgproj"
    with Project.create(proj, taxonomy="imigue", annotator="bench") as p:
        t0 = time.perf_counter()
        done = import_coding(p, labels, create_missing=True)
        t_import = time.perf_counter() - t0
        print(f"import with --create-items: {len(done.created)} label-only recordings, {done.report.imported} "
              f"segments in {t_import:.2f} s (load {load()})")

        t0 = time.perf_counter()
        n_segs = sum(len(p.segments(it.id)) for it in p.items())
        t_base = time.perf_counter() - t0
        print(f"baseline: read all {n_segs} segments item by item: {t_base:.2f} s (load {load()})")

        t0 = time.perf_counter()
        cases, _ = project_cases(p, "outcome", "won_lost")
        stats = evaluate_cases(cases, None, "won_lost", ask_model=False, results_dir=root / "items")
        t_stats = time.perf_counter() - t0
        print(f"batch --no-model over {len(cases)} recordings: {t_stats:.2f} s = {t_stats / t_base:.1f}x the "
              f"baseline (load {load()})")
        print("  " + stats.summary().replace("\n", "\n  "))

        if k <= 0:
            return
        backend = LlamaCppBackend(default_model_path(), n_ctx=4096, n_threads=THREADS)
        t0 = time.perf_counter()
        backend.llama()
        t_load = time.perf_counter() - t0
        gen = {"temperature": 0.2, "seed": 0}
        t0 = time.perf_counter()
        res = evaluate_cases(cases, backend, "won_lost", results_dir=root / "items", sample=k, **gen)
        t_model = time.perf_counter() - t0
        per = t_model / max(1, len(res.asked))
        print(f"batch with {backend.model} ({THREADS} threads) on a stratified sample of {len(res.asked)}: "
              f"{t_model:.1f} s = {per:.1f} s per recording (2 reports each); model load {t_load:.2f} s; "
              f"extrapolated to all {len(cases)}: {per * len(cases) / 3600:.1f} h (load {load()})")
        print("  " + res.summary().replace("\n", "\n  "))
        t0 = time.perf_counter()
        again = evaluate_cases(cases, backend, "won_lost", results_dir=root / "items", sample=k, **gen)
        print(f"rerun (resumed {again.resumed} of {len(again.asked)}): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
