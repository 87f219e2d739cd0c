"""``mgstudio import`` and ``mgstudio export``: segment files in and out."""

from __future__ import annotations

import argparse
from pathlib import Path

from mgstudio.cli.common import add_read_only, find_item, open_for_reading
from mgstudio.core.errors import MGStudioError

IMPORT_EXAMPLES = """examples:
  mgstudio import study.mgproj session1.eaf --item session1
  mgstudio import study.mgproj labels_20200831.csv            # iMiGUE labels, by video_id
  mgstudio import study.mgproj coding.boris --map scratch="touching or scratching head"
  mgstudio import study.mgproj labels_20200831.csv --create-items   # a study without videos
  mgstudio import study.mgproj interview*.eaf --create-items --fps 25
  mgstudio import study.mgproj study.boris --create-items     # one recording per observation
"""
EXPORT_EXAMPLES = """examples:
  mgstudio export study.mgproj --out session1.eaf --item session1
  mgstudio export study.mgproj --out session1.eaf --item session1 --reviewed-into alice
  mgstudio export study.mgproj --out all.csv --status accepted --status edited
  mgstudio export study.mgproj --out study.boris
  mgstudio export study.mgproj --out backup.json          # every field, for archiving
  mgstudio export study.mgproj --dataset mg_dataset/ --seed 1 --blur-videos
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
    p.add_argument("--dependent-tiers", choices=["notes", "tiers"], default="notes",
                   help="ELAN dependent tiers (comments, subdivisions): notes of their parent's segments "
                        "(default) or tiers of their own")
    p.add_argument("--create-items", action="store_true",
                   help="add a label-only recording (no video or skeleton) for each recording the file names "
                        "and the project lacks (ELAN, CSV, iMiGUE, BORIS, MG Studio JSON; the default when the "
                        "project is empty); 'mgstudio undo' takes them back with the import")
    p.add_argument("--fps", help="frame rate of the recordings --create-items adds, where the file gives none "
                        "(ELAN, a CSV without seconds, a live BORIS observation, a JSON segment of an unlisted "
                        "recording; default 25 for ELAN and seconds-only CSV)")
    p.add_argument("--list-skipped", dest="verbose_skips", action="store_true",
                   help="print every skipped row with its reason, tier and time")
    p.set_defaults(func=run_import)

    e = sub.add_parser("export", help="export segments to ELAN, CSV, iMiGUE, BORIS or JSON files",
                       epilog=EXPORT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("project", help="the project folder (NAME.mgproj)")
    e.add_argument("--out", help="file to write (the format follows its extension)")
    e.add_argument("--dataset", metavar="FOLDER",
                   help="write a labelled skeleton dataset (PYSKL pickle, NTU arrays, CSV manifest, datasheet)")
    e.add_argument("--dataset-format", action="append", choices=["pyskl", "ntu", "csv"], default=[],
                   help="dataset formats (repeatable; default all)")
    e.add_argument("--coords", choices=["2d", "3d"], default="2d", help="dataset coordinates (default 2d)")
    e.add_argument("--split", default="0.7,0.15,0.15", help="train,val,test shares, split by subject")
    e.add_argument("--seed", type=int, default=0, help="seed of the subject split (default 0)")
    e.add_argument("--blur-videos", action="store_true", help="also write video clips with the face blurred")
    e.add_argument("--format", choices=["eaf", "csv", "imigue", "boris", "json"],
                   help="file format when the extension does not say (.csv is MG Studio CSV)")
    e.add_argument("--item", action="append", default=[], help="item name (repeatable; default all)")
    e.add_argument("--tier", action="append", default=[], help="tier name (repeatable; default all)")
    e.add_argument("--status", action="append", default=[],
                   choices=["proposed", "accepted", "rejected", "edited"], help="keep only these statuses")
    e.add_argument("--reviewed-into", metavar="TIER",
                   help="ELAN: write the proposals you accepted or edited into this coder's tier instead of "
                        "the separate model tier (unreviewed and rejected ones stay there)")
    add_read_only(e)
    e.set_defaults(func=run_export)


def _item_ids(project, names: list[str]) -> list[int] | None:
    if not names:
        return None
    return [find_item(project, n).id for n in names]


def run_import(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project
    from mgstudio.formats.tracks import find_item as find_or_none
    from mgstudio.formats.tracks import parse_label_map
    from mgstudio.workflows.coding import import_coding

    label_map = parse_label_map(args.map)
    with Project.open(args.project) as project:
        create = args.create_items or not project.items()  # an empty project: the file is the study
        known = find_or_none(project, args.item) if args.item else None
        if args.item and known is None and not create:
            find_item(project, args.item)  # the usual sentence, with did-you-mean
        item_id = known.id if known is not None else None
        for f in args.files:
            done = import_coding(project, f, args.format, item_id=item_id, item_name=args.item,
                                 create_missing=create, fps=args.fps, label_map=label_map,
                                 dependent=args.dependent_tiers)
            report = done.report
            for note in done.notes:
                print(f"{Path(f).name}: {note}")
            print(f"{Path(f).name}: {report.summary()}")
            for note in report.warnings[report.MAX_WARNINGS:]:  # the ones the summary only counted
                print(f"  {note}")
            if args.verbose_skips:
                for line in report.details:
                    print(f"  {line}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from mgstudio.formats.segment_io import export_file

    if bool(args.out) == bool(args.dataset):
        raise MGStudioError("Give either --out FILE (segments) or --dataset FOLDER (a labelled dataset).")
    if args.dataset:
        return _export_dataset(args)
    if args.reviewed_into is not None:
        return _export_eaf_reviewed_into(args)
    with open_for_reading(args.project, args.read_only) as project:
        n = export_file(project, args.out, args.format, _item_ids(project, args.item),
                        args.tier or None, args.status or None)
    print(f"Wrote {n} segment(s) to {args.out}.")
    return 0


def _export_eaf_reviewed_into(args: argparse.Namespace) -> int:
    """``export --reviewed-into TIER``: an ELAN file whose coder's tier holds her reviewed proposals."""
    from mgstudio.formats import eaf
    from mgstudio.formats.segment_io import detect_format

    if (args.format or detect_format(args.out, for_export=True)) != "eaf":
        raise MGStudioError("--reviewed-into is for ELAN files: write to a .eaf file (or add --format eaf).")
    with open_for_reading(args.project, args.read_only) as project:
        ids = _item_ids(project, args.item) or [it.id for it in project.items()]
        if len(ids) != 1:
            raise MGStudioError("An ELAN file holds one video: choose one item (--item NAME).")
        notes: list[str] = []
        n = eaf.export_eaf(project, args.out, ids[0], args.tier or None, args.status or None,
                           reviewed_into=args.reviewed_into, notes=notes)
    print(f"Wrote {n} segment(s) to {args.out}.")
    for note in notes:
        print(f"Note: {note}")
    return 0


def _export_dataset(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from mgstudio.workflows.dataset_export import DatasetOptions, export_dataset

    try:
        ratios = tuple(float(x) for x in args.split.split(","))
    except ValueError:
        raise MGStudioError(f"--split must be three numbers like 0.7,0.15,0.15, not '{args.split}'.") from None
    with open_for_reading(args.project, args.read_only) as project:
        opts = DatasetOptions(
            formats=tuple(args.dataset_format) or ("pyskl", "ntu", "csv"),
            item_ids=_item_ids(project, args.item), tiers=args.tier or None,
            statuses=tuple(args.status) or ("accepted", "edited"), coords=args.coords,
            ratios=ratios, seed=args.seed, blur_videos=args.blur_videos)  # type: ignore[arg-type]
        with tqdm(total=0, unit="clip", desc="Exporting", disable=None) as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()
            summary = export_dataset(project, args.dataset, opts, progress)
    print(f"Wrote {summary.clips} clip(s) of {len(summary.classes)} class(es) to {summary.folder} "
          f"(train/val/test subjects: {', '.join(str(len(summary.subjects[s])) for s in ('train', 'val', 'test'))}).")
    for w in summary.warnings:
        print(f"Note: {w}")
    return 0
