"""A study that exists only as a coding file: importing it creates one label-only recording per
recording (no video, no skeleton), and every command treats those recordings sensibly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mgstudio.cli import main
from mgstudio.core.project import Project
from mgstudio.workflows.coding import import_coding, is_label_only, scan_coding
from tests.formats.elan_samples import elan_file


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_imigue(path: Path, videos: dict[str, tuple[str, str, list[tuple[int, int, int]]]]) -> Path:
    """An iMiGUE label file: ``{video_id: (subject, outcome, [(start, last frame, class), ...])}``."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["video_id", "label_id", "start_time", "start_frame", "end_time", "end_frame", "class",
                    "subject_id", "subject_gender", "subject_nationality", "win_or_lose"])
        for vid, (subject, outcome, rows) in videos.items():
            for k, (s, e, cls) in enumerate(rows, 1):
                w.writerow([vid, k, f"{s / 25:.2f}", s, f"{e / 25:.2f}", e, cls, subject, "", "", outcome])
    return path


STUDY = {
    "0001": ("S1", "win", [(10, 60, 1), (100, 180, 17), (900, 950, 17)]),
    "0002": ("S1", "lose", [(0, 40, 5), (300, 420, 99)]),
    "0003": ("S2", "win", [(50, 90, 17), (2000, 2099, 1), (500, 560, 3)]),
}


@pytest.fixture
def empty_project(tmp_path) -> Path:
    with Project.create(tmp_path / "study.mgproj", taxonomy="imigue", annotator="ana"):
        pass
    return tmp_path / "study.mgproj"


def test_imigue_file_into_an_empty_project_makes_one_label_only_recording_each(empty_project, tmp_path, capsys):
    labels = write_imigue(tmp_path / "labels.csv", STUDY)
    code, out, err = run(capsys, "import", str(empty_project), str(labels))
    assert code == 0, err
    assert "Created 3 label-only recording(s)" in out and "Imported 8 segment(s)" in out
    with Project.open(empty_project, read_only=True) as p:
        items = {it.name: it for it in p.items()}
        assert set(items) == {"0001", "0002", "0003"}
        assert all(is_label_only(p, it) for it in items.values())
        assert items["0003"].fps == 25 and items["0003"].frame_count == 2100  # last frame 2099, inclusive
        assert items["0001"].attributes == {"outcome": "win", "subject": "S1"}
        assert p.count_segments(items["0003"].id) == 3

    code, out, _ = run(capsys, "info", str(empty_project))
    assert code == 0 and out.count("label-only") == 3
    code, out, _ = run(capsys, "info", str(empty_project), "0002")
    assert "(label-only)" in out and "no video or skeleton" in out

    code, _, err = run(capsys, "propose", str(empty_project), "0001")
    assert code == 2 and "'0001' is a label-only recording" in err and "Traceback" not in err
    assert len(err.strip()) <= 300
    code, out, err = run(capsys, "extract", str(empty_project), "0001")
    assert "label-only recording" in out + err and "Traceback" not in err

    # What does work: export, and the evidence report.
    code, out, _ = run(capsys, "export", str(empty_project), "--out", str(tmp_path / "back.csv"))
    assert code == 0 and "Wrote 8 segment(s)" in out
    code, out, err = run(capsys, "report", str(empty_project), "0001", "--out", str(tmp_path / "r"),
                         "--model", str(tmp_path / "nothing.gguf"))
    assert code == 0, err
    md = (tmp_path / "r" / "0001" / "report.md").read_text()
    assert "folding arms" in md  # class 17 of the taxonomy, from the label file

    # Importing the same file again creates nothing and adds no segment twice.
    code, out, _ = run(capsys, "import", str(empty_project), str(labels), "--create-items")
    assert "Created" not in out and "Imported 0 segment(s)" in out
    with Project.open(empty_project, read_only=True) as p:
        assert len(p.items()) == 3 and p.count_segments() == 8


