"""Pure builders of undoable edits: the current rows in, a :class:`~mgstudio.core.commands.Command` out.

No SQL and no project here: the store (:mod:`mgstudio.core.project`) reads the rows an edit
needs, calls a builder, and runs the command (validate, apply, history, audit). Each builder
raises :class:`~mgstudio.core.errors.ProjectError` with one sentence for an edit that cannot be
made (a split outside the segment, a merge across tiers, a label set that would lose a used label).

Rows are segment dicts as :meth:`Segment.to_dict` gives them (``id`` ``None`` for a new one);
``rate`` is the item's exact frame rate, used only for the undo-menu text.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from mgstudio.core.commands import Command
from mgstudio.core.errors import ProjectError
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.taxonomy import Taxonomy
from mgstudio.core.timebase import timecode

__all__ = ["UPDATABLE", "describe", "new_row", "create", "delete", "check_updatable", "update", "update_action", "split", "merge",
           "bulk_add", "replace_proposals", "edit_labels", "check_label_edit"]

UPDATABLE = ("start", "end", "label", "status", "note", "confidence", "tier_id")


def describe(row: Segment | Mapping[str, Any], rate: Fraction) -> str:
    """``'label' 00:00:01.000–00:00:02.000``: how the undo menu and messages name a segment."""
    d = row.to_dict() if isinstance(row, Segment) else row
    return f"'{d['label']}' {timecode(d['start'], rate)}–{timecode(d['end'], rate)}"


def new_row(seg: Segment, annotator: str, now: float) -> dict[str, Any]:
    """The row of a segment to insert (no id yet); a human segment without annotator gets ``annotator``."""
    if not isinstance(seg, Segment):
        raise ProjectError("Only segments can be added to a project.", f"got {type(seg).__name__}")
    d = seg.to_dict()
    d["id"] = None
    try:  # numpy integers are fine; None, floats and text are not
        for k in ("item_id", "tier_id", "start", "end"):
            d[k] = operator.index(d[k])
    except TypeError as exc:
        raise ProjectError("A segment's item, tier, start and end must be whole numbers.", repr(seg)) from exc
    d["label"] = (d["label"] or "").strip() if isinstance(d["label"], str) else d["label"]
    if d["source"] == Source.HUMAN.value:
        d["annotator"] = d["annotator"] or annotator
    d["created"] = d["created"] or now
    d["modified"] = d["modified"] or now
    d["note"] = d["note"] or ""
    return d


def create(row: dict[str, Any], rate: Fraction) -> Command:
    """Add one new segment row."""
    cmd = Command("create", f"Create {describe(row, rate)}")
    cmd.insert(row)
    return cmd


def delete(row: dict[str, Any], rate: Fraction) -> Command:
    """Delete one segment (its current row)."""
    cmd = Command("delete", f"Delete {describe(row, rate)}")
    cmd.delete(row)
    return cmd


def _coerce(key: str, value: Any) -> Any:
    try:
        if key == "status":
            return Status(value).value
        if key in ("start", "end", "tier_id"):
            return int(value)
        if key == "label":
            return str(value).strip()
        if key == "note":
            return "" if value is None else str(value)
        if key == "confidence" and value is not None:
            return float(value)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"{value!r} is not a valid {key} for a segment.", str(exc)) from exc
    return value


def check_updatable(fields: Iterable[str]) -> None:
    """Refuse fields of a segment that an update cannot change (its id, item, source...)."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise ProjectError(f"A segment's {', '.join(sorted(unknown))} cannot be changed.")


def update(old: Segment, fields: Mapping[str, Any], rate: Fraction, now: float) -> Command | None:
    """Change start/end/label/status/note/confidence/tier_id of ``old``; ``None`` when nothing changes.

    A change of a model proposal's range or label marks it ``edited`` (unless a status is given)."""
    check_updatable(fields)
    before = old.to_dict()
    after = dict(before)
    for k, v in fields.items():
        after[k] = _coerce(k, v)
    if after == before:
        return None
    changed_shape = any(after[k] != before[k] for k in ("start", "end", "label"))
    if changed_shape and old.source == Source.MODEL and "status" not in fields:
        after["status"] = Status.EDITED.value
    after["modified"] = now
    action, what = update_action(before, after)
    cmd = Command(action, f"{what} {describe(before, rate)}")
    cmd.update(before, after)
    return cmd


def update_action(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, str]:
    """Audit action and undo-menu verb for an update of ``before`` into ``after``."""
    if after["status"] != before["status"] and all(after[k] == before[k] for k in ("start", "end", "label")):
        verb = {"accepted": "Accept", "rejected": "Reject", "proposed": "Reset", "edited": "Mark edited"}[after["status"]]
        return verb.lower().split()[0], verb
    if after["label"] != before["label"] and (after["start"], after["end"]) == (before["start"], before["end"]):
        return "relabel", f"Relabel as '{after['label']}'"
    if (after["start"], after["end"]) != (before["start"], before["end"]):
        if after["end"] - after["start"] == before["end"] - before["start"]:
            return "move", "Move"
        return "resize", "Resize"
    if after["tier_id"] != before["tier_id"]:
        return "move tier", "Move to another tier"
    if after["note"] != before["note"]:
        return "note", "Edit note of"
    return "update", "Change"


