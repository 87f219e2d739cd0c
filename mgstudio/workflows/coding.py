"""Import a coding file, creating label-only recordings for the ones the project lacks.

A study often exists only as a coding file: an iMiGUE label CSV, an MG Studio segments CSV or
ELAN files for many recordings, with no video or skeleton at hand. :func:`import_coding` reads
the file first (nothing is written when it cannot be read), then adds one **label-only
recording** per recording the file names and the project lacks, and imports the segments onto
them. A label-only recording has its name from the file, its frame rate from the file (iMiGUE:
25 fps; a CSV with both frames and seconds: their ratio) or the caller's ``fps``, and its
length up to the end of its last segment (the file says no more). Reports, agreement and
exports work on it; extraction and proposals say there is no video or skeleton to work from.

The store has no kind of its own for it: a label-only recording is a skeleton-kind item without
a skeleton file (:func:`is_label_only`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from mgstudio.core.errors import FormatError, MGStudioError
from mgstudio.core.timebase import as_fraction
from mgstudio.formats.tracks import ImportReport, cell, csv_reader, csv_rows, find_item, short

CREATES = ("imigue", "csv", "eaf")  # formats label-only recordings can be made from
DEFAULT_FPS = Fraction(25)
LABEL_ONLY = "label-only"
#: Frame rates a frames/seconds ratio is snapped to (a CSV rounds its seconds).
COMMON_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
                Fraction(50), Fraction(60000, 1001), Fraction(60), Fraction(100), Fraction(120))


def is_label_only(project: Any, item: Any) -> bool:
    """True for a recording with no video and no skeleton (made from a coding file)."""
    return item.kind != "video" and not project.has_skeleton(item.id)


def item_kind(project: Any, item: Any) -> str:
    """``video``, ``skeleton`` or ``label-only``, as the user should read it."""
    return LABEL_ONLY if is_label_only(project, item) else item.kind


def label_only_refusal(item: Any, what: str) -> str:
    """The one sentence a command that needs a video or skeleton says about a label-only recording."""
    return (f"'{item.name}' is a label-only recording (imported from a coding file, with no video or "
            f"skeleton), so there is nothing to {what}; its coding can still be reported, compared and exported.")


@dataclass
class Recording:
    """What a coding file says about one recording."""

    name: str
    end_frame: int  # the end of its last segment (half-open), at ``fps``
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class CodingScan:
    """The recordings a coding file names, read before anything is written."""

    fmt: str
    fps: Fraction
    fps_source: str  # where the frame rate came from, in words
    recordings: dict[str, Recording]
    one_recording: bool = False  # the file holds one recording without naming it (ELAN, CSV without 'item')

    def missing(self, project: Any) -> list[str]:
        """The recordings the project does not have (by name), in file order."""
        return [n for n in self.recordings if find_item(project, n) is None]


@dataclass
class CodingImport:
    """What :func:`import_coding` did."""

    report: ImportReport
    created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _snap_rate(ratios: list[float]) -> Fraction | None:
    if not ratios:
        return None
    ratios.sort()
    mid = ratios[len(ratios) // 2]
    best = min(COMMON_RATES, key=lambda r: abs(float(r) - mid))
    if abs(float(best) - mid) <= 0.01 * mid:
        return best
    return as_fraction(round(mid, 3))


def _csv_fps(path: Path) -> Fraction | None:
    """The frame rate a segments CSV implies: frames over seconds of the rows that give both."""
    reader = csv_reader(path)
    ratios = []
    for rec in csv_rows(reader, path):
        for f_key, s_key in (("start_frame", "start_s"), ("end_frame", "end_s")):
            f_txt, s_txt = cell(rec, f_key), cell(rec, s_key)
            if not f_txt or not s_txt:
                continue
            try:
                f, s = float(f_txt), float(s_txt)
            except ValueError:
                continue
            if s >= 1.0 and f > 0:
                ratios.append(f / s)
        if len(ratios) >= 200:
            break
    return _snap_rate(ratios)


def _csv_has_frames(path: Path) -> bool:
    reader = csv_reader(path)
    return {"start_frame", "end_frame"} <= set(reader.fieldnames or [])


def scan_coding(path: str | Path, fmt: str = "auto", fps: Any = None, item_name: str | None = None,
                dependent: str = "notes") -> CodingScan:
    """Read a coding file and list the recordings it names, with their length and frame rate.

    ``fps`` is used where the file holds no frame rate (ELAN; a CSV with only frames or only
    seconds); without it such files are read at 25 fps (ELAN, seconds) or refused (frames only).
    ``item_name`` names the recording of a one-recording file (ELAN; default: the file's name).
    """
    from mgstudio.formats.segment_io import detect_format

    path = Path(path)
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in CREATES:
        raise FormatError(f"Recordings can be created from ELAN, CSV and iMiGUE files, not from a {fmt} file "
                          f"like {path.name}: add the recordings first.")
    given = None if fps in (None, "") else _check_rate(fps)
    recs: dict[str, Recording] = {}
    if fmt == "imigue":
        from mgstudio.formats.imigue_csv import IMIGUE_FPS, read_imigue

        rate, source = as_fraction(IMIGUE_FPS), "the iMiGUE layout (25 fps)"
        if given is not None and given != rate:
            raise FormatError(f"{path.name} is an iMiGUE label file, whose frames are at 25 fps, not "
                              f"{float(given):g} fps: leave out the frame rate.")
        for vid, (rows, attrs) in read_imigue(path).items():
            recs[vid] = Recording(vid, max(e for _, e, _, _ in rows), dict(attrs))
        return CodingScan(fmt, rate, source, recs)
    if fmt == "csv":
        from mgstudio.formats.segments_csv import read_csv

        implied = _csv_fps(path)
        if given is not None:
            rate, source = given, "the frame rate given"
        elif implied is not None:
            rate, source = implied, "the file's frames and seconds"
        elif _csv_has_frames(path):
            raise FormatError(f"{path.name} gives frames but no seconds, so its frame rate is unknown: "
                              "give it (e.g. --fps 25).")
        else:
            rate, source = DEFAULT_FPS, "the default (25 fps; the file gives times in seconds only)"
        ends: dict[str, int] = defaultdict(int)
        tracks = read_csv(path, float(rate))
        for t in tracks:
            name = t.item or item_name or path.stem  # no 'item' column: the recording named like the file
            ends[name] = max([ends[name]] + [r.end for r in t.rows])
        recs = {n: Recording(n, e) for n, e in ends.items() if e > 0}
        return CodingScan(fmt, rate, source, recs, one_recording=not any(t.item for t in tracks))
    from mgstudio.formats.eaf_read import read_eaf

    rate = given if given is not None else DEFAULT_FPS
    source = "the frame rate given" if given is not None else "the default (25 fps; ELAN files hold times in ms)"
    tracks = read_eaf(path, rate, ImportReport(), dependent)  # type: ignore[arg-type]
    end = max((r.end for t in tracks for r in t.rows), default=0)
    name = item_name or path.stem
    if end > 0:
        recs[name] = Recording(name, end)
    return CodingScan(fmt, rate, source, recs, one_recording=True)


def _check_rate(fps: Any) -> Fraction:
    try:
        rate = as_fraction(fps if not isinstance(fps, str) else fps.strip())
    except (ValueError, TypeError, ZeroDivisionError):
        raise MGStudioError(f"'{short(fps, 20)}' is not a frame rate: give a number such as 25 or 30000/1001.") from None
    if not 0 < rate <= 1000:
        raise MGStudioError(f"A frame rate must be between 0 and 1000 fps, not {float(rate):g}.")
    return rate


def add_label_only(project: Any, rec: Recording, fps: Fraction) -> Any:
    """Add one label-only recording (no video, no skeleton file) and return its item.

    The store has no public call for an item without media; its own insert is used (audited
    as "add item", like every other recording).
    """
    item_id = project._insert_item(rec.name, "skeleton", None, None, fps, rec.end_frame, None, None,
                                   rec.attributes or None)
    return project.item(item_id)


def import_coding(project: Any, path: str | Path, fmt: str = "auto", *, item_id: int | None = None,
                  item_name: str | None = None, create_missing: bool = False, fps: Any = None,
                  label_map: dict[str, str] | None = None, dependent: str = "notes") -> CodingImport:
    """Import a coding file; with ``create_missing``, first add a label-only recording for each
    recording the file names and the project lacks (see the module docstring).

    Without ``create_missing`` this is a plain import (rows of unknown recordings are skipped and
    named); a note then says how many recordings could have been created.
    """
    from mgstudio.formats.segment_io import detect_format, import_file

    path = Path(path)
    fmt = detect_format(path) if fmt == "auto" else fmt
    notes: list[str] = []
    created: list[str] = []
    if fmt in CREATES and item_id is None and (create_missing or fmt != "eaf"):
        try:
            scan = scan_coding(path, fmt, fps, item_name, dependent)
        except MGStudioError:
            if create_missing:
                raise
            scan = None  # a plain import says what is wrong with the file
    else:
        scan = None
    if scan is not None:
        missing = scan.missing(project)
        if missing and create_missing:
            for name in missing:
                item = add_label_only(project, scan.recordings[name], scan.fps)
                created.append(item.name)
            lengths = sorted(round(float(scan.recordings[n].end_frame / scan.fps)) for n in missing)
            span = f"{lengths[0]} s" if lengths[0] == lengths[-1] else f"{lengths[0]}–{lengths[-1]} s"
            notes.append(f"Created {len(created)} label-only recording(s) from {path.name} (no video or skeleton; "
                         f"frame rate from {scan.fps_source}; each runs to the end of its last segment: {span}).")
        elif missing:
            notes.append(f"{len(missing)} recording(s) named in {path.name} are not in the project; import them "
                         "as label-only recordings (mgstudio import --create-items).")
        if scan.one_recording and scan.recordings:
            match = find_item(project, next(iter(scan.recordings)))
            item_id = match.id if match is not None else None
    try:
        report = import_file(project, path, fmt, item_id, label_map, dependent)
    except BaseException:
        for name in created:  # an import that fails leaves no empty recordings behind
            it = find_item(project, name)
            if it is not None:
                _drop_new_item(project, it.id)
        raise
    return CodingImport(report, created, notes)


def _drop_new_item(project: Any, item_id: int) -> None:
    try:
        project.remove_item(item_id)
    except MGStudioError:
        pass


__all__ = ["CodingImport", "CodingScan", "Recording", "add_label_only", "import_coding", "is_label_only",
           "item_kind", "label_only_refusal", "scan_coding"]
