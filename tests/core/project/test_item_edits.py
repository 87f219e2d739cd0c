"""Fixing mistakes in a study: removing a recording (with what goes with it) and correcting its
name, frame rate, subject, split or outcome, each one undoable, with the audit trail kept."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.errors import ProjectError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence


def _seq(n: int = 300, fps: float = 30.0) -> SkeletonSequence:
    seq = SkeletonSequence.empty(CANONICAL, n, fps)
    seq.xy[:] = np.random.default_rng(1).random((n, CANONICAL.num_joints, 2)).astype(np.float32)
    seq.conf[:] = 1.0
    return seq


@pytest.fixture
def proj(tmp_path):
    p = Project.create(tmp_path / "study", annotator="alice")
    a = p.add_skeleton_item("S01", _seq(), {"outcome": "win", "subject": "P1"})
    p.add_skeleton_item("S02", _seq())
    p.add_segments([Segment(a.id, p.tier("alice").id, 10, 40, "touching jaw"),
                    Segment(a.id, p.tier("alice").id, 60, 90, "folding arms"),
                    Segment(a.id, p.proposals_tier.id, 100, 130, "head up", source=Source.MODEL,
                            status=Status.PROPOSED, confidence=0.6)], "import")
    yield p
    p.close()


def test_removal_says_what_goes_and_undo_brings_it_all_back(proj) -> None:
    item = proj.item_by_name("S01")
    seg_ids = sorted(s.id for s in proj.segments(item.id))
    text = proj.describe_removal(item.id)
    assert "3 segments" in text and "2 on alice" in text and "1 on proposals" in text
    assert "skeleton (raw)" in text and "outcome=win" in text and "audit trail" in text

    what = proj.remove_item(item.id)
    assert what == "Remove recording 'S01' (3 segments)"
    assert [i.name for i in proj.items()] == ["S02"]
    assert proj.count_segments() == 0
    assert proj.undo_text() == what
    assert (proj.skeletons_dir / f"item{item.id}_raw.npz").is_file()  # the file waits for an undo

    assert proj.undo() == what
    back = proj.item_by_name("S01")
    assert back.id == item.id and back.attributes == {"outcome": "win", "subject": "P1"}
    assert sorted(s.id for s in proj.segments(item.id)) == seg_ids  # the same ids: audit rows still fit
    assert proj.load_skeleton(item.id) is not None
    assert proj.redo() == what
    assert [i.name for i in proj.items()] == ["S02"]


def test_removal_keeps_the_audit_trail_and_survives_a_reopen(proj, tmp_path) -> None:
    item = proj.item_by_name("S01")
    proj.remove_item(item.id)
    trail = proj.audit(item_id=item.id)
    assert trail[0].action == "remove item" and trail[0].before["name"] == "S01" and trail[0].after is None
    assert {e.action for e in trail} >= {"add item", "bulk add", "remove item"}
    path = proj.path
    proj.close()
    with Project.open(path, annotator="alice") as p:
        assert [i.name for i in p.items()] == ["S02"]
        p.undo()
        assert p.count_segments(p.item_by_name("S01").id) == 3


def test_edit_attributes_name_and_split_undoable(proj) -> None:
    item = proj.item_by_name("S01")
    new = proj.update_item(item.id, name="0042", subject="P7", split="Train", outcome="")
    assert new.name == "0042" and new.attributes == {"subject": "P7", "split": "train"}
    assert "name '0042'" in proj.undo_text() and "split train" in proj.undo_text()
    proj.undo()
    assert proj.item(item.id).name == "S01"
    assert proj.item(item.id).attributes == {"outcome": "win", "subject": "P1"}
    proj.redo()
    assert proj.item(item.id).name == "0042"


def test_edit_refuses_what_would_be_a_mistake(proj) -> None:
    item = proj.item_by_name("S01")
    with pytest.raises(ProjectError, match="split is one of train, val, test"):
        proj.update_item(item.id, split="training")
    with pytest.raises(ProjectError, match="already called 'S02'"):
        proj.update_item(item.id, name="S02")
    with pytest.raises(ProjectError, match="needs a name"):
        proj.update_item(item.id, name="  ")
    with pytest.raises(ProjectError, match="not a frame rate"):
        proj.update_item(item.id, fps="fast")
    with pytest.raises(ProjectError, match="not a frame rate"):
        proj.update_item(item.id, fps=-5)
    assert proj.item(item.id).name == "S01" and not proj.can_redo()


def test_correcting_the_frame_rate_moves_times_not_frames(proj) -> None:
    """A 25 fps OpenPose recording taken as 30 fps: after the correction its length and every
    time in seconds follow, while the segments keep their frames."""
    item = proj.item_by_name("S01")
    assert item.duration == pytest.approx(10.0)
    before = [(s.start, s.end) for s in proj.segments(item.id)]
    fixed = proj.update_item(item.id, fps=25)
    assert fixed.fps == 25.0 and fixed.duration == pytest.approx(12.0)
    assert [(s.start, s.end) for s in proj.segments(item.id)] == before
    assert proj.load_skeleton(item.id).fps == 25.0
    assert proj.load_skeleton(item.id).duration == pytest.approx(12.0)
    proj.undo()
    assert proj.item(item.id).fps == 30.0 and proj.load_skeleton(item.id).fps == 30.0


def test_a_videos_rate_comes_from_its_file(tmp_path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(np.random.default_rng(0).bytes(4096))
    with Project.create(tmp_path / "v", annotator="alice") as p:
        it = p.add_video(video, info={"fps": 25, "frame_count": 100})
        with pytest.raises(ProjectError, match="read from the file"):
            p.update_item(it.id, fps=12)
        assert p.update_item(it.id, subject="P3").attributes["subject"] == "P3"


def test_undo_of_a_removal_is_refused_when_the_name_was_taken_since(proj) -> None:
    item = proj.item_by_name("S01")
    proj.remove_item(item.id)
    with Project.open(proj.path, annotator="bob") as bob:  # a colleague in another window
        bob.update_item(bob.item_by_name("S02").id, name="S01")
    with pytest.raises(ProjectError, match="Another recording is called 'S01'"):
        proj.undo()
    assert [i.name for i in proj.items()] == ["S01"] and proj.count_segments() == 0  # nothing half-done
    assert proj.can_undo()  # still there, for after the colleague's rename is sorted out


def test_read_only_project_refuses_item_edits(proj) -> None:
    path = proj.path
    proj.close()
    with Project.open(path, read_only=True) as p:
        with pytest.raises(ProjectError, match="open read-only"):
            p.remove_item(p.item_by_name("S01").id)
        with pytest.raises(ProjectError, match="open read-only"):
            p.update_item(p.item_by_name("S01").id, subject="x")
