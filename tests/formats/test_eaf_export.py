"""ELAN export with the coder's reviewed proposals in her own tier (``--reviewed-into``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from mgstudio.cli import main
from mgstudio.core.errors import FormatError
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.formats.eaf import export_eaf
from mgstudio.formats.segment_io import import_file

from tests.formats.conftest import make_project

ARMS, HEAD = "folding arms", "touching or scratching head"


def coded(project) -> dict[str, list[tuple[int, int, str]]]:
    """Alice's own coding, and proposals in every review state (one of each kind of case)."""
    item = project.item_by_name("session1")
    alice = project.ensure_tier("alice", annotator="alice", kind="human")
    model = project.ensure_tier("proposals", kind="model")
    human = [(100 * k, 100 * k + 20, ARMS) for k in range(10)]
    accepted = [(100 * k + 50, 100 * k + 70, HEAD) for k in range(4)]  # between hers: go into her tier
    edited = [(460, 480, ARMS)]
    same = [(200, 220, ARMS)]  # accepted, and she has it already: written once
    clash = [(305, 330, HEAD)]  # accepted, overlaps a different segment of hers: stays on the model tier
    proposed, rejected = [(700, 720, HEAD)], [(850, 870, ARMS)]
    segs = [Segment(item.id, alice.id, a, b, lab, annotator="alice") for a, b, lab in human]
    for rows, status in ((accepted + same + clash, Status.ACCEPTED), (edited, Status.EDITED),
                         (proposed, Status.PROPOSED), (rejected, Status.REJECTED)):
        segs += [Segment(item.id, model.id, a, b, lab, source=Source.MODEL, status=status, confidence=0.7,
                         annotator="alice" if status != Status.PROPOSED else "model") for a, b, lab in rows]
    project.add_segments(segs, "fill")
    return {"alice": sorted(human + accepted + edited), "model": sorted(clash + proposed + rejected)}


def tiers_of(project, item="session1") -> dict[str, list[tuple[int, int, str]]]:
    out: dict[str, list] = {}
    names = {t.id: t.name for t in project.tiers()}
    for s in project.segments(project.item_by_name(item).id):
        out.setdefault(names[s.tier_id], []).append((s.start, s.end, s.label))
    return {k: sorted(v) for k, v in out.items()}


def test_reviewed_proposals_go_into_the_coders_tier_and_come_back_the_same(tmp_path) -> None:
    src = make_project(tmp_path / "src.mgproj")
    expected = coded(src)
    out = tmp_path / "session1.eaf"
    notes: list[str] = []
    n = export_eaf(src, out, src.item_by_name("session1").id, reviewed_into="alice", notes=notes)
    assert n == len(expected["alice"]) + len(expected["model"])  # the duplicate is written once, nothing lost
    assert notes == ["1 reviewed proposal(s) overlap a different segment of 'alice' and stay on the model's "
                     "tier (the first at 00:00:12.200)."]
    root = ET.parse(out).getroot()
    assert {t.get("TIER_ID"): t.get("ANNOTATOR") for t in root.findall("TIER")} == {
        "alice": "alice", "model: proposals": None}
    src.close()

    dst = make_project(tmp_path / "dst.mgproj")
    report = import_file(dst, out)
    assert report.imported == n and report.overlaps == 0
    got = tiers_of(dst)
    assert got == {"alice": expected["alice"], "proposals": expected["model"]}
    item = dst.item_by_name("session1").id
    mine = [s for s in dst.segments(item) if s.tier_id == dst.tier("alice").id]
    assert {s.source for s in mine} == {Source.HUMAN} and {s.status for s in mine} == {Status.ACCEPTED}
    dst.close()


def test_without_the_option_the_proposals_keep_their_own_tier(tmp_path) -> None:
    src = make_project(tmp_path / "src.mgproj")
    coded(src)
    out = tmp_path / "session1.eaf"
    n = export_eaf(src, out, src.item_by_name("session1").id)
    assert n == 10 + 9
    assert sorted(t.get("TIER_ID") for t in ET.parse(out).getroot().findall("TIER")) == ["alice", "model: proposals"]
    src.close()


def test_a_new_coder_tier_takes_the_reviewer_as_annotator_and_the_models_tier_is_refused(tmp_path) -> None:
    src = make_project(tmp_path / "src.mgproj")
    coded(src)
    item = src.item_by_name("session1").id
    out = tmp_path / "b.eaf"
    export_eaf(src, out, item, reviewed_into="alice reviewed")
    tiers = {t.get("TIER_ID"): t for t in ET.parse(out).getroot().findall("TIER")}
    assert tiers["alice reviewed"].get("ANNOTATOR") == "alice"
    assert len(tiers["alice reviewed"].findall("ANNOTATION")) == 7  # every accepted/edited one, none overlap here
    with pytest.raises(FormatError, match="'proposals' is the model's tier; name a coder's tier \\(alice\\)"):
        export_eaf(src, tmp_path / "c.eaf", item, reviewed_into="proposals")
    src.close()


def test_cli_reviewed_into(tmp_path, capsys) -> None:
    src = make_project(tmp_path / "src.mgproj")
    coded(src)
    src.close()
    out = tmp_path / "session1.eaf"
    assert main(["export", str(tmp_path / "src.mgproj"), "--out", str(out), "--item", "session1",
                 "--reviewed-into", "alice"]) == 0
    printed = capsys.readouterr().out
    assert "Wrote 18 segment(s)" in printed and "Note: 1 reviewed proposal(s) overlap" in printed
    assert main(["export", str(tmp_path / "src.mgproj"), "--out", str(tmp_path / "x.csv"),
                 "--reviewed-into", "alice"]) == 2
    err = capsys.readouterr().err
    assert "--reviewed-into is for ELAN files" in err and "Traceback" not in err
