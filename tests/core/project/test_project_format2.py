"""Project format 2: a bulk insert fills the R*Tree in one statement behind the ``bulk_insert``
gate. Every segment stays findable by a window query (its R*Tree row equals its frames) after a
bulk import, its undo and redo, a refused import, an upgrade from format 1 and a gate row left
behind by another program."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mgstudio.core.errors import ProjectError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.project import schema as store_schema
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence


def _rtree_matches(p: Project) -> None:
    """Every segment has exactly its R*Tree row (item, start, end), and no other row is there."""
    seg = p._q("SELECT id, item_id, start_frame, end_frame FROM segments ORDER BY id")
    tree = p._q("SELECT id, item_lo, s_lo, s_hi FROM segments_rtree ORDER BY id")
    assert tree == seg
    if p._q("PRAGMA user_version")[0][0] >= 2:
        assert p._q("SELECT count(*) FROM bulk_insert")[0][0] == 0


def _project(path: Path) -> tuple[Project, int, int]:
    p = Project.create(path, annotator="alice")
    p.add_skeleton_item("s", SkeletonSequence.empty(CANONICAL, 200_000, 25))
    return p, p.item_by_name("s").id, p.ensure_tier("alice", annotator="alice").id


def _segs(item: int, tier: int, n: int, base: int = 0) -> list[Segment]:
    return [Segment(item, tier, base + 10 * k, base + 10 * k + 4, "nod") for k in range(n)]


def test_bulk_import_undo_and_redo_keep_every_segment_findable(tmp_path: Path) -> None:
    p, item, tier = _project(tmp_path / "a.mgproj")
    with p:
        p.create_segment(Segment(item, tier, 5, 8, "shrug"))
        p.add_segments(_segs(item, tier, 1000, base=100), "Import a.eaf")
        _rtree_matches(p)
        window = p.segments(item, start=5000, end=5100)  # 100 + 10k: k = 490..499 start inside
        assert [s.start for s in window] == list(range(5000, 5100, 10))
        assert p.undo() == "Import a.eaf"
        _rtree_matches(p)
        assert p.count_segments(item, start=0, end=200_000) == 1
        assert p.redo() == "Import a.eaf"
        _rtree_matches(p)
        assert p.count_segments(item, start=0, end=200_000) == 1001
        p.create_segment(Segment(item, tier, 150_000, 150_004, "nod"))  # one insert: the trigger
        _rtree_matches(p)


def test_a_refused_bulk_import_adds_no_row_and_leaves_the_gate_closed(tmp_path: Path) -> None:
    p, item, tier = _project(tmp_path / "a.mgproj")
    with p:
        p.create_segment(Segment(item, tier, 9_000, 9_010, "shrug"))
        rows = _segs(item, tier, 1000)  # frames 0..9994, the last overlaps [9000, 9010)
        with pytest.raises(ProjectError, match="overlap"):
            p.add_segments(rows, "Import b.eaf")
        assert p.count_segments() == 1
        _rtree_matches(p)
        p.create_segment(Segment(item, tier, 20_000, 20_010, "nod"))
        _rtree_matches(p)
        assert [s.start for s in p.segments(item, start=19_999, end=20_001)] == [20_000]


def test_add_rows_refuses_a_row_that_is_not_a_new_segments_row(tmp_path: Path) -> None:
    p, item, tier = _project(tmp_path / "a.mgproj")
    with p:
        good = Segment(item, tier, 0, 4, "nod").to_dict()
        assert p.add_rows([dict(good)], "one") == 1
        for bad in (dict(good, start=1.5), dict(good, status="maybe"), dict(good, id=7), {"label": "x"},
                    dict(good, item_id=True)):
            with pytest.raises(ProjectError, match="not a new segment's row"):
                p.add_rows([dict(good, start=100, end=104), bad], "bad")
        assert p.count_segments() == 1
        blank = dict(good, start=10, end=14, annotator="")
        p.add_rows([blank])
        assert p.segments(item, start=10, end=11)[0].annotator == "alice"


def test_a_format_1_project_is_upgraded_by_its_first_import_and_its_segments_stay_findable(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.mgproj"
    with monkeypatch.context() as m:  # a project as format 1 wrote it (R*Tree row per insert by trigger)
        m.setattr(store_schema, "MIGRATIONS", store_schema.MIGRATIONS[:1])
        m.setattr(store_schema, "SCHEMA_VERSION", 1)
        p, item, tier = _project(path)
        with p:
            for b in range(3):
                p.add_segments(_segs(item, tier, 100, base=1000 * b), f"batch {b}")
            assert p._q("PRAGMA user_version")[0][0] == 1
    with Project.open(path, read_only=True) as p:  # an archived project still opens read-only
        assert p.count_segments(item, start=0, end=3000) == 300
    with Project.open(path) as p:
        # opening changes nothing (a project found damaged later must be left as it was) ...
        assert p._q("PRAGMA user_version")[0][0] == 1
        _rtree_matches(p)
        assert p.count_segments(item, start=0, end=3000) == 300
        assert p.undo() == "batch 2"  # the undo history came along
        # ... the first bulk insert upgrades it to format 2, in its own transaction
        p.add_segments(_segs(item, tier, 500, base=50_000), "Import c.eaf")
        assert p._q("PRAGMA user_version")[0][0] == store_schema.SCHEMA_VERSION == 2
        _rtree_matches(p)
        assert p.count_segments(item, start=50_000, end=60_000) == 500
    with Project.open(path) as p:
        assert p.count_segments() == 700


def test_a_gate_row_left_by_another_program_is_removed_on_open(tmp_path: Path) -> None:
    p, item, tier = _project(tmp_path / "a.mgproj")
    p.close()
    db = sqlite3.connect(tmp_path / "a.mgproj" / "project.sqlite")
    db.execute("INSERT INTO bulk_insert VALUES (1)")
    db.execute("INSERT INTO segments (item_id, tier_id, start_frame, end_frame, label, source, status, annotator, "
               "created, modified) VALUES (?, ?, 40, 50, 'nod', 'human', 'accepted', 'bob', 0, 0)", (item, tier))
    db.commit()
    db.close()
    with Project.open(tmp_path / "a.mgproj") as p:
        _rtree_matches(p)
        assert [s.start for s in p.segments(item, start=45, end=46)] == [40]
