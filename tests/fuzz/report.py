"""Per-importer fuzz table: ``python -m tests.fuzz.report [--n 600] [--seed 0] [--only AREA]``.

Runs every ``TARGETS`` entry of ``tests/fuzz/test_*.py`` (other engineers' modules included)
through a worker process and prints inputs, ok, clean errors, unclean messages, tracebacks,
hangs, signals, memory blow-ups and run time. Failing inputs are saved as fixtures.
"""

from __future__ import annotations

import argparse
import os

from tests.fuzz.registry import discover
from tests.fuzz.runner import run_target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=600, help="inputs per importer")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", action="append", help="areas to run (default: all)")
    args = ap.parse_args()
    cols = ["inputs", "ok", "clean", "unclean", "traceback", "hang", "signal", "memory"]
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| importer | " + " | ".join(cols) + " | seconds |")
    print("|---|" + "---:|" * (len(cols) + 1))
    for target in discover():
        if args.only and target.area not in args.only:
            continue
        s = run_target(target, args.n, args.seed)
        c = s.counts
        row = [len(s.outcomes)] + [c.get(k, 0) for k in cols[1:]]
        print(f"| {target.name} | " + " | ".join(str(v) for v in row) + f" | {s.seconds:.1f} |", flush=True)
        for o in s.failures()[:3]:
            print(f"  {o.kind}: {o.path.name}: {o.message[-200:]!r}", flush=True)


if __name__ == "__main__":
    main()
