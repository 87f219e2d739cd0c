"""Faults a user's machine throws at the store: read-only folders, a full disk, a project from a
newer MG Studio, videos that moved. In each case: one clear sentence, and nothing saved is lost."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from mgstudio.core import store_schema
from mgstudio.core.errors import ProjectError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment
from mgstudio.core.skeleton import SkeletonSequence

ROOT = Path(__file__).resolve().parents[3]


def _project(path: Path, n_segments: int = 5) -> Project:
    p = Project.create(path, annotator="alice")
    item = p.add_skeleton_item("S01", SkeletonSequence.empty(CANONICAL, 10_000, 25.0))
    tier = p.tier("alice").id
    for k in range(n_segments):
        p.create_segment(Segment(item.id, tier, 10 * k, 10 * k + 5, "touching jaw"))
    return p


def _without_root_powers() -> list[str]:
    """A command prefix under which root obeys file permissions like any user."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root without util-linux's setpriv: cannot simulate a read-only folder")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


CHILD_READ_ONLY = textwrap.dedent("""
    import json, sys
    from mgstudio.core.errors import ProjectError
    from mgstudio.core.project import Project
    from mgstudio.core.segments import Segment
    out = {}
    try:
        Project.open(sys.argv[1])
        out["write_open"] = "opened"
    except ProjectError as exc:
        out["write_open"] = str(exc)
    with Project.open(sys.argv[1], read_only=True) as p:
        out["count"] = p.count_segments()
        out["labels"] = sorted({s.label for s in p.segments(p.item_by_name("S01").id)})
        try:
            p.create_segment(Segment(1, 2, 900, 910, "x"))
            out["edit"] = "saved"
        except ProjectError as exc:
            out["edit"] = str(exc)
        p.set_state("frame", 42)  # kept in memory, no crash
        out["state"] = p.get_state("frame")
        out["can_undo"] = p.can_undo()
    print(json.dumps(out))
""")


def test_read_only_folder(tmp_path) -> None:
    p = _project(tmp_path / "ro")
    path = p.path
    p.close()
    for f in [path, *path.rglob("*")]:
        f.chmod(0o555 if f.is_dir() else 0o444)
    try:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        res = subprocess.run([*_without_root_powers(), sys.executable, "-c", CHILD_READ_ONLY, str(path)],
                             capture_output=True, text=True, env=env, timeout=60)
        assert res.returncode == 0, res.stderr
        out = json.loads(res.stdout)
    finally:
        for f in [path, *path.rglob("*")]:
            f.chmod(0o755 if f.is_dir() else 0o644)
    assert "read-only" in out["write_open"] and "open it read-only" in out["write_open"]
    assert out["count"] == 5 and out["labels"] == ["touching jaw"]
    assert "read-only" in out["edit"]
    assert out["state"] == 42 and out["can_undo"] is False
    with Project.open(path) as again:  # nothing was damaged
        assert again.count_segments() == 5 and again.integrity_check() == "ok"


def test_full_disk_loses_nothing_saved(tmp_path) -> None:
    p = _project(tmp_path / "full")
    item = p.item_by_name("S01").id
    tier = p.tier("alice").id
    pages = p._q("PRAGMA page_count")[0][0]
    p._db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills after two more pages
    big = [Segment(item, tier, 100 + 2 * k, 101 + 2 * k, "folding arms", note="n" * 500) for k in range(400)]
    with pytest.raises(ProjectError, match="disk is full") as err:
        p.add_segments(big, "Import")
    assert "everything saved before it is safe" in str(err.value) and err.value.detail
    assert p.count_segments() == 5  # the failed edit left no trace...
    assert p.undo_text().startswith("Create")  # ...and the history is intact
    p._db.execute("PRAGMA max_page_count = 1073741823")  # space freed: work goes on
    p.create_segment(Segment(item, tier, 500, 510, "head up"))
    path = p.path
    p.close()
    with Project.open(path) as again:
        assert again.count_segments() == 6 and again.integrity_check() == "ok"


