"""The bulk path of the store (an import of many segments): one undo step, one audit row per
segment that reads back as the segment, the history text exactly what ``json.dumps`` writes, and
the overlap check of many rows refusing what the per-row check refuses, with the same sentence."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgstudio.core.commands import ops_from_json, ops_to_json
from mgstudio.core.errors import ProjectError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.project.history import _encoded, _ops_text, row_json
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence


def _project(path: Path, frames: int = 100_000) -> tuple[Project, int, int]:
    p = Project.create(path, annotator="alice")
    p.add_skeleton_item("s", SkeletonSequence.empty(CANONICAL, frames, 25))
    return p, p.item_by_name("s").id, p.ensure_tier("alice", annotator="alice").id


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(ints=st.lists(st.integers(-2**62, 2**62), min_size=5, max_size=5), label=texts, note=texts, who=texts,
       conf=st.none() | finite | st.just(float("nan")) | st.booleans() | st.integers(0, 1),
       created=finite | st.just(float("inf")) | st.integers(0, 10**10), modified=finite)
def test_row_json_writes_what_json_dumps_writes(ints, label, note, who, conf, created, modified) -> None:
    row = {"id": ints[0], "item_id": ints[1], "tier_id": ints[2], "start": ints[3], "end": ints[4], "label": label,
           "source": "human", "status": "accepted", "confidence": conf, "annotator": who, "note": note,
           "created": created, "modified": modified}
    assert row_json(row) == json.dumps(row, separators=(",", ":"))
    new = {k: row[k] for k in [*list(row)[1:], "id"]}  # a new segment's row (Segment.to_dict order)
    assert row_json(new) == json.dumps(new, separators=(",", ":"))
    ops = [{"op": "insert", "after": row}, {"op": "delete", "before": row},
           {"op": "update", "before": row, "after": dict(row, label="x")},
           {"op": "taxonomy", "before": {"labels": [label]}, "after": {"labels": []}, "renames": {label: "y"}}]
    assert _ops_text(ops, [_encoded(op) for op in ops]) == ops_to_json(ops)


def test_row_json_of_a_row_with_other_fields_is_still_json() -> None:
    row = {"id": 1, "label": "a\u00e9\"\n", "extra": [1, 2]}
    assert json.loads(row_json(row)) == row
    assert math.isnan(json.loads(row_json({"confidence": float("nan")}))["confidence"])


def test_bulk_import_is_one_undo_step_with_one_audit_row_per_segment(tmp_path: Path) -> None:
    p, item, tier = _project(tmp_path / "a.mgproj")
    with p:
        p.create_segment(Segment(item, tier, 0, 5, "nod"))
        segs = p.add_segments([Segment(item, tier, 10 * k + 10, 10 * k + 15 + k % 4, f"l{k % 7}", note=f"n{k}é")
                               for k in range(500)], "Import a.eaf")
        assert p.undo_text() == "Import a.eaf"
        audit = {e.segment_id: e for e in p.audit() if e.action == "bulk add"}
        assert len(audit) == 500
        for s in segs:  # each audit row is the segment as saved
            assert audit[s.id].after == p.segment(s.id).to_dict() and audit[s.id].before is None
        stored = ops_from_json(p._q("SELECT ops FROM history ORDER BY id DESC LIMIT 1")[0][0])
        assert [op["after"] for op in stored] == [s.to_dict() for s in segs]
        assert p.undo() == "Import a.eaf"
        assert [s.label for s in p.segments(item)] == ["nod"]
        assert p.redo() == "Import a.eaf"
        assert [s.to_dict() for s in p.segments(item)][1:] == [s.to_dict() for s in segs]
        changed = p.changes_since(0, limit=10_000)
        assert changed is not None and {s.id for s in segs} <= changed.segment_ids


@pytest.mark.parametrize("where", ["first", "middle", "last", "existing"])
def test_bulk_overlap_is_refused_with_the_sentence_of_the_first_overlap(tmp_path: Path, where: str) -> None:
    p, item, tier = _project(tmp_path / "o.mgproj")
    with p:
        p.create_segment(Segment(item, tier, 50_000, 50_010, "kept"))
        rows = [Segment(item, tier, 10 * k, 10 * k + 5, "a") for k in range(200)]
        k = {"first": 0, "middle": 100, "last": 199}.get(where)
        if k is None:
            rows.append(Segment(item, tier, 50_005, 50_020, "late"))  # overlaps the existing one
        else:
            rows.insert(k + 1, Segment(item, tier, 10 * k + 3, 10 * k + 8, "b"))
        with pytest.raises(ProjectError) as bulk:
            p.add_segments(rows)
        assert len(p.segments(item)) == 1  # nothing of the import was saved
        p.BULK_OVERLAP_CHECK = 10**9  # the per-row check, as before the sweep
        with pytest.raises(ProjectError) as each:
            p.add_segments(rows)
        assert str(bulk.value) == str(each.value) and "would overlap" in str(bulk.value)


def test_bulk_rows_on_a_model_tier_may_overlap_and_touching_rows_are_fine(tmp_path: Path) -> None:
    p, item, tier = _project(tmp_path / "m.mgproj")
    with p:
        proposals = p.proposals_tier.id
        p.add_segments([Segment(item, proposals, k, k + 30, "a") for k in range(100)])
        p.add_segments([Segment(item, tier, 5 * k, 5 * k + 5, "a") for k in range(100)])  # end == next start
        assert len(p.segments(item, tier)) == 100 and len(p.segments(item, proposals)) == 100