def test_without_the_option_a_project_with_recordings_skips_and_says_how(empty_project, tmp_path, capsys):
    labels = write_imigue(tmp_path / "labels.csv", STUDY)
    with Project.open(empty_project) as p:
        import_coding(p, write_imigue(tmp_path / "one.csv", {"0001": STUDY["0001"]}), create_missing=True)
    code, out, _ = run(capsys, "import", str(empty_project), str(labels))
    assert code == 0
    assert "2 recording(s) named in labels.csv are not in the project" in out and "--create-items" in out
    with Project.open(empty_project, read_only=True) as p:
        assert [it.name for it in p.items()] == ["0001"]
    code, out, _ = run(capsys, "import", str(empty_project), str(labels), "--create-items")
    assert "Created 2 label-only recording(s)" in out
    with Project.open(empty_project, read_only=True) as p:
        assert sorted(it.name for it in p.items()) == ["0001", "0002", "0003"]


def test_csv_frame_rate_comes_from_its_frames_and_seconds(empty_project, tmp_path):
    path = tmp_path / "coding.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["item", "tier", "label", "start_frame", "end_frame", "start_s", "end_s"])
        for k in range(6):
            s = 90 + 300 * k
            w.writerow(["interview_A" if k % 2 else "interview_B", "ana", "folding arms", s, s + 45,
                        f"{s / 29.97:.3f}", f"{(s + 45) / 29.97:.3f}"])
    scan = scan_coding(path)
    assert scan.fps == pytest.approx(30000 / 1001) and "frames and seconds" in scan.fps_source
    with Project.open(empty_project) as p:
        done = import_coding(p, path, create_missing=True)
        assert sorted(done.created) == ["interview_A", "interview_B"] and done.report.imported == 6
        a = p.item_by_name("interview_A")
        assert a.rate == scan.fps and a.frame_count == 90 + 300 * 5 + 45


def test_frames_only_csv_needs_a_frame_rate_and_writes_nothing_without_one(empty_project, tmp_path, capsys):
    path = tmp_path / "frames.csv"
    path.write_text("item,label,start_frame,end_frame\nrec1,folding arms,10,50\n")
    code, _, err = run(capsys, "import", str(empty_project), str(path))
    assert code == 2 and "frames.csv gives frames but no seconds" in err and "--fps 25" in err
    with Project.open(empty_project, read_only=True) as p:
        assert p.items() == []
    code, out, err = run(capsys, "import", str(empty_project), str(path), "--fps", "50")
    assert code == 0, err
    with Project.open(empty_project, read_only=True) as p:
        assert p.item_by_name("rec1").fps == 50


def test_elan_files_become_recordings_named_after_the_files(empty_project, tmp_path, capsys):
    sample = elan_file(n=12)
    for name in ("interview1", "interview2"):
        (tmp_path / f"{name}.eaf").write_text(sample.text, encoding="utf-8")
    code, out, err = run(capsys, "import", str(empty_project), str(tmp_path / "interview1.eaf"),
                         str(tmp_path / "interview2.eaf"), "--fps", "50")
    assert code == 0, err
    last_ms = max(e for _, e, _ in sample.gestures)
    with Project.open(empty_project, read_only=True) as p:
        items = p.items()
        assert [it.name for it in items] == ["interview1", "interview2"]
        for it in items:
            assert is_label_only(p, it) and it.fps == 50
            assert it.frame_count >= last_ms * 50 // 1000
            assert p.count_segments(it.id) >= len(sample.gestures)
    # Agreement between the two files' coders works on label-only recordings too.
    code, out, err = run(capsys, "agree", str(empty_project), "--out", str(tmp_path / "agree"))
    assert code == 0, err
    assert "Cohen's kappa" in out and "Fleiss' kappa" in out


def test_elan_into_a_project_with_other_recordings_names_the_option(empty_project, tmp_path, capsys):
    sample = elan_file(n=5)
    (tmp_path / "a.eaf").write_text(sample.text, encoding="utf-8")
    (tmp_path / "b.eaf").write_text(sample.text, encoding="utf-8")
    assert run(capsys, "import", str(empty_project), str(tmp_path / "a.eaf"))[0] == 0
    with Project.open(empty_project) as p:  # a second recording: an ELAN file no longer goes to "the" one
        import_coding(p, write_imigue(tmp_path / "one.csv", {"0001": STUDY["0001"]}), create_missing=True)
    code, _, err = run(capsys, "import", str(empty_project), str(tmp_path / "b.eaf"))
    assert code == 2 and "--create-items" in err
    json.dumps(err)  # one sentence of text
