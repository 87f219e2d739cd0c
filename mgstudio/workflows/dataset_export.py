"""Labelled datasets out: trimmed skeleton clips for training other people's models.

One export folder holds, for the chosen items, tiers and statuses:

- ``mgstudio_skeleton.pkl`` — the PYSKL / MMAction2 skeleton layout: ``{"split": {"train": [...],
  "val": [...], "test": [...]}, "annotations": [{"frame_dir", "label", "img_shape",
  "original_shape", "total_frames", "keypoint" (M x T x V x C float32), "keypoint_score"
  (M x T x V)}]}`` with M = 1 person; missing joints are 0 with score 0 (PYSKL's convention);
- ``ntu/{split}_data.npy`` (N x C x T x V x M float32, clips zero-padded to the longest clip,
  capped at ``max_frames`` by uniform resampling) with ``ntu/{split}_label.json``
  (``{"sample_names": [...], "labels": [...]}``) — the arrays ST-GCN-style loaders read;
- ``manifest.csv`` — one row per clip (clip id, split, subject, item, tier, annotator, source,
  status, label, label index, start/end frames (half-open), confidence, note). It is also an MG
  Studio segments CSV: importing it gives back the same segments;
- ``classes.txt`` and ``README.md`` (a datasheet: classes, counts per split, annotators,
  agreement, provenance);
- optionally ``videos/{clip}.mp4`` with the face blurred from the skeleton's head points.

Splits are **by subject** (item attribute ``subject``, else the item's name): no subject appears
in two splits. Subjects are shuffled with a fixed seed and handed, largest first, to the split
furthest below its target share of clips.
"""

from __future__ import annotations

import csv
import json
import pickle
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mgstudio import __version__
from mgstudio.core.errors import CancelledError, FormatError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.segments import Status
from mgstudio.core.atomic import atomic_path, atomic_write

if TYPE_CHECKING:
    from mgstudio.core.project import Project
    from mgstudio.core.skeleton import SkeletonSequence

SPLITS = ("train", "val", "test")
FORMATS = ("pyskl", "ntu", "csv")
MANIFEST_COLUMNS = ["clip_id", "split", "subject", "item", "tier", "annotator", "source", "status", "label",
                    "label_index", "start_frame", "end_frame", "confidence", "note"]


@dataclass
class DatasetOptions:
    """What to export and how (the defaults suit training on human-reviewed labels)."""

    formats: Sequence[str] = FORMATS
    item_ids: Sequence[int] | None = None
    tiers: Sequence[str] | None = None
    statuses: Sequence[Status | str] = (Status.ACCEPTED, Status.EDITED)
    layout: str = "canonical"  # "canonical" (one joint set for every source) or "source"
    coords: str = "2d"  # "2d" image pixels (x, y) or "3d" world metres (x, y, z)
    ratios: tuple[float, float, float] = (0.7, 0.15, 0.15)
    seed: int = 0
    max_frames: int = 300
    blur_videos: bool = False


@dataclass
class DatasetSummary:
    """What was written."""

    folder: Path
    clips: int
    counts: dict[str, Counter]
    subjects: dict[str, list[str]]
    classes: list[str]
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def split_by_subject(clips_per_subject: dict[str, int], ratios: Sequence[float] = (0.7, 0.15, 0.15),
                     seed: int = 0) -> dict[str, str]:
    """Assign each subject to one split so that clip shares approach ``ratios``."""
    if len(ratios) != 3 or any(r < 0 for r in ratios) or sum(ratios) <= 0:
        raise FormatError("Split ratios must be three non-negative numbers (train, val, test).")
    total_ratio = sum(ratios)
    target = [r / total_ratio for r in ratios]
    subjects = sorted(clips_per_subject)
    random.Random(seed).shuffle(subjects)
    subjects.sort(key=lambda s: -clips_per_subject[s])  # stable: ties keep the seeded order
    have = [0, 0, 0]
    out: dict[str, str] = {}
    for k, s in enumerate(subjects):
        total = sum(have) + clips_per_subject[s]
        empty = [i for i in range(3) if target[i] > 0 and have[i] == 0]
        # Make sure every wanted split gets a subject while subjects remain for the others.
        if empty and len(subjects) - k <= len(empty):
            i = empty[0]
        else:
            i = max(range(3), key=lambda j: target[j] * total - have[j])
        have[i] += clips_per_subject[s]
        out[s] = SPLITS[i]
    return out


def _clip_arrays(seq: "SkeletonSequence", start: int, end: int, opts: DatasetOptions) -> tuple[np.ndarray, np.ndarray]:
    clip = seq.slice(start, end)
    if opts.layout == "canonical":
        clip = clip.to_layout(CANONICAL)
    if opts.coords == "3d":
        if clip.world is None:
            raise FormatError("This skeleton has no 3D world coordinates: export 2D instead.")
        xyz = clip.world
    else:
        xyz = clip.xy
    score = np.where(np.isfinite(xyz).all(axis=2), clip.conf, 0.0).astype(np.float32)
    return np.nan_to_num(xyz, nan=0.0).astype(np.float32), score


