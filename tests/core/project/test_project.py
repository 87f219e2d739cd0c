"""The project store as a user meets it: items, tiers, edits, undo/redo across reopen, audit."""

from __future__ import annotations


import numpy as np
import pytest

from mgstudio.core.errors import ProjectError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence


def _seq(n: int = 500, fps: float = 25.0) -> SkeletonSequence:
    seq = SkeletonSequence.empty(CANONICAL, n, fps)
    seq.xy[:] = np.random.default_rng(1).random((n, CANONICAL.num_joints, 2)).astype(np.float32)
    seq.conf[:] = 1.0
    return seq


@pytest.fixture
def proj(tmp_path):
    p = Project.create(tmp_path / "study", annotator="alice")
    p.add_skeleton_item("S01", _seq(), {"outcome": "win"})
    yield p
    p.close()


def human(p: Project, start: int, end: int, label: str = "touching jaw", item: str = "S01") -> Segment:
    return Segment(p.item_by_name(item).id, p.tier("alice").id, start, end, label)


def model(p: Project, start: int, end: int, label: str = "head up", conf: float = 0.7) -> Segment:
    return Segment(p.item_by_name("S01").id, p.proposals_tier.id, start, end, label, source=Source.MODEL,
                   status=Status.PROPOSED, confidence=conf)


def test_create_makes_the_folder_layout(tmp_path) -> None:
    with Project.create(tmp_path / "interviews", taxonomy="gesture_phases", annotator="bob") as p:
        assert p.path.name == "interviews.mgproj"
        assert (p.path / "project.sqlite").is_file() and (p.path / "skeletons").is_dir()
        assert p.models_dir == p.path / "models" and p.models_dir.is_dir()
        assert p.taxonomy.name == "gesture_phases"
        assert [(t.name, t.kind) for t in p.tiers()] == [("proposals", "model"), ("bob", "human")]
        mode = p._q("PRAGMA journal_mode")[0][0]
        assert mode == "wal" and p._q("PRAGMA foreign_keys")[0][0] == 1
        assert p._q("PRAGMA synchronous")[0][0] == 2  # FULL
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(tmp_path / "interviews.mgproj")


