"""Adding recordings to a project: one behaviour for File ▸ Add (and drops) and ``mgstudio add``.

:func:`add_recordings` probes each video (frame index, damage check), fingerprints it, reads each
skeleton file or folder and writes the items. One unreadable file never stops the others: it is
named in ``AddResult.problems`` with the reason. A skeleton whose name matches a video added in
the same call (or the only video, when exactly one video and one skeleton are added) is stored
as that video's skeleton; other skeletons become items of their own.

Skeleton-only recordings need a frame rate. OpenPose JSON folders carry none: without ``fps=``
they are refused (``FpsNeeded``) instead of silently taken as 30 fps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TYPE_CHECKING

import numpy as np

from mgstudio.core.errors import FormatError, MGStudioError
from mgstudio.core.jobs import Cancel, Progress, is_cancelled

if TYPE_CHECKING:
    from mgstudio.core.project import Project

VIDEO_EXTS = frozenset({".mp4", ".mov", ".avi", ".mkv", ".m4v", ".webm", ".mpg", ".mpeg", ".wmv"})
# Skeleton sources whose files hold no frame rate (the loader's rate is a guess).
_RATELESS_SOURCES = frozenset({"openpose"})



class FpsNeeded(FormatError):
    """A skeleton-only recording carries no frame rate and none was given."""


@dataclass
class AddResult:
    """What :func:`add_recordings` did: item ids added, one sentence per file not added, and
    notes about what was added (a damaged video, bad frame files, a skeleton stored for a video)."""

    added: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    needs_fps: list[str] = field(default_factory=list)  # names of files refused for want of a rate
    cancelled: bool = False


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTS


def split_paths(paths: Sequence[str | Path]) -> tuple[list[Path], list[Path]]:
    """Dropped or picked paths → (videos, skeleton files and folders), by extension."""
    videos, skeletons = [], []
    for p in map(Path, paths):
        (videos if is_video(p) else skeletons).append(p)
    return videos, skeletons


def _fps(fps: float) -> str:
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def _problem(path: Path, exc: BaseException) -> str:
    if isinstance(exc, MGStudioError):
        msg = str(exc)
        return msg if path.name in msg else f"{path.name}: {msg}"
    return f"{path.name}: this file could not be read ({type(exc).__name__}: {exc})."[:300]


def _probe(path: Path) -> Any:
    try:
        from mgstudio.media.video import probe
    except ImportError as exc:  # pragma: no cover - PyAV is a dependency
        raise MGStudioError("Video support is not available in this installation of MG Studio.", str(exc)) from exc
    return probe(path)


def check_skeleton(path: Path, name: str, seq: Any, fps: float | None) -> Any:
    """Refuse a skeleton with no valid point; apply ``fps`` (or refuse when no rate is known)."""
    meta = seq.meta or {}
    files, bad = meta.get("frame_files"), int(meta.get("bad_frame_count", 0))
    if len(seq.xy) == 0 or not bool(np.asarray(seq.mask).any()):
        detail = f" ({bad} of its {files} frame files could not be read)" if bad and files else ""
        raise FormatError(f"{path.name}: no frame holds a valid skeleton point{detail}; nothing was added.")
    if fps is not None:
        if not (np.isfinite(fps) and fps > 0):
            raise MGStudioError(f"The frame rate must be a positive number, not {fps}.")
        if fps != seq.fps:
            seq = dataclasses.replace(seq, fps=float(fps), meta={**meta, "fps_given": float(fps)})
    elif meta.get("source") in _RATELESS_SOURCES:
        raise FpsNeeded(f"{path.name} holds no frame rate ({meta.get('source')} files do not record one): "
                        "give the recording's frame rate to add it.")
    return seq


def add_recordings(project: Project, videos: Sequence[str | Path] = (), skeletons: Sequence[str | Path] = (), *,
                   attributes: dict[str, Any] | None = None, fps: float | None = None, name: str | None = None,
                   progress: Progress | None = None, cancel: Cancel = None) -> AddResult:
    """Add ``videos`` and ``skeletons`` (files or folders) to the open ``project``.

    ``fps`` is the frame rate of skeleton-only recordings (it overrides a loader's guess) and
    ``name`` the item name (only when exactly one recording is added; default: the file or
    folder name). ``progress(done, total)`` counts files. Cancelling keeps what was added.
    """
    videos = [Path(v).expanduser() for v in videos]
    skeletons = [Path(s).expanduser() for s in skeletons]
    if name is not None:
        name = name.strip()
        if not name:
            raise MGStudioError("An item name cannot be empty.")
        if len(videos) + len(skeletons) != 1:
            raise MGStudioError("A name can be given to one recording at a time: add them one by one.")
    out = AddResult()
    total, done = len(videos) + len(skeletons), 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    video_items: list[Any] = []
    for path in videos:
        if is_cancelled(cancel):
            out.cancelled = True
            return out
        try:
            if not path.is_file():
                raise MGStudioError(f"The video {path} does not exist.")
            info = _probe(path)
            item = project.add_video(path, name=name, attributes=attributes, info=info)
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not stop the others
            out.problems.append(_problem(path, exc))
        else:
            out.added.append(item.id)
            video_items.append(item)
            damage = getattr(info, "damage_message", None)
            if damage:
                out.notes.append(f"{damage} (the file declares more frames than it holds)")
        step()

    loaded: list[tuple[Path, str, Any]] = []
    for path in skeletons:
        if is_cancelled(cancel):
            out.cancelled = True
            return out
        try:
            from mgstudio.formats.skeletons import load_skeletons

            found = load_skeletons(path)
            if name is not None and len(found) > 1:
                raise MGStudioError(f"{path.name} holds {len(found)} recordings; a name can be given to one only.")
            for seq_name, seq in found:
                loaded.append((path, seq_name or path.stem, seq))
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not stop the others
            out.problems.append(_problem(path, exc))
        step()

    by_name = {it.name: it for it in video_items}
    only = video_items[0] if len(video_items) == 1 and len(loaded) == 1 else None
    for path, seq_name, seq in loaded:
        if is_cancelled(cancel):
            out.cancelled = True
            break
        target = by_name.get(seq_name) or only
        try:
            if target is not None:
                seq = check_skeleton(path, seq_name, seq, fps if fps is not None else float(target.fps))
                project.save_skeleton(target.id, seq)
                n = seq.start_frame + len(seq.xy)
                warn = (f" (warning: the skeleton has {n} frames, the video {target.frame_count})"
                        if target.frame_count is not None and n != target.frame_count else "")
                out.notes.append(f"Stored the skeleton '{seq_name}' for video '{target.name}'{warn}.")
            else:
                seq = check_skeleton(path, seq_name, seq, fps)
                item = project.add_skeleton_item(name or seq_name, seq, attributes=attributes)
                out.added.append(item.id)
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not stop the others
            out.problems.append(_problem(path, exc))
            if isinstance(exc, FpsNeeded):
                out.needs_fps.append(path.name)
            continue
        bad, files = int(seq.meta.get("bad_frame_count", 0)), seq.meta.get("frame_files")
        if bad:
            out.notes.append(f"{path.name}: {bad} of its {files} frame files could not be read; those frames "
                             "are empty.")
    return out


def describe_item(item: Any, seq: Any = None) -> str:
    """One line for an added item, as the CLI prints it."""
    if item.kind == "video":
        return f"Added video '{item.name}': {item.frame_count} frames at {_fps(item.fps)} fps, {item.width}x{item.height}."
    layout = f" ({seq.layout.name})" if seq is not None else ""
    return f"Added skeleton item '{item.name}': {item.frame_count} frames at {_fps(item.fps)} fps{layout}."


__all__ = ["AddResult", "FpsNeeded", "VIDEO_EXTS", "add_paths", "add_recordings", "check_skeleton", "describe_item",
           "is_video", "split_paths"]


def add_paths(project: Project, paths: Sequence[str | Path], *, attributes: dict[str, Any] | None = None,
              fps: float | None = None, name: str | None = None, progress: Progress | None = None,
              cancel: Cancel = None) -> AddResult:
    """:func:`add_recordings` for picked or dropped paths: videos by extension, the rest skeletons."""
    videos, skeletons = split_paths(paths)
    return add_recordings(project, videos, skeletons, attributes=attributes, fps=fps, name=name,
                          progress=progress, cancel=cancel)
