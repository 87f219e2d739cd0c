"""Read a user's file safely: regular files only (a FIFO or device never blocks), size-capped."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mgstudio.core.errors import FormatError


def _a(what: str) -> str:
    """``what`` with its article: "an ELAN file", "an NTU .skeleton file", "a pose pickle"."""
    first = what.split(" ", 1)[0]
    vowel = first[:1] in "aeioAEIO" or (first.isupper() and first[:1] in "FHLMNRSX")
    return f"{'an' if vowel else 'a'} {what}"


def read_regular(path: str | Path, max_bytes: int, what: str = "file", head: bool = False) -> bytes:
    """The bytes of ``path``; one-sentence :class:`FormatError` for a folder, FIFO, device or an
    over-large file. Opened non-blocking, so a FIFO named like a data file cannot hang the caller.
    ``head=True``: only the first ``max_bytes`` (e.g. a CSV header), whatever the file's size."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise FormatError(f"{path.name} is a folder, not {_a(what)}.") from None
    except OSError as exc:
        raise FormatError(f"Cannot open {path.name}: {exc.strerror or exc}.") from exc
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise FormatError(f"{path.name} is a folder, not {_a(what)}.")
        if not stat.S_ISREG(st.st_mode):
            raise FormatError(f"{path.name} is not a regular file (a pipe, device or socket), so it "
                              f"cannot be {_a(what)}.")
        if head:
            return os.read(fd, max_bytes)
        if st.st_size > max_bytes:
            raise FormatError(f"{path.name} is too large to be {_a(what)} "
                              f"({st.st_size / 1e6:.0f} MB; at most {max_bytes / 1e6:.0f} MB).")
        chunks, left = [], max_bytes + 1
        while left > 0:
            block = os.read(fd, min(left, 1 << 20))
            if not block:
                break
            chunks.append(block)
            left -= len(block)
        if left <= 0:
            raise FormatError(f"{path.name} grew beyond {max_bytes / 1e6:.0f} MB while being read.")
        return b"".join(chunks)
    except OSError as exc:
        raise FormatError(f"Cannot read {path.name}: {exc.strerror or exc}.") from exc
    finally:
        os.close(fd)
