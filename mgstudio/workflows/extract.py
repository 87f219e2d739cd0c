"""MediaPipe skeletons for a project's videos: one behaviour for the window and ``mgstudio extract``.

Partial work is checkpointed in **one** folder, the project's ``cache/pose``
(:func:`pose_cache_dir`), whoever runs it: an extraction stopped in the window continues in the
CLI and the other way round. Finished skeletons are saved into the project (kind ``raw``; with
``smooth`` also a smoothed, gap-filled copy of kind ``smooth``). ``force`` drops the cached
result and extracts again. MediaPipe's and TensorFlow Lite's native log lines (written straight to
the process's stderr) are silenced while it runs; Python's own messages still show.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TYPE_CHECKING

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.jobs import Cancel, Progress, is_cancelled

if TYPE_CHECKING:
    from mgstudio.core.project import Project

OnResult = Callable[[Any, Any, "BaseException | None"], Any]


def pose_cache_dir(project_path: str | Path) -> Path:
    """The one checkpoint and result folder for a project's skeleton extraction; refused when
    ``cache/`` or ``cache/pose/`` (or a link in their place) leads outside the project."""
    root = Path(project_path)
    folder = root / "cache" / "pose"
    try:
        real, top = folder.resolve(), root.resolve()
    except (OSError, RuntimeError) as exc:  # a link loop
        raise MGStudioError(f"The folder cache/pose/ of {root.name} cannot be used ({exc}).") from exc
    if top not in real.parents:
        raise MGStudioError(f"The folder cache/pose/ of {root.name} leads outside the project (to {real}), so "
                            "MG Studio will not write there; replace that link with a real folder.")
    return folder


_quiet_depth = 0


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Send what native code writes to file descriptor 2 (MediaPipe/TFLite/absl log lines) to
    the null device; ``sys.stderr`` keeps writing to the real stderr meanwhile. Does nothing
    where stderr is not a real file (captured in tests, a GUI without a console), and inside
    an enclosing ``quiet_native_logs()``."""
    global _quiet_depth
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    if fd < 0 or _quiet_depth:
        _quiet_depth += 1
        try:
            yield
        finally:
            _quiet_depth -= 1
        return
    _quiet_depth += 1
    sys.stderr.flush()
    saved = os.dup(fd)
    old = sys.stderr
    sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=getattr(old, "encoding", None) or "utf-8",
                           errors="backslashreplace")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    try:
        yield
    finally:
        try:
            sys.stderr.flush()
            sys.stderr.close()
        finally:
            sys.stderr = old
            os.dup2(saved, fd)
            os.close(saved)
            _quiet_depth -= 1


# ---------------------------------------------------------------------- choosing what to extract
@dataclass
class Plan:
    """The videos to extract and one line per named item that is skipped (and why)."""

    items: list[Any] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def plan_extraction(project: Project, names: list[str] | None = None, *, force: bool = False) -> Plan:
    """The videos of ``names`` (or every video without a skeleton when None) that can be
    extracted: skeleton-only items, done ones (unless ``force``) and missing videos are skipped."""
    named = bool(names)
    items = [project.item_by_name(n) for n in names] if names else project.items()
    plan = Plan()
    for it in items:
        if it.kind != "video":
            if named:
                from mgstudio.workflows.coding import is_label_only, label_only_refusal

                plan.skipped.append(f"{it.name}: skipped: {label_only_refusal(it, 'extract a skeleton from')}"
                                    if is_label_only(project, it) else f"{it.name}: skipped (it has skeletons but no video).")
            continue
        if not force and project.has_skeleton(it.id):
            if named:
                plan.skipped.append(f"{it.name}: already has a skeleton (use --force to extract again).")
            continue
        status = project.check_media(it.id)
        if status != "ok":
            plan.skipped.append(f"{it.name}: skipped, the video is {status} ({it.video_path}); relink it first.")
            continue
        plan.items.append(it)
    return plan


def save_extracted(project: Project, item_id: int, seq: Any, smooth: bool = False) -> None:
    """Store a finished extraction (and its smoothed copy) in the project."""
    project.save_skeleton(item_id, seq)
    if smooth:
        from mgstudio.media.smoothing import fill_gaps, one_euro

        project.save_skeleton(item_id, one_euro(fill_gaps(seq)), kind="smooth")


# ---------------------------------------------------------------------- one item (the window's job)
def extract_item(project_path: str | Path, item_id: int, annotator: str | None = None, *,
                 settings: Any = None, force: bool = False, smooth: bool = False,
                 progress: Progress | None = None, cancel: Cancel = None) -> int:
    """Extract one video's skeleton into the project (a worker process runs this); returns its
    frame count. Cancelled: the frames done so far are kept in :func:`pose_cache_dir`."""
    from mgstudio.core.project import Project
    from mgstudio.media.pose import extract_pose

    with Project.open(project_path, annotator=annotator) as project:
        item = project.item(item_id)
        if item.kind != "video":
            from mgstudio.workflows.coding import is_label_only, label_only_refusal

            raise MGStudioError(label_only_refusal(item, "extract a skeleton from") if is_label_only(project, item)
                                else f"'{item.name}' has no video to extract a skeleton from.")
        with quiet_native_logs():
            seq = extract_pose(item.video_path, settings, progress=progress, cancel=cancel,
                               cache_dir=pose_cache_dir(project.path), fresh=force)
        save_extracted(project, item_id, seq, smooth)
        return len(seq)


