"""The project browser checks the project's videos without reading them on the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

import mgstudio.core.fingerprint as fingerprint_mod
from mgstudio.app.shell.project_browser import ProjectBrowser
from mgstudio.app.session.state import AppState
from mgstudio.core.project import Project

INFO = {"fps": 25.0, "frame_count": 250, "width": 640, "height": 360}


def _video(path: Path, seed: int) -> Path:
    path.write_bytes(np.random.default_rng(seed).integers(0, 256, 3 * 2**20, dtype=np.uint8).tobytes())
    return path


def test_videos_are_verified_in_a_thread_once_per_file_version(tmp_path, qtbot, monkeypatch) -> None:
    real = fingerprint_mod.fingerprint
    readers: list[str] = []

    def recording_fingerprint(path):  # the real hash, noting which thread read the file
        readers.append(threading.current_thread().name)
        return real(path)

    videos = tmp_path / "videos"
    videos.mkdir()
    with Project.create(tmp_path / "study.mgproj", annotator="alice") as p:
        items = [p.add_video(_video(videos / f"interview{k}.mp4", seed=k), info=INFO) for k in range(3)]
    original = (videos / "interview1.mp4").read_bytes()
    _video(videos / "interview1.mp4", seed=99)  # same size, another recording: only the hash tells
    (videos / "interview2.mp4").unlink()
    monkeypatch.setattr(fingerprint_mod, "fingerprint", recording_fingerprint)

    state = AppState()
    state.set_project(Project.open(p.path, annotator="alice"))
    browser = ProjectBrowser(state)
    qtbot.addWidget(browser)
    assert browser.media_status(items[2].id) == "missing"  # known at once: the file is not there
    qtbot.waitUntil(lambda: browser.media_status(items[1].id) == "changed", timeout=10_000)
    assert browser.media_status(items[0].id) == "ok"
    assert readers and set(readers) == {"mg-verify-media"}, readers  # never the GUI thread
    assert "Relink" in browser.tree.topLevelItem(1).toolTip(0)

    # Statuses are refreshed after every job: files already verified are not read again.
    n = len(readers)
    browser.refresh_statuses()
    browser.media_thread and browser.media_thread.join(10)
    qtbot.wait(50)
    assert len(readers) == n and browser.media_status(items[1].id) == "changed"

    # The right recording is put back: its new version is verified and the mark goes away.
    (videos / "interview1.mp4").write_bytes(original)
    browser.refresh_statuses()
    qtbot.waitUntil(lambda: browser.media_status(items[1].id) == "ok", timeout=10_000)
    assert len(readers) == n + 1
    assert browser.tree.topLevelItem(1).foreground(0).color() != browser.tree.topLevelItem(2).foreground(0).color()
    state.project.close()
