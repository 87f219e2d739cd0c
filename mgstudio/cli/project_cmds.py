"""``mgstudio new``, ``mgstudio add`` and ``mgstudio info``: make a project, fill it, look at it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mgstudio.core.errors import MGStudioError

NEW_EXAMPLES = """examples:
  mgstudio new interviews                      # makes interviews.mgproj with the iMiGUE labels
  mgstudio new phases.mgproj --taxonomy gesture_phases --annotator alice
  mgstudio new mine.mgproj --taxonomy my_labels.json

built-in taxonomies: imigue, movement, utkinect, msr_action3d, gesture_phases
"""
ADD_EXAMPLES = """examples:
  mgstudio add interviews.mgproj session1.mp4 session2.mp4 --attr outcome=win
  mgstudio add interviews.mgproj session1.mp4 --skeleton session1_openpose/   # its skeleton too
  mgstudio add actions.mgproj --skeleton MSRAction3D/real_world_coordinates/  # skeleton-only items
  mgstudio add study.mgproj --skeleton 0042_openpose/ --fps 25 --name 0042    # OpenPose: give the rate

A skeleton whose name matches a video added in the same command (or the only video) is stored
as that video's skeleton; other skeletons become items of their own. A file that cannot be
read is named and the others are still added (the same as File > Add in the window).
"""
INFO_EXAMPLES = """examples:
  mgstudio info interviews.mgproj
  mgstudio info interviews.mgproj session1
