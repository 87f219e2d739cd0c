"""Import a coding file, creating label-only recordings for the ones the project lacks.

A study often exists only as a coding file: an iMiGUE label CSV, an MG Studio segments CSV,
ELAN files, a BORIS project or an MG Studio JSON export, with no video or skeleton at hand.
:func:`import_coding` reads the file first (nothing is written when it cannot be read), then adds
one **label-only recording** per recording the file names and the project lacks, and imports
the segments onto them. A label-only recording has its name from the file (BORIS: the
observation's id; JSON: the item's name), its frame rate from the file (iMiGUE: 25 fps; a CSV
with both frames and seconds: their ratio; BORIS: the rate BORIS noted for the observation's
media; JSON: the item's rate) or the caller's ``fps``, and its length up to the end of its last
segment (BORIS: at least its media's length; JSON: at least the item's length). Reports,
agreement and exports work on it; extraction and proposals say there is no video or skeleton.

The recordings and the segments are added in one transaction and one undo step
(:meth:`~mgstudio.core.project.Project.one_step`): a failed or killed import leaves nothing, and
Ctrl+Z removes the recordings with their segments (redo brings both back).

The store has no kind of its own for it: a label-only recording is a skeleton-kind item without
a skeleton file (:func:`is_label_only`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, TYPE_CHECKING

from mgstudio.core.errors import FormatError, MGStudioError
from mgstudio.core.timebase import as_fraction
from mgstudio.formats.tracks import ImportReport, cell, csv_reader, csv_rows, find_item, short

if TYPE_CHECKING:
    from mgstudio.core.project import Project

CREATES = ("imigue", "csv", "eaf", "boris", "json")  # formats label-only recordings can be made from
DEFAULT_FPS = Fraction(25)
LABEL_ONLY = "label-only"
#: Frame rates a frames/seconds ratio is snapped to (a CSV rounds its seconds).
COMMON_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
                Fraction(50), Fraction(60000, 1001), Fraction(60), Fraction(100), Fraction(120))


def is_label_only(project: Project, item: Any) -> bool:
    """True for a recording with no video and no skeleton (made from a coding file)."""
    return item.kind != "video" and not project.has_skeleton(item.id)


def item_kind(project: Project, item: Any) -> str:
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
    end_frame: int  # the end of its last segment (half-open), at its frame rate
    attributes: dict[str, Any] = field(default_factory=dict)
    fps: Fraction | None = None  # its own frame rate (BORIS, JSON); None: the scan's
    end_s: float | None = None  # its length in seconds where no rate is known yet (BORIS live)

    def frames(self, rate: Fraction) -> int:
        """Its length in frames at ``rate``."""
        if self.end_s is None:
            return self.end_frame
        return max(self.end_frame, math.floor(self.end_s * rate) + 1)


@dataclass
class CodingScan:
    """The recordings a coding file names, read before anything is written."""

    fmt: str
    fps: Fraction | None  # None: only the recordings' own rates (BORIS, JSON)
    fps_source: str  # where the frame rate came from, in words
    recordings: dict[str, Recording]
    one_recording: bool = False  # the file holds one recording without naming it (ELAN, CSV without 'item')
    match: Callable[[Any, str], Any] | None = None  # how the import finds a recording's item (default: by name)
    path: Path | None = None

    def missing(self, project: Project) -> list[str]:
        """The recordings the project does not have, in file order."""
        find = self.match or find_item
        return [n for n in self.recordings if find(project, n) is None]

    def rate_of(self, name: str) -> Fraction:
        """The frame rate a new recording ``name`` gets; one sentence when neither the file nor
        the caller gives one."""
        rate = self.recordings[name].fps or self.fps
        if rate is None:
            file = self.path.name if self.path is not None else "The file"
            raise FormatError(f"{file} gives no frame rate for '{short(name, 60)}' (a live observation, or no "
                              "media information), so its frames are unknown: give it (e.g. --fps 25).")
        return rate


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
    seconds; a live BORIS observation; a JSON segment of a recording its list lacks); without it
    such files are read at 25 fps (ELAN, seconds), refused (frames only), or the recordings
    without a rate are refused when the import would create them (:meth:`CodingScan.rate_of`).
    ``item_name`` names the recording of a one-recording file (ELAN; default: the file's name).
    """
    from mgstudio.formats.segment_io import detect_format

    path = Path(path)
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in CREATES:
        raise FormatError(f"Recordings can be created from ELAN, CSV, iMiGUE, BORIS and MG Studio JSON files, "
                          f"not from a {fmt} file like {short(path.name, 80)}: add the recordings first.")
    given = None if fps in (None, "") else _check_rate(fps)
    recs: dict[str, Recording] = {}
    if fmt == "boris":
        return _scan_boris(path, given)
    if fmt == "json":
        return _scan_json(path, given)
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