# ---------------------------------------------------------------------- several items (the CLI)
_CANCEL: Any = None
_PROGRESS: Any = None


def _init_worker(cancel: Any, progress: Any) -> None:
    """Workers ignore Ctrl+C (the parent asks them to stop through ``cancel``) and keep MediaPipe's
    native log lines off the terminal."""
    global _CANCEL, _PROGRESS
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _CANCEL, _PROGRESS = cancel, progress
    quiet_native_logs().__enter__()  # for the worker's whole life


def _extract_job(item_id: int, video: str, settings: Any, cache_dir: str, fresh: bool) -> tuple[int, Any]:
    from mgstudio.media.pose import extract_pose

    def progress(done: int, total: int) -> None:
        if _PROGRESS is not None:
            _PROGRESS.put((item_id, done, total))

    return item_id, extract_pose(video, settings, progress=progress, cancel=_CANCEL, cache_dir=cache_dir,
                                 fresh=fresh)


def extract_items(project: Project, items: list[Any], settings: Any = None, *, force: bool = False,
                  smooth: bool = False, jobs: int = 1, progress: Progress | None = None, cancel: Cancel = None,
                  on_result: OnResult | None = None, on_stopping: Callable[[], Any] | None = None) -> bool:
    """Extract ``items`` (videos of the open ``project``), ``jobs`` at a time in spawned processes,
    saving each as it finishes. ``progress(done, total)`` counts frames over all items;
    ``on_result(item, seq, None)`` follows each saved skeleton, ``on_result(item, None, exc)`` each
    failure (the others go on). Ctrl+C or ``cancel`` stops cleanly (``on_stopping()`` says so while
    the workers save their checkpoints); returns True when stopped."""
    if jobs < 1:
        raise MGStudioError("--jobs must be at least 1.")
    cache_dir = str(pose_cache_dir(project.path))
    total = sum(int(it.frame_count or 0) for it in items)
    done: dict[int, int] = {}
    by_id = {it.id: it for it in items}

    def on_progress(item_id: int, d: int, _t: int) -> None:
        done[item_id] = d
        if progress is not None:
            progress(sum(done.values()), total)

    def finish(item_id: int, seq: Any = None, exc: BaseException | None = None) -> bool:
        if isinstance(exc, CancelledError):
            return True
        if exc is None:
            try:
                save_extracted(project, item_id, seq, smooth)
            except MGStudioError as err:
                exc, seq = err, None
        if on_result is not None:
            on_result(by_id[item_id], seq, exc)
        return False

    with quiet_native_logs():
        if jobs == 1 or len(items) == 1:
            from mgstudio.media.pose import extract_pose

            for it in items:
                try:
                    seq = extract_pose(it.video_path, settings, cache_dir=cache_dir, cancel=cancel, fresh=force,
                                       progress=lambda d, t, i=it.id: on_progress(i, d, t))
                except KeyboardInterrupt:
                    return True
                except MGStudioError as exc:
                    if finish(it.id, exc=exc):
                        return True
                else:
                    finish(it.id, seq)
            return False
        return _run_parallel(items, settings, cache_dir, force, jobs, on_progress, finish, cancel, on_stopping)


def _run_parallel(items: list[Any], settings: Any, cache_dir: str, fresh: bool, jobs: int, on_progress: Any,
                  finish: Any, user_cancel: Any, on_stopping: Any) -> bool:
    """Extract in ``jobs`` spawned processes; returns True when stopped (Ctrl+C or ``user_cancel``)."""
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

    def stop(pending: dict[Future, int]) -> None:
        nonlocal cancelled
        if not cancelled:
            cancelled = True
            cancel.set()
            if on_stopping is not None:
                on_stopping()
            for f in pending:
                f.cancel()  # not started yet: nothing to keep

    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=ctx,
                             initializer=_init_worker, initargs=(cancel, progress)) as pool:
        pending: dict[Future, int] = {pool.submit(_extract_job, it.id, it.video_path, settings, cache_dir, fresh): it.id
                                      for it in items}
        while pending:
            try:
                ready, _ = wait(list(pending), timeout=0.2, return_when=FIRST_COMPLETED)
                drain()
                if is_cancelled(user_cancel):
                    stop(pending)
            except KeyboardInterrupt:
                stop(pending)
                continue
            for f in ready:
                item_id = pending.pop(f)
                if f.cancelled():
                    continue
                exc = f.exception()
                if exc is not None:
                    cancelled = finish(item_id, exc=exc) or cancelled
                else:
                    finish(*f.result())
    drain()
    return cancelled
