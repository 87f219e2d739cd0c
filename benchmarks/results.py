"""Rows for ``benchmarks/RESULTS.md``: each benchmark records what it measured, ``run_all`` writes the table.

A row: what was measured, our figure, the peer (or baseline) and its figure, the unit, the ratio
(> 1 means MG Studio is better, whatever the unit), exactness where it applies, and the load
average at the time. Rows go to ``benchmarks/results/<benchmark>.json`` (not committed).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent / "results"


def row(what: str, ours: float, peer: str, theirs: float | None, unit: str, higher_is_better: bool,
        exact: str = "", note: str = "") -> dict[str, Any]:
    """One comparison; the ratio is oriented so that > 1 means ours is better."""
    ratio = None
    if theirs is not None and ours and theirs:
        ratio = ours / theirs if higher_is_better else theirs / ours
    return {"what": what, "ours": ours, "peer": peer, "theirs": theirs, "unit": unit, "ratio": ratio,
            "exact": exact, "note": note, "load": round(os.getloadavg()[0], 2)}


def record(benchmark: str, rows: list[dict[str, Any]]) -> Path:
    """Write ``rows`` for ``benchmark`` (replacing that benchmark's previous rows)."""
    FOLDER.mkdir(exist_ok=True)
    path = FOLDER / f"{benchmark}.json"
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return path
