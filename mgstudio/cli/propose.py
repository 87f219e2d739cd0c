"""``mgstudio propose`` (segment proposals / movement events) and ``mgstudio learn`` (learn from my labels).

torch is imported only when a command runs.
"""

from __future__ import annotations

import argparse

from mgstudio.cli.common import find_item
from mgstudio.core.errors import CancelledError, MGStudioError

PROPOSE_EXAMPLES = """examples:
  mgstudio propose study.mgproj --all                 # with the active label model, else movement events
  mgstudio propose study.mgproj session1 --movement   # label-free cue proposals only (contacts, head, torso)
  mgstudio propose study.mgproj --all --threshold 0.7 # fewer, more confident proposals
"""
LEARN_EXAMPLES = """examples:
  mgstudio learn study.mgproj                 # train on accepted labels, show accuracy, re-propose
  mgstudio learn study.mgproj --no-activate   # only train and show the accuracy
  mgstudio learn study.mgproj --list          # the saved versions
  mgstudio learn study.mgproj --use 2         # go back to version 2
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("propose", help="propose MG segments (or movement events) for review",
                       epilog=PROPOSE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", help="the project folder (NAME.mgproj)")
    p.add_argument("items", nargs="*", help="item names (or use --all)")
    p.add_argument("--all", action="store_true", help="every item with a skeleton")
    p.add_argument("--movement", action="store_true", help="class-agnostic movement events, even when a label model exists")
    p.add_argument("--threshold", type=float, help="how sure a proposal must be (0-1, default 0.5); "
                   "before any label (cue proposals) a ranking score 0-1 (default: all)")
    p.add_argument("--split-holds", action="store_true", help="cue proposals (before any label) are also cut where a "
                   "hand holds still: for a coding of gesture phases (strokes) rather than whole movements")
    p.add_argument("--model", help="recognizer checkpoint (default: the built-in one)")
    p.set_defaults(func=run_propose)

    q = sub.add_parser("learn", help="learn from my labels: train a label model, show its accuracy, re-propose",
                       epilog=LEARN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("project", help="the project folder (NAME.mgproj)")
    q.add_argument("--head", choices=["auto", "prototype", "linear", "finetune"], default="auto",
                   help="classifier kind (auto: linear when every label has 2+ examples; finetune: also "
                        "fine-tune the recognizer on your labels, slower)")
    q.add_argument("--epochs", type=int, default=3, help="fine-tuning epochs (with --head finetune)")
    q.add_argument("--mg-detector", action="store_true", help="also learn a class-agnostic 'MG vs no MG' head "
                   "from accepted and rejected segments, which then decides where MGs are (needs 2+ labels)")
    q.add_argument("--no-activate", action="store_true", help="save the new version but keep using the current one")
    q.add_argument("--list", action="store_true", help="list the saved versions and exit")
    q.add_argument("--use", type=int, metavar="VERSION", help="make VERSION active (0: movement events) and re-propose")
    q.add_argument("--model", help="recognizer checkpoint (default: the built-in one)")
    q.set_defaults(func=run_learn)


def _bar(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="win", leave=False, dynamic_ncols=True)


def run_propose(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project
    from mgstudio.recognition.learning import active_encoder, active_version, load_active_head
    from mgstudio.recognition.coldstart import CueParams
    from mgstudio.recognition.proposals import propose_item

    if not args.items and not args.all:
        raise MGStudioError("Name the items to propose on, or use --all.")
    with Project.open(args.project) as project:
        from mgstudio.recognition.versions import project_encoder

        enc = project_encoder(project, args.model)  # the adapted encoder when 'mgstudio adapt' was run
        items = [it for it in project.items() if project.has_skeleton(it.id)] if args.all else \
            [find_item(project, n) for n in args.items]
        if not items:
            raise MGStudioError("No item in this project has a skeleton yet: run 'mgstudio extract' first.")
        from mgstudio.workflows.coding import is_label_only, label_only_refusal

        label_only = [it for it in items if is_label_only(project, it)]
        if label_only and len(label_only) == len(items):
            raise MGStudioError(label_only_refusal(label_only[0], "propose gestures on"))
        for it in label_only:
            print(f"{it.name}: skipped: {label_only_refusal(it, 'propose gestures on')}")
        items = [it for it in items if it not in label_only]
        if not args.movement:
            enc = active_encoder(project, args.model)
        head = None if args.movement else load_active_head(project, enc)
        mv = active_version(project)
        what = "movement events" if head is None else f"label model v{mv.version}" if mv else "label model"
        print(f"Proposing with {what} on {len(items)} item(s).")
        failed, first_reason = 0, ""
        for it in items:
            bar = _bar(1, it.name)

            def progress(done: int, total: int, bar=bar) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                segs = propose_item(project, it.id, enc, head, progress, movement=head is None,
                                    threshold=args.threshold, cues=CueParams(split_holds=args.split_holds))
            except KeyboardInterrupt:
                raise CancelledError("Stopped; the items done so far keep their new proposals.") from None
            except CancelledError:
                raise
            except MGStudioError as exc:
                failed += 1
                first_reason = first_reason or str(exc)
                print(f"{it.name}: skipped: {exc}")
                continue
            finally:
                bar.close()
            print(f"{it.name}: {len(segs)} proposals")
            if not segs and head is None:
                from mgstudio.recognition.coldstart import no_proposals_note

                seq = project.load_skeleton(it.id)
                if seq is not None:
                    print(f"  {no_proposals_note(seq)}")
        if failed and failed == len(items):  # nothing proposed anywhere: one sentence, as for other errors
            name = project.path.name
            if name in first_reason:
                raise MGStudioError(first_reason)
            raise MGStudioError(f"No proposals were made in {name}: {first_reason[:200]}")
        return 0


def run_learn(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project
    from mgstudio.recognition.learning import active_version, list_versions, train_version

    with Project.open(args.project) as project:
        if args.list:
            act = active_version(project)
            versions = list_versions(project)
            if not versions:
                print("No label model yet: accept a few segments, then run 'mgstudio learn'.")
            for mv in versions:
                mark = "*" if act and act.version == mv.version else " "
                print(f"{mark} v{mv.version}  {mv.created}  {mv.kind:<9} CV accuracy {mv.cv_accuracy:.0%}  "
                      f"labels: {', '.join(c for c in mv.classes if not c.startswith('__'))}")
            return 0
        from mgstudio.recognition.versions import project_encoder

        enc = project_encoder(project, args.model)  # the adapted encoder when 'mgstudio adapt' was run
        if args.use is not None:
            n = _activate_and_repropose(project, args.use or None, enc)
            print(f"Now using {'movement events' if not args.use else f'label model v{args.use}'}; {n} proposals written.")
            return 0
        bar = _bar(1, "embedding labels")

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            mv = train_version(project, enc, kind=args.head, progress=progress, epochs=args.epochs,
                               detector=args.mg_detector)
        except KeyboardInterrupt:
            raise CancelledError("Stopped; nothing was changed.") from None
        finally:
            bar.close()
        print(mv.summary)
        print(f"Saved as version {mv.version} ({mv.path.name}).")
        use_it = f"'mgstudio learn {args.project} --use {mv.version}' to use it anyway"
        if args.no_activate:
            print(f"Not activated: {use_it.replace(' anyway', '')}.")
            return 0
        current = active_version(project)
        if current is not None and mv.cv_accuracy < current.cv_accuracy:
            print(f"Not activated: version {mv.version} recognises your labels less well ({mv.cv_accuracy:.0%}) "
                  f"than version {current.version}, which stays in use ({current.cv_accuracy:.0%}); {use_it}.")
            return 0
        n = _activate_and_repropose(project, mv.version, enc)
        print(f"Version {mv.version} is now active ({mv.cv_accuracy:.0%} cross-validated accuracy); {n} proposals "
              "written for the un-reviewed parts.")
    return 0


def _activate_and_repropose(project, version: int | None, enc) -> int:
    """Make ``version`` active and re-propose with it; when that fails or is stopped, the version
    that was active before stays active (a model that cannot propose is never left in use)."""
    from mgstudio.recognition.learning import active_version, activate_version, load_active_head, repropose_project

    before = active_version(project)
    activate_version(project, version)
    try:
        load_active_head(project, enc)  # a head that does not fit the recognizer: refused before any proposal
        return repropose_project(project, enc)
    except BaseException as exc:
        activate_version(project, before.version if before else None)
        kept = f"version {before.version}" if before else "movement events"
        name = "movement events" if version is None else f"Version {version}"
        if isinstance(exc, KeyboardInterrupt):
            raise CancelledError(f"Stopped; {name} was not made active, {kept} stays in use.") from None
        if isinstance(exc, MGStudioError):
            raise MGStudioError(f"{name} was not made active ({exc}); {kept} stays in use.", exc.detail) from exc
        raise
