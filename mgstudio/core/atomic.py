"""Atomic file writes: a new temporary file in the target's folder, fsync, then rename over the target.

A crash, a kill or a full disk mid-write leaves the previous file untouched (never a truncated
one). The temporary file is created exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``) under a
random name (``.NAME.<random>.tmp``), so a file or symbolic link planted where a temporary file
will be is never written through; the rename replaces a link at the target itself, not what it
points to.

:func:`atomic_file` raises :class:`OSError` (the store and the pose cache turn it into their own
sentence); :func:`atomic_write` and :func:`atomic_path` (exports) raise
:class:`~mgstudio.core.errors.FormatError` naming the file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from mgstudio.core.errors import FormatError

__all__ = ["atomic_file", "atomic_write", "atomic_path", "temp_name", "is_temp_name", "TEMP_SUFFIX"]

TEMP_SUFFIX = ".tmp"
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_BINARY", 0)


def temp_name(name: str) -> str:
    """A fresh random temporary name for a file called ``name`` (``.NAME.<random>.tmp``)."""
    return f".{name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"


def is_temp_name(name: str) -> bool:
    """Whether ``name`` looks like a temporary file of :func:`temp_name` (or an older ``NAME.tmp``)."""
    return name.endswith(TEMP_SUFFIX)


def _open_exclusive(folder: Path, name: str) -> tuple[int, Path]:
    """Create a new temporary file for ``name`` in ``folder``; returns its descriptor and path."""
    for _ in range(100):
        tmp = folder / temp_name(name)
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {name} in {folder}")


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _parent(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: str = "wb", encoding: str | None = None,
                newline: str | None = None) -> Iterator[IO]:
    """Open a new temporary file for writing; it replaces ``path`` only when the block succeeds.

    Raises :class:`OSError` (nothing is left behind: the temporary file is removed)."""
    path = Path(path)
    if "b" not in mode and encoding is None:
        encoding = "utf-8"
    fd, tmp = _open_exclusive(_parent(path), path.name)
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(_parent(path))


def _format_error(path: Path, exc: OSError) -> FormatError:
    return FormatError(f"Could not write {path.name} in {_parent(path)}: {exc.strerror or exc}.", str(exc))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer that creates the file itself (a video
    encoder, pympi); on success it replaces ``path`` atomically."""
    path = Path(path)
    parent = _parent(path)
    if not parent.is_dir():
        raise FormatError(f"The folder {parent} does not exist.")
    try:
        fd, tmp_path = _open_exclusive(parent, path.name)
    except OSError as exc:
        raise _format_error(path, exc) from exc
    os.close(fd)
    tmp_path.unlink()  # writers create it; some (pympi) rename an existing file to .bak first
    try:
        yield tmp_path
        if not tmp_path.is_file() or tmp_path.is_symlink():
            raise FormatError(f"Nothing was written to {path.name}.")
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise _format_error(path, exc) from exc
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    _fsync_folder(parent)


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8",
                 newline: str | None = None) -> Iterator[IO]:
    """Like :func:`atomic_file` (text by default) but a failure is a :class:`FormatError` naming the file."""
    path = Path(path)
    parent = _parent(path)
    if not parent.is_dir():
        raise FormatError(f"The folder {parent} does not exist.")
    try:
        with atomic_file(path, mode, encoding, newline) as fh:
            yield fh
    except OSError as exc:
        raise _format_error(path, exc) from exc
