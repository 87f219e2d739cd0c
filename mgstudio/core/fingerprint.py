"""Video fingerprints: recognise a file after it was moved or renamed, without reading all of it.

A fingerprint is ``"v1:SIZE:SHA256"`` where the hash covers the first and the last MiB of the
file (the whole file when it is smaller than 2 MiB). Size + head + tail separates real videos
well (container headers and index tables sit at the ends) and costs two reads of 1 MiB.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

__all__ = ["fingerprint", "fingerprint_size", "find_by_fingerprint", "media_status", "CHUNK"]

CHUNK = 1 << 20
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg",
                            ".mts", ".m2ts", ".wmv", ".flv", ".ogv", ".3gp"})


def fingerprint(path: str | Path) -> str:
    """``"v1:SIZE:SHA256(first MiB + last MiB)"``; raises ``OSError`` when unreadable."""
    path = Path(path)
    size = path.stat().st_size
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        if size <= 2 * CHUNK:
            h.update(fh.read())
        else:
            h.update(fh.read(CHUNK))
            fh.seek(size - CHUNK)
            h.update(fh.read(CHUNK))
    return f"v1:{size}:{h.hexdigest()}"


def fingerprint_size(fp: str) -> int | None:
    """The file size recorded in a fingerprint (None when it is not one)."""
    try:
        return int(fp.split(":")[1])
    except (AttributeError, IndexError, ValueError):
        return None


def media_status(path: str | Path | None, expected: str | None, verify: bool = True) -> str:
    """``"ok"``, ``"missing"`` (no readable file at ``path``) or ``"changed"`` (another file there).

    Without ``verify`` only the file's size is compared (one ``stat``: instant even on a network
    drive); with it the first and last MiB are hashed as well.
    """
    p = Path(path or "")
    try:
        st = p.stat()  # one call: presence, kind and size
        if not stat.S_ISREG(st.st_mode):
            return "missing"
        size = fingerprint_size(expected or "")
        if size is not None and st.st_size != size:
            return "changed"
        if not verify:
            return "ok"
        return "ok" if fingerprint(p) == expected else "changed"
    except OSError:
        return "missing"


def find_by_fingerprint(fp: str, search_dirs: Iterable[str | Path], name_hint: str | None = None,
                        any_suffix: bool = False) -> Path | None:
    """First file under ``search_dirs`` (recursively) with fingerprint ``fp``, else None.

    Files of another size are skipped without reading them; a file named ``name_hint`` is
    tried first. Only video suffixes are considered unless ``any_suffix``.
    """
    size = fingerprint_size(fp)
    candidates: list[Path] = []
    for root in search_dirs:
        root = Path(root).expanduser()
        if root.is_file():
            walk = [(str(root.parent), [], [root.name])]
        else:
            walk = os.walk(root)
        for dirpath, _dirs, files in walk:
            for fname in files:
                p = Path(dirpath) / fname
                if not any_suffix and p.suffix.lower() not in VIDEO_SUFFIXES:
                    continue
                try:
                    if size is not None and p.stat().st_size != size:
                        continue
                except OSError:
                    continue
                candidates.append(p)
    candidates.sort(key=lambda p: (p.name != name_hint, str(p)))
    for p in candidates:
        try:
            if fingerprint(p) == fp:
                return p
        except OSError:
            continue
    return None
