"""File ▸ Export coding's file type and File ▸ Import coding's message (annotations_io)."""

from __future__ import annotations

from pathlib import Path

from mgstudio.app.shell import coding_dialogs as aio

ELAN = aio.EXPORTS[0][0]
CSV = aio.EXPORTS[1][0]


def test_a_typed_extension_wins_over_the_selected_filter() -> None:
    assert aio.export_target(Path("/x/coding.csv"), ELAN) == (Path("/x/coding.csv"), "csv")
    assert aio.export_target(Path("/x/coding.CSV"), ELAN) == (Path("/x/coding.CSV"), "csv")
    assert aio.export_target(Path("/x/coding.eaf"), CSV) == (Path("/x/coding.eaf"), "eaf")
    assert aio.export_target(Path("/x/coding.boris"), ELAN) == (Path("/x/coding.boris"), "boris")
    # no extension (or another one): the filter's is added
    assert aio.export_target(Path("/x/coding"), ELAN) == (Path("/x/coding.eaf"), "eaf")
    assert aio.export_target(Path("/x/session.1"), CSV) == (Path("/x/session.1.csv"), "csv")
    # without a recording on screen ELAN is not offered: a typed .eaf falls back to the filter
    assert aio.export_target(Path("/x/a.eaf"), CSV, has_item=False) == (Path("/x/a.eaf.csv"), "csv")


def test_the_import_message_lists_every_skipped_row_behind_details(qtbot, tmp_path) -> None:
    from PySide6.QtWidgets import QWidget

    from tests.formats.conftest import make_project
    from tests.formats.elan_samples import elan_file

    f = tmp_path / "session1.eaf"
    f.write_text(elan_file("2.8", n=30).text.replace(">folding arms<", "><"), encoding="utf-8")
    p = make_project(tmp_path / "p.mgproj", n_frames=1500)
    try:
        report, item_name = aio.import_job(p, f, None)
        assert item_name == "session1" and report.skips["empty"] > 1
        text = aio.import_message(f, report, item_name)
        assert "empty annotation(s) were skipped (the first: session1.eaf, tier 'gesture' at 00:00:" in text
        assert "in one step" in text
        parent = QWidget()
        qtbot.addWidget(parent)
        box = aio.show_import(parent, text, report)
        details = box.detailedText().splitlines()
        assert sum(d.startswith("Skipped (empty): session1.eaf, tier '") for d in details) == report.skips["empty"]
        assert any("tier 'hands P2' at" in d for d in details)
        parent.resize(1366, 768)
        box.grab().save(str(tmp_path / "import_box.png"))
        box.close()
    finally:
        p.close()


def test_cancel_stops_an_import_before_anything_is_written(tmp_path) -> None:
    """The status bar's Cancel (the worker's cancel event) ends File ▸ Import coding with one
    sentence and nothing added, at any check up to the last one before the write."""
    import pytest

    from mgstudio.core.errors import CancelledError
    from tests.formats.conftest import make_project
    from tests.formats.elan_samples import elan_file

    f = tmp_path / "session1.eaf"
    f.write_text(elan_file("3.0", n=200, step=200).text, encoding="utf-8")
    p = make_project(tmp_path / "p.mgproj", n_frames=3000)
    try:
        checks: list[int] = []
        aio.import_job(p, f, None, cancel=lambda: checks.append(1) and False)  # count the checks, never stop
        p.undo()
        assert len(checks) >= 3 and p.count_segments(None) == 0
        for stop_at in (1, len(checks)):  # the first check, and the last (just before the write)
            calls: list[int] = []
            with pytest.raises(CancelledError, match="session1.eaf was cancelled: nothing was added"):
                aio.import_job(p, f, None, cancel=lambda calls=calls, n=stop_at: calls.append(1) or len(calls) >= n)
            assert p.count_segments(None) == 0 and not p.can_undo()
    finally:
        p.close()
