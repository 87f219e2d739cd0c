"""The report, agreement and dataset-export panels, driven as a user would."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from mgstudio.app.panels import AgreementDock, DatasetExportDialog, ReportDock
from mgstudio.app.session.state import AppState
from mgstudio.core.layouts import MEDIAPIPE_HOLISTIC
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from tests.support.waiting import wait_worker

# Screenshots go to docs/images only when asked (make screenshots sets MGSTUDIO_SHOTS); a test run
# must not change tracked files.
SHOTS = Path(os.environ.get("MGSTUDIO_SHOTS") or tempfile.mkdtemp(prefix="mg-shots-"))


@pytest.fixture
def state(tmp_path, qtbot):
    p = Project.create(tmp_path / "panels.mgproj", annotator="alice")
    rng = np.random.default_rng(0)
    for k in range(3):
        n = 600
        seq = SkeletonSequence(MEDIAPIPE_HOLISTIC, rng.uniform(0, 300, (n, 75, 2)), np.ones((n, 75)), 25.0,
                               image_size=(320, 240))
        item = p.add_skeleton_item(f"interview{k}", seq, attributes={"subject": f"P{k}"})
        a, b = p.ensure_tier("alice", annotator="alice"), p.ensure_tier("bob", annotator="bob")
        p.add_segments([Segment(item.id, a.id, 50, 120, "folding arms"),
                        Segment(item.id, a.id, 200, 260, "rubbing eyes"),
                        Segment(item.id, a.id, 400, 430, "touching jaw"),
                        Segment(item.id, b.id, 55, 120, "folding arms"),
                        Segment(item.id, b.id, 200, 260, "touching or scratching head")], "setup")
    s = AppState()
    s.set_project(p)
    s.set_item(p.items()[0].id)
    yield s
    p.close()


def test_agreement_dock_lists_and_jumps(state, qtbot) -> None:
    dock = AgreementDock(state)
    qtbot.addWidget(dock)
    dock.resize(520, 560)
    assert dock.checked_tiers() == ["alice", "bob"]
    worker = dock.compare()
    wait_worker(qtbot, worker, 20000)
    assert "alice</b> vs <b>bob" in dock.summary.text() and "κ" in dock.summary.text()
    assert dock.table.rowCount() >= 6  # per item: start mismatch, relabel, a segment bob missed
    row = next(r for r in range(dock.table.rowCount()) if "rubbing eyes" in dock.table.item(r, 2).text()
               and dock.table.item(r, 0).text() == "interview2")
    dock.jump_to_row(row)
    assert state.item.name == "interview2" and state.frame == 200
    files = dock.save(state.project.db_path.parent / "agreement")
    assert any(f.name == "agreement.html" for f in files)
    dock.show()
    SHOTS.mkdir(parents=True, exist_ok=True)
    dock.grab().save(str(SHOTS / "agreement.png"))


def test_dataset_dialog_exports_with_progress(state, qtbot, tmp_path) -> None:
    dlg = DatasetExportDialog(state.project)
    qtbot.addWidget(dlg)
    dlg.folder.setText(str(tmp_path / "ds"))
    worker = dlg.start()
    wait_worker(qtbot, worker, 30000)
    assert dlg.summary is not None and dlg.summary.clips == 15
    assert (tmp_path / "ds" / "manifest.csv").exists() and (tmp_path / "ds" / "mgstudio_skeleton.pkl").exists()
    assert dlg.message.text().startswith("Wrote 15 clips")
    dlg.show()
    dlg.grab().save(str(SHOTS / "dataset_export.png"))


def test_report_dock_streams_a_real_answer(state, qtbot, tmp_path) -> None:
    from PySide6.QtWidgets import QLabel, QMainWindow

    win = QMainWindow()  # the dock as it sits in a 1366x768 window
    qtbot.addWidget(win)
    win.setCentralWidget(QLabel("video"))
    dock = ReportDock(state)
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    before = (dock.context.height(), dock.model.height(), dock.scenario.height())
    events: list[str] = []
    dock.findings_ready.connect(lambda f: events.append("findings"))
    dock.token.connect(lambda t: events.append("token"))
    dock.scenario.setCurrentIndex(dock.scenario.findData("stress"))
    dock.context.setText("job interview")
    worker = dock.generate()
    assert "SmolLM2" in dock.written_by.text()  # which model writes is said from the start
    wait_worker(qtbot, worker, 120000)
    assert dock.result is not None, worker.error
    assert events[0] == "findings" and "token" in events  # the evidence first, then the model
    shown = dock.findings.toPlainText()
    assert "What the evidence shows" in shown and "F1" in shown and "3 micro-gestures" in shown
    assert "SmolLM2" in dock.written_by.text() and "written by" in dock.written_by.text()
    assert dock.verdict.text() and "Draft" not in dock.verdict.text()
    text = dock.output.toPlainText().strip()
    if dock.result.answer is not None:  # passed the checks: the prose is shown, never JSON
        assert text == dock.result.answer.rationale and not text.startswith("{")
    else:  # a rejected text is never left on screen as if it were an interpretation
        assert text == "" and "could not give a meaningful interpretation" in dock.verdict.text()
    assert (dock.context.height(), dock.model.height(), dock.scenario.height()) == before
    files = dock.save(tmp_path / "report")
    assert files and files["html"].exists() and "interview0" not in files["html"].read_text()
    md = dock.save_as(tmp_path / "one" / "report.md")
    assert md.read_text().startswith("# ") and "What the evidence shows" in md.read_text()
    pdf = dock.save_as(tmp_path / "one" / "report.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2000
    SHOTS.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(SHOTS / "report_panel_1366.png"))
    dock.grab().save(str(SHOTS / "report_panel.png"))


def test_dataset_dialog_includes_reviewed_proposals_by_default(state, qtbot, tmp_path) -> None:
    """Issue 15.9: accepted and edited proposals are the coder's decisions, so the dialog exports
    them by default (as the CLI does); unreviewed and rejected proposals never."""
    from mgstudio.core.segments import Source, Status

    p = state.project
    item = p.items()[0]
    made = p.add_segments([Segment(item.id, p.proposals_tier.id, s, s + 40, "biting nails", source=Source.MODEL,
                                   status=Status.PROPOSED, confidence=0.8) for s in (300, 460, 520, 560)], "proposals")
    p.accept(made[0].id)
    p.update_segment(made[1].id, label="covering face")  # edited
    p.reject(made[2].id)  # made[3] stays unreviewed
    dlg = DatasetExportDialog(p)
    qtbot.addWidget(dlg)
    dlg.folder.setText(str(tmp_path / "ds"))
    worker = dlg.start()
    wait_worker(qtbot, worker, 30000)
    assert dlg.summary is not None and dlg.summary.clips == 15 + 2
    manifest = (tmp_path / "ds" / "manifest.csv").read_text()
    assert "biting nails" in manifest and "covering face" in manifest
    assert manifest.count("biting nails") == 1  # the rejected and the unreviewed one are not in
