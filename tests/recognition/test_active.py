"""Active learning order: uncertain *and* typical *and* new first, spread over kinds (hand-made
embeddings, where the right order can be worked out), then on a real project with a label model."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Status
from mgstudio.formats.kinect import load_utkinect
from mgstudio.recognition.active import (confidence_uncertainty, information_order, margin_uncertainty,
                                         review_order)
from tests.conftest import require_shared


def _around(direction: np.ndarray, n: int, rng: np.random.Generator, spread: float = 0.05) -> np.ndarray:
    return direction[None, :] + spread * rng.standard_normal((n, direction.size))


def test_uncertainty_measures():
    assert margin_uncertainty(np.array([[0.5, 0.5], [0.9, 0.1]])) == pytest.approx([1.0, 0.2])
    assert margin_uncertainty(np.array([[0.6, 0.3, 0.1], [0.1, 0.2, 0.7]])) == pytest.approx([0.7, 0.5])
    assert confidence_uncertainty(np.array([0.5, 0.0, 1.0, 0.75, np.nan])) == pytest.approx([1, 0, 0, 0.5, 1])


def test_a_typical_uncertain_proposal_comes_before_an_outlier():
    rng = np.random.default_rng(0)
    e = np.eye(8)
    family = _around(e[0], 5, rng)  # five similar unclear movements
    outlier = e[1][None, :]  # one glitch, unlike anything else, even less sure
    emb = np.vstack([family, outlier])
    unc = np.array([0.8] * 5 + [0.95])
    order, value = information_order(unc, emb)
    assert int(np.argmax(unc)) == 5  # least confident first would show the outlier first
    assert order[0] < 5
    assert np.all(np.diff(value) <= 1e-12)  # the value at the time of picking never rises


def test_picks_spread_over_kinds_and_skip_what_is_reviewed():
    rng = np.random.default_rng(1)
    e = np.eye(8)
    a, b = _around(e[0], 4, rng), _around(e[2], 4, rng)
    emb = np.vstack([a, b])
    unc = np.array([0.8] * 4 + [0.7] * 4)
    order, _ = information_order(unc, emb)
    assert order[0] < 4 and order[1] >= 4  # the second press shows the other kind, not a near-duplicate
    # the same family of candidates, but one kind already has a reviewed example: the other goes first
    order, _ = information_order(unc, emb, reviewed=e[0][None, :])
    assert order[0] >= 4
    assert sorted(order.tolist()) == list(range(8))


def test_review_order_on_a_real_project_with_a_label_model(tmp_path):
    from mgstudio.recognition.examples import mark_reviewed
    from mgstudio.recognition.learning import activate_version, train_version
    from mgstudio.recognition.proposals import propose_item

    data = load_utkinect(require_shared("skeletons", "utkinect", "joints"))[:2]
    with Project.create(tmp_path / "al.mgproj", annotator="coder", taxonomy="utkinect") as proj:
        tier = proj.ensure_tier("coder")
        items = []
        for name, seq, segs in data:
            it = proj.add_skeleton_item(name, seq)
            items.append(it)
            last, keep = 0, []
            for s in sorted(segs, key=lambda s: s.start):
                if s.start >= last and s.end <= seq.start_frame + len(seq) // 2:  # the first half is coded
                    keep.append(Segment(it.id, tier.id, s.start, s.end, s.label))
                    last = s.end
            proj.add_segments(keep)
            mark_reviewed(proj, it.id, seq.start_frame, seq.start_frame + len(seq) // 2)
        activate_version(proj, train_version(proj))
        item = items[1]
        props = propose_item(proj, item.id)
        assert len(props) >= 3
        ranked = review_order(proj, item.id)
        ids = [s.id for s, _ in ranked]
        assert sorted(ids) == sorted(s.id for s in proj.segments(item.id, statuses=[Status.PROPOSED]))
        values = [v for _, v in ranked]
        assert all(np.isfinite(values)) and all(x >= y - 1e-12 for x, y in zip(values, values[1:]))
        # reviewing the first one takes it out of the order; the rest is ranked again
        proj.accept(ids[0])
        again = [s.id for s, _ in review_order(proj, item.id)]
        assert ids[0] not in again and sorted(again) == sorted(ids[1:])
