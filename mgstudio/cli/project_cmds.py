"""``mgstudio new``, ``mgstudio add`` and ``mgstudio info``: make a project, fill it, look at it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mgstudio.core.errors import MGStudioError, ProjectError

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

A skeleton whose name matches a video added in the same command (or the only video) is stored
as that video's skeleton; other skeletons become items of their own.
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
    a.set_defaults(func=run_add)

    i = sub.add_parser("info", help="show what a project holds", description="List a project's items "
                       "with their frames, frame rate, skeleton and review progress, or one item in detail.",
                       epilog=INFO_EXAMPLES, formatter_class=fmt)
    i.add_argument("project", help="the project folder (NAME.mgproj)")
    i.add_argument("item", nargs="?", help="an item name for details")
    i.set_defaults(func=run_info)


# ---------------------------------------------------------------------- new
def run_new(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project

    with Project.create(args.project, name=args.name, taxonomy=args.taxonomy, annotator=args.annotator) as p:
        print(f"Created {p.path} (taxonomy '{p.taxonomy.name}', {len(p.taxonomy)} labels; annotator {p.annotator}).")
        print(f"Next: mgstudio add {p.path} VIDEO...")
    return 0


# ---------------------------------------------------------------------- add
def _parse_attrs(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise MGStudioError(f"Write attributes as KEY=VALUE (e.g. outcome=win), not '{pair}'.")
        out[key.strip()] = value.strip()
    return out


def _probe(path: Path) -> Any:
    try:
        from mgstudio.media.video import probe
    except ImportError as exc:
        raise MGStudioError("Video support is not available in this installation of MG Studio.", str(exc)) from exc
    return probe(path)


def run_add(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project

    if not args.videos and not args.skeleton:
        raise MGStudioError("Name at least one video or --skeleton file to add.")
    attrs = _parse_attrs(args.attr)
    # Read everything first, so a bad file stops the command before anything is added.
    videos = []
    for v in args.videos:
        path = Path(v).expanduser()
        if not path.is_file():
            raise MGStudioError(f"The video {path} does not exist.")
        videos.append((path, _probe(path)))
    skeletons = []
    if args.skeleton:
        from mgstudio.formats.skeletons import load_skeletons

        for s in args.skeleton:
            skeletons.extend(load_skeletons(Path(s).expanduser()))

    with Project.open(args.project) as p:
        added = []
        for path, info in videos:
            added.append(p.add_video(path, attributes=attrs, info=info))
            it = added[-1]
            print(f"Added video '{it.name}': {it.frame_count} frames at {_fps(it.fps)} fps, {it.width}x{it.height}.")
        by_stem = {it.name: it for it in added}
        for name, seq in skeletons:
            target = by_stem.get(name) or (added[0] if len(added) == 1 and len(skeletons) == 1 else None)
            if target is not None:
                p.save_skeleton(target.id, seq)
                note = ""
                if target.frame_count is not None and seq.start_frame + len(seq.xy) != target.frame_count:
                    note = (f" (warning: the skeleton has {seq.start_frame + len(seq.xy)} frames, "
                            f"the video {target.frame_count})")
                print(f"Stored the skeleton '{name}' for video '{target.name}'{note}.")
            else:
                it = p.add_skeleton_item(name, seq, attributes=attrs)
                print(f"Added skeleton item '{it.name}': {it.frame_count} frames at {_fps(it.fps)} fps "
                      f"({seq.layout.name}).")
    return 0


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
        rows = [("item", "kind", "frames", "fps", "length", "skeleton", "proposed", "accepted", "rejected",
                 "edited", "reviewed")]
        for it in items:
            c = p.status_counts(it.id)
            n_model = p.count_segments(it.id, source=Source.MODEL)
            rows.append((it.name, it.kind, str(it.frame_count if it.frame_count is not None else "?"), _fps(it.fps),
                         _duration(it), "yes" if p.has_skeleton(it.id) else "no", str(c["proposed"]),
                         str(c["accepted"]), str(c["rejected"]), str(c["edited"]), _reviewed(c, n_model)))
        widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
        for r in rows:
            print("  ".join(v.ljust(w) if k < 2 else v.rjust(w) for k, (v, w) in enumerate(zip(r, widths))))
        print(f"{len(items)} item(s), {p.count_segments()} segment(s). 'reviewed' = model proposals "
              "accepted, rejected or edited.")
    return 0


def _item_info(p: Any, name: str) -> int:
    from mgstudio.core.segments import Source
    from mgstudio.core.timebase import timecode

    try:
        it = p.item_by_name(name)
    except ProjectError:
        names = ", ".join(i.name for i in p.items()[:10]) or "none"
        raise ProjectError(f"The project has no item called '{name}' (items: {names}).") from None
    print(f"Item '{it.name}' ({it.kind})")
    if it.kind == "video":
        print(f"  video: {it.video_path} [{p.check_media(it.id)}]")
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
