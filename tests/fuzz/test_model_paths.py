"""GGUF model paths that are not GGUF models: a text file, an empty file, a folder, a FIFO, a
device, a dangling or looping link, a wrong version. Each is refused in one sentence, at once
(a FIFO must not block)."""

from __future__ import annotations

import os
import random
import struct
import tempfile
from pathlib import Path

import pytest

from mgstudio.reasoning.backends import LLMError, LlamaCppBackend
from tests.fuzz.check import assert_clean
from tests.fuzz.mutators import mutate_bytes
from tests.fuzz.registry import Target
from tests.fuzz.runner import examples, run_paths

KINDS = ["text", "empty", "folder", "fifo", "device", "dangling", "loop", "version", "short", "pickle",
         "bytes", "valid_header"]


def make_path(folder: Path, kind: str, rng: random.Random) -> Path:
    p = folder / "model.gguf"
    if kind == "text":
        p.write_text("this is not a model\n" * rng.randint(1, 50))
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "folder":
        p.mkdir()
    elif kind == "fifo":
        os.mkfifo(p)
    elif kind == "device":
        p.symlink_to("/dev/zero")
    elif kind == "dangling":
        p.symlink_to(folder / "nowhere.gguf")
    elif kind == "loop":
        p.symlink_to(p)
    elif kind == "version":
        p.write_bytes(b"GGUF" + struct.pack("<I", rng.choice([0, 4, 2**31])) + bytes(64))
    elif kind == "short":
        p.write_bytes(b"GGUF"[: rng.randint(1, 4)])
    elif kind == "pickle":
        p.write_bytes(b"\x80\x04\x95" + bytes(100))
    elif kind == "bytes":
        p.write_bytes(mutate_bytes(b"GGUF" + struct.pack("<I", 3) + bytes(200), rng))
    else:
        p.write_bytes(b"GGUF" + struct.pack("<I", 3) + bytes(rng.randint(0, 100)))
    return p


def make_paths(folder: Path, n: int, seed: int) -> list[Path]:
    out = []
    for k in range(n):
        rng = random.Random(seed * 1_000_003 + k)
        d = folder / f"p{k:05d}"
        d.mkdir()
        out.append(make_path(d, KINDS[k % len(KINDS)], rng))
    return out


def _backend(path: Path) -> LlamaCppBackend:
    return LlamaCppBackend(path)


TARGETS = [Target("GGUF model path", "gguf", "mgstudio.reasoning.backends:LlamaCppBackend", make_paths,
                  base_seconds=5.0)]
(TARGET,) = TARGETS


@pytest.mark.parametrize("kind", KINDS)
def test_a_path_that_is_not_a_gguf_model_is_refused_in_one_sentence(tmp_path, kind):
    p = make_path(tmp_path, kind, random.Random(1))
    out = assert_clean(TARGET, p)
    if kind == "valid_header":
        assert out.kind == "ok"
    elif kind != "bytes":  # damaged bytes may or may not keep a valid header
        assert out.kind == "clean" and out.seconds < 2, (out.kind, out.message)
        with pytest.raises(LLMError):
            LlamaCppBackend(p)


def test_model_paths_in_a_worker_process():
    with tempfile.TemporaryDirectory() as d:
        summary = run_paths(TARGET, make_paths(Path(d), max(len(KINDS), examples(24)), seed=3))
    bad = summary.failures()
    assert not bad, [(o.path.name, o.kind, o.message[-300:]) for o in bad[:3]]