"""


def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("new", help="create a project folder", description="Create a new project folder "
                       "(NAME.mgproj) for videos or skeleton files.", epilog=NEW_EXAMPLES, formatter_class=fmt)
    p.add_argument("project", help="the project folder to create (.mgproj is added when missing)")
    p.add_argument("--taxonomy", default="imigue", metavar="NAME|FILE",
                   help="label set: a built-in name or a taxonomy JSON file (default: imigue)")
    p.add_argument("--annotator", help="your name, for your tier and the audit log (default: your login)")
    p.add_argument("--name", help="a display name for the project (default: the folder name)")
    p.set_defaults(func=run_new)

    a = sub.add_parser("add", help="add videos or skeleton files to a project",
                       description="Add videos (referenced, not copied) and/or skeleton files to a project.",
                       epilog=ADD_EXAMPLES, formatter_class=fmt)
    a.add_argument("project", help="the project folder (NAME.mgproj)")
    a.add_argument("videos", nargs="*", metavar="VIDEO", help="video files")
    a.add_argument("--skeleton", action="append", default=[], metavar="FILE_OR_DIR",
                   help="skeleton file or folder (OpenPose JSON folder, Kinect/MSR/UTKinect .txt, NTU "
                        ".skeleton, pose pickle, gesture-phase CSV); repeatable")
    a.add_argument("--attr", action="append", default=[], metavar="KEY=VALUE",
                   help="attribute for every added item, e.g. outcome=win (repeatable)")
    a.add_argument("--fps", type=_positive_fps, metavar="N",
                   help="frame rate of skeleton-only recordings (OpenPose JSON folders record none)")
    a.add_argument("--name", help="the item's name when adding one recording (default: the file or folder "
                                  "name; use the id a coding file knows it by)")
    a.set_defaults(func=run_add)

    i = sub.add_parser("info", help="show what a project holds", description="List a project's items "
                       "with their frames, frame rate, skeleton and review progress, or one item in detail.",
                       epilog=INFO_EXAMPLES, formatter_class=fmt)
    i.add_argument("project", help="the project folder (NAME.mgproj)")
    i.add_argument("item", nargs="?", help="an item name for details")
    i.add_argument("--read-only", action="store_true", help="(info never changes the project; accepted for scripts)")
    i.set_defaults(func=run_info)


# ---------------------------------------------------------------------- new
def run_new(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project

    with Project.create(args.project, name=args.name, taxonomy=args.taxonomy, annotator=args.annotator) as p:
        print(f"Created {p.path} (taxonomy '{p.taxonomy.name}', {len(p.taxonomy)} labels; annotator {p.annotator}).")
        print(f"Next: mgstudio add {p.path} VIDEO...")
    return 0


# ---------------------------------------------------------------------- add
def _positive_fps(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--fps must be a number of frames per second, not '{text}'") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"--fps must be a positive number, not '{text}'")
    return value


def _parse_attrs(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise MGStudioError(f"Write attributes as KEY=VALUE (e.g. outcome=win), not '{pair}'.")
        out[key.strip()] = value.strip()
    return out


def run_add(args: argparse.Namespace) -> int:
    """Add through :func:`mgstudio.workflows.ingest.add_recordings` (the same as File ▸ Add):
    the readable files are added, each unreadable one is named; exit 1 when some were not added,
    2 (one sentence) when none was."""
    from mgstudio.core.project import Project
    from mgstudio.workflows.ingest import add_recordings, describe_item

    if not args.videos and not args.skeleton:
        raise MGStudioError("Name at least one video or --skeleton file to add.")
    attrs = _parse_attrs(args.attr)
    with Project.open(args.project) as p:
        result = add_recordings(p, args.videos, args.skeleton, attributes=attrs, fps=args.fps, name=args.name)
        for item_id in result.added:
            it = p.item(item_id)
            print(describe_item(it, p.load_skeleton(item_id) if it.kind == "skeleton" else None))
    for note in result.notes:
        print(note)
    problems = list(result.problems)
    if result.needs_fps:
        names = ", ".join(result.needs_fps)
        problems = [m for m in problems if not any(m.startswith(n) for n in result.needs_fps)]
        problems.append(f"{names} hold{'s' if len(result.needs_fps) == 1 else ''} no frame rate (OpenPose JSON "
                        "files do not record one): give it with --fps, e.g. --fps 25.")
    if problems and not result.added and len(problems) == 1:
        raise MGStudioError(problems[0])
    for msg in problems:
        print(f"mgstudio: {msg}", file=sys.stderr)
    return 1 if problems else 0


# ---------------------------------------------------------------------- info
def _fps(fps: float) -> str:
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def _duration(item: Any) -> str:
    d = item.duration
    if d is None:
        return "?"
    m, s = divmod(d, 60)
    return f"{int(m)}:{s:04.1f}"


def _reviewed(counts: dict[str, int], proposals: int) -> str:
    if proposals == 0:
        return "-"
    return f"{100 * (proposals - counts.get('proposed', 0)) / proposals:.0f}%"


def run_info(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project
    from mgstudio.core.segments import Source
    from mgstudio.workflows.coding import item_kind

    with Project.open(args.project, read_only=True) as p:
        if args.item:
            return _item_info(p, args.item)
        items = p.items()
        print(f"Project '{p.name}' at {p.path}")
        print(f"Taxonomy '{p.taxonomy.name}' ({len(p.taxonomy)} labels); annotators: {', '.join(p.annotators()) or '-'}")
        print(f"Tiers: {', '.join(f'{t.name} ({t.kind})' for t in p.tiers())}")
        if not items:
            print(f"No items yet: mgstudio add {p.path} VIDEO...")
            return 0
        rows = [("item", "kind", "frames", "fps", "length", "video", "skeleton", "proposed", "accepted",
                 "rejected", "edited", "reviewed")]
        media: dict[str, int] = {}
        for it in items:
            c = p.status_counts(it.id)
            n_model = p.count_segments(it.id, source=Source.MODEL)
            video = "-"
            if it.kind == "video":
                status = p.check_media(it.id)
                video = "ok" if status == "ok" else f"[{status}]"
                if status != "ok":
                    media[status] = media.get(status, 0) + 1
            rows.append((it.name, item_kind(p, it), str(it.frame_count if it.frame_count is not None else "?"), _fps(it.fps),
                         _duration(it), video, "yes" if p.has_skeleton(it.id) else "no", str(c["proposed"]),
                         str(c["accepted"]), str(c["rejected"]), str(c["edited"]), _reviewed(c, n_model)))
        widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
        for r in rows:
            print("  ".join(v.ljust(w) if k < 2 else v.rjust(w) for k, (v, w) in enumerate(zip(r, widths))))
        print(f"{len(items)} item(s), {p.count_segments()} segment(s). 'reviewed' = model proposals "
              "accepted, rejected or edited.")
        if media:
            what = " and ".join(f"{n} {status}" for status, n in media.items())
            print(f"{what} video(s): point to the new place with 'mgstudio relink {p.path} ITEM NEWPATH'.")
    return 0


def _item_info(p: Any, name: str) -> int:
    from mgstudio.core.segments import Source
    from mgstudio.core.timebase import timecode

    from mgstudio.cli.common import find_item

    from mgstudio.workflows.coding import LABEL_ONLY, item_kind

    it = find_item(p, name)
    kind = item_kind(p, it)
    print(f"Item '{it.name}' ({kind})")
    if kind == LABEL_ONLY:
        print("  no video or skeleton: imported from a coding file; it runs to the end of its last segment")
    if it.kind == "video":
        status = p.check_media(it.id)
        print(f"  video: {it.video_path} [{status}]")
        if status != "ok":
            print(f"  relink it: mgstudio relink {p.path} '{it.name}' NEWPATH")
        print(f"  size: {it.width}x{it.height}")
    print(f"  frames: {it.frame_count} at {_fps(it.fps)} fps ({it.rate}), length "
          f"{timecode(it.frame_count or 0, it.rate)}")
    kinds = sorted(f.stem.split("_", 1)[1] for f in p.skeletons_dir.glob(f"item{it.id}_*.npz"))
    print(f"  skeletons: {', '.join(kinds) if kinds else 'none'}")
    for k, v in it.attributes.items():
        print(f"  {k}: {v}")
    for t in p.tiers():
        c = p.status_counts(it.id, t.id)
        n = sum(c.values())
        if n:
            detail = ", ".join(f"{v} {k}" for k, v in c.items() if v)
            print(f"  tier {t.name} ({t.kind}): {n} segment(s): {detail}")
    n_model = p.count_segments(it.id, source=Source.MODEL)
    if n_model:
        print(f"  reviewed: {_reviewed(p.status_counts(it.id), n_model)} of {n_model} proposal(s)")
    else:
        print("  reviewed: no model proposals yet")
    return 0
