"""Real ELAN files (the shapes ELAN 2.7, 2.8 and 3.0 write) come in as ELAN shows them."""

from __future__ import annotations

import time

import pytest

from mgstudio.core.errors import FormatError
from mgstudio.formats.segment_io import export_file, import_file

from .elan_samples import elan_file

FPS = 25


def ms_frame(ms: int) -> int:
    return (2 * ms * FPS + 1000) // 2000


def write(tmp_path, name: str, text: str):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


@pytest.mark.parametrize("version", ["2.7", "2.8", "3.0"])
def test_a_real_elan_file_imports_with_its_empty_annotation_skipped_and_counted(project_factory, tmp_path, version):
    sample = elan_file(version, n=3000, step=250)
    f = write(tmp_path, f"interview_{version}.eaf", sample.text)
    p = project_factory(f"p{version.replace('.', '')}", n_frames=19000)
    item = p.item_by_name("session1")
    rep = import_file(p, f, item_id=item.id)
    # every non-empty top-level annotation is a segment; the empty one is skipped with tier and time
    assert rep.imported == len(sample.gestures) + sample.hands + sample.free
    assert rep.skips["empty"] == 1 and rep.skipped == 1
    text = rep.summary()
    assert f"1 empty annotation(s) were skipped (the first: interview_{version}.eaf, tier 'gesture' at " in text
    assert "A segment needs a label" not in text
    # dependent tiers are notes of their parent's segments, never gesture segments
    assert {t.name for t in p.tiers()} >= {"gesture", "hands P2", "free notes"}
    assert not {"comments", "phases", "strokes", "holds"} & {t.name for t in p.tiers()}
    got = sorted((s.start, s.end, s.label) for s in p.segments(item.id, tier_id=p.tier("gesture").id))
    assert got == sorted((ms_frame(a), ms_frame(b), lab) for a, b, lab in sample.gestures)
    first = p.segments(item.id, tier_id=p.tier("gesture").id)[0]
    assert first.note == ("comments: comment 0 & more; phases: preparation | stroke | retraction; "
                          "strokes: up | down; holds: h1 | h2 | h3")
    assert rep.notes_attached == sample.comments + sample.phases + len(sample.strokes) + len(sample.holds)


def test_imported_tiers_keep_the_files_coder_never_the_importing_user(project_factory, tmp_path) -> None:
    sample = elan_file("3.0", n=20)
    f = write(tmp_path, "coding.eaf", sample.text)
    p = project_factory(n_frames=3000)  # the user of the app is "alice"
    import_file(p, f, item_id=p.item_by_name("session1").id)
    tiers = {t.name: t for t in p.tiers()}
    assert tiers["gesture"].annotator == "Maria"  # ANNOTATOR
    assert tiers["hands P2"].annotator == "P2"  # PARTICIPANT when there is no ANNOTATOR
    assert tiers["free notes"].annotator == "free notes"  # else the tier's name
    item = p.item_by_name("session1").id
    assert {s.annotator for s in p.segments(item, tier_id=tiers["gesture"].id)} == {"Maria"}
    assert p.annotator == "alice" and all(t.annotator != "alice" for n, t in tiers.items() if n != "alice")