def _rates_in_words(rates: list[Fraction], what: str) -> str:
    if not rates:
        return "the frame rate given"
    lo, hi = min(rates), max(rates)
    span = f"{float(lo):g} fps" if lo == hi else f"{float(lo):g}–{float(hi):g} fps"
    return f"{what} ({span})"


def _scan_boris(path: Path, given: Fraction | None) -> CodingScan:
    """A BORIS project's observations: each one recording, named by the observation's id, at
    the rate BORIS noted for its media (else ``given``), as long as its media or its events."""
    from mgstudio.formats.boris import (match_observation, observation_attributes, observation_end,
                                        observation_media, read_boris, state_codes)

    doc = read_boris(path)
    states = state_codes(doc)
    recs: dict[str, Recording] = {}
    observations = {str(k): v for k, v in doc["observations"].items()}
    for obs_id, obs in observations.items():
        where = f"{path.name}, observation '{short(obs_id, 60)}'"
        if not isinstance(obs, dict):
            raise FormatError(f"{where} is malformed.")
        media_fps, length = observation_media(obs)
        own = _snap_rate([media_fps]) if media_fps is not None else None
        rate = own or given
        attrs = observation_attributes(obs)
        if rate is not None:
            end = observation_end(obs, states, float(rate), where)
            frames = max(end, math.ceil(length * rate - 1e-6) if length else 0)
            recs[obs_id] = Recording(obs_id, frames, attrs, own)
        else:  # no rate yet: its length in seconds (the import asks for a rate only if it is missing)
            last = observation_end(obs, states, 1000.0, where) / 1000.0
            recs[obs_id] = Recording(obs_id, 0, attrs, None, max(last, length or 0.0))
    own_rates = [r.fps for r in recs.values() if r.fps is not None]
    source = _rates_in_words(own_rates, "the observations' media as BORIS noted them")
    if given is not None and len(own_rates) < len(recs):
        source += f"; {float(given):g} fps given for the others" if own_rates else ""
    return CodingScan("boris", given, source, recs, path=path,
                      match=lambda project, name: match_observation(project, name, observations[name]))


def _scan_json(path: Path, given: Fraction | None) -> CodingScan:
    """An MG Studio JSON export's items: each one recording with its name, rate, length and
    attributes (a segment's item the list lacks: at ``given``, as long as its segments)."""
    from mgstudio.formats.project_json import read_segments_json
    from mgstudio.formats.tracks import as_frame

    doc = read_segments_json(path)
    recs: dict[str, Recording] = {}
    items = doc.get("items")
    for k, it in enumerate(items if isinstance(items, list) else []):
        where = f"{path.name}, item {k + 1}"
        if not isinstance(it, dict) or not isinstance(it.get("name"), str) or not it["name"].strip():
            raise FormatError(f"{where} has no name.")
        own = None
        if it.get("fps") is not None:
            try:
                own = _check_rate(it["fps"])
            except MGStudioError:
                raise FormatError(f"{where} ('{short(it['name'], 60)}'): its frame rate "
                                  f"{short(it['fps'], 20)} is not one.") from None
        n = it.get("frame_count")
        frames = as_frame(n, "frame_count", where) if n is not None else 0
        attrs = it.get("attributes") if isinstance(it.get("attributes"), dict) else {}
        recs.setdefault(it["name"], Recording(it["name"], max(frames, 0), dict(attrs), own))
    for k, seg in enumerate(doc["segments"]):
        if not isinstance(seg, dict) or not isinstance(seg.get("item"), str) or "end" not in seg:
            continue  # the import names what is wrong with it
        end = as_frame(seg["end"], "end", f"{path.name}, segment {k + 1}")
        rec = recs.setdefault(seg["item"], Recording(seg["item"], 0))
        rec.end_frame = max(rec.end_frame, end)
    recs = {n: r for n, r in recs.items() if r.end_frame > 0}
    own_rates = [r.fps for r in recs.values() if r.fps is not None]
    source = _rates_in_words(own_rates, "the file's items")
    return CodingScan("json", given, source, recs, path=path)


