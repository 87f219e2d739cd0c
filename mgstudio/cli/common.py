"""What several commands share: opening a project for reading (read-only when asked, or when the
folder cannot be written) and finding an item by name (with "did you mean ...?")."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any, TYPE_CHECKING

from mgstudio.core.errors import ProjectError

if TYPE_CHECKING:
    from mgstudio.core.project import Project

READ_ONLY_HELP = "open the project read-only: nothing in it is changed (automatic when it cannot be written)"


def add_read_only(p: argparse.ArgumentParser) -> None:
    """The ``--read-only`` flag of a command that only reads the project."""
    p.add_argument("--read-only", action="store_true", help=READ_ONLY_HELP)


def writable(path: str | Path) -> bool:
    """Whether the project at ``path`` can be written by this user."""
    from mgstudio.core.project import Project

    return Project.can_write(path)


def open_for_reading(path: str | Path, read_only: bool = False, annotator: str | None = None) -> Any:
    """Open a project for a command that only reads it: read-only when asked, and also when the
    folder cannot be written (saying so in one line on stderr)."""
    from mgstudio.core.project import Project

    if not read_only and not writable(path):
        print(f"mgstudio: {Path(path)} cannot be written, so it was opened read-only "
              "(nothing in it is changed).", file=sys.stderr)
        read_only = True
    return Project.open(path, annotator=annotator, read_only=read_only)


def find_item(project: Project, name: str) -> Any:
    """The item called ``name``; otherwise one sentence naming the closest names."""
    try:
        return project.item_by_name(name)
    except ProjectError:
        pass
    names = [_shown(i.name) for i in project.items()]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if not close:  # a different case or a typed prefix ("session" for "session1")
        close = [n for n in names if n.lower() == name.lower() or n.lower().startswith(name.lower())][:3]
    if close:
        hint = " or ".join(f"'{c}'" for c in close)
        raise ProjectError(f"The project {_short(project)} has no item called '{_shown(name)}'; did you mean {hint}?")
    listed = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    raise ProjectError(f"The project {_short(project)} has no item called '{_shown(name)}' "
                       f"(items: {listed or 'none'}).")


def _shown(name: str, limit: int = 30) -> str:
    """A name as one short line (a damaged or odd name must not break the one-line message)."""
    name = "".join(c if c.isprintable() else " " for c in str(name))
    return name if len(name) <= limit else name[: limit - 3] + "..."


def _short(project: Project) -> str:
    """The project's folder name, cut to 60 characters for a one-line message."""
    return _shown(Path(project.path).name, 60)
