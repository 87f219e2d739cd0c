"""Inter-rater agreement: hand-computed examples, scikit-learn, and a real project."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from mgstudio.core.agreement import agreement, compare_tiers, fleiss_kappa
from mgstudio.core.errors import MGStudioError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.agreement_report import write_agreement_csv, write_agreement_html


def test_fleiss_wikipedia_example() -> None:
    # The worked example on Wikipedia's "Fleiss' kappa" page: 10 subjects, 14 raters, 5 categories.
    counts = np.array([
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
    assert fleiss_kappa(counts) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_two_raters_close_to_cohen() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 3, 500)
    b = np.where(rng.random(500) < 0.7, a, rng.integers(0, 3, 500))
    counts = np.zeros((500, 3))
    counts[np.arange(500), a] += 1
    counts[np.arange(500), b] += 1
    # Fleiss with 2 raters equals Scott's pi, close to Cohen's kappa when marginals are similar
    assert fleiss_kappa(counts) == pytest.approx(cohen_kappa_score(a, b), abs=0.02)


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "a.mgproj", annotator="alice")
    p.add_skeleton_item("s1", SkeletonSequence.empty(CANONICAL, 200, 25.0))
    item = p.item_by_name("s1").id
    tiers = {n: p.ensure_tier(n, annotator=n) for n in ("alice", "bob", "carol")}
    p.add_segments([
        Segment(item, tiers["alice"].id, 10, 50, "folding arms"),
        Segment(item, tiers["alice"].id, 100, 140, "rubbing eyes"),
        Segment(item, tiers["bob"].id, 12, 50, "folding arms"),
        Segment(item, tiers["bob"].id, 100, 140, "touching jaw"),
        Segment(item, tiers["carol"].id, 10, 50, "folding arms"),
        Segment(item, tiers["carol"].id, 150, 160, "head up"),
    ], "setup")
    yield p
    p.close()


def test_pair_matches_sklearn_and_lists_disagreements(project) -> None:
    pair = compare_tiers(project, "alice", "bob")
    a = ["(none)"] * 200
    b = ["(none)"] * 200
    a[10:50] = ["folding arms"] * 40
    a[100:140] = ["rubbing eyes"] * 40
    b[12:50] = ["folding arms"] * 38
    b[100:140] = ["touching jaw"] * 40
    assert pair.kappa == pytest.approx(cohen_kappa_score(a, b))
    assert pair.per_class["folding arms"] == pytest.approx(
        cohen_kappa_score([x == "folding arms" for x in a], [x == "folding arms" for x in b]))
    assert [(d.start, d.end, d.label_a, d.label_b) for d in pair.disagreements] == [
        (10, 12, "folding arms", "(none)"), (100, 140, "rubbing eyes", "touching jaw")]
    assert pair.segment_scores[0.5].tp == 1 and pair.segment_scores[0.5].n_gt == 2
    # gesture by gesture (Holle & Rein): both pairs overlap >= 60 %, one label differs
    ev = pair.events
    assert (ev.linked, ev.only_a, ev.only_b, ev.same_label) == (2, 0, 0, 1)
    assert ev.kappa_linked == pytest.approx(cohen_kappa_score(["folding arms", "rubbing eyes"],
                                                               ["folding arms", "touching jaw"]))


def test_report_files_and_fleiss(project, tmp_path) -> None:
    rep = agreement(project)
    assert len(rep.pairs) == 3 and rep.fleiss is not None and 0 < rep.fleiss < 1
    files = write_agreement_csv(rep, tmp_path / "out")
    assert "cohen_kappa_frames" in files[0].read_text() and "modified_kappa_events_overlap>=0.6" in files[0].read_text()
    assert "touching jaw" in files[1].read_text()
    page = write_agreement_html(rep, tmp_path / "out" / "agreement.html").read_text()
    assert "Fleiss" in page and "alice vs bob" in page and "Gesture by gesture" in page
    # carol's "head up" has no partner in alice's coding: unmatched on one side
    ac = next(p for p in rep.pairs if (p.tier_a, p.tier_b) == ("alice", "carol"))
    assert (ac.events.linked, ac.events.only_a, ac.events.only_b) == (1, 1, 1)


def test_one_tier_is_a_clear_error(tmp_path) -> None:
    with Project.create(tmp_path / "b.mgproj", annotator="alice") as p:
        with pytest.raises(MGStudioError, match="at least two"):
            agreement(p, ["alice"])


def test_agree_cli(project, tmp_path, capsys) -> None:
    from mgstudio.cli import main

    folder = project.folder if hasattr(project, "folder") else project.db_path.parent
    project.close()
    assert main(["agree", str(folder), "--tier", "alice", "--tier", "bob", "--out", str(tmp_path / "ag")]) == 0
    out = capsys.readouterr().out
    assert "alice vs bob: Cohen's kappa" in out and (tmp_path / "ag" / "agreement.html").exists()
    assert "modified κ (Holle & Rein, overlap ≥ 60%)" in out
    assert main(["agree", str(folder), "--tier", "alice", "--tier", "bob", "--overlap", "99"]) == 0
    # folding arms overlap on 38 of 40 frames: linked at 60 %, not at 99 %
    assert "1 pair(s) linked (0 with the same label), 1 + 1 unmatched" in capsys.readouterr().out
    assert main(["agree", str(folder), "--overlap", "0"]) == 2
    assert "percentage" in capsys.readouterr().err
    assert main(["agree", str(folder), "--tier", "nobody", "--tier", "bob"]) == 2
    assert "nobody" in capsys.readouterr().err
