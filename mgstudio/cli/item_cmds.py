"""``mgstudio remove``, ``set``, ``relink`` and ``undo``/``redo``: fixing mistakes in a project's
recordings. Each change is one undoable step (the same as in the window, Ctrl+Z there)."""

from __future__ import annotations

import argparse
import sys

from mgstudio.cli.common import find_item
from mgstudio.core.errors import MGStudioError

REMOVE_EXAMPLES = """examples:
  mgstudio remove study.mgproj session3           # says what goes with it and asks
  mgstudio remove study.mgproj session3 --yes     # no question (scripts)
  mgstudio undo study.mgproj                      # brings it back, with all its segments
"""
SET_EXAMPLES = """examples:
  mgstudio set study.mgproj session1 --subject P07 --split train --outcome won
  mgstudio set study.mgproj 0042_openpose --fps 25 --name 0042   # an OpenPose folder taken as 30 fps
  mgstudio set study.mgproj session1 --outcome ""                # remove the outcome
  mgstudio set study.mgproj session1 --attr interviewer=B
"""
RELINK_EXAMPLES = """examples:
  mgstudio relink study.mgproj session1 /media/usb/videos/session1.mp4
  mgstudio relink study.mgproj session1 session1_recut.mp4 --force   # a different file, on purpose
"""


def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    r = sub.add_parser("remove", help="remove a recording with its segments (undoable)",
                       description="Remove a recording and every segment coded on it, as one step that "
                       "'mgstudio undo' (or Ctrl+Z in the window) takes back. The audit trail is kept; the "
                       "video file is not touched.", epilog=REMOVE_EXAMPLES, formatter_class=fmt)
    r.add_argument("project", help="the project folder (NAME.mgproj)")
    r.add_argument("item", help="the recording's name (see 'mgstudio info')")
    r.add_argument("--yes", "-y", action="store_true", help="remove without asking")
    r.add_argument("--annotator", help="whose undo history the removal joins (default: the last one)")
    r.set_defaults(func=run_remove)

    s = sub.add_parser("set", help="change a recording's name, frame rate, subject, split or outcome",
                       description="Change a recording's attributes as one undoable step. A new frame rate "
                       "keeps every segment on its frames; times in seconds follow it.",
                       epilog=SET_EXAMPLES, formatter_class=fmt)
    s.add_argument("project", help="the project folder (NAME.mgproj)")
    s.add_argument("item", help="the recording's name (see 'mgstudio info')")
    s.add_argument("--name", help="a new name (e.g. the id a coding file knows it by)")
    s.add_argument("--fps", help="the frame rate of a skeleton-only recording, e.g. 25 or 30000/1001")
    s.add_argument("--subject", help="who is recorded (datasets are split by subject); \"\" removes it")
    s.add_argument("--split", help="train, val or test (for evaluation); \"\" removes it")
    s.add_argument("--outcome", help="a known outcome, e.g. won or lost (for 'report --batch'); \"\" removes it")
    s.add_argument("--attr", action="append", default=[], metavar="KEY=VALUE",
                   help="any other attribute (repeatable; KEY= removes it)")
    s.add_argument("--annotator", help="whose undo history the change joins (default: the last one)")
    s.set_defaults(func=run_set)

    k = sub.add_parser("relink", help="point a recording at its video's new place",
                       description="Point a recording at its moved video. The file must be the same video "
                       "(checked by its fingerprint) unless --force.", epilog=RELINK_EXAMPLES,
                       formatter_class=fmt)
    k.add_argument("project", help="the project folder (NAME.mgproj)")
    k.add_argument("item", help="the recording's name (see 'mgstudio info')")
    k.add_argument("video", help="where the video is now")
    k.add_argument("--force", action="store_true", help="accept a different file (e.g. a re-encoded copy)")
    k.set_defaults(func=run_relink)

    for verb in ("undo", "redo"):
        u = sub.add_parser(verb, help=f"{verb} the last change (per annotator, as Ctrl+{'Z' if verb == 'undo' else 'Shift+Z'})",
                           description=f"{verb.title()} the last {'change' if verb == 'undo' else 'undone change'} "
                           "of an annotator: an edit, an import, a removal, an attribute change.")
        u.add_argument("project", help="the project folder (NAME.mgproj)")
        u.add_argument("--annotator", help="whose change (default: the last one who worked in the project)")
        u.set_defaults(func=run_undo, verb=verb)


def _confirmed(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def run_remove(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project

    with Project.open(args.project, annotator=args.annotator) as p:
        item = find_item(p, args.item)
        print(p.describe_removal(item.id))
        if not args.yes and not _confirmed(f"Remove '{item.name}'?"):
            raise MGStudioError(f"Nothing was removed: answer y, or add --yes to remove '{item.name}'.")
        what = p.remove_item(item.id)
        print(f"Removed. ({what}; 'mgstudio undo {args.project}' brings it back.)")
    return 0


def _attr_pairs(pairs: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise MGStudioError(f"Write attributes as KEY=VALUE (e.g. interviewer=B), not '{pair}'.")
        out[key.strip()] = value.strip() or None
    return out


def run_set(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project

    fields = {k: getattr(args, k) for k in ("name", "fps", "subject", "split", "outcome")
              if getattr(args, k) is not None}
    attrs = _attr_pairs(args.attr)
    if not fields and not attrs:
        raise MGStudioError("Say what to change: --name, --fps, --subject, --split, --outcome or --attr KEY=VALUE.")
    with Project.open(args.project, annotator=args.annotator) as p:
        item = find_item(p, args.item)
        before = p.undo_text()
        new = p.update_item(item.id, attributes=attrs, **fields)
        if p.undo_text() == before:
            print(f"'{new.name}' already has these values; nothing was changed.")
            return 0
        length = "" if new.duration is None else f", {new.duration:.1f} s"
        attrs_text = ", ".join(f"{k}={v}" for k, v in new.attributes.items()) or "no attributes"
        print(f"'{new.name}': {new.fps:g} fps{length}; {attrs_text}.")
        print(f"({p.undo_text()}; 'mgstudio undo {args.project}' takes it back.)")
    return 0


def run_relink(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project

    with Project.open(args.project) as p:
        item = find_item(p, args.item)
        new = p.relink(item.id, args.video, force=args.force)
        print(f"'{new.name}' now reads its video from {new.video_path} [{p.check_media(new.id)}].")
    return 0


def run_undo(args: argparse.Namespace) -> int:
    from mgstudio.core.errors import ProjectError
    from mgstudio.core.project import Project

    with Project.open(args.project, annotator=args.annotator) as p:
        try:
            what = p.undo() if args.verb == "undo" else p.redo()
        except ProjectError as exc:  # say which project refused (a script may undo in several)
            if p.path.name in str(exc):
                raise
            raise ProjectError(f"In {p.path.name}, {exc}", exc.detail) from exc
        if what is None:
            print(f"Nothing to {args.verb} for {p.annotator}.")
            return 1
        print(f"{'Undone' if args.verb == 'undo' else 'Redone'} ({p.annotator}): {what}")
    return 0
