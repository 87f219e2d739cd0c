"""Why a proposal was made, in plain words: the note's reasons and the inspector's "Why" row
(real cold-start proposals on a real UCI recording, in a real project)."""

from __future__ import annotations

import os

import pytest

from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.formats.gesture_phase import read_gesture_phase
from mgstudio.recognition.coldstart import confidence_in_words, proposal_reason, why_in_words
from mgstudio.recognition.proposals import propose_item
from tests.conftest import require_shared

NOTE = "Why proposed: right hand near mouth/chin, 1.8 s. Likely: touching jaw. Rank 3 of 30 (a rank, not a probability)."


def test_reasons_read_as_sentences():
    assert proposal_reason(NOTE) == "right hand near mouth/chin, 1.8 s"  # the decimal point is not a full stop
    assert why_in_words(NOTE) == ("The right hand came near the mouth/chin for 1.8 s; perhaps touching jaw. "
                                  "Rank 3 of 30 here (not a probability until 20 proposals are reviewed).")
    cal = "Why proposed: torso sways or leans, 2.0 s. Likely: moving torso. Rank 1 of 9. Calibrated on 24 reviewed proposals (raw=0.5)."
    assert why_in_words(cal) == ("The torso swayed or leaned for 2.0 s; perhaps moving torso. "
                                 "Confidence learnt from 24 reviewed proposals.")
    assert why_in_words("Rank 4 of 9 (a rank, not a probability).").startswith("Found by the label model")
    for plain in (None, "", "She laughs here", "Why proposed: "):
        assert why_in_words(plain) is None
    assert confidence_in_words(0.87, NOTE) == "rank 3 of 30 (not yet a probability)"
    assert confidence_in_words(0.87, cal) == "87%" and confidence_in_words(None, NOTE) == "—"


@pytest.fixture
def project(tmp_path):
    seq, _ = read_gesture_phase(require_shared("skeletons", "gesture_phase_segmentation", "raw", "a1_raw.csv"))
    proj = Project.create(tmp_path / "why.mgproj", annotator="alice", taxonomy="imigue")
    item = proj.add_skeleton_item("a1", seq)
    yield proj, item
    proj.close()


def test_the_inspector_says_why_for_proposals_only(qtbot, project, tmp_path):
    from mgstudio.app.review.inspector import SegmentInspectorDock

    proj, item = project
    props = propose_item(proj, item.id)
    assert props
    best = max(props, key=lambda s: s.confidence)
    from mgstudio.app.session.state import AppState

    state = AppState()
    state.set_project(proj)
    dock = SegmentInspectorDock(state)
    qtbot.addWidget(dock)
    dock.resize(420, 520)
    dock.show()
    dock.show_segment(best.id)
    why = dock.fields["why"]
    assert why.isVisible() and why.text() == why_in_words(best.note)
    assert why.text().startswith("The ") and "Rank 1 of" in why.text()
    assert "Why proposed" not in why.text()  # plain words, not the raw note
    conf = dock.fields["confidence"].text()
    assert conf.startswith("rank 1 of") and "%" not in conf  # an uncalibrated score is not shown as a percentage
    out = os.environ.get("MGSTUDIO_SCREENSHOTS")
    if out:  # looked at by hand: MGSTUDIO_SCREENSHOTS=/tmp/shots pytest ...
        dock.grab().save(os.path.join(out, "inspector_why.png"))
    # a person's segment has no "Why" row, even with a note
    tier = proj.ensure_tier("alice")
    mine = proj.create_segment(Segment(item.id, tier.id, 10, 40, proj.taxonomy.names[0], note="Why proposed: x. Rank 1 of 2."))
    dock.show_segment(mine.id)
    assert not why.isVisible()
    dock.show_segment(None)
    assert not why.isVisible()
