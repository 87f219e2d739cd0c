"""Segment proposals over real untrimmed UTKinect streams: streaming windows, post-processing,
movement events before any label, writing to a project, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.errors import MGStudioError
from mgstudio.core.metrics import spotting_scores
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.kinect import load_utkinect
from mgstudio.recognition.encoder import load_encoder
from mgstudio.recognition.fewshot import BACKGROUND, train_head
from mgstudio.recognition.examples import windows_for
from mgstudio.recognition.proposals import (MOVEMENT_LABEL, iter_window_batches, movement_events, propose,
                                            propose_item, sequence_coords, window_starts)
from mgstudio.recognition.coldstart import proposal_reason
from tests.conftest import require_shared


@pytest.fixture(scope="module")
def enc():
    return load_encoder()


@pytest.fixture(scope="module")
def utk():
    return {name: (seq, segs) for name, seq, segs in load_utkinect(require_shared("skeletons", "utkinect", "joints"))}


def _gt(name, segs):
    return [Segment(name, 0, s.start, s.end, s.label) for s in segs]


@pytest.fixture(scope="module")
def utk_head(enc, utk):
    """A linear head trained on subjects 1 and 3 (labelled actions + background between them)."""
    wins, labels = [], []
    for name in ("s01_e01", "s01_e02", "s03_e01", "s03_e02"):
        seq, segs = utk[name]
        c = sequence_coords(seq, enc)
        covered = np.zeros(len(c), bool)
        for s in segs:
            covered[s.start:s.end] = True
            for st in windows_for(s.start, s.end, len(c), enc.window):
                wins.append(c[st:st + enc.window])
                labels.append(s.label)
        for st in window_starts(len(c), enc.window, enc.window // 2):
            if not covered[st:st + enc.window].any():
                wins.append(c[st:st + enc.window])
                labels.append(BACKGROUND)
    return train_head(enc.embed(np.stack(wins)), labels, kind="linear")


def test_windows_are_streamed_in_bounded_batches():
    coords = np.zeros((1000, 5, 3), np.float32)
    starts = window_starts(1000, 32, 16)
    assert starts[0] == 0 and starts[-1] == 1000 - 32 and np.all(np.diff(starts) <= 16)
    sizes = [w.shape for _, w in iter_window_batches(coords, 32, 16, batch=8)]
    assert all(s[0] <= 8 and s[1:] == (32, 5, 3) for s in sizes)
    assert sum(s[0] for s in sizes) == len(starts)


def test_proposals_on_an_unseen_subject_find_its_actions(enc, utk, utk_head):
    preds, gts = [], []
    for name in ("s02_e01", "s02_e02"):
        seq, segs = utk[name]
        got = propose(seq, enc, utk_head)
        assert got and all(0 <= s.start < s.end <= len(seq) for s in got)
        assert all(s.source == Source.MODEL and s.status == Status.PROPOSED for s in got)
        assert all(s.label in utk_head.mg_classes and 0.0 <= s.confidence <= 1.0 for s in got)
        preds += [s.with_(item_id=name) for s in got]
        gts += _gt(name, segs)
    scores = spotting_scores(preds, gts, iou=0.3)
    agnostic = spotting_scores(preds, gts, iou=0.3, class_agnostic=True)
    # published sliding-window baselines on MG data reach F1 0.06-0.20; these are whole-body actions
    assert scores.f1 > 0.2, scores
    assert agnostic.recall >= 0.4, agnostic
    # a higher threshold gives fewer proposals
    assert len(propose(utk["s02_e01"][0], enc, utk_head, threshold=0.9)) < len(
        propose(utk["s02_e01"][0], enc, utk_head, threshold=0.3))


def test_movement_events_before_any_label(enc, utk):
    preds, gts = [], []
    for name in ("s04_e01", "s05_e01"):
        seq, segs = utk[name]
        ev = propose(seq, enc)  # no head: movement events
        assert ev and {s.label for s in ev} == {MOVEMENT_LABEL}
        assert all(0.0 < s.confidence < 1.0 for s in ev)
        assert all(proposal_reason(s.note) and "rank" in s.note.lower() for s in ev)  # each says why
        preds += [s.with_(item_id=name) for s in ev]
        gts += _gt(name, segs)
    assert spotting_scores(preds, gts, class_agnostic=True).recall > 0.3
    # a person who does not move gives no event
    seq, _ = utk["s04_e01"]
    still = SkeletonSequence(seq.layout, np.repeat(seq.xy[:1], 200, 0), np.ones((200, seq.xy.shape[1]), np.float32),
                             seq.fps, world=np.repeat(seq.world[:1], 200, 0) if seq.world is not None else None)
    assert movement_events(still, enc) == []
    assert propose(still, enc) == []


def test_partly_missing_joints_give_finite_confidences(enc, utk, utk_head):
    seq, _ = utk["s02_e01"]
    world = seq.world.copy()
    xy = seq.xy.copy()
    world[100:250] = np.nan  # the person out of view for a while
    xy[100:250] = np.nan
    world[:, 3] = np.nan  # one joint never seen
    xy[:, 3] = np.nan
    damaged = SkeletonSequence(seq.layout, xy, seq.conf, seq.fps, world=world)
    for segs in (propose(damaged, enc, utk_head), propose(damaged, enc)):
        assert all(np.isfinite(s.confidence) for s in segs)
        assert not any(s.start >= 110 and s.end <= 240 for s in segs)  # nothing where nothing was seen


def test_bad_input_gets_a_clear_message(enc, utk, utk_head):
    seq, _ = utk["s02_e01"]
    with pytest.raises(MGStudioError, match="only 10 frames"):
        propose(seq.slice(0, 10), enc, utk_head)
    blank = SkeletonSequence(seq.layout, np.full_like(seq.xy, np.nan), np.zeros_like(seq.conf), seq.fps)
    with pytest.raises(MGStudioError, match="No joint is visible"):
        propose(blank, enc, utk_head)
    with pytest.raises(MGStudioError, match="No joint is visible"):
        propose(blank, enc)
    other = train_head(np.random.default_rng(0).normal(size=(6, 16)).astype(np.float32), ["a", "a", "a", "b", "b", "b"])
    with pytest.raises(MGStudioError, match="another recognizer"):
        propose(seq, enc, other)


def test_propose_item_writes_proposals_as_one_undo_step(enc, utk, tmp_path):
    seq, segs = utk["s06_e01"]
    with Project.create(tmp_path / "p.mgproj", annotator="ann", taxonomy="movement") as proj:
        item = proj.add_skeleton_item("s06_e01", seq)
        tier = proj.ensure_tier("ann")
        human = proj.create_segment(Segment(item.id, tier.id, segs[0].start, segs[0].end, MOVEMENT_LABEL))
        first = propose_item(proj, item.id, enc)
        assert first and all(s.id is not None and s.tier_id == proj.proposals_tier.id for s in first)
        assert not any(s.start >= human.start and s.end <= human.end for s in first)  # reviewed part left alone
        proj.accept(first[0].id)
        again = propose_item(proj, item.id, enc)  # replaces the un-reviewed ones, keeps the accepted one
        assert proj.segment(first[0].id).status == Status.ACCEPTED
        assert proj.count_segments(item.id, statuses=[Status.PROPOSED]) == len(again)
        proj.undo()
        assert proj.count_segments(item.id, statuses=[Status.PROPOSED]) == len(first) - 1


def test_cli_propose_movement(enc, utk, tmp_path, capsys):
    from mgstudio.cli import main

    path = tmp_path / "c.mgproj"
    with Project.create(path, annotator="ann", taxonomy="movement") as proj:
        proj.add_skeleton_item("s07_e01", utk["s07_e01"][0])
        proj.add_skeleton_item("tiny", utk["s07_e01"][0].slice(0, 5))
    assert main(["propose", str(path), "--all", "--movement"]) == 0
    out = capsys.readouterr().out
    assert "s07_e01:" in out and "proposals" in out and "tiny: skipped" in out
    with Project.open(path) as proj:
        assert proj.count_segments(None, statuses=[Status.PROPOSED]) > 0
    assert main(["propose", str(path)]) == 2


def test_a_checkpoint_with_its_own_classifier_proposes_its_classes(tiny_models, utk, utk_head):
    tiny = load_encoder(tiny_models["linear"])
    seq, _ = utk["s02_e01"]
    got = propose(seq, tiny, threshold=0.2)
    assert got, "a classifier over 5 actions should find something above 0.2 in 600 frames"
    assert all(s.label in tiny.classes and np.isfinite(s.confidence) for s in got)
    with pytest.raises(MGStudioError, match="another recognizer"):
        propose(seq, tiny, utk_head)  # a label model trained on the shipped encoder's embeddings


def test_the_proposal_pass_runs_on_one_torch_thread_and_restores_the_callers(enc, utk, utk_head, monkeypatch):
    import torch

    from mgstudio.recognition.proposals import THREADS_ENV

    seq, _ = utk["s02_e01"]
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seen: list[int] = []
        propose(seq, enc, utk_head, progress=lambda done, total: seen.append(torch.get_num_threads()))
        assert seen and set(seen) == {1}
        assert torch.get_num_threads() == 2
        with pytest.raises(MGStudioError):  # restored after an error too
            propose(seq.slice(0, 10), enc, utk_head)
        assert torch.get_num_threads() == 2
        seen.clear()
        monkeypatch.setenv(THREADS_ENV, "2")
        propose(seq, enc, utk_head, progress=lambda done, total: seen.append(torch.get_num_threads()))
        assert set(seen) == {2}
        seen.clear()
        propose(seq, enc, utk_head, threads=1, progress=lambda done, total: seen.append(torch.get_num_threads()))
        assert set(seen) == {1}
    finally:
        torch.set_num_threads(before)