def _resample_time(a: np.ndarray, n: int) -> np.ndarray:
    idx = np.linspace(0, len(a) - 1, n).round().astype(int)
    return a[idx]


def export_dataset(project: "Project", folder: str | Path, options: DatasetOptions | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: Callable[[], bool] | None = None) -> DatasetSummary:
    """Write the dataset into ``folder`` (created; existing files of the same names are replaced)."""
    opts = options or DatasetOptions()
    unknown = set(opts.formats) - set(FORMATS)
    if unknown:
        raise FormatError(f"Unknown dataset format {', '.join(sorted(unknown))}: choose from {', '.join(FORMATS)}.")
    if opts.coords not in ("2d", "3d") or opts.layout not in ("canonical", "source"):
        raise FormatError("Coordinates are '2d' or '3d' and the layout is 'canonical' or 'source'.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    statuses = {Status(s) for s in opts.statuses}
    wanted_tiers = set(opts.tiers) if opts.tiers else None
    tiers = {t.id: t for t in project.tiers()}
    if wanted_tiers and not wanted_tiers <= {t.name for t in tiers.values()}:
        missing = wanted_tiers - {t.name for t in tiers.values()}
        raise FormatError(f"The project has no tier named {', '.join(sorted(missing))}.")
    ids = list(opts.item_ids) if opts.item_ids is not None else [it.id for it in project.items()]
    warnings: list[str] = []

    # 1. which clips
    clips: list[dict[str, Any]] = []
    layouts = set()
    for iid in ids:
        item = project.item(iid)
        segs = [s for s in project.segments(iid) if s.status in statuses
                and (wanted_tiers is None or tiers[s.tier_id].name in wanted_tiers)]
        if not segs:
            continue
        if not project.has_skeleton(iid):
            warnings.append(f"'{item.name}' has no skeleton yet: its {len(segs)} segment(s) were left out.")
            continue
        subject = str((item.attributes or {}).get("subject") or item.name)
        for s in segs:
            clips.append({"item": item, "seg": s, "subject": subject, "tier": tiers[s.tier_id].name})
    if not clips:
        raise FormatError("Nothing to export: no segments with skeletons match the chosen items, tiers and statuses.")
    classes = sorted({c["seg"].label for c in clips}, key=lambda lab: (
        project.taxonomy.names.index(lab) if lab in project.taxonomy.names else 10**6, lab))
    class_index = {lab: k for k, lab in enumerate(classes)}
    per_subject = Counter(c["subject"] for c in clips)
    split_of = split_by_subject(per_subject, opts.ratios, opts.seed)
    if len(per_subject) < 3:
        warnings.append(f"Only {len(per_subject)} subject(s): some splits are empty (splits never share a subject).")

    # 2. arrays
    annotations: list[dict[str, Any]] = []
    by_item: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in clips:
        by_item[c["item"].id].append(c)
    done = 0
    for iid, item_clips in by_item.items():
        seq = project.load_skeleton(iid)
        layouts.add(CANONICAL.name if opts.layout == "canonical" else seq.layout.name)
        for c in item_clips:
            if cancel is not None and cancel():
                raise CancelledError("Dataset export cancelled; nothing was written.")
            seg, item = c["seg"], c["item"]
            kp, score = _clip_arrays(seq, seg.start, seg.end, opts)
            c["clip_id"] = f"{item.name}__{c['tier']}__{seg.start:07d}-{seg.end:07d}"
            c["split"] = split_of[c["subject"]]
            size = (int(item.height or 0), int(item.width or 0))
            annotations.append({
                "frame_dir": c["clip_id"], "label": class_index[seg.label], "img_shape": size,
                "original_shape": size, "total_frames": int(kp.shape[0]),
                "keypoint": kp[None], "keypoint_score": score[None],
            })
            done += 1
            if progress:
                progress(done, len(clips))
    if len(layouts) > 1:
        raise FormatError("The items' skeletons use different joint layouts "
                          f"({', '.join(sorted(layouts))}): export with the canonical layout.")

    files: list[Path] = []
    if "pyskl" in opts.formats:
        doc = {"split": {sp: [c["clip_id"] for c in clips if c["split"] == sp] for sp in SPLITS},
               "annotations": annotations}
        path = folder / "mgstudio_skeleton.pkl"
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                pickle.dump(doc, fh, protocol=4)
        files.append(path)
    if "ntu" in opts.formats:
        ntu = folder / "ntu"
        ntu.mkdir(exist_ok=True)
        t_len = min(opts.max_frames, max(a["total_frames"] for a in annotations))
        for sp in SPLITS:
            idx = [k for k, c in enumerate(clips) if c["split"] == sp]
            v, ch = annotations[0]["keypoint"].shape[2], annotations[0]["keypoint"].shape[3]
            data = np.zeros((len(idx), ch, t_len, v, 1), np.float32)
            for n, k in enumerate(idx):
                kp = annotations[k]["keypoint"][0]
                if len(kp) > t_len:
                    kp = _resample_time(kp, t_len)
                data[n, :, : len(kp), :, 0] = kp.transpose(2, 0, 1)
            with atomic_path(ntu / f"{sp}_data.npy") as tmp:
                with open(tmp, "wb") as fh:
                    np.save(fh, data)
            with atomic_write(ntu / f"{sp}_label.json") as fh:
                json.dump({"sample_names": [clips[k]["clip_id"] for k in idx],
                           "labels": [class_index[clips[k]["seg"].label] for k in idx]}, fh)
            files += [ntu / f"{sp}_data.npy", ntu / f"{sp}_label.json"]
    # the manifest is always written: it is what re-import reads
    path = folder / "manifest.csv"
    with atomic_write(path, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(MANIFEST_COLUMNS)
        for c in clips:
            s = c["seg"]
            w.writerow([c["clip_id"], c["split"], c["subject"], c["item"].name, c["tier"], s.annotator,
                        s.source.value, s.status.value, s.label, class_index[s.label], s.start, s.end,
                        "" if s.confidence is None else f"{s.confidence:.6f}", s.note])
    files.append(path)
    with atomic_write(folder / "classes.txt") as fh:
        fh.write("\n".join(classes) + "\n")
    files.append(folder / "classes.txt")

    counts = {sp: Counter(c["seg"].label for c in clips if c["split"] == sp) for sp in SPLITS}
    subjects = {sp: sorted({c["subject"] for c in clips if c["split"] == sp}) for sp in SPLITS}
    summary = DatasetSummary(folder, len(clips), counts, subjects, classes, files, warnings)
    if opts.blur_videos:
        from mgstudio.media.face_blur import export_blurred_clips

        files += export_blurred_clips(project, folder / "videos", clips, cancel=cancel, warnings=warnings)
    readme = folder / "README.md"
    with atomic_write(readme) as fh:
        fh.write(_datasheet(project, summary, opts, clips))
    files.append(readme)
    return summary


def _datasheet(project: "Project", summary: DatasetSummary, opts: DatasetOptions, clips: list[dict[str, Any]]) -> str:
    lines = [f"# Dataset exported from MG Studio project '{project.name}'", "",
             f"- exported: {time.strftime('%Y-%m-%d %H:%M:%S')} by MG Studio {__version__}",
             f"- clips: {summary.clips} from {len({c['item'].id for c in clips})} item(s)",
             f"- statuses: {', '.join(Status(s).value for s in opts.statuses)}; tiers: "
             f"{', '.join(opts.tiers) if opts.tiers else 'all'}",
             f"- joints: {'canonical upper body + hands (61)' if opts.layout == 'canonical' else 'as extracted'}; "
             f"coordinates: {'2D image pixels' if opts.coords == '2d' else '3D world metres'}",
             f"- splits by subject with seed {opts.seed}, target shares {opts.ratios}; "
             "no subject appears in two splits",
             "- identity-free: skeletons only (no video frames, names or face data)"
             + (", plus face-blurred video clips" if opts.blur_videos else ""), "",
             "## Classes and counts", "", "| # | class | " + " | ".join(SPLITS) + " |",
             "|---|---|" + "---|" * len(SPLITS)]
    for k, lab in enumerate(summary.classes):
        lines.append(f"| {k} | {lab} | " + " | ".join(str(summary.counts[sp][lab]) for sp in SPLITS) + " |")
    lines += ["", "## Subjects per split", ""]
    lines += [f"- {sp}: {', '.join(summary.subjects[sp]) or '(none)'}" for sp in SPLITS]
    annotators = Counter(c["seg"].annotator or "(unknown)" for c in clips)
    lines += ["", "## Annotators", ""] + [f"- {a}: {n} clip(s)" for a, n in annotators.most_common()]
    lines += ["", "## Agreement", ""]
    human = [t.name for t in project.tiers() if t.kind == "human"]
    try:
        from mgstudio.core.agreement import agreement

        rep = agreement(project, human, [it for it in {c["item"].id for c in clips}])
        lines += [f"- {p.tier_a} vs {p.tier_b}: frame-level Cohen's kappa {p.kappa:.3f}" for p in rep.pairs]
        if rep.fleiss is not None:
            lines.append(f"- Fleiss' kappa over {len(rep.tiers)} annotators: {rep.fleiss:.3f}")
    except Exception as exc:  # one annotator, or no overlap: say so rather than fail the export
        lines.append(f"- not computed: {exc}")
    if summary.warnings:
        lines += ["", "## Notes", ""] + [f"- {w}" for w in summary.warnings]
    lines += ["", "## Files", "",
              "- `mgstudio_skeleton.pkl`: PYSKL/MMAction2 skeleton annotations (keypoint M x T x V x C)",
              "- `ntu/{split}_data.npy` + `ntu/{split}_label.json`: N x C x T x V x M arrays",
              "- `manifest.csv`: one row per clip; `mgstudio import PROJECT manifest.csv` restores the segments",
              "- `classes.txt`: class index -> name", ""]
    return "\n".join(lines)
