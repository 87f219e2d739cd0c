"""The store's two diagnostic faces used by benchmarks: ``read_sql`` (reads only) and ``trace_sql``."""

from __future__ import annotations

import pytest

from mgstudio.core.errors import ProjectError
from mgstudio.core.project import Project
from mgstudio.core.project.rows import SEG_COLS, segment_from_db
from mgstudio.core.segments import Segment


def _project(tmp_path) -> tuple[Project, int, int]:
    p = Project.create(tmp_path / "p.mgproj", annotator="alice")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"not really a video, only fingerprinted")
    item = p.add_video(video, info={"fps": 25, "frame_count": 500, "width": 64, "height": 48})
    return p, item.id, p.tier("alice").id


def test_read_sql_reads_rows_but_cannot_change_the_project(tmp_path) -> None:
    p, item_id, tier = _project(tmp_path)
    with p:
        seg = p.create_segment(Segment(item_id, tier, 10, 20, "nod"))
        rows = p.read_sql(f"SELECT {SEG_COLS} FROM segments WHERE item_id = ?", (item_id,))
        assert [segment_from_db(r).id for r in rows] == [seg.id] == [s.id for s in p.segments(item_id)]
        assert str(p.read_sql("PRAGMA journal_mode")[0][0]).lower() == "wal"
        with pytest.raises(ProjectError):
            p.read_sql("DELETE FROM segments")
        assert p.count_segments() == 1
        p.create_segment(Segment(item_id, tier, 30, 40, "nod"))  # the store still writes afterwards
        assert p.count_segments() == 2


def test_trace_sql_sees_the_statements_of_an_edit_until_stopped(tmp_path) -> None:
    p, item_id, tier = _project(tmp_path)
    with p:
        seen: list[str] = []
        p.trace_sql(seen.append)
        p.create_segment(Segment(item_id, tier, 10, 20, "nod"))
        assert any(s.lstrip().upper().startswith("INSERT INTO SEGMENTS") for s in seen)
        p.trace_sql(None)
        n = len(seen)
        p.create_segment(Segment(item_id, tier, 30, 40, "nod"))
        assert len(seen) == n
