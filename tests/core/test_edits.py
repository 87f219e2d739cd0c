"""The pure edit builders: current rows in, a Command out (no project, no SQL)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mgstudio.core import edits
from mgstudio.core.commands import SEGMENT_COLUMNS, SEGMENT_SELECT, invert, row_to_db, segment_from_db
from mgstudio.core.errors import ProjectError
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.taxonomy import Taxonomy

RATE = Fraction(25)


def seg(start: int, end: int, label: str = "touching jaw", sid: int | None = 1, **kw) -> Segment:
    return Segment(item_id=1, tier_id=2, start=start, end=end, label=label, id=sid, created=1.0, modified=1.0, **kw)


def test_describe_names_label_and_times() -> None:
    assert edits.describe(seg(25, 50), RATE) == "'touching jaw' 00:00:01.000–00:00:02.000"


def test_new_row_fills_annotator_times_and_refuses_non_integers() -> None:
    row = edits.new_row(Segment(1, 2, 3, 9, "  folding arms ", created=0, modified=0), "alice", 5.0)
    assert row["id"] is None and row["label"] == "folding arms" and row["annotator"] == "alice"
    assert row["created"] == row["modified"] == 5.0 and row["note"] == ""
    model = edits.new_row(Segment(1, 2, 3, 9, "x", source=Source.MODEL, status=Status.PROPOSED), "alice", 5.0)
    assert model["annotator"] == ""  # a proposal is nobody's
    with pytest.raises(ProjectError, match="whole numbers"):
        edits.new_row(Segment(1, 2, 0, 1, "x").with_(item_id=None), "alice", 5.0)
    with pytest.raises(ProjectError, match="Only segments"):
        edits.new_row({"start": 0}, "alice", 5.0)  # type: ignore[arg-type]


def test_create_and_delete_are_inverse() -> None:
    row = seg(0, 10).to_dict()
    create = edits.create(row, RATE)
    delete = edits.delete(row, RATE)
    assert create.action == "create" and create.description.startswith("Create 'touching jaw'")
    assert invert(create.ops) == delete.ops


@pytest.mark.parametrize("fields, action, verb", [
    ({"status": "accepted"}, "accept", "Accept"),
    ({"status": Status.REJECTED}, "reject", "Reject"),
    ({"label": "folding arms"}, "relabel", "Relabel as 'folding arms'"),
    ({"start": 2, "end": 12}, "move", "Move"),
    ({"end": 20}, "resize", "Resize"),
    ({"tier_id": 3}, "move tier", "Move to another tier"),
    ({"note": "unsure"}, "note", "Edit note of"),
])
def test_update_names_what_changed(fields, action, verb) -> None:
    cmd = edits.update(seg(0, 10, status=Status.PROPOSED, source=Source.MODEL) if "status" in fields else seg(0, 10),
                       fields, RATE, 9.0)
    assert cmd is not None and cmd.action == action and cmd.description.startswith(verb)
    (op,) = cmd.ops
    assert op["after"]["modified"] == 9.0 and op["before"]["modified"] == 1.0


def test_update_of_a_proposal_marks_it_edited_and_no_change_is_none() -> None:
    prop = seg(0, 10, source=Source.MODEL, status=Status.PROPOSED)
    cmd = edits.update(prop, {"end": 12}, RATE, 2.0)
    assert cmd.ops[0]["after"]["status"] == "edited"
    assert edits.update(prop, {"end": 10, "label": "touching jaw"}, RATE, 2.0) is None


def test_update_refuses_unknown_fields_and_bad_values() -> None:
    with pytest.raises(ProjectError, match="item_id cannot be changed"):
        edits.update(seg(0, 10), {"item_id": 4}, RATE, 0.0)
    with pytest.raises(ProjectError, match="not a valid start"):
        edits.update(seg(0, 10), {"start": "soon"}, RATE, 0.0)
    with pytest.raises(ProjectError, match="not a valid status"):
        edits.update(seg(0, 10), {"status": "maybe"}, RATE, 0.0)


def test_split_cuts_inside_only() -> None:
    cmd, right = edits.split(seg(0, 10, note="n"), 4, RATE, 3.0)
    assert [op["op"] for op in cmd.ops] == ["update", "insert"]
    assert cmd.ops[0]["after"]["end"] == 4 and (right["start"], right["end"], right["id"]) == (4, 10, None)
    assert right["note"] == "n" and right["created"] == 3.0
    for frame in (0, 10, 11):
        with pytest.raises(ProjectError, match="inside it"):
            edits.split(seg(0, 10), frame, RATE, 3.0)


def test_merge_joins_into_the_earliest_and_refuses_mixed_tiers() -> None:
    a, b = seg(20, 30, sid=2, note="late"), seg(0, 10, sid=1, note="early")
    cmd = edits.merge([a, b], RATE, 4.0)
    assert [op["op"] for op in cmd.ops] == ["delete", "update"]
    assert cmd.ops[0]["before"]["id"] == 2
    assert cmd.ops[1]["after"]["end"] == 30 and cmd.ops[1]["after"]["note"] == "early; late"
    assert cmd.description.startswith("Merge 2 segments")
    with pytest.raises(ProjectError, match="at least two"):
        edits.merge([a], RATE, 4.0)
    with pytest.raises(ProjectError, match="same video and tier"):
        edits.merge([a, b.with_(tier_id=9)], RATE, 4.0)
    prop = edits.merge([seg(0, 5, sid=3, source=Source.MODEL, status=Status.PROPOSED), seg(5, 9, sid=4)], RATE, 1.0)
    assert prop.ops[-1]["after"]["status"] == "edited"


def test_bulk_add_and_replace_proposals() -> None:
    rows = [seg(i, i + 1, sid=None).to_dict() for i in range(3)]
    bulk = edits.bulk_add(rows)
    assert bulk.description == "Add 3 segments" and all(op["op"] == "insert" for op in bulk.ops)
    old = [seg(0, 5, sid=7, source=Source.MODEL, status=Status.PROPOSED)]
    rep = edits.replace_proposals("S01", old, rows)
    assert rep.description == "Propose 3 segments for 'S01' (replacing 1)"
    assert [op["op"] for op in rep.ops] == ["delete", "insert", "insert", "insert"]


def test_edit_labels_checks_and_relabels() -> None:
    current = Taxonomy.from_dict({"name": "t", "labels": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]})
    new = Taxonomy.from_dict({"name": "t", "labels": [{"id": 1, "name": "a2"}, {"id": 2, "name": "b"}]})
    with pytest.raises(ProjectError, match="would be removed"):
        edits.check_label_edit(current, new, {}, {"a": 3})
    with pytest.raises(ProjectError, match="has no “zzz”"):
        edits.check_label_edit(current, new, {"a": "zzz"}, {})
    renames = edits.check_label_edit(current, new, {"a": "a2", "b": "b"}, {"a": 3})
    assert renames == {"a": "a2"}
    rows = {"a": [seg(0, 5, label="a").to_dict()]}
    cmd = edits.edit_labels(current, new, renames, rows, 8.0)
    assert cmd.ops[0]["op"] == "taxonomy" and cmd.ops[0]["renames"] == {"a": "a2"}
    assert cmd.ops[1]["after"]["label"] == "a2" and cmd.ops[1]["after"]["modified"] == 8.0


def test_one_segment_column_list() -> None:
    s = seg(3, 9, confidence=0.5, note="x")
    assert SEGMENT_SELECT.split(", ") == list(SEGMENT_COLUMNS.values())
    assert segment_from_db(row_to_db(s.to_dict())) == s
