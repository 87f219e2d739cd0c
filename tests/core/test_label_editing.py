"""Editing the label set: renaming a label relabels its segments, all in one undoable step."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.core.taxonomy import Label, Taxonomy


def labels_of(p: Project) -> list[str]:
    return sorted(s.label for s in p.segments())


def test_rename_recolour_and_add_labels_then_undo_and_redo(tmp_path) -> None:
    with Project.create(tmp_path / "labels", annotator="alice") as p:
        items = [p.add_skeleton_item(f"S0{k}", SkeletonSequence.empty(CANONICAL, 500, 25.0)).id for k in (1, 2)]
        alice = p.tier("alice").id
        model = p.ensure_tier("proposals", kind="model").id
        p.add_segments([Segment(items[0], alice, 0, 10, "rubbing eyes"),
                        Segment(items[1], alice, 20, 30, "rubbing eyes"),
                        Segment(items[1], alice, 40, 50, "folding arms"),
                        Segment(items[0], model, 60, 70, "rubbing eyes", source=Source.MODEL,
                                status=Status.PROPOSED, confidence=0.7)], "setup")
        before_tax = p.taxonomy.to_dict()
        before_labels = labels_of(p)
        counter = p.change_counter()

        tax = p.taxonomy
        new = [replace(lab, name="rubbing the eyes") if lab.name == "rubbing eyes" else
               replace(lab, color="#112233") if lab.name == "folding arms" else lab for lab in tax.labels]
        new.append(Label("leg bouncing", "#44AA88", shortcut=None, description="knee goes up and down"))
        n = p.edit_labels(Taxonomy(tax.name, new, tax.description), {"rubbing eyes": "rubbing the eyes"},
                          "Rename 'rubbing eyes'")
        assert n == 3  # both recordings, proposals included
        assert "rubbing the eyes" in p.taxonomy and "rubbing eyes" not in p.taxonomy
        assert p.taxonomy.get("folding arms").color == "#112233" and "leg bouncing" in p.taxonomy
        assert labels_of(p).count("rubbing the eyes") == 3
        assert p.changes_since(counter) is None  # views re-read everything (colours, names)

        assert p.undo() == "Rename 'rubbing eyes'"
        assert p.taxonomy.to_dict() == before_tax and labels_of(p) == before_labels
        assert p.redo() == "Rename 'rubbing eyes'"
        assert labels_of(p).count("rubbing the eyes") == 3
        path = p.path
    with Project.open(path, annotator="alice") as p:  # saved at once, undo history too
        assert "leg bouncing" in p.taxonomy and labels_of(p).count("rubbing the eyes") == 3
        assert p.undo() == "Rename 'rubbing eyes'" and p.taxonomy.to_dict() == before_tax
        assert p.integrity_check() == "ok"


def test_a_bad_label_set_is_refused_and_nothing_changes(tmp_path) -> None:
    with Project.create(tmp_path / "bad", annotator="alice") as p:
        tax = p.taxonomy
        before = tax.to_dict()
        with pytest.raises(FormatError, match="twice"):
            p.edit_labels(Taxonomy(tax.name, tax.labels + [tax.labels[0]]), {})
        assert p.taxonomy.to_dict() == before and p.undo_text() is None


def test_another_window_sees_the_new_labels(tmp_path) -> None:
    with Project.create(tmp_path / "two", annotator="alice") as p:
        path = p.path
    with Project.open(path, annotator="alice") as a, Project.open(path, annotator="bob") as b:
        assert b.taxonomy.names == a.taxonomy.names  # read (and cached) by both
        counter = b.change_counter()
        tax = a.taxonomy
        a.edit_labels(Taxonomy(tax.name, tax.labels + [Label("leg bouncing", "#44AA88")]), {})
        assert b.changes_since(counter) is None  # "re-read everything"
        assert "leg bouncing" in b.taxonomy  # and the label set is read again
        counter = b.change_counter()
        a.undo()
        assert b.changes_since(counter) is None and "leg bouncing" not in b.taxonomy


def test_a_used_label_cannot_vanish_and_renames_need_their_target(tmp_path) -> None:
    from mgstudio.core.errors import ProjectError

    with Project.create(tmp_path / "orphan", annotator="alice") as p:
        item = p.add_skeleton_item("S01", SkeletonSequence.empty(CANONICAL, 500, 25.0)).id
        tax = p.taxonomy
        used = tax.labels[0].name
        p.create_segment(Segment(item, p.tier("alice").id, 0, 10, used))
        before = p.taxonomy.to_dict()
        with pytest.raises(ProjectError, match="still use"):
            p.edit_labels(Taxonomy(tax.name, tax.labels[1:]), {})  # dropped while in use
        with pytest.raises(ProjectError, match="has no"):
            p.edit_labels(Taxonomy(tax.name, tax.labels[1:]), {used: "not a label"})
        assert p.taxonomy.to_dict() == before and p.segments(item)[0].label == used
        # merging into another label is a rename onto it
        target = tax.labels[1].name
        assert p.edit_labels(Taxonomy(tax.name, tax.labels[1:]), {used: target}) == 1
        assert p.segments(item)[0].label == target and used not in p.taxonomy
