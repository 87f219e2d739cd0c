"""Is the main subject in view? Real MediaPipe on a real clip with audience cut-aways, and real
Kinect recordings with a phantom skeleton, tracking gaps and a stretch with nobody."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.kinect import load_utkinect
from mgstudio.recognition.coldstart import cold_start_segments
from mgstudio.recognition.presence import absent_spans, presence_mask, present_spans
from mgstudio.recognition.proposals import drop_absent
from tests.conftest import require_shared


@pytest.fixture(scope="module")
def hamilton(tmp_path_factory):
    """The whole 9 s clip through real MediaPipe (about 20 s on one core). Looked at frame by frame:
    a wide shot of the stage (speaker small, 0-~40), the audience with a blurred head in front (~45-82),
    the speaker in close-up (~83-~205), the audience again (~208-275)."""
    from mgstudio.media.pose import extract_pose

    path = require_shared("videos", "face_recognition_short_hamilton_clip.mp4")
    return extract_pose(path, cache_dir=tmp_path_factory.mktemp("pose"))


@pytest.fixture(scope="module")
def utk():
    return {n: s for n, s, _ in load_utkinect(require_shared("skeletons", "utkinect", "joints"))}


def test_audience_cut_aways_are_absent_and_the_speaker_present(hamilton):
    m = presence_mask(hamilton)
    assert len(m) == len(hamilton) == 275
    assert m[95:200].mean() >= 0.95, "the speaker in close-up is the main subject"
    assert m[50:80].mean() <= 0.05 and m[215:270].mean() <= 0.05, "audience shots are not the subject"
    spans = absent_spans(hamilton)
    assert any(a <= 215 and b >= 270 for a, b in spans)
    assert present_spans(hamilton) and all(b - a >= 9 for a, b in present_spans(hamilton))  # >= 0.3 s each


def test_nothing_is_proposed_where_the_subject_is_absent(hamilton):
    m = presence_mask(hamilton)
    segs = cold_start_segments(hamilton)
    assert segs, "the speaker gestures in the close-up"
    assert all(m[s.start:s.end].all() for s in segs)
    # a label model's proposal across a cut is cut back to the subject's frames; one on the audience goes
    cut = drop_absent([Segment(0, 0, 60, 150, "x", confidence=0.9), Segment(0, 0, 220, 260, "x", confidence=0.9)],
                      hamilton)
    assert len(cut) == 1 and m[cut[0].start:cut[0].end].all() and cut[0].start >= 80 and cut[0].end == 150


def _with(seq: SkeletonSequence, frames: slice, xy=None, world=None) -> SkeletonSequence:
    x, w = seq.xy.copy(), seq.world.copy()
    x[frames] = np.nan if xy is None else xy
    w[frames] = np.nan if world is None else world
    return SkeletonSequence(seq.layout, x, seq.conf, seq.fps, world=w, image_size=seq.image_size)


def test_a_phantom_skeleton_is_not_the_subject(utk):
    seq, other = utk["s01_e01"], utk["s02_e01"]
    # another, smaller person 1.5 m to the side for 2 s
    ph = _with(seq, slice(200, 260), other.xy[:60] * 0.4, other.world[:60] * 0.4 + np.array([1.5, 0.0, 0.0]))
    m = presence_mask(ph)
    assert not m[200:260].any()
    assert m[:190].all() and m[270:].all()


def test_one_frame_gaps_are_not_absences_but_a_second_with_nobody_is(utk):
    seq = utk["s01_e01"]
    m = presence_mask(_with(_with(seq, slice(100, 101)), slice(300, 340)))
    assert m[95:106].all()
    assert not m[300:340].any()
    assert m[240:290].all()


def test_a_person_bending_down_or_walking_about_stays_the_subject(utk):
    # s01_e01 picks something up at 211-248: Kinect's shoulders collapse for ~6 frames while bending,
    # then the person is more than 3 body sizes from where they usually stand, continuing the same move
    m = presence_mask(utk["s01_e01"])
    assert m[211:248].mean() >= 0.8 and m[236:263].all()


def test_real_kinect_recordings_are_mostly_present(utk):
    share = np.mean([presence_mask(s).mean() for s in utk.values()])
    assert share >= 0.9, share


def test_no_core_joint_means_nobody_in_view(utk):
    seq = utk["s01_e01"]
    blank = SkeletonSequence(seq.layout, np.full_like(seq.xy, np.nan), np.zeros_like(seq.conf), seq.fps)
    assert not presence_mask(blank).any()
    assert absent_spans(blank) == [(0, len(seq))]
    assert presence_mask(seq.slice(0, 0)).shape == (0,)
