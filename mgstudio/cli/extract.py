"""``mgstudio extract``: MediaPipe skeletons for a project's videos, several videos at once.

Each video is extracted in its own process (``--jobs``), with one progress bar over all frames.
Finished skeletons are saved into the project (``skeletons/``, kind ``raw``; with ``--smooth``
also a smoothed, gap-filled copy of kind ``smooth``). Partial work is checkpointed in the
project's ``cache/pose`` folder, the same one the window uses: Ctrl+C stops cleanly, and running
the same command again (or Extract in the window) continues where it stopped. ``--force``
extracts again from the first frame. The work is :mod:`mgstudio.workflows.extract`'s.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mgstudio.core.errors import MGStudioError

EXAMPLES = """examples:
  mgstudio extract study.mgproj --all
  mgstudio extract study.mgproj session1 session2 --jobs 2
  mgstudio extract study.mgproj --all --force --smooth
  mgstudio extract study.mgproj session3 --subject-box 400,60,300,500 --subject-frame 120
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="extract skeletons from the project's videos with MediaPipe",
                       description=__doc__.splitlines()[0].split(": ", 1)[1], epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", help="the project folder (NAME.mgproj)")
    p.add_argument("items", nargs="*", metavar="ITEM", help="names of the videos to extract")
    p.add_argument("--all", action="store_true", help="every video that has no skeleton yet")
    p.add_argument("--jobs", "-j", type=int, default=1, help="videos extracted in parallel (default 1)")
    p.add_argument("--force", action="store_true", help="extract again even when a skeleton exists")
    p.add_argument("--smooth", action="store_true",
                   help="also save a smoothed, gap-filled copy (kind 'smooth'); the raw one is kept")
    p.add_argument("--subject-box", metavar="X,Y,W,H",
                   help="follow the person in this box (pixels) instead of the one found first")
    p.add_argument("--subject-frame", type=int, default=0, help="frame where --subject-box was drawn")
    p.add_argument("--keep-face-mesh", action="store_true",
                   help="also keep the 468-point face mesh (identifying; stored apart, off by default)")
    p.set_defaults(func=run_extract)


# ---------------------------------------------------------------------- command
def _parse_box(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        x, y, w, h = (float(v) for v in text.split(","))
    except ValueError:
        raise MGStudioError(f"--subject-box must be four numbers X,Y,W,H, got '{text}'.") from None
    return x, y, w, h


def run_extract(args: argparse.Namespace) -> int:
    """Parse, then :func:`mgstudio.workflows.extract.extract_items` (the window's extraction too)."""
    from tqdm import tqdm

    from mgstudio.core.project import Project
    from mgstudio.media.pose import PoseSettings
    from mgstudio.workflows.extract import extract_items, plan_extraction, quiet_native_logs

    if args.jobs < 1:
        raise MGStudioError("--jobs must be at least 1.")
    if not args.items and not args.all:
        raise MGStudioError("Name the videos to extract, or pass --all.")
    settings = PoseSettings(subject_box=_parse_box(args.subject_box), subject_frame=args.subject_frame,
                            keep_face_mesh=args.keep_face_mesh)
    if settings.subject_box is not None and len(args.items) != 1:
        raise MGStudioError("--subject-box picks a person in one video: name exactly one video.")
    failed: list[str] = []
    with Project.open(args.project) as project:
        plan = plan_extraction(project, args.items or None, force=args.force)
        for line in plan.skipped:
            print(line, file=sys.stderr)
        if not plan.items:
            print("Nothing to extract: every selected video already has a skeleton.")
            return 0
        with quiet_native_logs():  # MediaPipe's native log lines stay off the terminal
            total = sum(int(it.frame_count or 0) for it in plan.items)
            bar = tqdm(total=total or None, unit="frame", desc=f"extracting {len(plan.items)} video(s)",
                       dynamic_ncols=True, file=sys.stderr)

            def progress(done: int, _total: int) -> None:
                bar.n = done
                bar.refresh()

            def result(it: Any, seq: Any, exc: BaseException | None) -> None:
                if exc is not None:
                    detail = getattr(exc, "detail", None)
                    failed.append(f"{it.name}: {exc}" + (f" ({detail})" if detail else ""))
                else:
                    found = int(seq.mask[:, 0].sum())
                    bar.write(f"{it.name}: {len(seq)} frames, a person in {found} "
                              f"({100 * found / max(1, len(seq)):.0f}%).")

            try:
                cancelled = extract_items(project, plan.items, settings, force=args.force, smooth=args.smooth,
                                          jobs=args.jobs, progress=progress, on_result=result,
                                          on_stopping=lambda: bar.write("Stopping: saving what has been "
                                                                        "extracted so far..."))
            finally:
                bar.close()
    for line in failed:
        print(f"mgstudio: {line}", file=sys.stderr)
    if cancelled:
        print("mgstudio: extraction stopped; the frames done so far are kept. "
              "Run the same command again to continue.", file=sys.stderr)
        return 130
    return 1 if failed else 0
