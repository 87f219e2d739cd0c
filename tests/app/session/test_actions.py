"""The one edit path (app/session/actions.py): the rules a coder relies on hold whichever way they
edit — review keys, the timeline's right-click menu, the mouse — with the same sentences."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.app.session.actions import PICK_LABEL_FIRST, REJECTED_NEEDS_ACCEPT, EditActions
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.project.rows import PROPOSALS_TIER
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence

N = 300


@pytest.fixture
def setup(tmp_path):
    pr = Project.create(tmp_path / "p", taxonomy="imigue", annotator="alice")
    rng = np.random.default_rng(0)
    w = rng.uniform(-0.3, 0.3, (N, CANONICAL.num_joints, 3)).astype(np.float32)
    item = pr.add_skeleton_item("clip", SkeletonSequence(CANONICAL, w[..., :2] * 100 + 300,
                                                        np.ones((N, CANONICAL.num_joints)), 25.0, w))
    said: list[str] = []
    notified: list[int] = []
    ed = EditActions(lambda: pr, lambda: notified.append(1), said.append)
    yield pr, item, ed, said, notified
    pr.close()


def _proposal(pr, item, label: str, start: int = 10, end: int = 40) -> Segment:
    tier = pr.ensure_tier(PROPOSALS_TIER, kind="model")
    return pr.create_segment(Segment(item.id, tier.id, start, end, label, source=Source.MODEL,
                                     status=Status.PROPOSED, confidence=0.5))


def test_creating_needs_a_label_and_says_what_was_added(setup) -> None:
    pr, item, ed, said, notified = setup
    tier = pr.tier("alice")
    assert ed.create_segment(item.id, tier.id, 5, 20, None) is None
    assert said[-1] == PICK_LABEL_FIRST and pr.segments(item.id) == []
    name = pr.taxonomy.names[0]
    made = ed.create_segment(item.id, tier.id, 5, 20, name)
    assert made is not None and made.status == Status.ACCEPTED and made.annotator == "alice"
    assert said[-1] == f"Added “{name}”, frames 5–19." and notified


def test_a_rejected_proposal_is_not_revived_by_a_relabel(setup) -> None:
    pr, item, ed, said, _ = setup
    seg = _proposal(pr, item, pr.taxonomy.names[0])
    assert ed.review([seg.id], "reject") is not None
    assert ed.relabel([seg.id], pr.taxonomy.names[1]) is False
    assert said[-1] == REJECTED_NEEDS_ACCEPT
    assert pr.segment(seg.id).status == Status.REJECTED and pr.segment(seg.id).label == pr.taxonomy.names[0]


def test_a_movement_event_is_accepted_only_with_an_mg_label(setup) -> None:
    pr, item, ed, said, _ = setup
    seg = _proposal(pr, item, "movement event")
    assert ed.review([seg.id], "accept") is None  # no label given: refused, stays a proposal
    assert "not one of this project's labels" in said[-1]
    assert pr.segment(seg.id).status == Status.PROPOSED
    name = pr.taxonomy.names[2]
    done = ed.review([seg.id], "accept", label=name)
    assert done is not None and pr.segment(seg.id).label == name
    assert pr.segment(seg.id).status in (Status.EDITED, Status.ACCEPTED)
    assert said[-1] == f"Accepted as “{name}”."


def test_a_refused_edit_is_one_sentence_and_changes_nothing(setup) -> None:
    pr, item, ed, said, notified = setup
    seg = pr.create_segment(Segment(item.id, pr.tier("alice").id, 10, 30, pr.taxonomy.names[0]))
    n = len(notified)
    assert ed.set_bounds(seg.id, 200, 900) is None  # past the end of the recording
    assert len(said) == 1 and "\n" not in said[0] and len(said[0]) <= 300
    assert (pr.segment(seg.id).start, pr.segment(seg.id).end) == (10, 30)
    assert len(notified) == n + 1  # views refresh anyway: nothing shows a change that did not happen


def test_delete_then_undo_brings_it_back_and_says_so(setup) -> None:
    pr, item, ed, said, _ = setup
    seg = pr.create_segment(Segment(item.id, pr.tier("alice").id, 10, 30, pr.taxonomy.names[0]))
    assert ed.delete([seg.id])
    assert said[-1] == "Deleted. Ctrl+Z brings it back." and pr.segments(item.id) == []
    assert ed.step_history(undo=True)
    assert [s.id for s in pr.segments(item.id)] == [seg.id]
    assert ed.step_history(undo=False) and pr.segments(item.id) == []
    pr.undo()
    while pr.undo():
        pass
    assert ed.step_history(undo=True) is None and said[-1] == "Nothing to undo."
