"""``mgstudio gui [PROJECT] [--demo]``: open the desktop app."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the desktop app (default when no command is given)")
    p.add_argument("project", nargs="?", help="a project folder (NAME.mgproj) to open")
    p.add_argument("--demo", action="store_true",
                   help="open the demo project (made in your data folder the first time)")
    p.set_defaults(func=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    from mgstudio.app.main import run

    return run(project=args.project, demo=args.demo)
