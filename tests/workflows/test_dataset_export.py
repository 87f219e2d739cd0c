"""Dataset export: PYSKL pickle, NTU arrays, manifest round trip, subject splits, face blur."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgstudio.core.errors import FormatError
from mgstudio.core.layouts import CANONICAL, MEDIAPIPE_HOLISTIC
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.workflows.dataset_export import DatasetOptions, export_dataset, split_by_subject
from mgstudio.formats.segment_io import import_file

LABELS = ["folding arms", "rubbing eyes", "touching jaw"]


def _seq(n: int, seed: int) -> SkeletonSequence:
    rng = np.random.default_rng(seed)
    j = MEDIAPIPE_HOLISTIC.num_joints
    xy = rng.uniform(0, 300, (n, j, 2)).astype(np.float32)
    world = rng.normal(0, 0.3, (n, j, 3)).astype(np.float32)
    xy[5:8, 40:] = np.nan  # a hand lost for a few frames
    return SkeletonSequence(MEDIAPIPE_HOLISTIC, xy, np.full((n, j), 0.9, np.float32), 25.0, world, (320, 240))


def build(path, with_skeleton: bool = True) -> Project:
    p = Project.create(path, annotator="alice")
    for k in range(6):
        item = p.add_skeleton_item(f"v{k}", _seq(400, k), attributes={"subject": f"S{k // 2}"})
        if not with_skeleton:
            continue
        alice = p.ensure_tier("alice", annotator="alice")
        prop = p.ensure_tier("proposals", kind="model")
        p.add_segments([Segment(item.id, alice.id, 20 + 60 * m, 50 + 60 * m, LABELS[(k + m) % 3],
                                status=Status.EDITED if m == 2 else Status.ACCEPTED, note="n" if m == 1 else "")
                        for m in range(5)]
                       + [Segment(item.id, prop.id, 10, 40, "touching jaw", source=Source.MODEL,
                                  status=Status.PROPOSED, confidence=0.4)], "setup")
    return p


def test_pyskl_ntu_manifest_and_leakage(tmp_path) -> None:
    from mgstudio.formats.pose_pickle import safe_load

    with build(tmp_path / "d.mgproj") as p:
        summary = export_dataset(p, tmp_path / "out")
    assert summary.clips == 30  # proposals are not exported by default
    doc = safe_load((tmp_path / "out" / "mgstudio_skeleton.pkl").read_bytes())  # our exports pass the restricted loader
    ann = doc["annotations"]
    assert len(ann) == 30 and set(doc["split"]) == {"train", "val", "test"}
    a = ann[0]
    assert a["keypoint"].shape == (1, 30, CANONICAL.num_joints, 2) and a["keypoint_score"].shape == (1, 30, 61)
    assert a["total_frames"] == 30 and a["img_shape"] == (240, 320) and np.isfinite(a["keypoint"]).all()
    assert {x["label"] for x in ann} == {0, 1, 2}
    # no subject in two splits
    import csv
    rows = list(csv.DictReader(open(tmp_path / "out" / "manifest.csv")))
    split_of: dict[str, set] = {}
    for r in rows:
        split_of.setdefault(r["subject"], set()).add(r["split"])
    assert all(len(v) == 1 for v in split_of.values()) and len(split_of) == 3
    assert {r["split"] for r in rows} == {"train", "val", "test"}
    ntu = np.load(tmp_path / "out" / "ntu" / "train_data.npy")
    labels = json.loads((tmp_path / "out" / "ntu" / "train_label.json").read_text())
    assert ntu.ndim == 5 and ntu.shape[1:] == (2, 30, 61, 1) and len(labels["labels"]) == ntu.shape[0]
    readme = (tmp_path / "out" / "README.md").read_text()
    assert "folding arms" in readme and "no subject appears in two splits" in readme


def test_manifest_reimport_gives_back_the_segments(tmp_path) -> None:
    with build(tmp_path / "d.mgproj") as p:
        export_dataset(p, tmp_path / "out")
        before = sorted((s.item_id, s.start, s.end, s.label, s.status.value, s.note)
                        for s in p.segments() if s.status != Status.PROPOSED)
    with build(tmp_path / "e.mgproj", with_skeleton=False) as q:
        rep = import_file(q, tmp_path / "out" / "manifest.csv")
        after = sorted((s.item_id, s.start, s.end, s.label, s.status.value, s.note) for s in q.segments())
    assert rep.imported == 30 and after == before


def test_3d_and_bad_options(tmp_path) -> None:
    with build(tmp_path / "d.mgproj") as p:
        s = export_dataset(p, tmp_path / "o3", DatasetOptions(coords="3d", formats=("pyskl",)))
        assert s.clips == 30
        with pytest.raises(FormatError, match="Unknown dataset format"):
            export_dataset(p, tmp_path / "x", DatasetOptions(formats=("hdf5",)))
        with pytest.raises(FormatError, match="Nothing to export"):
            export_dataset(p, tmp_path / "x", DatasetOptions(statuses=("rejected",)))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=4), st.integers(1, 50), min_size=1, max_size=30),
       st.integers(0, 5))
def test_split_by_subject_never_leaks(counts, seed) -> None:
    split = split_by_subject(counts, (0.7, 0.15, 0.15), seed)
    assert set(split) == set(counts)
    if len(counts) >= 3:
        assert set(split.values()) == {"train", "val", "test"}
    assert split == split_by_subject(counts, (0.7, 0.15, 0.15), seed)  # fixed seed, same answer
    total = Counter()
    for s, n in counts.items():
        total[split[s]] += n
    assert total["train"] >= max(total["val"], total["test"]) or len(counts) < 3


def test_blurred_video_clips_from_a_real_video(tmp_path) -> None:
    """A video item: the exported clip has the segment's frames, blurred where the head is."""
    import av

    from tests.support.clips import make_numbered_clip, read_number
    from mgstudio.media.video import VideoReader, probe

    video = make_numbered_clip(tmp_path / "v.mp4", n_frames=60, size=(320, 240))
    info = probe(video, cache_dir=tmp_path)
    j = MEDIAPIPE_HOLISTIC.num_joints
    xy = np.full((60, j, 2), np.nan, np.float32)
    # the "face" sits on the clip's frame-number barcode (the detail that blurring must destroy)
    for name, pt in {"nose": (60, 24), "left_eye": (70, 18), "right_eye": (50, 18),
                     "left_shoulder": (110, 80), "right_shoulder": (10, 80)}.items():
        xy[:, MEDIAPIPE_HOLISTIC.index(name)] = pt
    seq = SkeletonSequence(MEDIAPIPE_HOLISTIC, xy, np.ones((60, j), np.float32), 25.0, image_size=(320, 240))
    with Project.create(tmp_path / "v.mgproj", annotator="alice") as p:
        item = p.add_video(video, info=info, attributes={"subject": "P1"})
        p.save_skeleton(item.id, seq)
        p.create_segment(Segment(item.id, p.tier("alice").id, 10, 30, "folding arms"))
        s = export_dataset(p, tmp_path / "ds", DatasetOptions(formats=("csv",), blur_videos=True))
    clips = list((tmp_path / "ds" / "videos").glob("*.mp4"))
    assert len(clips) == 1 and not [w for w in s.warnings if "video" in w]
    with VideoReader(clips[0], cache_dir=tmp_path) as r, VideoReader(video, cache_dir=tmp_path) as orig:
        assert r.info.frame_count == 20
        out, src = r.frame(5).astype(int), orig.frame(15).astype(int)
    assert read_number(src) == 15

    def detail(img: np.ndarray) -> float:  # mean edge strength
        g = img.mean(axis=2)
        return float(np.abs(np.diff(g, axis=0)).mean() + np.abs(np.diff(g, axis=1)).mean())

    face = (slice(4, 44), slice(24, 96))  # inside the face ellipse, over the barcode
    assert detail(out[face]) < 0.35 * detail(src[face])  # the fine detail under the face is gone
    assert np.abs(out[150:, 200:] - src[150:, 200:]).mean() < 6  # the rest of the picture is kept
