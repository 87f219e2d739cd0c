"""``mgstudio import`` and ``mgstudio export``: segment files in and out."""

from __future__ import annotations

import argparse
from pathlib import Path

from mgstudio.core.errors import MGStudioError

IMPORT_EXAMPLES = """examples:
  mgstudio import study.mgproj session1.eaf --item session1
  mgstudio import study.mgproj labels_20200831.csv            # iMiGUE labels, by video_id
  mgstudio import study.mgproj coding.boris --map scratch="touching or scratching head"
"""
EXPORT_EXAMPLES = """examples:
  mgstudio export study.mgproj --out session1.eaf --item session1
  mgstudio export study.mgproj --out all.csv --status accepted --status edited
  mgstudio export study.mgproj --out study.boris
  mgstudio export study.mgproj --out backup.json          # every field, for archiving
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import segments from ELAN, CSV, iMiGUE, BORIS or JSON files",
                       epilog=IMPORT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", help="the project folder (NAME.mgproj)")
    p.add_argument("files", nargs="+", help="segment files to import")
    p.add_argument("--format", default="auto", choices=["auto", "eaf", "csv", "imigue", "boris", "json"])
    p.add_argument("--item", help="the item the file belongs to (ELAN files, single-item CSV)")
    p.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                   help="rename a label while importing (repeatable)")
    p.set_defaults(func=run_import)

    e = sub.add_parser("export", help="export segments to ELAN, CSV, iMiGUE, BORIS or JSON files",
                       epilog=EXPORT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("project", help="the project folder (NAME.mgproj)")
    e.add_argument("--out", required=True, help="file to write (the format follows its extension)")
    e.add_argument("--format", choices=["eaf", "csv", "imigue", "boris", "json"],
                   help="file format when the extension does not say (.csv is MG Studio CSV)")
    e.add_argument("--item", action="append", default=[], help="item name (repeatable; default all)")
    e.add_argument("--tier", action="append", default=[], help="tier name (repeatable; default all)")
    e.add_argument("--status", action="append", default=[],
                   choices=["proposed", "accepted", "rejected", "edited"], help="keep only these statuses")
    e.set_defaults(func=run_export)


def _item_ids(project, names: list[str]) -> list[int] | None:
    if not names:
        return None
    ids = []
    for n in names:
        it = project.item_by_name(n)
        if it is None:
            raise MGStudioError(f"The project has no item named '{n}'.")
        ids.append(it.id)
    return ids


def run_import(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project
    from mgstudio.formats.segment_io import import_file
    from mgstudio.formats.tracks import parse_label_map

    label_map = parse_label_map(args.map)
    with Project.open(args.project) as project:
        item_id = _item_ids(project, [args.item])[0] if args.item else None
        for f in args.files:
            report = import_file(project, f, args.format, item_id, label_map)
            print(f"{Path(f).name}: {report.summary()}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project
    from mgstudio.formats.segment_io import export_file

    with Project.open(args.project) as project:
        n = export_file(project, args.out, args.format, _item_ids(project, args.item),
                        args.tier or None, args.status or None)
    print(f"Wrote {n} segment(s) to {args.out}.")
    return 0
