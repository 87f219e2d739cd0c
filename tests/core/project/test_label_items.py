"""Label-only recordings in the store: ``Project.add_label_item`` is one undoable step, and
``Project.one_step`` makes several edits one transaction and one undo step (an import that
creates its recordings)."""

from __future__ import annotations

import threading

import pytest

from mgstudio.core.errors import ProjectError
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "s.mgproj", annotator="ana") as p:
        yield p


def _state(p: Project) -> tuple:
    return ([(it.id, it.name, it.rate, it.frame_count, it.attributes) for it in p.items()],
            sorted((s.id, s.item_id, s.start, s.end, s.label) for s in p.segments()))


def test_a_label_item_is_added_undone_and_redone(project) -> None:
    it = project.add_label_item("interview 7", "30000/1001", 4500, {"subject": "S3", "outcome": "win"})
    assert (it.name, it.kind, it.video_path, it.frame_count) == ("interview 7", "skeleton", None, 4500)
    assert it.rate == pytest.approx(30000 / 1001) and it.attributes == {"outcome": "win", "subject": "S3"}
    assert not project.has_skeleton(it.id)
    assert project.undo_text() == "Add recording 'interview 7'"
    assert [a.action for a in project.audit(item_id=it.id)] == ["add item"]
    assert project.undo() == "Add recording 'interview 7'" and project.items() == []
    again = project.redo()
    assert again and project.item(it.id) == it  # the same id, name, rate, length and attributes


def test_bad_names_rates_and_lengths_are_refused_with_a_sentence(project) -> None:
    project.add_label_item("a", 25, 10)
    for args, words in ((("a", 25, 10), "already has a recording called 'a'"),
                        (("  ", 25, 10), "needs a name"),
                        (("b", "fast", 10), "is not a frame rate for 'b'"),
                        (("b", 0, 10), "is not a frame rate"),
                        (("b", 25, -3), "whole number of frames"),
                        (("b", 25, 2.5), "whole number of frames"),
                        (("b", 25, True), "whole number of frames")):
        with pytest.raises(ProjectError, match=words) as exc:
            project.add_label_item(*args)
        assert len(str(exc.value)) <= 300
    assert [it.name for it in project.items()] == ["a"] and project.undo_text() == "Add recording 'a'"


def test_ids_are_never_reused_after_undo(project) -> None:
    first = project.add_label_item("a", 25, 10)
    project.undo()
    second = project.add_label_item("b", 25, 10)  # a new step: the undone one cannot come back
    assert second.id > first.id and not project.can_redo()


def test_one_step_is_one_undo_step_and_redo_restores_the_same_segments(project) -> None:
    tier = project.ensure_tier("ana", annotator="ana")
    with project.one_step("import", "Import study.csv (2 new label-only recordings)"):
        a = project.add_label_item("a", 25, 100)
        b = project.add_label_item("b", 25, 200)
        project.add_segments([Segment(a.id, tier.id, 10, 20, "folding arms"),
                              Segment(b.id, tier.id, 50, 90, "rubbing eyes")], "Import study.csv")
    after = _state(project)
    assert project.undo_text() == "Import study.csv (2 new label-only recordings)"
    assert project.undo() and project.items() == [] and project.segments() == [] and not project.can_undo()
    assert project.redo() and _state(project) == after
    # The audit trail keeps every change: two recordings and two segments added, taken back, brought back.
    actions = [e.action for e in reversed(project.audit())]
    assert actions[-12:] == ["add item", "add item", "bulk add", "bulk add"] + ["undo"] * 4 + ["redo"] * 4


def test_tiers_and_coders_a_step_brought_go_with_its_undo(project) -> None:
    before = [t.name for t in project.tiers()], project.annotators()
    with project.one_step("import", "Import coding.eaf (1 new label-only recording)"):
        a = project.add_label_item("a", 25, 100)
        maria = project.ensure_tier("Maria", annotator="Maria")
        project.add_segments([Segment(a.id, maria.id, 10, 20, "folding arms")], "Import coding.eaf")
    assert project.undo() and ([t.name for t in project.tiers()], project.annotators()) == before
    assert project.redo() and project.tier("Maria") == maria and "Maria" in project.annotators()
    assert [(s.tier_id, s.start) for s in project.segments()] == [(maria.id, 10)]


def test_a_tier_another_coder_used_since_stays_when_the_step_is_undone(project) -> None:
    z = project.add_label_item("z", 25, 100)
    with project.one_step("import", "Import coding.eaf (1 new label-only recording)"):
        a = project.add_label_item("a", 25, 100)
        maria = project.ensure_tier("Maria", annotator="Maria")
        project.add_segments([Segment(a.id, maria.id, 10, 20, "folding arms")], "Import coding.eaf")
    with Project.open(project.path, annotator="bob") as bob:  # bob codes on that tier, in another recording
        bob.add_segments([Segment(z.id, maria.id, 30, 40, "touching jaw")], "by hand")
    assert project.undo() == "Import coding.eaf (1 new label-only recording)"
    assert [it.name for it in project.items()] == ["z"] and "Maria" in [t.name for t in project.tiers()]
    assert [(s.item_id, s.start) for s in project.segments()] == [(z.id, 30)]
    assert project.redo() and sorted((s.item_id, s.start) for s in project.segments()) == [(z.id, 30), (a.id, 10)]


def test_an_error_inside_one_step_leaves_nothing(project) -> None:
    project.add_label_item("kept", 25, 10)
    before = _state(project), project.undo_text(), project.change_counter()
    with pytest.raises(ProjectError, match="already has a recording called 'kept'"):
        with project.one_step("import", "Import x"):
            project.add_label_item("new", 25, 10)
            project.ensure_tier("someone", annotator="someone")
            project.add_label_item("kept", 25, 10)
    assert (_state(project), project.undo_text(), project.change_counter()) == before
    assert "someone" not in [t.name for t in project.tiers()]


def test_a_failed_part_that_is_caught_is_rolled_back_alone(project) -> None:
    with project.one_step("import", "Import y"):
        project.add_label_item("a", 25, 10)
        with pytest.raises(ProjectError):
            project.add_label_item("a", 25, 10)
        project.add_label_item("b", 25, 10)
    assert [it.name for it in project.items()] == ["a", "b"]
    assert project.undo() == "Import y" and project.items() == []


def test_undo_inside_a_step_is_refused_and_other_threads_wait(project) -> None:
    project.add_label_item("a", 25, 10)
    seen: list[int] = []
    with project.one_step("import", "Import z"):
        project.add_label_item("b", 25, 10)
        with pytest.raises(ProjectError, match="wait until the change in progress is finished"):
            project.undo()
        reader = threading.Thread(target=lambda: seen.append(len(project.items())))
        reader.start()
        reader.join(0.3)
        assert reader.is_alive()  # another thread does not see (or write into) the open step
    reader.join(5)
    assert seen == [2]
