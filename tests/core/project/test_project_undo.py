"""Undo/redo against a model: any sequence of edits, undos, redos and reopens gives back exactly
the states the user saw, in order (property test with hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgstudio.core.errors import ProjectError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence

N = 200

step = st.one_of(
    st.tuples(st.just("create"), st.integers(0, N - 1), st.integers(1, 30), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(-20, 20)),
    st.tuples(st.just("relabel"), st.integers(0, 50), st.sampled_from(["head up", "folding arms"])),
    st.tuples(st.just("split"), st.integers(0, 50), st.integers(1, 10)),
    st.tuples(st.just("merge"), st.integers(0, 50), st.integers(0, 50)),
    st.tuples(st.just("review"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("proposals"), st.lists(st.tuples(st.integers(0, N - 40), st.integers(1, 40)), max_size=4)),
    st.just(("undo",)), st.just(("redo",)), st.just(("reopen",)),
)


def snapshot(p: Project) -> list[tuple]:
    return [(s.id, s.tier_id, s.start, s.end, s.label, s.status.value, s.note) for s in p.segments()]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_undo_redo_follow_the_model(steps) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Project.create(Path(tmp) / "u", annotator="alice")
        try:
            item = p.add_skeleton_item("S", SkeletonSequence.empty(CANONICAL, N, 25.0)).id
            human, model = p.tier("alice").id, p.proposals_tier.id
            states = [snapshot(p)]  # states[pos] is what the user sees now
            pos = 0
            for st_ in steps:
                kind = st_[0]
                segs = p.segments(item)

                def pick(k: int) -> Segment | None:
                    return segs[k % len(segs)] if segs else None

                if kind == "undo":
                    assert p.can_undo() == (pos > 0)
                    if p.undo() is not None:
                        pos -= 1
                    assert snapshot(p) == states[pos]
                    continue
                if kind == "redo":
                    assert p.can_redo() == (pos < len(states) - 1)
                    if p.redo() is not None:
                        pos += 1
                    assert snapshot(p) == states[pos]
                    continue
                if kind == "reopen":
                    path = p.path
                    p.close()
                    p = Project.open(path)
                    assert snapshot(p) == states[pos]
                    continue
                try:
                    if kind == "create":
                        _, start, length, on_model = st_
                        if on_model:
                            p.create_segment(Segment(item, model, start, start + length, "head up",
                                                     source=Source.MODEL, status=Status.PROPOSED))
                        else:
                            p.create_segment(Segment(item, human, start, start + length, "touching jaw"))
                    elif kind == "proposals":
                        p.replace_proposals(item, [Segment(item, model, a, a + n, "head up", source=Source.MODEL,
                                                           status=Status.PROPOSED) for a, n in st_[1]])
                    elif (s := pick(st_[1])) is None:
                        continue
                    elif kind == "delete":
                        p.delete_segment(s.id)
                    elif kind == "move":
                        p.update_segment(s.id, start=s.start + st_[2], end=s.end + st_[2])
                    elif kind == "relabel":
                        p.update_segment(s.id, label=st_[2])
                    elif kind == "split":
                        p.split_segment(s.id, s.start + st_[2])
                    elif kind == "merge":
                        p.merge_segments([s.id, pick(st_[2]).id])
                    elif kind == "review":
                        (p.accept if st_[2] else p.reject)(s.id)
                except ProjectError:
                    assert snapshot(p) == states[pos]  # a refused edit changes nothing
                    continue
                now = snapshot(p)
                if now != states[pos]:
                    states = states[: pos + 1] + [now]  # a new edit drops the redo branch
                    pos += 1
                    assert not p.can_redo()
            # Everything undoes back to the empty project and redoes to the end.
            while p.undo() is not None:
                pos -= 1
                assert snapshot(p) == states[pos]
            assert pos == 0
            assert p.integrity_check() == "ok"
        finally:
            p.close()


def test_quick_nudges_of_one_edge_are_one_undo_step(tmp_path: Path) -> None:
    """update_segment(merge_within=...) joins changes of the same edge of the same segment into
    the previous undo step; another edge, another segment, a pause or a label change do not."""
    import time as _time

    with Project.create(tmp_path / "n.mgproj", annotator="ana") as p:
        item = p.add_skeleton_item("x", SkeletonSequence.empty(CANONICAL, 1000, 25.0))
        tier = p.ensure_tier("ana").id
        a = p.create_segment(Segment(item.id, tier, 100, 150, "folding arms"))
        b = p.create_segment(Segment(item.id, tier, 300, 350, "folding arms"))
        for start in (99, 100, 101, 102):  # start: back and forth, then on: one step
            p.update_segment(a.id, start=start, merge_within=5)
        for end in (151, 152):  # the end: a new step, merged with itself
            p.update_segment(a.id, end=end, merge_within=5)
        p.update_segment(b.id, start=299, merge_within=5)  # another segment: a new step
        p.update_segment(a.id, end=153, merge_within=5)  # a after b: a new step
        p.update_segment(a.id, end=154, merge_within=0)  # not asked to merge: a new step
        p.update_segment(a.id, label="rubbing eyes", merge_within=5)  # a label: a new step
        p.update_segment(a.id, end=155, merge_within=0.05)
        _time.sleep(0.1)
        p.update_segment(a.id, end=156, merge_within=0.05)  # after a pause: a new step

        def ab() -> tuple:
            s, t = p.segment(a.id), p.segment(b.id)
            return (s.start, s.end, s.label), (t.start, t.end)

        undone = []
        while p.can_undo() and len(undone) < 8:
            p.undo()
            undone.append(ab())
        assert undone == [
            ((102, 155, "rubbing eyes"), (299, 350)),
            ((102, 154, "rubbing eyes"), (299, 350)),
            ((102, 154, "folding arms"), (299, 350)),
            ((102, 153, "folding arms"), (299, 350)),
            ((102, 152, "folding arms"), (299, 350)),
            ((102, 152, "folding arms"), (300, 350)),
            ((102, 150, "folding arms"), (300, 350)),
            ((100, 150, "folding arms"), (300, 350)),
        ]
        p.redo()
        assert ab() == ((102, 150, "folding arms"), (300, 350))  # the merged move comes back whole
        assert len(p.audit(segment_id=a.id)) >= 13  # every single change is still in the audit log