def _check_rate(fps: Any) -> Fraction:
    try:
        rate = as_fraction(fps if not isinstance(fps, str) else fps.strip())
    except (ValueError, TypeError, ZeroDivisionError):
        raise MGStudioError(f"'{short(fps, 20)}' is not a frame rate: give a number such as 25 or 30000/1001.") from None
    if not 0 < rate <= 1000:
        raise MGStudioError(f"A frame rate must be between 0 and 1000 fps, not {float(rate):g}.")
    return rate


def add_label_only(project: Project, rec: Recording, fps: Fraction) -> Any:
    """Add one label-only recording (no video, no skeleton file) and return its item
    (:meth:`~mgstudio.core.project.Project.add_label_item`: audited, undoable)."""
    return project.add_label_item(rec.name, fps, rec.frames(fps), rec.attributes or None)


def import_coding(project: Project, path: str | Path, fmt: str = "auto", *, item_id: int | None = None,
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
    missing = scan.missing(project) if scan is not None else []
    if not (create_missing and missing):
        if missing:
            notes.append(f"{len(missing)} recording(s) named in {path.name} are not in the project; import "
                         "them as label-only recordings (mgstudio import --create-items).")
        if scan is not None:
            item_id = _one_recording_item(project, scan, item_id)
        return CodingImport(import_file(project, path, fmt, item_id, label_map, dependent), created, notes)
    rates = {name: scan.rate_of(name) for name in missing}  # every rate known before anything is written
    what = f"{len(missing)} new label-only recording{'s' * (len(missing) != 1)}"
    with project.one_step("import", f"Import {path.name} ({what})"):
        for name in missing:
            created.append(add_label_only(project, scan.recordings[name], rates[name]).name)
        item_id = _one_recording_item(project, scan, item_id)
        report = import_file(project, path, fmt, item_id, label_map, dependent)
    lengths = sorted(round(float(scan.recordings[n].frames(rates[n]) / rates[n])) for n in missing)
    span = f"{lengths[0]} s" if lengths[0] == lengths[-1] else f"{lengths[0]}–{lengths[-1]} s"
    runs = ("each as long as its media or its last segment" if fmt in ("boris", "json")
            else "each runs to the end of its last segment")
    notes.append(f"Created {len(created)} label-only recording(s) from {path.name} (no video or skeleton; "
                 f"frame rate from {scan.fps_source}; {runs}: {span}). Undo (Ctrl+Z; mgstudio undo) removes them "
                 "with their segments.")
    return CodingImport(report, created, notes)


def _one_recording_item(project: Project, scan: CodingScan, item_id: int | None) -> int | None:
    """The item a one-recording file (ELAN, CSV without 'item') goes to, once it exists."""
    if scan.one_recording and scan.recordings and item_id is None:
        match = find_item(project, next(iter(scan.recordings)))
        return match.id if match is not None else None
    return item_id


__all__ = ["CodingImport", "CodingScan", "Recording", "add_label_only", "import_coding", "is_label_only",
           "item_kind", "label_only_refusal", "scan_coding"]
