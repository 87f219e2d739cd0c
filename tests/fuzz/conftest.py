"""Prints the fuzzing tally (inputs, ok, clean errors, failures per importer) after the run."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter) -> None:
    mod = sys.modules.get("tests.fuzz.test_coding_mutations")
    tally = getattr(mod, "TALLY", None)
    if not tally:
        return
    terminalreporter.write_line("coding importers   inputs      ok   clean  failed (tracebacks, hangs, unclean)")
    for kind, c in sorted(tally.items()):
        terminalreporter.write_line(f"  {kind:14} {c['inputs']:8} {c['ok']:7} {c['clean']:7} {c['failed']:7}")
