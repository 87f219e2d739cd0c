"""BORIS projects and MG Studio JSON exports into a project without their recordings: one
label-only recording per observation / item they name, at the rate they carry (or ``--fps``);
and undo after such an import removes the recordings with their segments, redo brings both back."""

from __future__ import annotations

import copy
import math
import json
from fractions import Fraction
from pathlib import Path

import pytest

from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Status
from mgstudio.formats.segment_io import export_file
from mgstudio.formats.tracks import CancelledError, cancellable
from mgstudio.workflows.coding import import_coding, is_label_only
from tests.workflows.test_coding import run

WRITTEN_BY_BORIS = Path(__file__).parents[1] / "formats" / "fixtures" / "written_by_boris_8.boris"


@pytest.fixture
def empty_project(tmp_path) -> Path:
    with Project.create(tmp_path / "study.mgproj", taxonomy="imigue", annotator="ana"):
        pass
    return tmp_path / "study.mgproj"


def _segments(p: Project) -> list[tuple]:
    return sorted((p.item(s.item_id).name, p.tier(s.tier_id).name, s.start, s.end, s.label, s.status.value,
                   s.note, s.annotator) for s in p.segments())


def _boris_study(tmp_path: Path) -> Path:
    """The file BORIS 8.27 wrote, grown into a study: a second recording filmed at 29.97 fps with
    independent variables, and a live observation (no media, so no frame rate)."""
    doc = json.loads(WRITTEN_BY_BORIS.read_text())
    ntsc = copy.deepcopy(doc["observations"]["interview"])
    media = "C:\\study\\press_conference_2.mp4"
    ntsc["file"]["1"] = [media]
    ntsc["media_info"] = {"length": {media: 600.0}, "fps": {media: 29.97002997002997}, "hasVideo": {media: True},
                          "hasAudio": {media: True}, "offset": {"1": 0.0}}
    ntsc["independent_variables"] = {"outcome": "lost", "condition": "press"}
    ntsc["events"] = [[10.0, "Maria", "folding arms", "", "", 300], [12.5, "Maria", "folding arms", "", "", 375]]
    live = {k: v for k, v in ntsc.items() if k not in ("media_info", "independent_variables")}
    live.update(type="LIVE", file={str(k): [] for k in range(1, 9)},
                events=[[5.0, "Maria", "folding arms", "", ""], [9.0, "Maria", "folding arms", "", ""]])
    doc["observations"].update({"press 2": ntsc, "live session": live})
    out = tmp_path / "study.boris"
    out.write_text(json.dumps(doc, indent=1))
    return out


def test_a_boris_project_makes_its_observations_recordings_and_undo_takes_them_away(empty_project, capsys):
    with Project.open(empty_project, read_only=True) as p:
        tiers_before, coders_before = [t.name for t in p.tiers()], p.annotators()
    code, out, err = run(capsys, "import", str(empty_project), str(WRITTEN_BY_BORIS))
    assert code == 0, err
    assert "Created 1 label-only recording(s)" in out and "25 fps" in out and "120 s" in out
    with Project.open(empty_project, read_only=True) as p:
        (it,) = p.items()
        assert it.name == "interview" and is_label_only(p, it)
        assert it.fps == 25 and it.frame_count == 3000  # the 120 s BORIS noted for its media
        imported = _segments(p)
        # the state event 2.0–4.0 s is one segment; the point event at 3.0 s is one frame
        assert [(s[2], s[3], s[4]) for s in imported] == [(50, 100, "folding arms"), (75, 76, "head up")]

    code, out, _ = run(capsys, "undo", str(empty_project))
    assert code == 0 and "Import written_by_boris_8.boris (1 new label-only recording)" in out
    with Project.open(empty_project, read_only=True) as p:  # the project as it was: no recording, tier or coder
        assert p.items() == [] and p.segments() == []
        assert [t.name for t in p.tiers()] == tiers_before and p.annotators() == coders_before
    code, out, _ = run(capsys, "redo", str(empty_project))
    assert code == 0
    with Project.open(empty_project, read_only=True) as p:
        assert [it.name for it in p.items()] == ["interview"] and _segments(p) == imported


def test_each_observation_gets_its_own_rate_and_a_live_one_needs_fps(empty_project, tmp_path, capsys):
    study = _boris_study(tmp_path)
    code, _, err = run(capsys, "import", str(empty_project), str(study))
    assert code == 2 and "Traceback" not in err and len(err.strip()) <= 300
    assert "study.boris gives no frame rate for 'live session'" in err and "--fps 25" in err
    with Project.open(empty_project, read_only=True) as p:
        assert p.items() == [] and not p.can_undo()  # nothing was written

    code, out, err = run(capsys, "import", str(empty_project), str(study), "--fps", "30")
    assert code == 0, err
    assert "Created 3 label-only recording(s)" in out
    with Project.open(empty_project, read_only=True) as p:
        items = {it.name: it for it in p.items()}
        assert set(items) == {"interview", "press 2", "live session"}
        assert items["interview"].fps == 25  # the file's rate wins where it has one
        press = items["press 2"]
        assert press.rate == Fraction(30000, 1001) and press.frame_count == math.ceil(600 * Fraction(30000, 1001))
        assert press.attributes == {"condition": "press", "outcome": "lost"}
        assert items["live session"].fps == 30 and items["live session"].frame_count >= 9 * 30
        segs = {s[0]: s for s in _segments(p) if s[4] == "folding arms"}
        assert segs["press 2"][2:4] == (300, 375)  # 10.0–12.5 s at 29.97 fps
        assert segs["live session"][2:4] == (150, 270)  # 5–9 s at 30 fps