def split(old: Segment, frame: int, rate: Fraction, now: float) -> tuple[Command, dict[str, Any]]:
    """Cut ``old`` at ``frame`` into [start, frame) and [frame, end); also returns the new right row
    (its id is filled in when the command runs)."""
    frame = int(frame)
    if not old.start < frame < old.end:
        raise ProjectError(f"A segment can only be split inside it (frames {old.start + 1}–{old.end - 1}), "
                           f"not at frame {frame}.")
    before = old.to_dict()
    left = dict(before, end=frame, modified=now)
    right = dict(before, id=None, start=frame, created=now, modified=now)
    cmd = Command("split", f"Split {describe(before, rate)}")
    cmd.update(before, left)
    cmd.insert(right)
    return cmd, right


def merge(segments: Sequence[Segment], rate: Fraction, now: float) -> Command:
    """Join segments of one item and tier into the earliest one (notes joined, the rest deleted)."""
    segs = sorted(segments, key=lambda s: (s.start, s.end))
    if len(segs) < 2:
        raise ProjectError("Select at least two segments to merge.")
    if len({(s.item_id, s.tier_id) for s in segs}) != 1:
        raise ProjectError("Only segments of the same video and tier can be merged.")
    first = segs[0]
    before = first.to_dict()
    notes = [s.note for s in segs if s.note]
    after = dict(before, end=max(s.end for s in segs), note="; ".join(dict.fromkeys(notes)), modified=now)
    if first.source == Source.MODEL and first.status == Status.PROPOSED:
        after["status"] = Status.EDITED.value
    cmd = Command("merge", f"Merge {len(segs)} segments into {describe(after, rate)}")
    for s in segs[1:]:
        cmd.delete(s.to_dict())
    cmd.update(before, after)
    return cmd


def bulk_add(rows: Sequence[dict[str, Any]], description: str = "") -> Command:
    """Insert many new rows as one step (an import)."""
    cmd = Command("bulk add", description or f"Add {len(rows)} segments")
    for r in rows:
        cmd.insert(r)
    return cmd


def replace_proposals(item_name: str, old: Iterable[Segment], rows: Sequence[dict[str, Any]],
                      description: str = "") -> Command:
    """Delete the un-reviewed proposals ``old`` and insert ``rows`` in one step."""
    old = list(old)
    cmd = Command("replace proposals",
                  description or f"Propose {len(rows)} segments for '{item_name}' (replacing {len(old)})")
    for s in old:
        cmd.delete(s.to_dict())
    for r in rows:
        cmd.insert(r)
    return cmd


def check_label_edit(current: Taxonomy, new: Taxonomy, renames: Mapping[str, str],
                     used: Mapping[str, int]) -> dict[str, str]:
    """The effective renames (old -> new, identities dropped) after checking that ``new`` has every
    rename target and keeps every label of ``current`` that segments still use (``used``: counts)."""
    if not isinstance(new, Taxonomy):
        raise ProjectError("edit_labels needs a Taxonomy.")
    renames = {a: b for a, b in (renames or {}).items() if a != b}
    for old, target in renames.items():
        if target not in new:
            raise ProjectError(f"“{old}” cannot be renamed to “{target}”: the new label set has no “{target}”.")
    # A label of the set that segments use may not vanish: they would keep a label the project
    # no longer knows (imported labels that were never in the set are not checked).
    lost = [name for name in current.names if used.get(name) and name not in new and name not in renames]
    if lost:
        n = sum(used[name] for name in lost)
        raise ProjectError(f"“{lost[0]}”{' and others' if len(lost) > 1 else ''} would be removed but "
                           f"{n} segment(s) still use {'it' if len(lost) == 1 else 'them'}: rename it to "
                           "another label instead, or relabel those segments first.")
    return renames


def edit_labels(current: Taxonomy, new: Taxonomy, renames: Mapping[str, str],
                rows_by_label: Mapping[str, Iterable[dict[str, Any]]], now: float,
                description: str = "Edit the labels") -> Command:
    """Replace the label set and relabel the rows of each renamed label (``rows_by_label[old]``).

    ``renames`` must have passed :func:`check_label_edit`."""
    before, after = current.to_dict(), new.to_dict()
    cmd = Command("edit labels", description)
    if before != after:
        cmd.ops.append({"op": "taxonomy", "before": before, "after": after, "renames": dict(renames)})
    for old, target in renames.items():
        for row in rows_by_label.get(old, ()):
            cmd.update(row, dict(row, label=target, modified=now))
    return cmd
