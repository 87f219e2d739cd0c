"""Random bytes (and near-valid text) fed to every skeleton importer: a FormatError or a result,
never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgstudio.core.errors import FormatError
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats.skeletons import load_skeletons

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

FILE_NAMES = [
    "a01_s01_e01_skeleton3D.txt",  # MSR Action3D
    "joints_s01_e01.txt",  # UTKinect
    "S001C001P001R001A001.skeleton",  # NTU
    "poses.pkl",  # pickle
    "a1_raw.csv",  # gesture phase (only when the header matches)
    "mystery.txt",  # sniffed by content
    "frame_000000000000_keypoints.json",  # a single JSON file
]


def _check(result) -> None:
    assert isinstance(result, list)
    for name, seq in result:
        assert isinstance(name, str) and isinstance(seq, SkeletonSequence)


def _load_bytes(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / name
        f.write_bytes(data)
        try:
            _check(load_skeletons(f))
        except FormatError as exc:
            assert str(exc)  # a sentence for the user


@FUZZ
@given(name=st.sampled_from(FILE_NAMES), data=st.binary(max_size=2000))
def test_random_bytes_never_crash_an_importer(name, data):
    _load_bytes(name, data)


_NUMBERISH = st.text(alphabet="0123456789 .-e\nnaNinf+", max_size=1500)


@FUZZ
@given(name=st.sampled_from(FILE_NAMES[:3] + ["mystery.txt"]), text=_NUMBERISH)
def test_number_like_text_never_crashes_the_text_importers(name, text):
    _load_bytes(name, text.encode())


@FUZZ
@given(rows=st.lists(st.lists(st.one_of(st.floats(allow_nan=True), st.text(max_size=5),
                                         st.integers(-10**30, 10**30)), max_size=22), max_size=20))
def test_gesture_phase_csv_with_the_right_header_and_junk_rows(rows):
    header = "lhx,lhy,lhz,rhx,rhy,rhz,hx,hy,hz,sx,sy,sz,lwx,lwy,lwz,rwx,rwy,rwz,timestamp,phase\n"
    body = "\n".join(",".join(str(v).replace(",", ";").replace("\n", " ") for v in r) for r in rows)
    _load_bytes("x_raw.csv", (header + body).encode())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**400, 10**400) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=8) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=40,
)
_PEOPLE = st.lists(st.dictionaries(
    st.sampled_from(["pose_keypoints_2d", "face_keypoints_2d", "hand_left_keypoints_2d",
                     "hand_right_keypoints_2d", "person_id"]),
    st.one_of(_JSON, st.lists(st.one_of(st.floats(), st.integers(-10**400, 10**400)), min_size=63, max_size=75)),
    max_size=4), max_size=3)


@FUZZ
@given(frames=st.lists(st.one_of(_JSON, st.builds(lambda p: {"people": p}, _PEOPLE)), min_size=1, max_size=4))
def test_openpose_folders_with_junk_json_never_crash(frames):
    with tempfile.TemporaryDirectory() as d:
        for i, fr in enumerate(frames):
            (Path(d) / f"v_{i:012d}_keypoints.json").write_text(json.dumps(fr))
        try:
            _check(load_skeletons(d))
        except FormatError as exc:
            assert str(exc)


_ARRAYS = st.builds(
    lambda shape, kind: np.zeros(shape, dtype=kind),
    st.lists(st.integers(0, 5), min_size=0, max_size=5).map(tuple),
    st.sampled_from(["f4", "f8", "i4", "u1", "?", "c8", "O", "U3"]),
)
_LEAF = st.one_of(_ARRAYS, st.none(), st.integers(), st.floats(), st.text(max_size=5),
                  st.lists(st.integers(), max_size=3))
_ANN = st.dictionaries(st.sampled_from(["keypoint", "keypoint_score", "img_shape", "label", "frame_dir"]),
                       _LEAF, max_size=5)
_PICKLED = st.one_of(
    st.builds(lambda p, lab: {"pose": p, "label": lab}, st.lists(_LEAF, max_size=3),
              st.one_of(st.none(), st.lists(_LEAF, max_size=3), _LEAF)),
    st.builds(lambda a: {"annotations": a}, st.lists(_ANN, max_size=3)),
    st.lists(_ANN, max_size=3),
    _LEAF,
)


@FUZZ
@given(obj=_PICKLED)
def test_well_formed_pickles_with_odd_content_never_crash(obj):
    import pickle

    _load_bytes("poses.pkl", pickle.dumps(obj))
