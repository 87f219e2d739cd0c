"""``mgstudio extract``: MediaPipe skeletons for a project's videos, several videos at once.

Each video is extracted in its own process (``--jobs``), with one progress bar over all frames.
Finished skeletons are saved into the project (``skeletons/``, kind ``raw``; with ``--smooth``
also a smoothed, gap-filled copy of kind ``smooth``). Partial work is checkpointed in the
project's ``cache/pose`` folder: Ctrl+C stops cleanly, and running the same command again
continues where it stopped.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from mgstudio.core.errors import CancelledError, MGStudioError

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


# ---------------------------------------------------------------------- worker processes
_CANCEL: Any = None
_PROGRESS: Any = None


def _init_worker(cancel: Any, progress: Any) -> None:
    """Workers ignore Ctrl+C: the parent asks them to stop through ``cancel`` instead."""
    global _CANCEL, _PROGRESS
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _CANCEL, _PROGRESS = cancel, progress


def _extract_job(item_id: int, video: str, settings: Any, cache_dir: str) -> tuple[int, Any]:
    from mgstudio.media.pose import extract_pose

    def progress(done: int, total: int) -> None:
        if _PROGRESS is not None:
            _PROGRESS.put((item_id, done, total))

    return item_id, extract_pose(video, settings, progress=progress, cancel=_CANCEL, cache_dir=cache_dir)


# ---------------------------------------------------------------------- command
def _parse_box(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        x, y, w, h = (float(v) for v in text.split(","))
    except ValueError:
        raise MGStudioError(f"--subject-box must be four numbers X,Y,W,H, got '{text}'.") from None
    return x, y, w, h


def _select(project: Any, args: argparse.Namespace) -> list[Any]:
    if not args.items and not args.all:
        raise MGStudioError("Name the videos to extract, or pass --all.")
    items = [project.item_by_name(n) for n in args.items] if args.items else project.items()
    out = []
    for it in items:
        if it.kind != "video":
            if args.items:
                print(f"{it.name}: skipped (it has skeletons but no video).", file=sys.stderr)
            continue
        if not args.force and project.has_skeleton(it.id):
            if args.items:
                print(f"{it.name}: already has a skeleton (use --force to extract again).", file=sys.stderr)
            continue
        status = project.check_media(it.id)
        if status != "ok":
            print(f"{it.name}: skipped, the video is {status} ({it.video_path}); relink it first.",
                  file=sys.stderr)
            continue
        out.append(it)
    return out


def _save(project: Any, item: Any, seq: Any, smooth: bool) -> None:
    project.save_skeleton(item.id, seq)
    if smooth:
        from mgstudio.media.smoothing import fill_gaps, one_euro

        project.save_skeleton(item.id, one_euro(fill_gaps(seq)), kind="smooth")


def run_extract(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from mgstudio.core.project import Project
    from mgstudio.media.pose import PoseSettings

    if args.jobs < 1:
        raise MGStudioError("--jobs must be at least 1.")
    settings = PoseSettings(subject_box=_parse_box(args.subject_box), subject_frame=args.subject_frame,
                            keep_face_mesh=args.keep_face_mesh)
    if settings.subject_box is not None and len(args.items) != 1:
        raise MGStudioError("--subject-box picks a person in one video: name exactly one video.")
    with Project.open(args.project) as project:
        items = _select(project, args)
        if not items:
            print("Nothing to extract: every selected video already has a skeleton.")
            return 0
        cache_dir = str(Path(project.path) / "cache" / "pose")
        total = sum(int(it.frame_count or 0) for it in items)
        done: dict[int, int] = {}
        failed: list[str] = []
        cancelled = False
        by_id = {it.id: it for it in items}
        bar = tqdm(total=total or None, unit="frame", desc=f"extracting {len(items)} video(s)",
                   dynamic_ncols=True, file=sys.stderr)

        def on_progress(item_id: int, d: int, t: int) -> None:
            done[item_id] = d
            bar.n = sum(done.values())
            bar.refresh()

        def finish(item_id: int, seq: Any = None, exc: BaseException | None = None) -> None:
            nonlocal cancelled
            it = by_id[item_id]
            if isinstance(exc, CancelledError):
                cancelled = True
            elif exc is not None:
                detail = getattr(exc, "detail", None)
                failed.append(f"{it.name}: {exc}" + (f" ({detail})" if detail else ""))
            else:
                _save(project, it, seq, args.smooth)
                found = int(seq.mask[:, 0].sum())
                bar.write(f"{it.name}: {len(seq)} frames, a person in {found} ({100 * found / max(1, len(seq)):.0f}%).")

        try:
            if args.jobs == 1 or len(items) == 1:
                from mgstudio.media.pose import extract_pose

                for it in items:
                    try:
                        seq = extract_pose(it.video_path, settings, cache_dir=cache_dir,
                                           progress=lambda d, t, i=it.id: on_progress(i, d, t))
                    except KeyboardInterrupt:
                        cancelled = True
                        break
                    except MGStudioError as exc:
                        finish(it.id, exc=exc)
                    else:
                        finish(it.id, seq)
            else:
                cancelled = _run_parallel(items, settings, cache_dir, args.jobs, on_progress, finish, bar)
        finally:
            bar.close()
    for line in failed:
        print(f"mgstudio: {line}", file=sys.stderr)
    if cancelled:
        print("mgstudio: extraction stopped; the frames done so far are kept. "
              "Run the same command again to continue.", file=sys.stderr)
        return 130
    return 1 if failed else 0


def _run_parallel(items: list[Any], settings: Any, cache_dir: str, jobs: int, on_progress: Any,
                  finish: Any, bar: Any) -> bool:
    """Extract in ``jobs`` spawned processes; returns True when stopped by Ctrl+C."""
    ctx = mp.get_context("spawn")
    cancel = ctx.Event()
    progress = ctx.Queue()
    cancelled = False

    def drain() -> None:
        while True:
            try:
                on_progress(*progress.get_nowait())
            except queue.Empty:
                return

    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=ctx,
                             initializer=_init_worker, initargs=(cancel, progress)) as pool:
        pending: dict[Future, int] = {pool.submit(_extract_job, it.id, it.video_path, settings, cache_dir): it.id
                                      for it in items}
        while pending:
            try:
                ready, _ = wait(list(pending), timeout=0.2, return_when=FIRST_COMPLETED)
                drain()
            except KeyboardInterrupt:
                if not cancelled:
                    cancelled = True
                    cancel.set()
                    bar.write("Stopping: saving what has been extracted so far...")
                    for f in pending:
                        f.cancel()  # not started yet: nothing to keep
                continue
            for f in ready:
                item_id = pending.pop(f)
                if f.cancelled():
                    continue
                exc = f.exception()
                if exc is not None:
                    finish(item_id, exc=exc)
                else:
                    finish(*f.result())
    drain()
    return cancelled
