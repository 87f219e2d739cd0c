"""Atomic file writes: a new temporary file in the target's folder, fsync, then rename over the target.

A crash, a kill or a full disk mid-write leaves the previous file untouched (never a truncated
one). The temporary file is created exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``) under a
random name (``.NAME.<random>.tmp``), so a file or symbolic link planted where a temporary file
will be is never written through; the rename replaces a link at the target itself, not what it
points to. While it is written the temporary file is ``flock``-ed, so :func:`clean_temp_files`
can tell the leftovers of a killed writer (removed when a project is opened) from a write that
another process is making right now (left alone).

:func:`open_regular` opens a file for reading without blocking and refuses anything but a
regular file (a FIFO or device named like a skeleton would otherwise hang its reader).

:func:`atomic_file` raises :class:`OSError` (the store and the pose cache turn it into their own
sentence); :func:`atomic_write` and :func:`atomic_path` (exports) raise
:class:`~mgstudio.core.errors.FormatError` naming the file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

try:
    import fcntl
except ImportError:  # Windows: temporary files are told apart by age only
    fcntl = None  # type: ignore[assignment]

from mgstudio.core.errors import FormatError

__all__ = ["atomic_file", "atomic_write", "atomic_path", "temp_name", "is_temp_name", "TEMP_SUFFIX",
           "open_regular", "clean_temp_files"]

TEMP_SUFFIX = ".tmp"
_OURS = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")  # temp_name()'s shape
STALE_AFTER_S = 3600.0  # a temporary file of another shape is left alone until it is this old
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_BINARY", 0)


def temp_name(name: str) -> str:
    """A fresh random temporary name for a file called ``name`` (``.NAME.<random>.tmp``)."""
    return f".{name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"


def is_temp_name(name: str) -> bool:
    """Whether ``name`` looks like a temporary file of :func:`temp_name` (or an older ``NAME.tmp``)."""
    return name.endswith(TEMP_SUFFIX)


def _open_exclusive(folder: Path, name: str) -> tuple[int, Path]:
    """Create a new temporary file for ``name`` in ``folder`` and lock it; returns its descriptor and path."""
    for _ in range(100):
        tmp = folder / temp_name(name)
        try:
            fd = os.open(tmp, _FLAGS, 0o666)
        except FileExistsError:
            continue
        if fcntl is not None:
            with contextlib.suppress(OSError):  # some network file systems have no locks: age decides
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd, tmp
    raise FileExistsError(f"no free temporary name for {name} in {folder}")


def open_regular(path: str | Path) -> BinaryIO:
    """Open ``path`` for reading in binary mode, never blocking; refuses FIFOs, devices and folders.

    Raises :class:`OSError` when it cannot be opened and :class:`FormatError` when it is not a
    regular file."""
    path = Path(path)
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FormatError(f"{path.name} is not a regular file (it is a pipe, device or folder), "
                              "so MG Studio does not read it.", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _remove_if_orphan(path: Path, now: float) -> bool:
    """Remove a leftover temporary file; ``False`` when it is being written or may still be."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):  # a planted link or pipe: remove the entry itself, never its target
        with contextlib.suppress(OSError):
            os.unlink(path)
            return True
        return False
    ours = _OURS.match(path.name) is not None
    if fcntl is None or not ours:
        if now - st.st_mtime < STALE_AFTER_S:
            return False
    if fcntl is not None:
        try:
            fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return False
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # a live writer holds it
            except OSError:
                if now - st.st_mtime < STALE_AFTER_S:
                    return False
            with contextlib.suppress(OSError):
                os.unlink(path)
                return True
            return False
        finally:
            os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(path)
        return True
    return False


def clean_temp_files(folder: str | Path, recursive: bool = False, max_depth: int = 4) -> int:
    """Remove the temporary files killed writers left in ``folder``; returns how many.

    Never follows links (a linked folder is not entered); files being written are left alone."""
    folder = Path(folder)
    now = time.time()
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.endswith(TEMP_SUFFIX):
            removed += _remove_if_orphan(Path(entry.path), now)
        elif recursive and max_depth > 0 and entry.is_dir(follow_symlinks=False):
            removed += clean_temp_files(entry.path, True, max_depth - 1)
    return removed


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
