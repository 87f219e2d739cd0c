"""The demo project: the shipped files are what the generator makes, and it opens as a project
with its video, skeleton, proposals and accepted segments."""

from __future__ import annotations

import json

import numpy as np

from mgstudio.workflows import demo
from mgstudio.core.project import Project
from mgstudio.core.segments import Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.media.video import VideoReader, probe


def test_shipped_files_match_the_generator() -> None:
    src = demo.RESOURCE_DIR
    info = probe(src / demo.VIDEO_NAME)
    assert (info.width, info.height, info.frame_count) == (640, 360, demo.N_FRAMES)
    assert float(info.fps) == demo.FPS and info.codec == "h264"
    assert (src / demo.VIDEO_NAME).stat().st_size < 1_000_000
    shipped = SkeletonSequence.load_npz(src / demo.SKELETON_NAME)
    made = demo.make_skeleton()
    np.testing.assert_allclose(shipped.xy, made.xy, atol=1e-4)
    np.testing.assert_allclose(shipped.world, made.world, atol=1e-5)
    doc = json.loads((src / demo.SEGMENTS_NAME).read_text())
    assert doc["segments"] == json.loads(json.dumps(demo.make_segments()))
    # the video shows the skeleton's frames: decoded frames equal freshly rendered ones
    with VideoReader(src / demo.VIDEO_NAME) as r:
        for i in (0, 75, 300, 599):
            k = (i + 40) % demo.N_FRAMES
            want = demo.render_frame(i, demo.pose_at(i)[0]).astype(np.float32)
            other = demo.render_frame(k, demo.pose_at(k)[0]).astype(np.float32)
            got = r.frame(i).astype(np.float32)
            moving = np.abs(want - other).max(axis=2) > 40  # where the two poses differ
            assert moving.sum() > 500
            err, err_other = np.abs(got - want)[moving].mean(), np.abs(got - other)[moving].mean()
            assert err < err_other / 3, (i, err, err_other)


def test_skeleton_performs_the_scripted_gestures() -> None:
    seq = demo.make_skeleton()
    j = {n: k for k, n in enumerate(seq.layout.joints)}
    fps = demo.FPS
    rest, scratch = int(1.0 * fps), int(3.0 * fps)
    # scratching the head: the right wrist rises above the nose (image y grows downwards)
    assert seq.xy[scratch, j["right_wrist"], 1] < seq.xy[scratch, j["nose"], 1]
    assert seq.xy[rest, j["right_wrist"], 1] > seq.xy[rest, j["right_hip"], 1] - 40
    # folding arms: the wrists cross the body's midline
    fold = int(11.0 * fps)
    mid = seq.xy[fold, [j["left_shoulder"], j["right_shoulder"]], 0].mean()
    assert seq.xy[fold, j["right_wrist"], 0] > mid > seq.xy[fold, j["left_wrist"], 0]


def test_demo_project_is_built_in_the_data_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MGSTUDIO_DATA_DIR", str(tmp_path / "data"))
    path = demo.ensure_demo_project()
    assert path.parent == tmp_path / "data" / "demo" and path.name == "MG Studio demo.mgproj"
    with Project.open(path) as p:
        (item,) = p.items()
        assert item.kind == "video" and item.frame_count == demo.N_FRAMES
        assert p.check_media(item.id) == "ok"
        assert p.has_skeleton(item.id)
        model = p.segments(item.id, source=Source.MODEL)
        human = p.segments(item.id, source=Source.HUMAN)
        assert len(model) == 7 and len(human) == 3
        assert sum(s.status == Status.ACCEPTED for s in model) == 2
        assert {s.label for s in human} <= set(p.taxonomy.names)
    mtime = (path / "project.sqlite").stat().st_mtime
    assert demo.ensure_demo_project() == path  # kept (with the user's edits) when it exists
    assert (path / "project.sqlite").stat().st_mtime == mtime