def test_open_missing_or_foreign_folder(tmp_path) -> None:
    with pytest.raises(ProjectError, match="no project"):
        Project.open(tmp_path / "nothing.mgproj")
    (tmp_path / "x.mgproj").mkdir()
    with pytest.raises(ProjectError, match="not an MG Studio project"):
        Project.open(tmp_path / "x.mgproj")
    (tmp_path / "y.mgproj").mkdir()
    (tmp_path / "y.mgproj" / "project.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ProjectError):
        Project.open(tmp_path / "y.mgproj")


def test_items_attributes_and_skeletons(proj) -> None:
    it = proj.item_by_name("S01")
    assert (it.kind, it.frame_count, it.fps, it.attributes) == ("skeleton", 500, 25.0, {"outcome": "win"})
    proj.set_item_attribute(it.id, "subject", "S01")
    proj.set_item_attribute(it.id, "outcome", None)
    assert proj.item(it.id).attributes == {"subject": "S01"}
    assert proj.has_skeleton(it.id) and not proj.has_skeleton(it.id, "smoothed")
    back = proj.load_skeleton(it.id)
    np.testing.assert_array_equal(back.xy, proj.load_skeleton(it.id).xy)
    assert back.num_frames == 500 and proj.load_skeleton(it.id, "smoothed") is None
    proj.save_skeleton(it.id, _seq(), kind="smoothed")
    assert proj.has_skeleton(it.id, "smoothed")
    with pytest.raises(ProjectError):
        proj.save_skeleton(it.id, _seq(), kind="../evil")
    assert proj.add_skeleton_item("S01", _seq()).name == "S01 (2)"
    with pytest.raises(ProjectError, match="no item"):
        proj.item(999)


def test_annotators_get_their_own_tier(proj) -> None:
    tier = proj.add_annotator("carol")
    assert tier.kind == "human" and tier.annotator == "carol"
    assert proj.annotators() == ["alice", "carol"]
    assert proj.ensure_tier("carol") == tier
    with pytest.raises(ProjectError, match="reserved"):
        proj.add_annotator("proposals")


def test_edits_undo_redo_and_history_survive_reopen(proj, tmp_path) -> None:
    a = proj.create_segment(human(proj, 10, 20))
    assert a.id is not None and a.annotator == "alice" and a.status == Status.ACCEPTED
    proj.update_segment(a.id, start=12, end=30)
    proj.update_segment(a.id, label="folding arms")
    left, right = proj.split_segment(a.id, 20)
    assert (left.start, left.end, right.start, right.end) == (12, 20, 20, 30)
    assert proj.undo_text().startswith("Split")
    path = proj.path
    proj.close()

    with Project.open(path) as p:
        assert p.annotator == "alice"
        assert [(s.start, s.end) for s in p.segments(left.item_id)] == [(12, 20), (20, 30)]
        assert p.undo().startswith("Split")
        assert [(s.start, s.end, s.label) for s in p.segments(left.item_id)] == [(12, 30, "folding arms")]
        assert p.undo().startswith("Relabel")
        assert p.can_redo() and p.redo_text().startswith("Relabel")
    with Project.open(path) as p:  # the redo branch persisted too
        assert p.redo().startswith("Relabel")
        p.create_segment(human(p, 100, 110))  # a new edit clears the redo branch
        assert not p.can_redo() and p.redo() is None
        while p.undo() is not None:
            pass
        assert p.count_segments() == 0 and not p.can_undo()
        assert p.undo() is None


def test_undo_restores_a_deleted_segment_under_its_id(proj) -> None:
    a = proj.create_segment(human(proj, 10, 20))
    proj.delete_segment(a.id)
    with pytest.raises(ProjectError, match="does not exist"):
        proj.segment(a.id)
    proj.undo()
    assert proj.segment(a.id).label == "touching jaw"
    assert [e.action for e in proj.audit(segment_id=a.id)] == ["undo", "delete", "create"]


def test_human_tier_refuses_overlap_and_names_both(proj) -> None:
    proj.create_segment(human(proj, 10, 20, "touching jaw"))
    with pytest.raises(ProjectError) as err:
        proj.create_segment(human(proj, 15, 25, "folding arms"))
    msg = str(err.value)
    assert "'folding arms' 00:00:00.600–00:00:01.000" in msg and "'touching jaw' 00:00:00.400–00:00:00.800" in msg
    b = proj.create_segment(human(proj, 20, 30, "folding arms"))  # touching ends are fine (half-open)
    with pytest.raises(ProjectError, match="overlap"):
        proj.update_segment(b.id, start=19)
    with pytest.raises(ProjectError, match="overlap"):
        proj.add_segments([human(proj, 40, 50), human(proj, 45, 55)])
    assert proj.count_segments() == 2  # refused edits changed nothing
    # The model tier may overlap.
    proj.add_segments([model(proj, 10, 40), model(proj, 15, 45)])
    assert proj.count_segments(tier_id="proposals") == 2


@pytest.mark.parametrize("start, end", [(-1, 5), (490, 501), (30, 30), (40, 35)])
def test_segments_outside_the_item_are_refused(proj, start, end) -> None:
    with pytest.raises(ProjectError):
        proj.create_segment(Segment(proj.item_by_name("S01").id, proj.tier("alice").id, start, end, "x"))
    assert proj.count_segments() == 0


def test_refused_values(proj) -> None:
    with pytest.raises(ProjectError, match="label"):
        proj.create_segment(human(proj, 1, 2, label="  "))
    with pytest.raises(ProjectError, match="between 0 and 1"):
        proj.create_segment(model(proj, 1, 2, conf=3.0))
    a = proj.create_segment(human(proj, 1, 5))
    with pytest.raises(ProjectError, match="cannot be changed"):
        proj.update_segment(a.id, item_id=7)
    with pytest.raises(ProjectError, match="inside"):
        proj.split_segment(a.id, 5)
    with pytest.raises(ProjectError, match="no tier"):
        proj.update_segment(a.id, tier_id=999)
    with pytest.raises(ProjectError, match="not a valid start"):
        proj.update_segment(a.id, start="soon")
    with pytest.raises(ProjectError, match="not a valid status"):
        proj.update_segment(a.id, status="maybe")
    b = proj.create_segment(Segment(np.int64(a.item_id), np.int64(a.tier_id), np.int64(7), np.int64(9), "x"))
    assert (b.start, b.end) == (7, 9)
    with pytest.raises(ProjectError, match="whole numbers"):
        proj.create_segment(Segment(a.item_id, a.tier_id, 1, 2, "x").with_(tier_id=None))


def test_review_of_proposals(proj) -> None:
    p1, p2, p3 = proj.add_segments([model(proj, 10, 40), model(proj, 50, 60), model(proj, 70, 80)], "Proposals")
    assert proj.undo_text() == "Proposals"
    assert proj.accept(p1.id).status == Status.ACCEPTED
    assert proj.reject(p2.id).status == Status.REJECTED
    assert proj.update_segment(p3.id, end=85).status == Status.EDITED  # a human changed a proposal
    assert proj.status_counts() == {"proposed": 0, "accepted": 1, "rejected": 1, "edited": 1}
    assert proj.undo().startswith("Resize") and proj.segment(p3.id).status == Status.PROPOSED


def test_replace_proposals_keeps_reviewed_ones(proj) -> None:
    item = proj.item_by_name("S01").id
    first = proj.replace_proposals(item, [model(proj, 10, 20), model(proj, 30, 40)])
    proj.accept(first[0].id)
    new = proj.replace_proposals(item, [Segment(item, 0, 100, 120, "head up", source="model", status="proposed")])
    assert new[0].tier_id == proj.proposals_tier.id and new[0].annotator == ""
    assert [(s.start, s.status) for s in proj.segments(item)] == [(10, Status.ACCEPTED), (100, Status.PROPOSED)]
    proj.undo()
    assert [s.start for s in proj.segments(item)] == [10, 30]


def test_merge(proj) -> None:
    a = proj.create_segment(human(proj, 10, 20).with_(note="fast"))
    b = proj.create_segment(human(proj, 25, 30).with_(note="slow"))
    c = proj.create_segment(human(proj, 40, 50))
    m = proj.merge_segments([b.id, a.id])
    assert (m.id, m.start, m.end, m.note) == (a.id, 10, 30, "fast; slow")
    assert proj.count_segments() == 2
    other = proj.create_segment(Segment(a.item_id, proj.add_annotator("bob").id, 60, 70, "x"))
    with pytest.raises(ProjectError, match="same video and tier"):
        proj.merge_segments([c.id, other.id])
    with pytest.raises(ProjectError, match="at least two"):
        proj.merge_segments([c.id])
    proj.undo()  # the creation of bob's segment
    proj.undo()  # the merge
    assert [(s.start, s.end) for s in proj.segments(a.item_id)] == [(10, 20), (25, 30), (40, 50)]


def test_window_queries(proj) -> None:
    item = proj.item_by_name("S01").id
    proj.add_segments([human(proj, s, s + 10) for s in range(0, 500, 20)])
    proj.add_segments([model(proj, 5, 400)])
    got = proj.segments(item, start=95, end=125)
    assert [(s.start, s.end) for s in got] == [(5, 400), (100, 110), (120, 130)]
    assert [s.start for s in proj.segments(item, tier_id="alice", start=95, end=125)] == [100, 120]
    assert proj.count_segments(item, start=111, end=119) == 1  # only the long proposal
    assert proj.count_segments(item, source="model") == 1
    assert proj.count_segments(item, statuses=[Status.PROPOSED]) == 1
    assert proj.segments(item, statuses=[]) == []


def test_audit_log_records_who_what_before_after(proj) -> None:
    a = proj.create_segment(human(proj, 10, 20))
    proj.update_segment(a.id, label="folding arms")
    log = proj.audit(item_id=a.item_id)
    assert log[0].action == "relabel" and log[0].who == "alice"
    assert log[0].before["label"] == "touching jaw" and log[0].after["label"] == "folding arms"
    assert log[1].action == "create" and log[1].before is None
    assert len(proj.audit(limit=1)) == 1


def test_state_round_trips(proj) -> None:
    proj.set_state("last_view", {"item": 1, "frame": 123})
    path = proj.path
    proj.close()
    with Project.open(path, annotator="dave") as p:
        assert p.get_state("last_view") == {"item": 1, "frame": 123}
        assert p.get_state("nothing", 5) == 5
        assert p.annotator == "dave" and "dave" in p.annotators()
        assert p.tier("dave").kind == "human"


def test_window_query_uses_the_range_index(proj) -> None:
    """Regression: without planner statistics SQLite preferred the item's B-tree (a scan of the item)."""
    item = proj.item_by_name("S01").id
    where, params = proj._where(item, "alice", 100, 200, [Status.ACCEPTED], None)
    plan = " ".join(r[3] for r in proj._q(f"EXPLAIN QUERY PLAN SELECT id FROM segments{where}", params))
    assert "segments_rtree" in plan and "segments_item" not in plan


def test_two_windows_on_one_project_never_clobber_each_other(proj) -> None:
    a = proj.create_segment(human(proj, 10, 20))
    with Project.open(proj.path, annotator="bob") as other:  # a second annotator, at the same time
        other.update_segment(a.id, label="folding arms")
        assert other.undo_text().startswith("Relabel") and proj.undo_text().startswith("Create")
        # Alice's undo of her creation would delete Bob's work: refused.
        with pytest.raises(ProjectError, match="can no longer be undone"):
            proj.undo()
        assert proj.segment(a.id).label == "folding arms"
        other.delete_segment(a.id)
        assert other.undo().startswith("Delete") and other.redo().startswith("Delete")
    assert proj.count_segments() == 0
    with pytest.raises(ProjectError, match="does not exist"):
        proj.update_segment(a.id, label="head up")


def test_undo_depth_is_bounded_but_the_audit_log_is_not(proj, monkeypatch) -> None:
    monkeypatch.setattr(Project, "HISTORY_LIMIT", 3)
    for k in range(5):
        proj.create_segment(human(proj, 10 * k, 10 * k + 5))
    undone = 0
    while proj.undo() is not None:
        undone += 1
    assert undone == 3 and proj.count_segments() == 2
    assert len([e for e in proj.audit() if e.action == "create"]) == 5
