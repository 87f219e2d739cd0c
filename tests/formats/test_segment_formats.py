"""Round trips and bad input for the segment formats (ELAN, CSV, iMiGUE, BORIS, JSON)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mgstudio.core.errors import FormatError
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.formats.segment_io import export_file, import_file

LABELS = ["touching or scratching head", "folding arms", "rubbing eyes", "minaret gesture"]


def fill(project, item_name: str = "session1", n: int = 40, model: bool = True) -> list[Segment]:
    item = project.item_by_name(item_name)
    human = project.ensure_tier("alice", annotator="alice", kind="human")
    segs = [Segment(item.id, human.id, 10 + 37 * k, 10 + 37 * k + 5 + (k % 13), LABELS[k % 4],
                    annotator="alice", note=f"n{k}" if k % 5 == 0 else "")
            for k in range(n)]
    if model:
        prop = project.ensure_tier("proposals", kind="model")
        segs += [Segment(item.id, prop.id, 20 + 50 * k, 40 + 50 * k, LABELS[(k + 1) % 4], source=Source.MODEL,
                         status=Status.PROPOSED, confidence=round(0.5 + k / 100, 3), annotator="model")
                 for k in range(n // 2)]
    project.add_segments(segs, "fill")
    return project.segments(item.id)


def key(project, s: Segment, fields=("start", "end", "label")) -> tuple:
    tier = next(t for t in project.tiers() if t.id == s.tier_id)
    return (tier.name,) + tuple(getattr(s, f) for f in fields)


def same_segments(a_proj, b_proj, item="session1", fields=("start", "end", "label")) -> None:
    a = sorted(key(a_proj, s, fields) for s in a_proj.segments(a_proj.item_by_name(item).id))
    b = sorted(key(b_proj, s, fields) for s in b_proj.segments(b_proj.item_by_name(item).id))
    assert a == b


@pytest.mark.parametrize("fps", [25.0, 30000 / 1001, 30.0, 50.0, 60000 / 1001])
def test_eaf_round_trip_is_frame_exact(project_factory, tmp_path, fps) -> None:
    src = project_factory("src", fps=fps)
    fill(src)
    out = tmp_path / "s.eaf"
    assert export_file(src, out, item_ids=[src.item_by_name("session1").id]) == 60
    dst = project_factory("dst", fps=fps)
    report = import_file(dst, out)
    assert report.imported == 60 and not report.unknown_labels
    same_segments(src, dst)
    # model proposals come back on the model tier, as proposals
    props = [s for s in dst.segments(dst.item_by_name("session1").id) if s.source == Source.MODEL]
    assert len(props) == 20 and all(s.status == Status.PROPOSED for s in props)


def test_eaf_has_annotator_and_controlled_vocabulary(project_factory, tmp_path) -> None:
    src = project_factory()
    fill(src, model=False)
    out = tmp_path / "s.eaf"
    export_file(src, out, item_ids=[src.item_by_name("session1").id])
    root = ET.parse(out).getroot()
    tiers = root.findall("TIER")
    assert [t.get("ANNOTATOR") for t in tiers] == ["alice"]
    entries = [e.text for e in root.iter("CVE_VALUE")]
    assert "folding arms" in entries and len(entries) == len(src.taxonomy.labels)
    assert [lt.get("CONTROLLED_VOCABULARY_REF") for lt in root.iter("LINGUISTIC_TYPE")] == ["mg-taxonomy"]


def test_csv_round_trip_keeps_status_confidence_note(project_factory, tmp_path) -> None:
    src = project_factory()
    fill(src)
    out = tmp_path / "s.csv"
    export_file(src, out)
    dst = project_factory("dst")
    import_file(dst, out)
    same_segments(src, dst, fields=("start", "end", "label", "status", "confidence", "note", "source"))


def test_csv_seconds_only_and_bad_rows(project_factory, tmp_path) -> None:
    p = project_factory()
    f = tmp_path / "sec.csv"
    f.write_text("item,label,start_s,end_s\nsession1,folding arms,1.0,2.5\n")
    rep = import_file(p, f)
    seg = p.segments(p.item_by_name("session1").id)[0]
    assert (seg.start, seg.end) == (25, 63) and rep.imported == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("item,label,start_frame,end_frame\nsession1,x,ten,20\n")
    with pytest.raises(FormatError, match="line 2"):
        import_file(p, bad)
    nocols = tmp_path / "nocols.csv"
    nocols.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="label"):
        import_file(p, nocols)


def test_imigue_import_takes_the_class_column_not_the_running_label_id(project_factory, tmp_path) -> None:
    # iMiGUE's layout: label_id numbers a video's rows 1, 2, ...; the class id is the `class` column
    p = project_factory(items=("0001", "0002"))
    f = tmp_path / "labels.csv"
    f.write_text(
        "video_id,label_id,start_time,start_frame,end_time,end_frame,class,subject_id,subject_gender,"
        "subject_nationality,win_or_lose\n"
        "0001,1,1.00,25,2.00,50,4,S07,m,x,win\n"
        "0001,2,3.00,75,4.00,100,17,S07,m,x,win\n"
        "0001,3,5.00,125,6.00,150,17,S07,m,x,win\n"
        "0002,1,0.00,0,0.40,10,99,S09,f,y,lose\n"
        "0003,1,0.00,0,1.00,25,5,S10,f,y,win\n"
    )
    rep = import_file(p, f)
    assert rep.imported == 4 and rep.skipped == 1 and "0003" in rep.summary()
    a = p.segments(p.item_by_name("0001").id)
    assert [(s.start, s.end, s.label) for s in a] == [
        (25, 51, "touching or scratching head"), (75, 101, "folding arms"), (125, 151, "folding arms")]
    assert [s.label for s in p.segments(p.item_by_name("0002").id)] == ["non-MG"]
    assert {t.name: t.annotator for t in p.tiers()}["imigue"] == "iMiGUE"  # not the importing user
    assert p.item_by_name("0001").attributes["outcome"] == "win"
    assert p.item_by_name("0002").attributes["subject"] == "S09"
    assert "nationality" not in json.dumps(p.item_by_name("0001").attributes)
    out = tmp_path / "again.csv"
    export_file(p, out, fmt="imigue")
    lines = out.read_text().splitlines()
    assert lines[1:4] == ["0001,1,1.00,25,2.00,50,4,S07,,,win", "0001,2,3.00,75,4.00,100,17,S07,,,win",
                          "0001,3,5.00,125,6.00,150,17,S07,,,win"]
    dst = project_factory("dst", items=("0001", "0002"))
    import_file(dst, out)
    same_segments(p, dst, item="0001")


def test_boris_round_trip(project_factory, tmp_path) -> None:
    src = project_factory(fps=30000 / 1001)
    fill(src)
    out = tmp_path / "s.boris"
    export_file(src, out)
    doc = json.loads(out.read_text())
    obs = doc["observations"]["session1"]
    ev = obs["events"]
    # a skeleton-only item has no media file: a LIVE observation, whose events have 5 fields
    assert obs["type"] == "LIVE" and len(ev) == 120 and all(len(e) == 5 for e in ev)
    assert "ethogram" not in doc  # BORIS reads behaviors_conf (it crashed on our old 'ethogram')
    assert all(b["type"] == "State event" for b in doc["behaviors_conf"].values())
    dst = project_factory("dst", fps=30000 / 1001)
    import_file(dst, out)
    same_segments(src, dst)


def test_boris_point_events_and_unpaired_start(project_factory, tmp_path) -> None:
    p = project_factory()
    f = tmp_path / "b.boris"
    f.write_text(json.dumps({
        "ethogram": {"0": {"code": "folding arms", "type": "State event"},
                     "1": {"code": "head up", "type": "Point event"}},
        "observations": {"session1": {"events": [
            [1.0, "", "folding arms", "", ""], [2.0, "", "head up", "", ""],
            [3.0, "", "folding arms", "", ""], [10.0, "", "folding arms", "", ""]]}},
    }))
    rep = import_file(p, f)
    segs = p.segments(p.item_by_name("session1").id)
    assert [(s.start, s.end, s.label) for s in segs] == [
        (25, 75, "folding arms"), (50, 51, "head up"), (250, 3000, "folding arms")]
    assert "no stop event" in rep.summary()


def test_json_round_trip_every_field(project_factory, tmp_path) -> None:
    src = project_factory()
    fill(src)
    out = tmp_path / "s.json"
    export_file(src, out)
    dst = project_factory("dst")
    import_file(dst, out)
    same_segments(src, dst, fields=("start", "end", "label", "status", "confidence", "note", "source",
                                    "annotator", "created", "modified"))
    # importing it again (or into the project it came from) adds nothing and refuses nothing
    rep = import_file(src, out)
    assert rep.imported == 0 and rep.duplicates == 60 and "already in the project" in rep.summary()


def test_overlaps_out_of_range_and_unknown_labels(project_factory, tmp_path) -> None:
    p = project_factory(n_frames=500)
    f = tmp_path / "o.csv"
    f.write_text("item,tier,label,start_frame,end_frame\n"
                 "session1,bob,folding arms,10,50\n"
                 "session1,bob,folding arms,40,60\n"      # overlaps the first
                 "session1,bob,waving hello,100,120\n"    # not in the taxonomy
                 "session1,bob,head up,480,560\n"         # runs past the end (500)
                 "session1,bob,head up,600,700\n")        # starts past the end
    rep = import_file(p, f)
    assert rep.imported == 4 and rep.overlaps == 1 and rep.clipped == 1 and rep.skipped == 1
    assert rep.unknown_labels["waving hello"] == 1
    tiers = {t.name for t in p.tiers()}
    assert {"bob", "bob (overlap)"} <= tiers
    assert max(s.end for s in p.segments(p.item_by_name("session1").id)) == 500


def test_import_is_one_undo_step(project_factory, tmp_path) -> None:
    src = project_factory()
    fill(src)
    out = tmp_path / "s.csv"
    export_file(src, out)
    dst = project_factory("dst")
    import_file(dst, out)
    assert len(dst.segments(dst.item_by_name("session1").id)) == 60
    dst.undo()
    assert dst.segments(dst.item_by_name("session1").id) == []


@pytest.mark.parametrize("name,content", [
    ("bad.eaf", b"<ANNOTATION_DOCUMENT><TIER"),
    ("bad.boris", b"{not json"),
    ("bad.json", b"[1, 2, 3]"),
    ("bad2.boris", b'{"observations": {"session1": {"events": [[1]]}}}'),
    ("bin.csv", b"\xff\xfe\x00garbage"),
])
def test_malformed_files_give_clear_errors(project_factory, tmp_path, name, content) -> None:
    p = project_factory()
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(FormatError):
        import_file(p, f, item_id=p.item_by_name("session1").id if name.endswith(".eaf") else None)


def test_export_is_atomic(project_factory, tmp_path, monkeypatch) -> None:
    p = project_factory()
    fill(p)
    out = tmp_path / "s.json"
    out.write_text("previous export")
    import mgstudio.formats.project_json as pj

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pj.json, "dump", boom)
    with pytest.raises(FormatError, match="No space left"):
        export_file(p, out)
    assert out.read_text() == "previous export"
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".s.json")] == []


def test_export_to_read_only_folder(project_factory, tmp_path, monkeypatch) -> None:
    p = project_factory()
    fill(p)
    import mgstudio.core.atomic as atomic

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic, "_open_exclusive", denied)  # what a read-only folder does (root ignores chmod)
    with pytest.raises(FormatError, match="Permission denied"):
        export_file(p, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_importing_the_same_file_twice_adds_nothing(project_factory, tmp_path) -> None:
    src = project_factory()
    fill(src)
    out = tmp_path / "s.eaf"
    export_file(src, out, item_ids=[src.item_by_name("session1").id])
    rep = import_file(src, out)
    assert rep.imported == 0 and rep.duplicates == 60 and "not added again" in rep.summary()
    assert len(src.segments(src.item_by_name("session1").id)) == 60


def test_import_next_to_existing_segments_never_fails(project_factory, tmp_path) -> None:
    p = project_factory()
    item = p.item_by_name("session1").id
    bob = p.ensure_tier("bob", annotator="bob")
    p.create_segment(Segment(item, bob.id, 100, 200, "folding arms"))
    f = tmp_path / "b.csv"
    f.write_text("item,tier,label,start_frame,end_frame\n"
                 "session1,bob,rubbing eyes,150,250\n"   # overlaps bob's existing segment
                 "session1,bob,head up,300,320\n")
    rep = import_file(p, f)
    assert rep.imported == 2 and rep.overlaps == 1
    assert [s.label for s in p.segments(item, tier_id=p.tier("bob (overlap)").id)] == ["rubbing eyes"]


def test_a_file_for_one_recording_goes_to_the_recording_of_its_name_else_the_one_on_screen(
        project_factory, tmp_path) -> None:
    from mgstudio.formats.segment_io import target_item

    p = project_factory("where", items=("session1", "session2"))
    s1, s2 = (p.item_by_name(n).id for n in ("session1", "session2"))
    for name in ("session2.eaf", "other.eaf", "flat.csv", "named.csv"):
        (tmp_path / name).write_text("start,end,label\n" if name == "flat.csv" else
                                     "item,tier,start,end,label\n" if name == "named.csv" else "")
    assert target_item(p, tmp_path / "session2.eaf", "eaf", s1) == s2  # named like a recording
    assert target_item(p, tmp_path / "other.eaf", "eaf", s1) == s1  # else the one on screen
    assert target_item(p, tmp_path / "flat.csv", "csv", s2) == s2  # no item column: one recording
    assert target_item(p, tmp_path / "named.csv", "csv", s2) is None  # rows say their recording
    assert target_item(p, tmp_path / "x.boris", "boris", s1) is None
    with pytest.raises(FormatError, match="choose that recording first"):
        target_item(p, tmp_path / "other.eaf", "eaf", None)


def test_an_import_summary_stays_readable(project_factory, tmp_path) -> None:
    p = project_factory(n_frames=500)
    rows = ["item,tier,label,start_frame,end_frame,start_s,end_s"]
    rows += [f"session1,bob,folding arms,,,{k * 0.004:.3f},{k * 0.004 + 0.003:.3f}" for k in range(3000)]  # < 1 frame
    rows += [f"nowhere{k},bob,folding arms,25,50,," for k in range(30)]
    rows += ["session1,bob,folding arms,750,775,,"]  # after the end (500 frames)
    f = tmp_path / "tiny.csv"
    f.write_text("\n".join(rows) + "\n")
    rep = import_file(p, f)
    assert rep.too_short > 2500 and rep.past_end == 1 and rep.skipped == rep.too_short + 1 + 30
    text = rep.summary()
    assert "shorter than one frame were skipped (the first at frame 0)" in text
    assert "1 segment(s) started after the end" in text and "(and 22 more notes like these)" in text
    assert len(text) < 1500  # 3,000 rows no longer make 3,000 sentences
