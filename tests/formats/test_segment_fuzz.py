"""Random bytes fed to every segment importer: a FormatError, never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgstudio.core.errors import FormatError
from mgstudio.formats.segment_io import import_file

from .conftest import make_project

_dir = Path(tempfile.mkdtemp(prefix="mg-fuzz-"))
_project = None


def _get_project():
    global _project
    if _project is None:
        _project = make_project(_dir / "fuzz.mgproj", n_frames=200)
    return _project


@pytest.mark.parametrize("ext", [".eaf", ".csv", ".boris", ".json"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=400),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    st.sampled_from([b"item,label,start_frame,end_frame\nsession1,a,1e400,2\n",
                     b"video_id,label_id,start_frame,end_frame\n,1,2,3\n",
                     b'{"format": "mgstudio-segments", "version": 1, "tiers": [], "segments": [{}]}',
                     b'{"observations": {"session1": {"events": [["x", "", "a"]]}}, "ethogram": []}',
                     b"<?xml version='1.0'?><ANNOTATION_DOCUMENT><TIME_ORDER/></ANNOTATION_DOCUMENT>"]),
))
def test_random_bytes_never_crash(ext: str, data: bytes) -> None:
    project = _get_project()
    f = _dir / f"input{ext}"
    f.write_bytes(data)
    item = project.item_by_name("session1").id
    try:
        import_file(project, f, item_id=item if ext in (".eaf", ".csv") else None)
    except FormatError as exc:
        assert str(exc) and "\n" not in str(exc)
