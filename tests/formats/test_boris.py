"""BORIS projects: files BORIS writes come in right, and BORIS's own loader opens our exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mgstudio.core.errors import FormatError
from mgstudio.core.segments import Segment
from mgstudio.formats.segment_io import export_file, import_file

HERE = Path(__file__).parent
WRITTEN_BY_BORIS = HERE / "fixtures" / "written_by_boris_8.boris"  # boris_check.py write, BORIS 8.27.4
BORIS_PYTHON = os.environ.get("MGSTUDIO_BORIS_PYTHON", "/tmp/borisvenv/bin/python")


def boris(*args: str) -> dict | None:
    """Run boris_check.py with BORIS's Python; None when BORIS is not installed there."""
    if not Path(BORIS_PYTHON).exists():
        return None
    proc = subprocess.run([BORIS_PYTHON, str(HERE / "boris_check.py"), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""})
    if proc.returncode or "boris-behav-obs is not installed" in proc.stdout + proc.stderr:
        if "not installed" in proc.stdout + proc.stderr:
            return None
        raise AssertionError(proc.stderr[-2000:])
    return json.loads(proc.stdout) if args[0] == "load" else {}


def test_a_state_event_written_by_boris_is_one_segment(project_factory, tmp_path) -> None:
    p = project_factory(items=("interview",))  # 25 fps, as the observation's media
    rep = import_file(p, WRITTEN_BY_BORIS)
    segs = p.segments(p.item_by_name("interview").id)
    # 2.0–4.0 s is one 2 s segment [50, 100), not two one-frame ones; the point event is one frame
    assert sorted((s.start, s.end, s.label) for s in segs) == [(50, 100, "folding arms"), (75, 76, "head up")]
    assert rep.imported == 2 and p.tier("Maria").annotator == "Maria"  # the subject is the coder
    assert {s.annotator for s in segs} == {"Maria"}


def test_a_freshly_written_boris_project_too(project_factory, tmp_path) -> None:
    out = tmp_path / "fresh.boris"
    if boris("write", str(out)) is None:
        pytest.skip(f"BORIS is not installed at {BORIS_PYTHON} (see tests/formats/boris_check.py)")
    p = project_factory(items=("interview",))
    import_file(p, out)
    assert [(s.start, s.end) for s in p.segments(p.item_by_name("interview").id)
            if s.label == "folding arms"] == [(50, 100)]


def _project_with_video(tmp_path, bob_tier: str = "bob | 2"):
    from mgstudio.core.project import Project
    from mgstudio.media.video import probe
    from tests.media.test_pose import write_video

    from .conftest import make_project

    video = tmp_path / "clip.mp4"
    write_video(video, [np.full((48, 64, 3), k * 3, np.uint8) for k in range(75)])
    p = make_project(tmp_path / "b.mgproj", items=("skel",), n_frames=500)
    assert isinstance(p, Project)
    vid = p.add_video(video, info=probe(video))
    for item_id, n in ((vid.id, 75), (p.item_by_name("skel").id, 500)):
        alice = p.ensure_tier("alice", annotator="alice")
        bob = p.ensure_tier(bob_tier, annotator="bob")
        p.add_segments([Segment(item_id, alice.id, 10, 30, "folding arms"),
                        Segment(item_id, alice.id, 30, 50, "folding arms"),  # back to back, same label
                        Segment(item_id, bob.id, 20, 60, "rubbing eyes"),
                        Segment(item_id, bob.id, 60, 70, "waving hello")], "fill")  # not in the taxonomy
    return p


def test_boris_opens_our_export(tmp_path) -> None:
    p = _project_with_video(tmp_path)
    out = tmp_path / "study.boris"
    assert export_file(p, out) == 8
    doc = json.loads(out.read_text())
    assert {"behaviors_conf", "subjects_conf", "observations", "project_format_version"} <= set(doc)
    assert "|" not in json.dumps(doc["subjects_conf"])  # BORIS refuses '|' in subject names
    got = boris("load", str(out))
    if got is None:
        pytest.skip(f"BORIS is not installed at {BORIS_PYTHON} (see tests/formats/boris_check.py)")
    assert got["error"] is None and got["integrity"] == ""
    for item in p.items():
        fps = item.fps
        ours = sorted([p.tier(s.tier_id).name.replace("|", "/"), s.label, round(s.start / fps, 3),
                       round(s.end / fps, 3)] for s in p.segments(item.id))
        assert sorted(got["intervals"][item.name]) == ours


def test_our_boris_export_round_trips(tmp_path) -> None:
    p = _project_with_video(tmp_path, bob_tier="bob")
    out = tmp_path / "study.boris"
    export_file(p, out)
    rep = import_file(p, out)  # into the project it came from: nothing new, every segment found again
    assert rep.imported == 0 and rep.duplicates == 8


def test_a_bad_observation_leaves_nothing_behind(project_factory, tmp_path) -> None:
    p = project_factory(items=("a", "b"))
    doc = json.loads(WRITTEN_BY_BORIS.read_text())
    good = doc["observations"]["interview"]
    doc["observations"] = {"a": good, "b": dict(good, events=[[1.0, "Maria", "folding arms"], [float("nan")]])}
    f = tmp_path / "half.boris"
    f.write_text(json.dumps(doc))
    tiers = [t.name for t in p.tiers()]
    with pytest.raises(FormatError, match=r"half\.boris, observation 'b'"):
        import_file(p, f)
    assert p.segments() == [] and [t.name for t in p.tiers()] == tiers and not p.can_undo()


def test_old_mg_studio_exports_with_ethogram_still_import(project_factory, tmp_path) -> None:
    p = project_factory()
    f = tmp_path / "old.boris"
    f.write_text(json.dumps({"ethogram": {"0": {"code": "folding arms", "type": "State event"}},
                             "observations": {"session1": {"time offset": 1.0, "events": [
                                 [3.0, "bob", "folding arms", "", ""], [5.0, "bob", "folding arms", "", ""]]}}}))
    import_file(p, f)
    assert [(s.start, s.end) for s in p.segments(p.item_by_name("session1").id)] == [(50, 100)]  # offset taken off


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