def test_newer_schema_is_refused_and_left_alone(tmp_path) -> None:
    path = _project(tmp_path / "future").path
    Project.open(path).close()
    with sqlite3.connect(path / "project.sqlite") as db:
        db.execute(f"PRAGMA user_version = {store_schema.SCHEMA_VERSION + 1}")
    with pytest.raises(ProjectError, match="newer version of MG Studio"):
        Project.open(path)
    with pytest.raises(ProjectError, match="newer version of MG Studio"):
        Project.open(path, read_only=True)
    with sqlite3.connect(path / "project.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == store_schema.SCHEMA_VERSION + 1


def test_older_schema_is_migrated_with_a_backup(tmp_path, monkeypatch) -> None:
    p = _project(tmp_path / "old")
    path = p.path
    p.close()
    v = store_schema.SCHEMA_VERSION
    monkeypatch.setattr(store_schema, "MIGRATIONS", [*store_schema.MIGRATIONS, "ALTER TABLE items ADD COLUMN extra TEXT;"])
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", v + 1)
    with Project.open(path) as again:
        assert again._q("PRAGMA user_version")[0][0] == v + 1
        assert "extra" in [r[1] for r in again._q("PRAGMA table_info(items)")]
        assert again.count_segments() == 5
    backup = path / f"project.sqlite.v{v}.bak"
    with sqlite3.connect(backup) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == v
        assert db.execute("SELECT count(*) FROM segments").fetchone()[0] == 5


def test_broken_migration_leaves_the_project_unchanged(tmp_path, monkeypatch) -> None:
    p = _project(tmp_path / "old")
    path = p.path
    p.close()
    v = store_schema.SCHEMA_VERSION
    monkeypatch.setattr(store_schema, "MIGRATIONS", [*store_schema.MIGRATIONS, "ALTER TABLE nope ADD COLUMN x;"])
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", v + 1)
    with pytest.raises(ProjectError, match="left unchanged"):
        Project.open(path)
    monkeypatch.undo()
    with Project.open(path) as again:
        assert again.count_segments() == 5


def _fake_video(path: Path, seed: int, size: int = 3 * 2**20) -> Path:
    path.write_bytes(np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes())
    return path


INFO = {"fps": 29.97, "frame_count": 300, "width": 640, "height": 360}


def test_missing_moved_and_changed_video(tmp_path) -> None:
    vids = tmp_path / "videos"
    vids.mkdir()
    video = _fake_video(vids / "session1.mp4", seed=1)
    with Project.create(tmp_path / "media", annotator="alice") as p:
        item = p.add_video(video, attributes={"subject": "S01"}, info=INFO)
        assert (item.kind, item.name, item.frame_count, item.width) == ("video", "session1", 300, 640)
        assert str(item.rate) == "30000/1001"
        assert p.check_media(item.id) == "ok"
        with pytest.raises(ProjectError, match="already in the project"):
            p.add_video(video, info=INFO)
        with pytest.raises(ProjectError, match="frame rate"):
            p.add_video(_fake_video(vids / "other.mp4", seed=9), info=None)
        with pytest.raises(ProjectError, match="does not exist"):
            p.add_video(vids / "nope.mp4", info=INFO)

        # The user reorganises their disk: the video is moved and renamed.
        moved_dir = tmp_path / "archive" / "2024"
        moved_dir.mkdir(parents=True)
        _fake_video(moved_dir / "decoy.mp4", seed=2)  # same size, other content
        moved = moved_dir / "interview-1.mp4"
        video.rename(moved)
        assert p.check_media(item.id) == "missing"
        assert p.find_moved(item.id, [tmp_path / "archive"]) == moved
        with pytest.raises(ProjectError, match="not the same video"):
            p.relink(item.id, moved_dir / "decoy.mp4")
        assert p.relink(item.id, moved).video_path == str(moved.resolve())
        assert p.check_media(item.id) == "ok"
        assert p.audit(item_id=item.id, limit=1)[0].action == "relink"

        # Another file is put in its place.
        moved.unlink()
        _fake_video(moved, seed=3)
        assert p.check_media(item.id) == "changed"
        assert p.find_moved(item.id, [tmp_path]) is None
        # The quick check the window uses reads no byte: it sees a size change, not a same-size swap.
        assert p.check_media(item.id, verify=False) == "ok"
        moved.write_bytes(b"a few bytes")
        assert p.check_media(item.id, verify=False) == "changed"
        moved.unlink()
        assert p.check_media(item.id, verify=False) == "missing"
