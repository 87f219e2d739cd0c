"""The main window: opens the demo project with its statuses, remembers where the user was (also
after a crash) and the dock layout, adds dropped videos, and extracts a skeleton in a worker while
the GUI keeps responding."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from mgstudio.workflows.demo import build_demo_project

from tests.support.clips import make_numbered_clip
from tests.support.heartbeat import Heartbeat

pytestmark = pytest.mark.gl  # the window holds the OpenGL 3D view

if not os.environ.get("DISPLAY") and not os.environ.get("CI"):
    pytest.skip("the main window's 3D view needs a display: run under xvfb-run (make test does)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory) -> Path:
    return build_demo_project(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def env(tmp_path, monkeypatch, demo_source):
    monkeypatch.setenv("MGSTUDIO_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("MGSTUDIO_DATA_DIR", str(tmp_path / "data"))
    project = tmp_path / "demo.mgproj"
    shutil.copytree(demo_source, project)
    return tmp_path, project


def own_video_copy(tmp: Path, project: Path) -> Path:
    """Relink the first recording to this test's own copy of its video (the demo's is shared)."""
    from mgstudio.core.project import Project

    with Project.open(project) as p:
        item = p.items()[0]
        video = tmp / "videos" / Path(item.video_path).name
        video.parent.mkdir()
        shutil.copy(item.video_path, video)
        p.relink(item.id, video)
    return video


def new_window(qtbot):
    from mgstudio.app.shell.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitActive(w)
    return w


def test_open_demo_and_come_back_after_a_crash(qtbot, env) -> None:
    from mgstudio.app.shell.settings import Settings

    tmp, project = env
    w = new_window(qtbot)
    assert w.open_project(project)
    rows = w.browser.row_texts()
    assert [r[:4] for r in rows] == [["stick figure (demo)", "✓", "7", "29 %"]]  # 2 of 7 proposals reviewed
    qtbot.waitUntil(lambda: w.player.reader is not None, timeout=10_000)  # opened in a thread
    assert w.state.item is not None
    # clicking the recording list leaves the keys (arrows, Space, label keys) to the player
    tree = w.browser.tree
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=tree.visualItemRect(tree.topLevelItem(0)).center())
    assert w.focusWidget() is w.player.view
    w.state.set_frame(137)
    qtbot.waitUntil(lambda: w.player.view.shown_frame == 137, timeout=5000)
    assert "137" in w.player.transport.frame_label.text()
    w.view3d_dock.hide()
    w.settings.save_window(w)
    qtbot.wait(600)  # the position is saved shortly after the user stops moving
    # "crash": the window and project are dropped without closeEvent / close_project
    w.player.close_media()
    w.hide()

    w2 = new_window(qtbot)
    last = Settings().last_project
    assert last is not None and last.resolve() == project.resolve()
    assert w2.open_project(last)
    assert w2.state.item.name == "stick figure (demo)"
    assert w2.state.frame == 137
    qtbot.waitUntil(lambda: w2.player.view.shown_frame == 137, timeout=5000)
    assert w2.view3d_dock.isHidden()  # dock layout remembered
    assert project.resolve() in [p.resolve() for p in Settings().recent_projects()]
    w2.close()


def test_drop_a_video_and_extract_its_skeleton_without_stalling(qtbot, env) -> None:
    tmp, project = env
    w = new_window(qtbot)
    w.open_project(project)
    clip = make_numbered_clip(tmp / "session 2.mp4", n_frames=12, size=(160, 120))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip))])
    ev = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                    Qt.KeyboardModifier.NoModifier)
    w.dropEvent(ev)
    qtbot.waitUntil(lambda: len(w.browser.row_texts()) == 2, timeout=20_000)
    assert w.state.item.name == "session 2"
    assert w.browser.row_texts()[1][1] == "–"  # no skeleton yet

    beat = Heartbeat()
    qtbot.wait(500)  # let the window finish its first paint
    worker = w.extract_skeleton()
    assert worker is not None and w.worker_panel.busy
    beat.start()
    qtbot.waitUntil(lambda: not w.worker_panel.busy, timeout=120_000)
    beat.stop()
    assert worker.error is None, worker.error and worker.error.detail
    assert w.browser.row_texts()[1][1] == "✓"  # skeleton saved into the project
    assert w.project.has_skeleton(w.state.item_id)
    beat.check("MediaPipe extracts a skeleton")  # it runs in a child process
    w.close()


def test_cancel_extraction_from_the_status_bar(qtbot, env) -> None:
    tmp, project = env
    w = new_window(qtbot)
    w.open_project(project)  # the demo video: 600 frames, far longer than the test waits
    worker = w.extract_skeleton()
    qtbot.waitSignal(worker.progress, timeout=60_000).wait()
    with qtbot.waitSignal(worker.cancelled, timeout=30_000):
        w.worker_panel.cancel_button.click()
    qtbot.waitUntil(lambda: not w.worker_panel.busy, timeout=10_000)
    assert "cancelled" in w.status_label.text()
    assert not w.project.has_skeleton(w.state.item_id) or w.project.load_skeleton(w.state.item_id) is not None
    w.close()


def test_mgstudio_gui_demo_command_opens_the_demo(tmp_path) -> None:
    """`mgstudio gui --demo` (what `make run` does) builds the demo in the data folder and shows it."""
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    env = dict(os.environ, MGSTUDIO_DATA_DIR=str(tmp_path / "data"), MGSTUDIO_SETTINGS=str(tmp_path / "s.ini"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), MGSTUDIO_STARTUP_PROBE="1",
               MGSTUDIO_STARTUP_SCREENSHOT=str(tmp_path / "shot.png"))
    root = Path(__file__).resolve().parents[3]
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    run = subprocess.run([sys.executable, "-m", "mgstudio", "gui", "--demo"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "MGSTUDIO_WINDOW_SHOWN" in run.stdout
    assert (tmp_path / "data" / "demo" / "MG Studio demo.mgproj" / "project.sqlite").is_file()
    assert "MG Studio demo.mgproj" in (tmp_path / "s.ini").read_text()  # reopened next time
    shot = QImage(str(tmp_path / "shot.png"))
    assert shot.width() > 800 and shot.height() > 500


def test_moved_video_is_relinked_and_skeleton_files_are_dropped(qtbot, env) -> None:
    import numpy as np

    from mgstudio.formats.ntu import format_skeleton

    tmp, project = env
    video = own_video_copy(tmp, project)
    moved = tmp / "moved" / video.name
    moved.parent.mkdir()
    shutil.move(str(video), moved)
    w = new_window(qtbot)
    w.open_project(project)
    assert "was not found" in w.player.view.message and w.player.reader is None
    qtbot.waitUntil(lambda: w.player.view.skeleton is not None, timeout=10_000)  # still plays alone
    assert "shown alone" in w.player.view.message
    assert w.relink_to(moved)
    qtbot.waitUntil(lambda: w.player.reader is not None, timeout=10_000)
    assert w.player.view.message == ""
    qtbot.waitUntil(lambda: w.player.view.shown_frame == w.state.frame, timeout=5000)

    rng = np.random.default_rng(1)
    body = np.array([0.0, 0.0, 2.5]) + rng.normal(0, 0.2, (25, 3))
    frames = [[body + 0.01 * t] for t in range(30)]
    ntu = tmp / "S001C001P001R001A001.skeleton"
    ntu.write_text(format_skeleton(frames))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ntu))])
    w.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                           Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: len(w.browser.row_texts()) == 2, timeout=20_000)
    assert w.state.item.kind == "skeleton" and w.state.frame_count == 30
    assert w.browser.row_texts()[1][1] == "✓"
    qtbot.waitUntil(lambda: w.player.skeleton is not None, timeout=10_000)  # read in a thread
    w.state.set_frame(10)
    w.player.view.grab()
    assert w.player.view.joints_drawn > 10  # the Kinect skeleton is drawn without a video
    w.close()


@pytest.mark.slow
def test_find_gestures_and_themes(qtbot, env) -> None:
    """Tools ▸ Find gestures runs the recognizer in a child process; the proposals list follows."""
    from mgstudio.app.shell.settings import Settings
    from mgstudio.core.segments import Source, Status

    tmp, project = env
    w = new_window(qtbot)
    w.open_project(project)
    item_id = w.state.item_id
    before = {s.id for s in w.project.segments(item_id, source=Source.MODEL, statuses=[Status.PROPOSED])}
    changed: list[bool] = []
    w.state.segmentsChanged.connect(lambda: changed.append(True))
    worker = w.make_proposals()
    qtbot.waitUntil(lambda: not w.worker_panel.busy, timeout=240_000)
    assert worker.error is None, worker.error and worker.error.detail
    after = w.project.segments(item_id, source=Source.MODEL)
    fresh = [s for s in after if s.status == Status.PROPOSED]
    assert fresh and not ({s.id for s in fresh} & before)  # un-reviewed proposals were replaced
    assert sum(s.status == Status.ACCEPTED for s in after) == 2  # reviewed ones were kept
    assert changed and "ready for review" in w.status_label.text()
    assert w.project.can_undo()  # one undo step brings the old proposals back

    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    saved = (app.style().name(), app.palette(), app.styleSheet())
    try:
        w.set_theme("light")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 200
        assert Settings().theme == "light"
        w.set_theme("dark")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 60
    finally:  # the theme is app-wide: leave the next tests the look they started with
        app.setStyle(saved[0])
        app.setPalette(saved[1])
        app.setStyleSheet(saved[2])
    w.close()


@pytest.mark.slow
def test_learn_from_my_labels_shows_accuracy_before_use(qtbot, env) -> None:
    """Tools ▸ Learn from my labels trains in a child process, shows the cross-validated accuracy
    per label, and changes proposals only after the user says to use the new model."""
    from mgstudio.core.segments import Source, Status
    from mgstudio.recognition.learning import active_version

    tmp, project = env
    w = new_window(qtbot)
    w.open_project(project)
    item_id = w.state.item_id
    before = {s.id for s in w.project.segments(item_id, source=Source.MODEL, statuses=[Status.PROPOSED])}
    asked: list[tuple[int, str]] = []
    answer = [False]
    w.confirm_label_model = lambda v, s, outcome=None: asked.append((v, s)) or answer[0]  # the user's click
    worker = w.learn_from_labels()
    qtbot.waitUntil(lambda: not w.worker_panel.busy, timeout=240_000)
    assert worker.error is None, worker.error and worker.error.detail
    assert asked and asked[0][0] == 1 and "Cross-validated accuracy" in asked[0][1]
    # declined: nothing changed
    assert active_version(w.project) is None
    assert {s.id for s in w.project.segments(item_id, source=Source.MODEL, statuses=[Status.PROPOSED])} == before
    assert "kept aside" in w.status_label.text()
    # accepted: the model is used and un-reviewed proposals are made again
    worker = w.use_label_model(1)
    qtbot.waitUntil(lambda: not w.worker_panel.busy, timeout=240_000)
    assert worker.error is None, worker.error and worker.error.detail
    assert active_version(w.project).version == 1
    assert "Using label model v1" in w.status_label.text()
    w.close()


def test_rotating_the_3d_view_keeps_the_keyboard_with_the_player(qtbot, env) -> None:
    """Dragging in the 3D view turns the body; the review keys (→ steps a frame) still work after."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    from mgstudio.app.player.grab import grab

    _tmp, project = env
    w = new_window(qtbot)
    w.open_project(project, restore=False)
    qtbot.waitUntil(lambda: w.view3d is not None and w.view3d.points is not None, timeout=20_000)
    view = w.view3d
    azimuth = view.camera()["azimuth"]
    glw = view.gl
    centre = QPoint(glw.width() // 2, glw.height() // 2)
    QTest.mousePress(glw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    for dx in (10, 20, 40):
        QTest.mouseMove(glw, centre + QPoint(dx, 0))
    QTest.mouseRelease(glw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre + QPoint(40, 0))
    qtbot.waitUntil(lambda: view.camera()["azimuth"] != azimuth, timeout=5000)
    frame = w.state.frame
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.state.frame == frame + 1, timeout=5000)
    # a screenshot of the window shows the 3D view's picture, not a blank hole
    pix = grab(w).toImage()
    box = view.gl_container
    at = box.mapTo(w, QPoint(box.width() // 2, box.height() // 2))
    region = pix.copy(at.x() - 60, at.y() - 80, 120, 160)
    colours = {region.pixel(x, y) for x in range(0, 120, 4) for y in range(0, 160, 4)}
    assert len(colours) > 3, "the 3D view is blank in the screenshot"
    w.close()


def test_3d_view_keeps_drawing_when_its_dock_floats_and_comes_back(qtbot, env) -> None:
    """The 3D view is a native OpenGL window inside its dock: floating the dock, docking it again,
    closing and reopening it (View menu) and tabbing it with the timeline all keep the skeleton."""
    import numpy as np

    _tmp, project = env
    w = new_window(qtbot)
    w.open_project(project, restore=False)
    qtbot.waitUntil(lambda: w.view3d is not None and w.view3d.points is not None, timeout=20_000)
    view, dock = w.view3d, w.view3d_dock

    def lit() -> int:
        img = view.gl.grabFramebuffer()
        arr = np.array([[img.pixelColor(x, y).red() for x in range(0, img.width(), 4)]
                        for y in range(0, img.height(), 4)])
        return int((arr > 80).sum())

    def drawn() -> bool:
        return view.gl.isExposed() and lit() > 20

    qtbot.waitUntil(drawn, timeout=5000)
    dock.setFloating(True)
    dock.resize(420, 420)
    qtbot.waitUntil(drawn, timeout=5000)
    dock.setFloating(False)
    qtbot.waitUntil(drawn, timeout=5000)
    dock.hide()
    qtbot.waitUntil(lambda: not view.gl.isExposed(), timeout=5000)
    dock.show()
    qtbot.waitUntil(drawn, timeout=5000)
    w.tabifyDockWidget(w.review.timeline_dock, dock)
    dock.raise_()
    qtbot.waitUntil(drawn, timeout=5000)
    w.close()


def test_adding_long_skeletons_keeps_the_window_fluid_and_reports_a_bad_file(qtbot, env) -> None:
    import pickle

    import numpy as np
    from PySide6.QtWidgets import QMessageBox

    tmp, project = env
    rng = np.random.default_rng(2)
    hour = tmp / "interview 3.pkl"  # an hour of MediaPipe Holistic in 2D (a PYSKL-style pose list)
    hour.write_bytes(pickle.dumps({"pose": [rng.uniform(0, 1, (108_000, 75, 2)).astype(np.float32)]}))
    broken = tmp / "interview 4.skeleton"
    broken.write_text("this is not a Kinect file\n")
    w = new_window(qtbot)
    w.open_project(project)
    qtbot.waitUntil(lambda: w.player.reader is not None, timeout=10_000)
    qtbot.wait(300)
    beat = Heartbeat()
    beat.start()
    worker = w.add_files([hour, broken])
    qtbot.waitUntil(lambda: not w.worker_panel.busy, timeout=120_000)
    beat.stop()
    assert worker.error is None, worker.error and worker.error.detail
    assert [r[0] for r in w.browser.row_texts()][1:] == ["interview 3/0000"]  # the good file is in
    assert w.state.item.name == "interview 3/0000" and w.state.frame_count == 108_000
    assert w.project.has_skeleton(w.state.item_id)
    box = next(b for b in w.findChildren(QMessageBox) if b.isVisible())  # the bad one is named
    assert "could not be added" in box.text() and "interview 4.skeleton" in box.text()
    assert "1 recording was added" in box.text()
    box.close()
    # Checking and writing the hour ran in a thread (on the GUI thread: a ~190 ms freeze).
    print("\nadding an hour of skeleton: GUI gaps p95 %.0f ms, worst %.0f ms" % beat.summary())
    beat.check("an hour of skeleton is added to the project")
    w.close()


def test_import_and_export_coding_from_the_file_menu(qtbot, env) -> None:
    from pympi.Elan import Eaf
    from PySide6.QtWidgets import QMessageBox

    from tests.support.waiting import wait_worker

    tmp, project = env
    w = new_window(qtbot)
    w.open_project(project)
    item = w.state.item
    kept = [s for s in w.project.segments(item.id) if s.status.value != "rejected"]

    # Export this recording for ELAN: every segment but rejected proposals, one tier per coder.
    worker = w.export_coding(tmp / "for elan.eaf")
    wait_worker(qtbot, worker, 30_000)
    assert worker.error is None, worker.error and worker.error.detail
    eaf = Eaf(str(tmp / "for elan.eaf"))
    assert sum(len(eaf.get_annotation_data_for_tier(t)) for t in eaf.get_tier_names()) == len(kept)
    assert "demo annotator" in eaf.get_tier_names()

    # A colleague coded the same video in ELAN: their tier comes in as one undoable step.
    theirs = Eaf()
    theirs.add_tier("bob")
    theirs.add_annotation("bob", 4000, 6000, "folding arms")
    theirs.add_annotation("bob", 10_000, 11_200, "rubbing eyes")
    theirs.to_file(str(tmp / "bob's coding.eaf"))
    worker = w.import_coding(tmp / "bob's coding.eaf")
    assert worker.pass_cancel  # the status bar's Cancel reaches the import
    wait_worker(qtbot, worker, 30_000)
    assert worker.error is None, worker.error and worker.error.detail
    timeline = w.review.timeline_dock.timeline
    bob = next(t for t in timeline.tiers if t.name == "bob")  # a row appeared for the new tier
    assert [(s.start, s.end, s.label) for s in w.project.segments(item.id, tier_id=bob.id)] == [
        (100, 150, "folding arms"), (250, 280, "rubbing eyes")]
    box = w.import_box
    assert box.isVisible() and "Imported 2 segment(s)" in box.text() and item.name in box.text()
    box.grab().save(str(tmp / "import.png"))
    box.close()

    # The same file again adds nothing, and the message does not offer an undo it has not made.
    worker = w.import_coding(tmp / "bob's coding.eaf")
    wait_worker(qtbot, worker, 30_000)
    again = w.import_box
    assert "already in the project" in again.text() and "made no undo step" in again.text()
    again.close()
    w.review.actions["undo"].trigger()  # Edit ▸ Undo takes the whole (first) import back
    qtbot.waitUntil(lambda: not w.project.segments(item.id, tier_id=bob.id), timeout=5000)

    # A broken file: a readable message, nothing changed.
    (tmp / "broken.eaf").write_text("<ANNOTATION_DOCUMENT><TIER")
    before = w.project.count_segments(None)
    worker = w.import_coding(tmp / "broken.eaf")
    wait_worker(qtbot, worker, 30_000)
    assert worker.error is not None and "could not be read as an ELAN file" in str(worker.error)
    assert w.project.count_segments(None) == before
    err = next(b for b in w.findChildren(QMessageBox) if b.isVisible() and b is not box)
    assert "broken.eaf" in err.text()
    err.close()
    w.close()


def test_every_job_shows_in_the_status_bar_and_closing_cancels_it(qtbot, env) -> None:
    """A job a panel starts itself (report, agreement, dataset export) shows in the window's status
    bar with Cancel, and closing the window stops it instead of leaving it running."""
    import threading

    from mgstudio.app.concurrency.workers import Worker, worker_registry

    seen_cancel = threading.Event()

    def long_job(progress, cancel) -> str:
        for i in range(2000):
            if cancel.is_set():
                seen_cancel.set()
                return "stopped"
            progress(i, 2000)
            cancel.wait(0.01)
        return "ran to the end"

    w = new_window(qtbot)
    job = Worker(long_job, title="Writing the emotion report")  # as a panel starts it: no run_worker
    job.start()
    qtbot.waitUntil(lambda: w.worker_panel.isVisible(), timeout=5000)
    assert "Writing the emotion report" in w.worker_panel.label.text()
    assert job in worker_registry().running()
    w.close()
    assert seen_cancel.is_set(), "closing the window left the panel's job running"
    assert not job.isRunning()


def test_a_replaced_video_is_refused_in_the_player_until_accepted(qtbot, env) -> None:
    """Another file at the video's place (same name and size, other content): the player says so
    and plays nothing until File ▸ Accept the changed video (or a relink)."""
    tmp, project = env
    video = own_video_copy(tmp, project)
    data = bytearray(video.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other content: only the fingerprint tells
    data[100] ^= 0xFF
    video.write_bytes(bytes(data))
    w = new_window(qtbot)
    w.open_project(project)
    qtbot.waitUntil(lambda: not w.player.opening, timeout=10_000)
    assert w.player.video_changed and w.player.reader is None
    assert "is not the file it was when it was added" in w.player.view.message
    assert "Accept the changed video" in w.player.view.message
    w.resize(1366, 768)
    qtbot.wait(200)
    w.grab().save(str(tmp / "replaced_video.png"))
    assert w.accept_changed_video()
    qtbot.waitUntil(lambda: w.player.reader is not None, timeout=10_000)
    assert not w.player.video_changed and w.player.view.message == ""
    qtbot.waitUntil(lambda: w.browser.media_status(w.state.item_id) == "ok", timeout=10_000)  # verified in a worker
    w.close()
