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


def test_a_laptop_sized_list_shows_frame_rate_and_length_without_sideways_scrolling(tmp_path, qtbot) -> None:
    from mgstudio.core.layouts import CANONICAL
    from mgstudio.core.skeleton import SkeletonSequence

    with Project.create(tmp_path / "study.mgproj", annotator="alice") as p:
        p.add_video(_video(tmp_path / "interview_2021_03_17_participant_07_session_2.mp4", seed=1), info=INFO)
        seq = SkeletonSequence.empty(CANONICAL, 21050, 25.0)
        seq.conf[:] = 1.0
        p.add_skeleton_item("openpose_0042", seq)
    state = AppState()
    state.set_project(Project.open(p.path, annotator="alice"))
    browser = ProjectBrowser(state)
    qtbot.addWidget(browser)
    browser.show()
    tree = browser.tree
    for width in (311, 290):  # the list's width in the default layout at 1366×768 and 1280×720
        browser.resize(width + 10, 300)
        qtbot.waitUntil(lambda: tree.viewport().width() <= width, timeout=2000)
        qtbot.wait(20)
        assert browser.compact
        assert tree.horizontalScrollBar().maximum() == 0  # nothing hides to the right
        assert browser.visible_text(0).endswith("25 fps · 0:10 · no skeleton")
        assert browser.visible_text(1) == "openpose_0042\n25 fps · 14:02 · skeleton ✓"
        assert tree.header().sectionSize(0) <= tree.viewport().width()
        assert tree.visualItemRect(tree.topLevelItem(0)).height() >= 2 * tree.fontMetrics().height()
    browser.resize(760, 300)  # a widened dock: the columns come back, all of them on screen
    qtbot.waitUntil(lambda: not browser.compact, timeout=2000)
    head = tree.header()
    assert sum(head.sectionSize(c) for c in range(head.count())) <= tree.viewport().width()
    assert browser.visible_text(1) == "openpose_0042  ✓  –  –  25  14:02"
    browser.resize(300, 300)
    qtbot.waitUntil(lambda: browser.compact, timeout=2000)
