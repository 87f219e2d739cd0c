"""Run every benchmark in this folder, one after another (``make bench``), then write RESULTS.md.

Each ``bench_*.py`` prints its own figures and ratios against a baseline measured in the same
run; those that record rows (:mod:`benchmarks.results`) also land in one Markdown table,
``benchmarks/RESULTS.md``, with the machine, the load average and the date. A benchmark that
fails is reported and the others still run. ``python -m benchmarks.run_all --table-only``
rewrites the table from the rows already recorded; ``--only bench_video`` runs just those.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


def _fmt(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def write_table(ran: dict[str, str]) -> Path:
    """RESULTS.md from ``benchmarks/results/*.json`` (ratio > 1: MG Studio better)."""
    from benchmarks.results import FOLDER

    lines = ["# Benchmark results", "",
             f"Written by `make bench` (`python -m benchmarks.run_all`) on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
             f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, Python "
             f"{platform.python_version()}; load average at the end {os.getloadavg()[0]:.2f} "
             "(shared machine: figures are medians of interleaved runs, and still noisy).", "",
             "Ratio > 1 means MG Studio is better (faster, or less memory), whatever the unit. "
             "Peers run in `.venv-bench` (`make bench-peers`).", "",
             "| benchmark | measured | MG Studio | peer / baseline | theirs | unit | ratio | exactness | load |",
             "|---|---|---|---|---|---|---|---|---|"]
    for path in sorted(FOLDER.glob("*.json")) if FOLDER.exists() else []:
        for r in json.loads(path.read_text(encoding="utf-8")):
            lines.append(f"| {path.stem} | {r['what']} | {_fmt(r['ours'])} | {r['peer']} | {_fmt(r['theirs'])} | "
                         f"{r['unit']} | {_fmt(r['ratio'])} | {r['exact'] or '–'} | {r['load']} |")
    recorded = sorted(FOLDER.glob("*.json")) if FOLDER.exists() else []
    if recorded:  # rows may come from earlier runs (--only, --table-only): say when each was measured
        lines += ["", "Rows recorded: " + ", ".join(
            f"{q.stem} {datetime.fromtimestamp(q.stat().st_mtime, timezone.utc):%Y-%m-%d %H:%M} UTC" for q in recorded) + "."]
    if ran:
        lines += ["", "Benchmarks run: " + ", ".join(f"{k} ({v})" for k, v in ran.items()) + "."]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return RESULTS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="run the benchmarks and write benchmarks/RESULTS.md")
    ap.add_argument("--table-only", action="store_true", help="only rewrite RESULTS.md from recorded rows")
    ap.add_argument("--only", nargs="*", help="benchmark names to run (default: all)")
    args = ap.parse_args(argv)
    failed, ran = [], {}
    paths = [] if args.table_only else sorted(HERE.glob("bench_*.py"))
    if args.only:
        paths = [p for p in paths if p.stem in args.only]
    for path in paths:
        name = f"benchmarks.{path.stem}"
        print(f"\n=== {path.stem} (load {os.getloadavg()[0]:.2f}) ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, "-m", name], cwd=HERE.parent)
        print(f"--- {path.stem}: {'ok' if rc == 0 else f'FAILED ({rc})'} in {time.perf_counter() - t0:.0f} s", flush=True)
        ran[path.stem] = "ok" if rc == 0 else f"failed, exit {rc}"
        if rc:
            failed.append(path.stem)
    print(f"\nWrote {write_table(ran)}")
    if failed:
        print(f"Failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