def test_an_observation_that_names_a_recording_by_its_video_is_not_made_twice(empty_project, tmp_path):
    study = _boris_study(tmp_path)
    with Project.open(empty_project) as p:
        p.add_label_item("press_conference_2", "30000/1001", 18000)  # the name of the observation's media
        done = import_coding(p, study, create_missing=True, fps=25)
        assert sorted(done.created) == ["interview", "live session"]
        assert p.count_segments(p.item_by_name("press_conference_2").id) == 1


def _json_export(tmp_path: Path) -> tuple[Path, list[tuple], list[tuple]]:
    with Project.create(tmp_path / "origin.mgproj", taxonomy="imigue", annotator="bob") as src:
        a = src.add_label_item("S01 interview", "30000/1001", 27000, {"subject": "S01", "outcome": "won"})
        b = src.add_label_item("S02 interview", 25, 15000, {"subject": "S02"})
        bob = src.ensure_tier("bob", annotator="bob")
        src.add_segments([Segment(a.id, bob.id, 100, 160, "folding arms", note="both hands"),
                          Segment(a.id, bob.id, 900, 990, "rubbing eyes", status=Status.EDITED),
                          Segment(b.id, bob.id, 40, 80, "touching jaw")], "coding")
        out = tmp_path / "study.json"
        assert export_file(src, out) == 3
        items = [(it.name, it.rate, it.frame_count, it.attributes) for it in src.items()]
        return out, items, _segments(src)


def test_a_json_export_brings_its_recordings_with_rate_length_and_attributes(empty_project, tmp_path, capsys):
    path, items, segments = _json_export(tmp_path)
    code, out, err = run(capsys, "import", str(empty_project), str(path))
    assert code == 0, err
    assert "Created 2 label-only recording(s)" in out and "25–29.97 fps" in out
    with Project.open(empty_project, read_only=True) as p:
        assert [(it.name, it.rate, it.frame_count, it.attributes) for it in p.items()] == items
        assert _segments(p) == segments  # every field: tier, frames, label, status, note, coder
    assert run(capsys, "undo", str(empty_project))[0] == 0
    with Project.open(empty_project, read_only=True) as p:
        assert p.items() == [] and p.segments() == []
    assert run(capsys, "redo", str(empty_project))[0] == 0
    with Project.open(empty_project, read_only=True) as p:
        assert [(it.name, it.rate, it.frame_count, it.attributes) for it in p.items()] == items
        assert _segments(p) == segments


def test_a_json_segment_of_an_unlisted_recording_needs_a_rate(empty_project, tmp_path, capsys):
    path, _, _ = _json_export(tmp_path)
    doc = json.loads(path.read_text())
    doc["segments"].append(dict(doc["segments"][0], item="S03 interview", start=10, end=50))
    path.write_text(json.dumps(doc))
    code, _, err = run(capsys, "import", str(empty_project), str(path))
    assert code == 2 and "study.json gives no frame rate for 'S03 interview'" in err
    with Project.open(empty_project, read_only=True) as p:
        assert p.items() == []
    code, out, err = run(capsys, "import", str(empty_project), str(path), "--fps", "50")
    assert code == 0, err
    with Project.open(empty_project, read_only=True) as p:
        s03 = p.item_by_name("S03 interview")
        assert s03.fps == 50 and s03.frame_count == 50 and p.count_segments(s03.id) == 1
        assert p.item_by_name("S01 interview").rate == Fraction(30000, 1001)


def test_a_cancelled_import_leaves_no_recording_behind(empty_project, tmp_path):
    path, _, _ = _json_export(tmp_path)
    with Project.open(empty_project) as p:
        # Cancel pressed once the recordings exist (inside the import's one transaction)
        with cancellable(lambda: bool(p.items())), pytest.raises(CancelledError, match="nothing was added"):
            import_coding(p, path, create_missing=True)
        assert p.items() == [] and p.segments() == [] and not p.can_undo()


def test_a_project_boris_itself_just_wrote_makes_its_recording(empty_project, tmp_path):
    from tests.formats.test_boris import BORIS_PYTHON, boris

    out = tmp_path / "fresh.boris"
    if boris("write", str(out)) is None:
        pytest.skip(f"BORIS is not installed at {BORIS_PYTHON} (see tests/formats/boris_check.py)")
    with Project.open(empty_project) as p:
        done = import_coding(p, out, create_missing=True)
        assert done.created == ["interview"]
        it = p.item_by_name("interview")
        assert it.fps == 25 and it.frame_count == 3000
        assert [(s.start, s.end) for s in p.segments(it.id) if s.label == "folding arms"] == [(50, 100)]
