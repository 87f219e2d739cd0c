"""Refuse a language-model path that is not a GGUF file, in one sentence, before llama.cpp sees it.

Checks without blocking: the path must be a regular file (a FIFO or device is never opened for
reading in blocking mode), non-empty, and start with the GGUF magic ``b"GGUF"`` and a known
version (1-3).
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

from mgstudio.core.errors import MGStudioError

MAGIC = b"GGUF"


def gguf_problem(path: str | os.PathLike) -> str | None:
    """``None`` when ``path`` looks like a GGUF model file, else one sentence saying why not."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        return f"The model file {p.name} does not exist."
    except OSError as exc:
        return f"The model file {p.name} cannot be read ({exc.strerror or exc})."
    if stat.S_ISDIR(st.st_mode):
        return f"{p.name} is a folder: choose the .gguf model file inside it."
    if not stat.S_ISREG(st.st_mode):
        return f"{p.name} is not a regular file (a pipe or device), so it cannot be a GGUF model."
    if st.st_size < 8:
        return f"{p.name} is {'empty' if st.st_size == 0 else 'too short'}: it is not a GGUF model file."
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            head = os.read(fd, 8)
        finally:
            os.close(fd)
    except OSError as exc:
        return f"The model file {p.name} cannot be read ({exc.strerror or exc})."
    if head[:4] != MAGIC:
        return f"{p.name} is not a GGUF language model file (it lacks the 'GGUF' header)."
    (version,) = struct.unpack("<I", head[4:8])
    if not 1 <= version <= 3:
        return f"{p.name} is a GGUF file of unknown version {version}: update MG Studio or convert the model."
    return None


def check_gguf(path: str | os.PathLike, error: type[MGStudioError] = MGStudioError) -> Path:
    """``path`` when it is a GGUF model file; otherwise raise ``error`` with the sentence."""
    problem = gguf_problem(path)
    if problem:
        raise error(problem, detail=str(path))
    return Path(path)
