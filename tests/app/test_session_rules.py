"""`mgstudio.app.session` is review logic every view shares: it must not build widgets.

REDESIGN rule 6 (docs/internal-api.md, import rules): session/ imports no QtWidgets, QtGui, pyqtgraph or
OpenGL, so its logic (next proposal, skip rejected…) can be tested and reused without a window.
import-linter cannot forbid submodules of an external package, so this test reads the imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mgstudio.app.session as session

FORBIDDEN = ("PySide6.QtWidgets", "PySide6.QtGui", "pyqtgraph", "OpenGL")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return names


def test_session_modules_import_no_widget_toolkit() -> None:
    files = sorted(Path(session.__file__).parent.rglob("*.py"))
    assert files, "mgstudio/app/session has no modules"
    bad = [f"{f.name}: {name}" for f in files for name in _imports(f)
           if any(name == m or name.startswith(m + ".") for m in FORBIDDEN)]
    assert bad == []
