"""Atomic file writes: a temporary file in the same folder, fsync, then rename.

A crash or a full disk mid-export leaves the previous file untouched (never a truncated one).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from mgstudio.core.errors import FormatError


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FormatError(f"The folder {parent} does not exist.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise FormatError(f"Could not write {path.name} in {parent}: {exc.strerror or exc}.", str(exc)) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers create it; some (pympi) rename an existing file to .bak first
    try:
        yield tmp_path
        if not tmp_path.exists():
            raise FormatError(f"Nothing was written to {path.name}.")
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise FormatError(f"Could not write {path.name}: {exc.strerror or exc}.", str(exc)) from exc
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8",
                 newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file for writing; it replaces ``path`` only when the block succeeds."""
    with atomic_path(path) as tmp:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with open(tmp, mode, **kwargs) as fh:
            yield fh
            fh.flush()
