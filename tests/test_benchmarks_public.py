"""Benchmarks use mgstudio's public names only (the test-module rule is an import contract)."""

from __future__ import annotations

import ast
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_benchmarks_import_and_read_no_private_mgstudio_names() -> None:
    found = []
    for path in sorted(BENCHMARKS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(BENCHMARKS.parent)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mgstudio"):
                found += [f"{where} imports {node.module}.{a.name}" for a in node.names if _private(a.name)]
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                owner = ast.unparse(node.value)
                if owner not in ("self", "cls"):  # a benchmark's own classes may keep private state
                    found.append(f"{where} reads {owner}.{node.attr}")
    assert found == [], "benchmarks use private names; give them a public name where they live:\n" + "\n".join(found)
