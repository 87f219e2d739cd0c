"""The ``mgstudio`` command line: thin subcommands over the packages.

Each module in this package that defines ``register(subparsers)`` adds its subcommands; a
handler is stored as ``func`` on its parser and returns an exit code (or None for 0). Handlers
raise :class:`~mgstudio.core.errors.MGStudioError` for bad input: ``main`` prints its sentence
and exits with status 2, never a traceback. Without a command, ``mgstudio`` opens the GUI.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from mgstudio import __version__
from mgstudio.core.errors import MGStudioError

EXAMPLES = """examples:
  mgstudio new interviews.mgproj
  mgstudio add interviews.mgproj session1.mp4 session2.mp4
  mgstudio set interviews.mgproj session1 --subject P01 --split test
  mgstudio extract interviews.mgproj --all
  mgstudio propose interviews.mgproj --all
  mgstudio export interviews.mgproj --out session1.eaf --item session1
  mgstudio report interviews.mgproj session1 --scenario stress --out reports/
  mgstudio gui interviews.mgproj
"""


ORDER = ["project_cmds", "item_cmds", "extract", "propose", "io_cmds", "agree", "train_cmds", "report", "gui"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mgstudio",
        description="MG Studio: annotate, recognise and reason about micro-gestures from skeletons.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"MG Studio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [m.name for m in pkgutil.iter_modules(__path__)]
    # workflow order first (create, add, extract, propose, review files, agree, train, report, gui)
    names.sort(key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    for mod in names:
        module = importlib.import_module(f"{__name__}.{mod}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:
        argv = ["gui"]
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        code = func(args)
    except MGStudioError as exc:
        print(f"mgstudio: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mgstudio: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_went_away()
    except OSError as exc:
        # Disk full, permission denied, missing file...: one sentence, no traceback.
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"mgstudio: {exc.strerror or exc}{where}.", file=sys.stderr)
        return 2
    try:
        sys.stdout.flush()  # here, not at exit: a reader that stopped early (| head) is no error
    except BrokenPipeError:
        return _reader_went_away()
    return int(code or 0)


def _reader_went_away() -> int:
    """``mgstudio info p | head``: the reader closed the pipe. Like other command-line tools, stop
    quietly (exit status 141, as for SIGPIPE) instead of printing "Broken pipe"."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail either
    except (OSError, ValueError):
        pass
    return 141
