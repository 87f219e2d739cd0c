"""Project.changes_since: which segments each edit, undo, redo, import or proposal run touched."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mgstudio.core.errors import ProjectError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import ChangeSet, Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence

N = 400


@pytest.fixture()
def proj(tmp_path: Path) -> Project:
    p = Project.create(tmp_path / "c", annotator="alice")
    p.add_skeleton_item("A", SkeletonSequence.empty(CANONICAL, N, 25.0))
    p.add_skeleton_item("B", SkeletonSequence.empty(CANONICAL, N, 25.0))
    yield p
    p.close()


def model(item: int, tier: int, start: int, end: int, conf: float = 0.5) -> Segment:
    return Segment(item, tier, start, end, "head up", source=Source.MODEL, status=Status.PROPOSED, confidence=conf)


def test_each_edit_reports_exactly_its_segments(proj: Project) -> None:
    a, b = proj.item_by_name("A").id, proj.item_by_name("B").id
    pt, human = proj.proposals_tier.id, proj.tier("alice").id
    c0 = proj.change_counter()
    assert proj.changes_since(c0) == ChangeSet(c0, frozenset(), frozenset())
    s1, s2 = proj.add_segments([model(a, pt, 0, 10), model(a, pt, 20, 30)])
    cs = proj.changes_since(c0)
    assert cs.segment_ids == {s1.id, s2.id} and cs.item_ids == {a} and cs.counter == proj.change_counter()
    c1 = cs.counter
    proj.accept(s1.id)
    assert proj.changes_since(c1).segment_ids == {s1.id}
    c2 = proj.change_counter()
    left, right = proj.split_segment(s2.id, 25)
    assert proj.changes_since(c2).segment_ids == {s2.id, right.id}
    c3 = proj.change_counter()
    proj.merge_segments([left.id, right.id])
    assert proj.changes_since(c3).segment_ids == {left.id, right.id}
    c4 = proj.change_counter()
    h = proj.create_segment(Segment(b, human, 5, 9, "head up", source=Source.HUMAN, status=Status.ACCEPTED))
    assert proj.changes_since(c4) == ChangeSet(proj.change_counter(), frozenset({h.id}), frozenset({b}))
    c5 = proj.change_counter()
    proj.delete_segment(h.id)
    assert proj.changes_since(c5).segment_ids == {h.id}
    c6 = proj.change_counter()
    assert proj.undo() is not None  # the delete comes back
    cs = proj.changes_since(c6)
    assert cs.segment_ids == {h.id} and cs.item_ids == {b}
    c7 = cs.counter
    assert proj.redo() is not None
    assert proj.changes_since(c7).segment_ids == {h.id}
    c8 = proj.change_counter()
    new = proj.replace_proposals(b, [model(b, pt, 100, 120)])
    assert proj.changes_since(c8).segment_ids == {new[0].id}
    # a list of changes since an old counter is the union of them all
    assert proj.changes_since(c0).segment_ids == {s1.id, s2.id, right.id, h.id, new[0].id}


def test_changes_without_segments_and_unknown_cases(proj: Project) -> None:
    a = proj.item_by_name("A").id
    c0 = proj.change_counter()
    proj.set_item_attribute(a, "outcome", "win")
    proj.ensure_tier("bob", annotator="bob")
    cs = proj.changes_since(c0)
    assert cs is not None and not cs and cs.counter == proj.change_counter()
    assert proj.changes_since(None) is None
    assert proj.changes_since(proj.change_counter() + 5) is None  # a counter this file never reached
    # an audit row that touches segments without naming them: everything may have changed
    with proj._tx() as db:
        db.execute('INSERT INTO audit ("when", who, action) VALUES (0, "x", "mystery")')
    assert proj.changes_since(c0) is None


def test_bulk_changes_report_everything(proj: Project) -> None:
    a, pt = proj.item_by_name("A").id, proj.proposals_tier.id
    c0 = proj.change_counter()
    proj.add_segments([model(a, pt, i % (N - 5), i % (N - 5) + 3) for i in range(30)])
    assert proj.changes_since(c0, limit=20) is None
    assert len(proj.changes_since(c0, limit=30).segment_ids) == 30


def test_changes_by_another_connection_are_seen(proj: Project) -> None:
    a, pt = proj.item_by_name("A").id, proj.proposals_tier.id
    s = proj.create_segment(model(a, pt, 0, 10))
    c0 = proj.change_counter()
    other = Project.open(proj.path, annotator="bob")
    try:
        other.reject(s.id)
    finally:
        other.close()
    assert proj.changes_since(c0).segment_ids == {s.id}
    assert proj.segments_by_id([s.id, 999_999]) == {s.id: proj.segment(s.id), 999_999: None}


def test_refused_edit_reports_nothing(proj: Project) -> None:
    a, human = proj.item_by_name("A").id, proj.tier("alice").id
    proj.create_segment(Segment(a, human, 0, 10, "head up", source=Source.HUMAN, status=Status.ACCEPTED))
    c0 = proj.change_counter()
    with pytest.raises(ProjectError):
        proj.create_segment(Segment(a, human, 5, 15, "head up", source=Source.HUMAN, status=Status.ACCEPTED))
    assert not proj.changes_since(c0)


@pytest.mark.parametrize("seed", range(4))
def test_patching_a_copy_with_the_changes_gives_a_fresh_read(proj: Project, seed: int) -> None:
    """Random edits, undos and redos: a copy kept up to date only through changes_since and
    segments_by_id always equals what the project holds."""
    rng = random.Random(seed)
    a, pt, human = proj.item_by_name("A").id, proj.proposals_tier.id, proj.tier("alice").id
    proj.add_segments([model(a, pt, s, s + rng.randint(3, 30), rng.random()) for s in range(0, N - 40, 9)])
    counter = proj.change_counter()
    copy = {s.id: s for s in proj.segments()}
    for _ in range(60):
        segs = proj.segments()
        op = rng.choice(["accept", "reject", "relabel", "delete", "move", "split", "create", "undo", "undo",
                         "redo", "proposals"])
        s = rng.choice(segs) if segs else None
        try:
            if op == "accept" and s:
                proj.accept(s.id)
            elif op == "reject" and s:
                proj.reject(s.id)
            elif op == "relabel" and s:
                proj.update_segment(s.id, label=rng.choice(["head up", "folding arms"]))
            elif op == "delete" and s:
                proj.delete_segment(s.id)
            elif op == "move" and s:
                proj.update_segment(s.id, start=max(0, s.start - 1))
            elif op == "split" and s and s.length > 1:
                proj.split_segment(s.id, s.start + 1)
            elif op == "create":
                st = rng.randrange(0, N - 10)
                proj.create_segment(Segment(a, human, st, st + 5, "head up", source=Source.HUMAN,
                                            status=Status.ACCEPTED))
            elif op == "undo":
                proj.undo()
            elif op == "redo":
                proj.redo()
            elif op == "proposals":
                st = rng.randrange(0, N - 10)
                proj.replace_proposals(a, [model(a, pt, st, st + 4)])
        except ProjectError:
            pass  # refused (overlap): nothing saved
        cs = proj.changes_since(counter)
        assert cs is not None
        for sid, seg in proj.segments_by_id(cs.segment_ids).items():
            if seg is None:
                copy.pop(sid, None)
            else:
                copy[sid] = seg
        counter = cs.counter
        assert copy == {s.id: s for s in proj.segments()}
