"""Joint layouts: every layout's bones, flip pairs, parts and canonical mapping are consistent."""

from __future__ import annotations

import numpy as np
import pytest

from mgstudio.core.errors import MGStudioError
from mgstudio.core.layouts import CANONICAL, LAYOUTS, JointLayout, get_layout, mapping_matrix
from mgstudio.core.skeleton import SkeletonSequence

EXPECTED = {
    "canonical": 61, "mediapipe_holistic": 75, "openpose_body25": 25, "openpose_137": 137,
    "kinect_v1": 20, "kinect_v2": 25, "coco17": 17, "imigue22": 22, "jhmdb15": 15,
    "gesture_phase6": 6,
}
ALL = sorted(EXPECTED)


def test_every_promised_layout_is_registered_with_its_joint_count():
    for name, n in EXPECTED.items():
        assert get_layout(name).num_joints == n, name


@pytest.mark.parametrize("name", ALL)
def test_bones_form_one_connected_skeleton(name):
    lay = get_layout(name)
    seen, todo = {0}, [0]
    adj = lay.adjacency(self_loops=False)
    while todo:
        j = todo.pop()
        for k in np.flatnonzero(adj[j]):
            if k not in seen:
                seen.add(int(k))
                todo.append(int(k))
    assert len(seen) == lay.num_joints, [lay.joints[i] for i in range(lay.num_joints) if i not in seen]
    assert len(set(map(frozenset, lay.bones))) == len(lay.bones), "duplicate bone"


@pytest.mark.parametrize("name", ALL)
def test_flip_pairs_are_left_right_and_symmetric(name):
    lay = get_layout(name)
    perm = lay.flip_permutation()
    assert np.array_equal(perm[perm], np.arange(lay.num_joints))  # flipping twice is identity
    for a, b in lay.flip_pairs:
        na, nb = lay.joints[a], lay.joints[b]
        if na.startswith(("left", "right")):
            assert na.replace("left", "X").replace("right", "left").replace("X", "right") == nb
    # Every left_* (or *_left) joint that has a right partner is paired.
    for i, j in enumerate(lay.joints):
        if j.startswith("left_") and "right_" + j[5:] in lay.joints:
            assert perm[i] == lay.index("right_" + j[5:])
        if j.endswith("_left") and j[:-5] + "_right" in lay.joints:
            assert perm[i] == lay.index(j[:-5] + "_right")
    # Bones map onto bones under the flip (the skeleton is mirror symmetric).
    bones = set(map(frozenset, lay.bones))
    assert {frozenset((perm[a], perm[b])) for a, b in lay.bones} == bones


@pytest.mark.parametrize("name", ALL)
def test_parts_cover_each_joint_once(name):
    lay = get_layout(name)
    idx = [i for part in lay.parts.values() for i in part]
    assert sorted(idx) == list(range(lay.num_joints))


@pytest.mark.parametrize("name", ALL)
def test_canonical_mapping_round_trips_for_copied_joints(name):
    lay = get_layout(name)
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(4, lay.num_joints, 2)).astype(np.float32)
    seq = SkeletonSequence(lay, xy, np.ones((4, lay.num_joints)), 30.0)
    canon = seq.to_layout(CANONICAL)
    back = canon.to_layout(lay)
    for c, sources in lay.to_canonical.items():
        ci = CANONICAL.index(c)
        expected = xy[:, [lay.index(s) for s in sources]].mean(axis=1)
        np.testing.assert_allclose(canon.xy[:, ci], expected, rtol=1e-5, atol=1e-6)
        if len(sources) == 1:
            np.testing.assert_allclose(back.xy[:, lay.index(sources[0])], xy[:, lay.index(sources[0])], atol=1e-6)
    # Canonical joints the source cannot supply are missing, never invented.
    for i, c in enumerate(CANONICAL.joints):
        if c not in lay.to_canonical:
            assert not canon.mask[:, i].any(), c
            assert (canon.conf[:, i] == 0).all()


@pytest.mark.parametrize("name", ALL)
def test_canonical_mapping_keeps_left_and_right(name):
    """A source's left joint never lands on a canonical right joint."""
    lay = get_layout(name)
    for c, sources in lay.to_canonical.items():
        for s in sources:
            if c.startswith("left_") or c.startswith("mouth_left"):
                assert "right" not in s or name == "openpose_137" and s.startswith("face_"), (c, s)
            if c.startswith("right_"):
                assert "left" not in s, (c, s)


def test_identity_free_openpose_137_maps_only_mouth_corners_of_the_face_mesh():
    lay = get_layout("openpose_137")
    face_mesh_sources = {s for srcs in lay.to_canonical.values() for s in srcs if s.startswith("face_")}
    assert face_mesh_sources == {"face_48", "face_54"}


def test_missing_source_joint_makes_its_midpoint_missing():
    lay = get_layout("coco17")
    xy = np.zeros((2, 17, 2), np.float32)
    xy[1, lay.index("left_shoulder")] = np.nan
    canon = SkeletonSequence(lay, xy, np.ones((2, 17)), 25.0).to_layout()
    neck = CANONICAL.index("neck")
    assert canon.mask[0, neck] and not canon.mask[1, neck]


def test_invalid_layouts_are_refused():
    with pytest.raises(ValueError):
        JointLayout("x", ("a", "b"), ((0, 2),))
    with pytest.raises(ValueError):
        JointLayout("x", ("a", "a"), ())
    with pytest.raises(ValueError):
        JointLayout("x", ("a", "b", "c"), (), flip_pairs=((0, 1), (1, 2)))
    with pytest.raises(MGStudioError, match="Unknown joint layout"):
        get_layout("no_such_layout")


def test_mapping_between_two_source_layouts_is_refused():
    with pytest.raises(MGStudioError):
        mapping_matrix(get_layout("coco17"), get_layout("kinect_v1"))


def test_layouts_are_hashable_and_registered_by_name():
    assert {get_layout(n) for n in ALL} == set(LAYOUTS.values())
