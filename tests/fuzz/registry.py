"""What the fuzz harness knows: one :class:`Target` per importer or loader.

Each ``tests/fuzz/test_*.py`` module exposes ``TARGETS: list[Target]``; :func:`discover` imports
them all, so a new module (ELAN, BORIS, damaged projects...) shows up in ``python -m
tests.fuzz.report`` and in the fixture replay without touching this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
FIXTURES = FUZZ_DIR / "fixtures"


@dataclass(frozen=True)
class Target:
    """An importer under attack.

    ``loader`` is ``"module:function"``: called with one input path, it returns something or
    raises :class:`~mgstudio.core.errors.MGStudioError`. ``make_inputs(folder, n, seed)`` writes
    ``n`` mutated (or hostile) inputs into ``folder`` and returns their paths (files or folders).
    ``area`` names the fixture folder ``tests/fuzz/fixtures/<area>/``. ``setup`` loads what every
    input needs once (a model), so its memory is not charged to the first input.
    """

    name: str
    area: str
    loader: str
    make_inputs: Callable[[Path, int, int], list[Path]]
    address_space_mb: int = 4096  # hard cap in the worker: a bomb must not take the machine down
    base_seconds: float = 10.0     # time budget per input: base + per_mb * size
    per_mb_seconds: float = 2.0
    base_mb: float = 96.0          # memory budget per input (peak RSS growth): base + per_byte * size
    per_byte: float = 40.0
    setup: str | None = None       # "module:function" run once per worker before any input (warm-up)
    keep: Callable[[Path], Path] | None = None  # saves a failing input as a fixture (default: a copy)


def discover() -> list[Target]:
    """Every ``TARGETS`` entry of the ``tests.fuzz.test_*`` modules."""
    out: list[Target] = []
    for info in sorted(pkgutil.iter_modules([str(FUZZ_DIR)]), key=lambda i: i.name):
        if info.name.startswith("test_"):
            mod = importlib.import_module(f"tests.fuzz.{info.name}")
            out.extend(getattr(mod, "TARGETS", []))
    return out


def resolve(loader: str) -> Callable[[Path], object]:
    module, _, func = loader.partition(":")
    return getattr(importlib.import_module(module), func)
