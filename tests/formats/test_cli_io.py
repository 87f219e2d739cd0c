"""``mgstudio import`` / ``mgstudio export``: exit codes and one-sentence errors."""

from __future__ import annotations

from mgstudio.cli import main

from .conftest import make_project
from .test_segment_formats import fill


def test_export_then_import_via_cli(tmp_path, capsys) -> None:
    src = make_project(tmp_path / "src.mgproj")
    fill(src)
    src.close()
    dst = make_project(tmp_path / "dst.mgproj")
    dst.close()
    out = tmp_path / "session1.eaf"
    assert main(["export", str(tmp_path / "src.mgproj"), "--out", str(out), "--item", "session1"]) == 0
    assert "Wrote 60 segment(s)" in capsys.readouterr().out
    assert main(["import", str(tmp_path / "dst.mgproj"), str(out)]) == 0
    assert "Imported 60 segment(s) on 2 tier(s)." in capsys.readouterr().out
    csv_out = tmp_path / "acc.csv"
    assert main(["export", str(tmp_path / "src.mgproj"), "--out", str(csv_out), "--status", "accepted"]) == 0
    assert len(csv_out.read_text().splitlines()) == 1 + 40


def test_cli_bad_input_is_one_sentence(tmp_path, capsys) -> None:
    make_project(tmp_path / "p.mgproj").close()
    bad = tmp_path / "x.eaf"
    bad.write_text("<not really")
    assert main(["import", str(tmp_path / "p.mgproj"), str(bad), "--item", "session1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("mgstudio: ") and "ELAN" in err and "Traceback" not in err and "\n" not in err
    assert main(["import", str(tmp_path / "p.mgproj"), str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "p.mgproj"), "--out", str(tmp_path / "x.eaf"), "--item", "nope"]) == 2
    assert "no item" in capsys.readouterr().err


def test_cli_imports_real_elan_files_and_lists_what_it_skipped(tmp_path, capsys) -> None:
    from .elan_samples import elan_file

    make_project(tmp_path / "p.mgproj").close()
    f = tmp_path / "session1.eaf"
    f.write_text(elan_file("2.7", n=20).text, encoding="utf-8")
    assert main(["import", str(tmp_path / "p.mgproj"), str(f), "--list-skipped"]) == 0
    out = capsys.readouterr().out
    assert "1 empty annotation(s) were skipped (the first: session1.eaf, tier 'gesture' at 00:00:" in out
    assert "  Skipped (empty): session1.eaf, tier 'gesture' at 00:00:" in out
    assert "kept as notes of their parent's segments" in out
    assert main(["import", str(tmp_path / "p.mgproj"), str(f), "--dependent-tiers", "tiers"]) == 0
    out = capsys.readouterr().out
    assert "on 4 tier(s)" in out  # comments, phases, strokes, holds as tiers of their own; the rest were there
