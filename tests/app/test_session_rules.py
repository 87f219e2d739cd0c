"""`mgstudio.app.session` and `mgstudio.app.concurrency` are logic every view shares: they build no widgets.

REDESIGN rule 6 (docs/internal-api.md, import rules): session/ and concurrency/ import no QtWidgets, QtGui, pyqtgraph or
OpenGL, so its logic (next proposal, skip rejected…) can be tested and reused without a window.
import-linter cannot forbid submodules of an external package, so this test reads the imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mgstudio.app.concurrency as concurrency
import mgstudio.app.session as session

FORBIDDEN = ("PySide6.QtWidgets", "PySide6.QtGui", "pyqtgraph", "OpenGL")


def _imports(path: Path) -> list[str]:
    """Modules imported at run time (imports under ``if TYPE_CHECKING:`` are for type hints only)."""
    names: list[str] = []
    todo: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            todo += node.orelse
            continue
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        todo += list(ast.iter_child_nodes(node))
    return names


@pytest.mark.parametrize("room", [session, concurrency], ids=["session", "concurrency"])
def test_shared_rooms_import_no_widget_toolkit(room) -> None:
    files = sorted(Path(room.__file__).parent.rglob("*.py"))
    assert len(files) > 1, f"{room.__name__} has no modules"
    bad = [f"{f.name}: {name}" for f in files for name in _imports(f)
           if any(name == m or name.startswith(m + ".") for m in FORBIDDEN)]
    assert bad == []