def test_unaligned_slots_and_symbolic_subdivisions_get_elans_times(project_factory, tmp_path) -> None:
    sample = elan_file("2.8", n=24)
    f = write(tmp_path, "sub.eaf", sample.text)
    p = project_factory(n_frames=3000)
    item = p.item_by_name("session1").id
    rep = import_file(p, f, item_id=item, dependent="tiers")
    assert rep.imported > 0 and not rep.skips.get("no time")

    def spans(tier):
        return sorted((s.start, s.end) for s in p.segments(item, tier_id=p.tier(tier).id))

    # time subdivision: the inner slot without TIME_VALUE halves the parent
    assert spans("strokes") == sorted((ms_frame(a), ms_frame(b)) for a, b in sample.strokes)
    # included-in: two unaligned inner slots spread evenly between the aligned ends
    assert spans("holds") == sorted((ms_frame(a), ms_frame(b)) for a, b in sample.holds)
    # symbolic subdivision: three phases divide the gesture in thirds, in PREVIOUS_ANNOTATION order
    g0 = sample.gestures[0]
    third = (g0[1] - g0[0]) // 3
    phases = p.segments(item, tier_id=p.tier("phases").id)
    assert [(s.start, s.end, s.label) for s in phases[:3]] == [
        (ms_frame(g0[0]), ms_frame(g0[0] + third), "preparation"),
        (ms_frame(g0[0] + third), ms_frame(g0[0] + (g0[1] - g0[0]) * 2 // 3), "stroke"),
        (ms_frame(g0[0] + (g0[1] - g0[0]) * 2 // 3), ms_frame(g0[1]), "retraction")]
    # symbolic association: the parent's time
    comments = p.segments(item, tier_id=p.tier("comments").id)
    assert (comments[0].start, comments[0].end) == (ms_frame(g0[0]), ms_frame(g0[1]))


def test_a_file_without_the_schema_attribute_is_accepted(project_factory, tmp_path) -> None:
    f = write(tmp_path, "noschema.eaf", elan_file("3.0", n=10, schema=False).text)
    p = project_factory()
    assert import_file(p, f, item_id=p.item_by_name("session1").id).imported > 0


SELF_REF = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2020-01-01T00:00:00+00:00" FORMAT="3.0" VERSION="3.0">
<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>
<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1000"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="2000"/></TIME_ORDER>
<TIER TIER_ID="gesture" LINGUISTIC_TYPE_REF="lt"><ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1"
 TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>folding arms</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>
<TIER TIER_ID="loop" LINGUISTIC_TYPE_REF="ref" PARENT_REF="gesture">
<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a2" ANNOTATION_REF="a2"><ANNOTATION_VALUE>me</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a3" ANNOTATION_REF="a4"><ANNOTATION_VALUE>x</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a4" ANNOTATION_REF="a3"><ANNOTATION_VALUE>y</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a5" ANNOTATION_REF="a1"><ANNOTATION_VALUE>fine</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
</TIER>
<TIER TIER_ID="t1" LINGUISTIC_TYPE_REF="ref" PARENT_REF="t2"/><TIER TIER_ID="t2" LINGUISTIC_TYPE_REF="ref" PARENT_REF="t1"/>
<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="lt" TIME_ALIGNABLE="true"/>
<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="ref" CONSTRAINTS="Symbolic_Association" TIME_ALIGNABLE="false"/>
</ANNOTATION_DOCUMENT>
"""


def test_a_reference_that_refers_to_itself_is_detected_not_a_hang(project_factory, tmp_path) -> None:
    f = write(tmp_path, "loop.eaf", SELF_REF)
    p = project_factory()
    t0 = time.monotonic()
    rep = import_file(p, f, item_id=p.item_by_name("session1").id)
    assert time.monotonic() - t0 < 5
    assert rep.imported == 1 and rep.skips["cycle"] == 3
    assert "refer to themselves in a cycle" in rep.summary() and "tier 'loop'" in rep.summary()
    seg = p.segments(p.item_by_name("session1").id)[0]
    assert seg.note == "loop: fine"


def test_a_failed_import_changes_nothing(project_factory, tmp_path) -> None:
    p = project_factory()
    item = p.item_by_name("session1").id
    broken = elan_file("3.0", n=40).text.replace("</TIME_ORDER>", "</TIME_ORDR>")
    f = write(tmp_path, "broken.eaf", broken)
    tiers_before, undo_before = [t.name for t in p.tiers()], p.undo_text()
    with pytest.raises(FormatError, match=r"broken\.eaf could not be read as an ELAN file: the XML is malformed at line"):
        import_file(p, f, item_id=item)
    assert [t.name for t in p.tiers()] == tiers_before and p.undo_text() == undo_before
    assert p.segments(item) == []


def test_an_entity_declaration_is_refused(project_factory, tmp_path) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            "<ANNOTATION_DOCUMENT><TIME_ORDER/></ANNOTATION_DOCUMENT>")
    p = project_factory()
    with pytest.raises(FormatError, match="DOCTYPE"):
        import_file(p, write(tmp_path, "bomb.eaf", bomb), item_id=p.item_by_name("session1").id)


def test_importing_an_elan_file_twice_adds_nothing_and_is_one_undo_step(project_factory, tmp_path) -> None:
    f = write(tmp_path, "twice.eaf", elan_file("2.7", n=50).text)
    p = project_factory()
    item = p.item_by_name("session1").id
    first = import_file(p, f, item_id=item)
    again = import_file(p, f, item_id=item)
    assert first.imported > 0 and again.imported == 0 and again.duplicates == first.imported
    p.undo()  # the second import made no step: this undoes the first, all of it
    assert p.segments(item) == []


def test_elan_export_links_the_media_as_elan_does(tmp_path) -> None:
    import xml.etree.ElementTree as ET

    import numpy as np

    from mgstudio.core.project import Project
    from mgstudio.core.segments import Segment
    from tests.media.test_pose import write_video

    video = tmp_path / "media" / "clip.mp4"
    video.parent.mkdir()
    write_video(video, [np.full((48, 64, 3), k * 4, np.uint8) for k in range(30)])
    with Project.create(tmp_path / "v.mgproj", annotator="alice") as p:
        from mgstudio.media.video import probe
        item = p.add_video(video, info=probe(video))
        tier = p.ensure_tier("alice", annotator="alice")
        p.add_segments([Segment(item.id, tier.id, 5, 20, "folding arms")], "x")
        out = tmp_path / "out" / "clip.eaf"
        out.parent.mkdir()
        export_file(p, out, item_ids=[item.id])
    md = ET.parse(out).getroot().find("HEADER/MEDIA_DESCRIPTOR")
    assert md.get("MEDIA_URL") == video.absolute().as_uri() and md.get("MEDIA_URL").startswith("file:///")
    assert md.get("RELATIVE_MEDIA_URL") == "../media/clip.mp4"
    assert md.get("MIME_TYPE") == "video/mp4"
