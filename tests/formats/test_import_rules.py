"""The import rules every format shares (tracks.ImportPlan): idempotent, overlap tiers, one transaction."""

from __future__ import annotations

import pytest

from mgstudio.core.errors import FormatError
from mgstudio.formats.segment_io import import_file


def csv(tmp_path, name: str, rows: list[str]):
    f = tmp_path / name
    f.write_text("item,tier,annotator,label,start_frame,end_frame\n" + "\n".join(rows) + "\n")
    return f


def tier_names(p) -> list[str]:
    return [t.name for t in p.tiers() if t.name.startswith("bob")]


def test_repeated_overlapping_rows_open_no_tier_per_repeat_and_import_once(project_factory, tmp_path) -> None:
    p = project_factory()
    rows = ["session1,bob,bob,folding arms,10,50", "session1,bob,bob,rubbing eyes,40,60"] * 200
    f = csv(tmp_path, "rep.csv", rows)
    rep = import_file(p, f)
    assert rep.imported == 2 and rep.duplicates == 398 and rep.overlaps == 1
    assert tier_names(p) == ["bob", "bob (overlap)"]  # not "(overlap 200)"
    again = import_file(p, f)
    assert again.imported == 0 and again.duplicates == 400 and tier_names(p) == ["bob", "bob (overlap)"]


def test_overlapping_rows_fan_out_first_fit_and_reuse_existing_overlap_tiers(project_factory, tmp_path) -> None:
    p = project_factory()
    import_file(p, csv(tmp_path, "a.csv", ["session1,bob,bob,folding arms,0,100", "session1,bob,bob,head up,50,150"]))
    assert tier_names(p) == ["bob", "bob (overlap)"]
    # a later file: a row that fits on bob again, one that needs the existing overlap tier, one a third tier
    rep = import_file(p, csv(tmp_path, "b.csv", ["session1,bob,bob,rubbing eyes,100,120",
                                                 "session1,bob,bob,turtle neck,160,170",
                                                 "session1,bob,bob,head up,60,80"]))
    item = p.item_by_name("session1").id
    where = {s.label: p.tier(s.tier_id).name for s in p.segments(item) if s.start >= 60}
    assert rep.imported == 3
    assert where == {"head up": "bob (overlap 2)", "rubbing eyes": "bob", "turtle neck": "bob"}
    segs = p.segments(item)
    for t in {s.tier_id for s in segs}:  # no tier overlaps within itself
        spans = sorted((s.start, s.end) for s in segs if s.tier_id == t)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_imported_rows_keep_their_coder(project_factory, tmp_path) -> None:
    p = project_factory()  # the app's user is alice
    import_file(p, csv(tmp_path, "c.csv", ["session1,carol-tier,carol,folding arms,0,10",
                                           "session1,dave,,rubbing eyes,20,30"]))
    tiers = {t.name: t.annotator for t in p.tiers()}
    assert tiers["carol-tier"] == "carol" and tiers["dave"] == "dave"  # the annotator column, else the tier
    assert {s.annotator for s in p.segments(p.item_by_name("session1").id)} == {"carol", "dave"}


def test_a_bad_row_anywhere_means_nothing_is_imported(project_factory, tmp_path) -> None:
    p = project_factory(items=("session1", "session2"))
    f = csv(tmp_path, "late.csv", ["session1,bob,bob,folding arms,0,10"] * 1 +
            [f"session2,bob,bob,folding arms,{20 * k},{20 * k + 5}" for k in range(50)] + ["session2,bob,bob,x,1e400,5"])
    with pytest.raises(FormatError, match=r"late\.csv, line 53: end_frame|late\.csv, line 53: start_frame"):
        import_file(p, f)
    assert p.segments() == [] and tier_names(p) == [] and not p.can_undo()


def test_an_import_over_several_recordings_is_one_undo_step(project_factory, tmp_path) -> None:
    p = project_factory(items=("session1", "session2"))
    import_file(p, csv(tmp_path, "two.csv", ["session1,bob,bob,folding arms,0,10", "session2,bob,bob,head up,5,9"]))
    assert len(p.segments()) == 2
    p.undo()
    assert p.segments() == []


def test_empty_labels_are_skipped_and_counted_with_their_line(project_factory, tmp_path) -> None:
    p = project_factory()
    rep = import_file(p, csv(tmp_path, "e.csv", ["session1,bob,bob,,0,10", "session1,bob,bob,head up,20,30"]))
    assert rep.imported == 1 and rep.skips["empty"] == 1
    assert "1 empty annotation(s) were skipped (the first: e.csv, line 2)" in rep.summary()
