"""'Learn from my labels' on a real project (UTKinect streams): accuracy on held-out segments rises
as labels are added, versions with provenance, cross-validation before use, re-proposal, cancel,
and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Status
from mgstudio.formats.kinect import load_utkinect
from mgstudio.recognition.encoder import load_encoder
from mgstudio.recognition.fewshot import BACKGROUND
from mgstudio.recognition.examples import mark_reviewed
from mgstudio.recognition.learning import (windows_for, activate_version, active_version, learn_from_project,
                                           list_versions, load_active_head, train_version)
from mgstudio.recognition.proposals import sequence_coords
from tests.conftest import require_shared

TEST_SUBJECTS = (9, 10)
ORDER = (1, 2, 3, 4, 5, 6, 7, 8)  # subjects whose labels are added, in this order


@pytest.fixture(scope="module")
def enc():
    return load_encoder()


@pytest.fixture(scope="module")
def utk():
    return load_utkinect(require_shared("skeletons", "utkinect", "joints"))


def _add(proj, name, seq, segs, labelled: bool):
    item = proj.add_skeleton_item(name, seq, attributes={"subject": name[:3]})
    if labelled:
        _label(proj, item.id, segs)
    return item


def _label(proj, item_id, segs):
    tier = proj.ensure_tier(proj.annotator)
    keep, last = [], -1
    for s in segs:
        if s.start >= last and s.end > s.start:  # the label file has a few overlaps
            keep.append(Segment(item_id, tier.id, s.start, s.end, s.label))
            last = s.end
    proj.add_segments(keep, "labels")


def _held_out_accuracy(head, enc, utk) -> float:
    ok = n = 0
    for name, seq, segs in utk:
        if int(name[1:3]) not in TEST_SUBJECTS:
            continue
        c = sequence_coords(seq, enc)
        wins = [c[windows_for(s.start, s.end, len(c), enc.window)[0]:][:enc.window] for s in segs]
        emb = enc.embed(np.stack(wins))
        p = head.proba(emb)
        cols = [i for i, k in enumerate(head.classes) if k != BACKGROUND]
        pred = [head.classes[cols[j]] for j in p[:, cols].argmax(1)]
        ok += sum(a == s.label for a, s in zip(pred, segs))
        n += len(segs)
    return ok / n


def test_accuracy_rises_as_labels_are_added(tmp_path, enc, utk):
    by_subject = {}
    for name, seq, segs in utk:
        by_subject.setdefault(int(name[1:3]), []).append((name, seq, segs))
    path = tmp_path / "study.mgproj"
    accs, versions = [], []
    with Project.create(path, annotator="alice", taxonomy="utkinect") as proj:
        items = {}
        for s in ORDER:
            for name, seq, segs in by_subject[s][:1]:
                items[name] = (_add(proj, name, seq, segs, labelled=False), segs)
        names = list(items)
        # 1, 3 then 8 examples per class (one recording holds each action once)
        done = 0
        for upto in (1, 3, 8):
            for name in names[done:upto]:
                _label(proj, items[name][0].id, items[name][1])
            done = upto
            mv = train_version(proj, enc)
            versions.append(mv)
            assert active_version(proj) is None or active_version(proj).version != mv.version  # not used yet
            activate_version(proj, mv)
            accs.append(_held_out_accuracy(load_active_head(proj, enc), enc, utk))
        print("held-out accuracy with 1, 3, 8 examples per class:", accs)
        assert accs[2] > accs[0] + 0.15 and accs[2] >= accs[1] - 0.05 and accs[2] > 0.6, accs
        assert [v.version for v in list_versions(proj)] == [1, 2, 3]
        # 1 example per label: prototype head, CV cannot test the labels
        assert versions[0].kind == "prototype" and versions[0].notes
        assert all(v is None for k, v in versions[0].cv_per_class.items() if k != BACKGROUND)
        # with more labels: linear head, subject-wise folds, per-class accuracy, provenance on disk
        last = versions[2]
        assert last.kind == "linear" and last.cv_grouping == "subject" and last.cv_folds >= 2
        assert all(v is not None for v in last.cv_per_class.values()) and 0.4 < last.cv_accuracy <= 1
        assert last.counts["walk"] == 8 and last.encoder.startswith("encoder created") and len(last.encoder_hash) == 16
        meta = json.loads(last.path.with_suffix(".json").read_text())
        assert meta["version"] == 3 and meta["cv_per_class"]["walk"] == last.cv_per_class["walk"]
        assert "walk" in last.summary and "Cross-validated accuracy" in last.summary


def test_learn_reproposes_and_keeps_reviewed_work(tmp_path, enc, utk):
    path = tmp_path / "p.mgproj"
    with Project.create(path, annotator="bob", taxonomy="utkinect") as proj:
        for name, seq, segs in utk[:3]:
            _add(proj, name, seq, segs, labelled=True)
        name, seq, segs = utk[3]
        target = _add(proj, name, seq, segs, labelled=False)
        tier = proj.proposals_tier
        old = proj.add_segments([Segment(target.id, tier.id, 0, 10, "walk", source="model", status=Status.PROPOSED),
                                 Segment(target.id, tier.id, 20, 30, "walk", source="model", status=Status.PROPOSED)])
        proj.reject(old[1].id)
        ticks = []
        mv = learn_from_project(proj, progress=lambda d, t: ticks.append((d, t)), model=enc)
        assert ticks and ticks[-1][0] == ticks[-1][1]
        assert active_version(proj).version == mv.version
        props = proj.segments(target.id, statuses=[Status.PROPOSED])
        assert props and old[0].id not in {s.id for s in props}  # un-reviewed proposal replaced
        assert {s.label for s in props} <= set(mv.classes) - {BACKGROUND}
        assert proj.segment(old[1].id).status == Status.REJECTED  # reviewed work kept
        # labelled items get no proposal on top of their labels
        for it in proj.items()[:3]:
            for p in proj.segments(it.id, statuses=[Status.PROPOSED]):
                for h in proj.segments(it.id, statuses=[Status.ACCEPTED]):
                    assert min(p.end, h.end) - max(p.start, h.start) <= 0.5 * (p.end - p.start)


def test_cancel_keeps_everything_as_it_was(tmp_path, enc, utk):
    with Project.create(tmp_path / "c.mgproj", annotator="c") as proj:
        for name, seq, segs in utk[:2]:
            _add(proj, name, seq, segs, labelled=True)
        with pytest.raises(CancelledError):
            learn_from_project(proj, cancel=lambda: True, model=enc)
        assert list_versions(proj) == [] and active_version(proj) is None


def test_bad_projects_get_clear_messages(tmp_path, enc, utk):
    with Project.create(tmp_path / "e.mgproj", annotator="d") as proj:
        with pytest.raises(MGStudioError, match="no accepted labels"):
            learn_from_project(proj, model=enc)
        name, seq, segs = utk[0]
        item = proj.add_skeleton_item(name, seq)
        proj.create_segment(Segment(item.id, proj.ensure_tier("d").id, segs[0].start, segs[0].end, "walk"))
        with pytest.raises(MGStudioError, match="reject a few wrong proposals or mark"):
            train_version(proj, enc)  # nothing reviewed besides the label: no 'no MG' to learn from
        mark_reviewed(proj, item.id, seq.start_frame, seq.end_frame)
        mv = train_version(proj, enc)  # one example of one label: a 'walk vs. no MG' prototype detector
        assert mv.kind == "prototype" and mv.classes == ["walk", BACKGROUND]


def _labelled_cli_project(tmp_path, utk):
    """A project of three labelled UTKinect recordings for the `mgstudio learn` tests."""
    path = tmp_path / "cli.mgproj"
    with Project.create(path, annotator="e", taxonomy="utkinect") as proj:
        for name, seq, segs in utk[:3]:
            _add(proj, name, seq, segs, labelled=True)
    return path


def test_cli_learn(tmp_path, enc, utk, capsys):
    from mgstudio.cli import main

    path = _labelled_cli_project(tmp_path, utk)
    assert main(["learn", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Cross-validated accuracy" in out and "walk" in out and "Version 1 is now active" in out
    assert main(["learn", str(path), "--list"]) == 0
    assert "* v1" in capsys.readouterr().out
    assert main(["learn", str(path), "--use", "7"]) == 2


def test_clusters_of_unlabelled_moments_can_be_labelled_at_once(tmp_path, enc, utk):
    from mgstudio.recognition.clusters import cluster_windows, label_cluster

    with Project.create(tmp_path / "k.mgproj", annotator="f", taxonomy="utkinect") as proj:
        ids = [_add(proj, name, seq, segs, labelled=False).id for name, seq, segs in utk[:2]]
        clusters = cluster_windows(proj, enc, k=4)
        assert 2 <= len(clusters) <= 4 and clusters[0].size >= clusters[-1].size
        members = [m for c in clusters for m in c.members]
        assert len(members) == len(set(members)) and {m[0] for m in members} <= set(ids)
        assert all(c.representative == c.members[0] and 0 <= c.spread < 1 for c in clusters)
        n_before = proj.count_segments(None)
        added = label_cluster(proj, clusters[0].members, "wave")
        assert added and all(s.label == "wave" and s.status == Status.ACCEPTED for s in added)
        assert sum(s.end - s.start for s in added) <= 32 * clusters[0].size
        again = cluster_windows(proj, enc, k=4)  # labelled moments are no longer offered
        left = {m for c in again for m in c.members}
        assert not left & set(clusters[0].members)
        proj.undo()
        assert proj.count_segments(None) == n_before


def test_cli_learn_never_leaves_a_model_active_that_could_not_propose(tmp_path, enc, utk, capsys):
    from mgstudio.cli import main

    path = _labelled_cli_project(tmp_path, utk)
    assert main(["learn", str(path)]) == 0
    assert main(["learn", str(path), "--use", "0"]) == 0  # back to movement events
    capsys.readouterr()
    with Project.open(path, read_only=True) as proj:
        victim = proj.skeleton_file(proj.items()[1].id)
    victim.write_bytes(victim.read_bytes()[:200])  # a damaged skeleton file: re-proposing fails on it
    assert main(["learn", str(path), "--use", "1"]) == 2
    err = capsys.readouterr().err
    assert "Version 1 was not made active" in err and "movement events stays in use" in err
    assert "Traceback" not in err and err.count("\n") == 1
    with Project.open(path, read_only=True) as proj:
        assert active_version(proj) is None


def test_cli_learn_keeps_the_current_model_when_the_new_one_is_worse(tmp_path, enc, utk, capsys):
    """`mgstudio learn` never switches to a model that recognises the labels less well than the one
    in use: after the labels are scrambled (a coder's mistakes), the new version is saved but not
    activated, the message gives both accuracies and how to use it anyway, and v1 stays in use."""
    from mgstudio.cli import main

    path = tmp_path / "worse.mgproj"
    by_subject: dict[int, tuple] = {}
    for name, seq, segs in utk:
        by_subject.setdefault(int(name[1:3]), (name, seq, segs))
    with Project.create(path, annotator="e", taxonomy="utkinect") as proj:
        for s in ORDER:
            _add(proj, *by_subject[s], labelled=True)
    assert main(["learn", str(path)]) == 0
    assert "Version 1 is now active" in capsys.readouterr().out
    rng = np.random.default_rng(0)
    with Project.open(path) as proj:
        segs = [s for s in proj.segments(None) if s.label]
        labels = [s.label for s in segs]
        for s, label in zip(segs, rng.permutation(labels)):
            if label != s.label:
                proj.update_segment(s.id, label=str(label))
    assert main(["learn", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Not activated: version 2 recognises your labels less well" in out, out
    assert "version 1, which stays in use" in out and f"mgstudio learn {path} --use 2" in out
    with Project.open(path, read_only=True) as proj:
        assert active_version(proj).version == 1 and [v.version for v in list_versions(proj)] == [1, 2]
