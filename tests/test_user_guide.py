"""The user guide stays true: its commands parse with today's CLI, its pictures exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mgstudio.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "user-guide.md"


def _commands() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.S)
    lines = [ln.split("  #")[0].strip() for b in blocks for ln in b.splitlines()]
    return [ln for ln in lines if ln.startswith("mgstudio ")]


def test_guide_has_commands() -> None:
    assert len(_commands()) >= 15


@pytest.mark.parametrize("line", _commands())
def test_guide_command_parses(line: str) -> None:
    args = build_parser().parse_args(shlex.split(line)[1:])  # argparse exits on an unknown option
    assert getattr(args, "func", None) is not None, line


def test_guide_pictures_exist() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert pictures
    missing = [p for p in pictures if not (GUIDE.parent / p).is_file()]
    assert not missing, missing
