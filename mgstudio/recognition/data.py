"""Training data: labelled clips and unlabelled windows from a project or dataset files.

Sources (``load_clips(path, ...)``):

- an MG Studio project (a folder with ``project.sqlite``): labelled clips are the accepted or
  edited segments; unlabelled windows slide over every stored skeleton. An item whose attribute
  ``split`` is ``"test"`` is held out for evaluation.
- dataset files read by :func:`mgstudio.formats.skeletons.load_labelled_clips` (MSR Action3D,
  UTKinect, pose pickles: subjects known, so ``split="auto"`` means the standard
  cross-subject split, odd subjects train, even subjects test), else by
  :func:`~mgstudio.formats.skeletons.load_skeletons` (unlabelled windows).

Choice (ours): a labelled clip is resampled as a whole to the model's window (MG and action
clips vary from ~0.5 to 4 s; resampling keeps the whole gesture in view), while unlabelled
windows are cut at the native frame rate, as proposals will see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mgstudio.core.errors import FormatError, MGStudioError
from mgstudio.core.layouts import JointLayout, get_layout
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.recognition.preprocess import fit_channels, normalise, resample_time


@dataclass
class ClipSet:
    """Normalised clips ``x [N,T,J,C]``, masks ``[N,T,J]``, labels (-1 = none) and bookkeeping."""

    x: np.ndarray
    mask: np.ndarray
    labels: np.ndarray
    classes: list[str]
    groups: list[str]
    source: str
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def labelled(self) -> bool:
        return bool(len(self)) and bool((self.labels >= 0).all())

    def subset(self, idx: np.ndarray) -> "ClipSet":
        return ClipSet(self.x[idx], self.mask[idx], self.labels[idx], self.classes,
                       [self.groups[i] for i in idx], self.source, list(self.notes))

    def class_counts(self) -> dict[str, int]:
        return {c: int((self.labels == i).sum()) for i, c in enumerate(self.classes)}


@dataclass
class _Raw:
    coords: np.ndarray  # T J C (NaN missing), already in the target layout
    label: str | None
    group: str
    test: bool | None  # None = unknown


def _coords(seq: SkeletonSequence, layout: JointLayout, prefer_world: bool) -> np.ndarray:
    if seq.layout.name != layout.name:
        try:
            seq = seq.to_layout(layout)
        except MGStudioError as exc:
            raise MGStudioError(f"Skeletons in layout '{seq.layout.name}' cannot be converted to "
                                f"'{layout.name}'.", str(exc)) from exc
    return seq.coords(prefer_world)


def _is_project(path: Path) -> bool:
    return path.is_dir() and (path / "project.sqlite").exists()


def _project_raw(path: Path, layout: JointLayout, labelled: bool, window: int, stride: int,
                 prefer_world: bool) -> tuple[list[_Raw], list[str]]:
    from mgstudio.core.project import Project  # written by the core engineer; imported lazily
    from mgstudio.core.segments import Status

    out: list[_Raw] = []
    notes: list[str] = []
    with Project.open(path) as proj:
        for item in proj.items():
            seq = proj.load_skeleton(item.id)
            if seq is None:
                notes.append(f"{item.name}: no skeleton yet (extract it first)")
                continue
            test = str((item.attributes or {}).get("split", "")).lower() == "test"
            coords = _coords(seq, layout, prefer_world)
            if labelled:
                segs = proj.segments(item.id, statuses=[Status.ACCEPTED, Status.EDITED])
                for s in segs:
                    a, b = max(0, s.start - seq.start_frame), min(len(seq), s.end - seq.start_frame)
                    if b > a and s.label:
                        out.append(_Raw(coords[a:b], s.label, item.name, test))
            else:
                out.extend(_Raw(c, None, item.name, test) for c in _windows(coords, window, stride))
    return out, notes


def _windows(coords: np.ndarray, window: int, stride: int) -> list[np.ndarray]:
    t = coords.shape[0]
    if t == 0:
        return []
    if t <= window:
        return [coords]  # shorter than a window: resampled to it later
    starts = list(range(0, t - window + 1, stride))
    if starts[-1] != t - window:
        starts.append(t - window)
    return [coords[s:s + window] for s in starts]


def _files_raw(path: Path, layout: JointLayout, labelled: bool, window: int, stride: int,
               prefer_world: bool) -> tuple[list[_Raw], list[str]]:
    from mgstudio.formats.skeletons import load_labelled_clips, load_skeletons

    try:
        clips = load_labelled_clips(path)
    except FormatError:
        clips = None
    if clips is not None:
        out = []
        for seq, label, subject in clips:
            group = f"s{int(subject):02d}" if subject is not None else ""
            test = None if subject is None else int(subject) % 2 == 0
            out.append(_Raw(_coords(seq, layout, prefer_world), label if labelled else None, group, test))
        return out, []
    if labelled:
        raise MGStudioError(f"{path.name} holds no labelled clips: label segments in a project, "
                            "or use a dataset MG Studio knows the labels of (MSR Action3D, UTKinect).")
    out = []
    for name, seq in load_skeletons(path):
        out.extend(_Raw(c, None, name, None) for c in _windows(_coords(seq, layout, prefer_world), window, stride))
    return out, []


def load_clips(path: str | Path, cfg: dict, *, labelled: bool, split: str = "train",
               classes: list[str] | None = None) -> ClipSet:
    """Load, split and normalise clips for training (``split="train"``) or testing (``"test"``).

    ``classes`` fixes the label order (from a checkpoint); clips of other labels are dropped
    with a note.
    """
    path = Path(path)
    if not path.exists():
        raise MGStudioError(f"Training data not found: {path}")
    layout = get_layout(cfg["data"]["layout"])
    m = cfg["model"]
    window = int(m["window"])
    stride = int(cfg["data"]["stride"]) or max(1, window // 2)
    prefer_world = bool(cfg["data"]["prefer_world"])
    loader = _project_raw if _is_project(path) else _files_raw
    raw, notes = loader(path, layout, labelled, window, stride, prefer_world)
    mode = cfg["data"]["split"]
    if mode == "auto":
        mode = "cross_subject" if raw and all(r.test is not None for r in raw) and any(r.test for r in raw) else "all"
    if mode == "cross_subject" and split in ("train", "test"):
        want_test = split == "test"
        raw = [r for r in raw if bool(r.test) == want_test]
    elif mode not in ("all", "none", "cross_subject"):
        raise MGStudioError(f"Unknown data split '{mode}' (use auto, cross_subject or all).")
    if not raw:
        what = "labelled clips" if labelled else "skeleton windows"
        raise MGStudioError(f"No {what} to {'train on' if split == 'train' else 'evaluate'} in {path.name}.",
                            "; ".join(notes) or None)
    # drop clips without any visible joint: they carry no signal and would only add noise
    kept = [r for r in raw if r.coords.shape[0] > 0 and np.isfinite(r.coords).all(axis=-1).any()]
    if len(kept) < len(raw):
        notes.append(f"{len(raw) - len(kept)} clip(s) without any visible joint were skipped")
    if not kept:
        raise MGStudioError(f"Every clip in {path.name} is empty or has no visible joint.")
    if labelled:
        if classes is None:
            classes = sorted({r.label for r in kept}, key=_natural)
        index = {c: i for i, c in enumerate(classes)}
        unknown = [r for r in kept if r.label not in index]
        if unknown:
            notes.append(f"{len(unknown)} clip(s) with labels the model does not know were skipped")
            kept = [r for r in kept if r.label in index]
        if not kept:
            raise MGStudioError("None of the clips carries a label this model knows.")
        labels = np.array([index[r.label] for r in kept], dtype=np.int64)
    else:
        classes = []
        labels = np.full(len(kept), -1, dtype=np.int64)
    c = int(m["in_channels"])
    stacked = np.stack([resample_time(fit_channels(r.coords, c), window) for r in kept])
    x, mask = normalise(stacked, layout)
    return ClipSet(x, mask, labels, list(classes), [r.group for r in kept],
                   f"{'/'.join(path.resolve().parts[-2:])} ({'split ' + split if mode == 'cross_subject' else 'all'})", notes)


def _natural(s: str) -> tuple:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s))
