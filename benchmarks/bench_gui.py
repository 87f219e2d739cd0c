"""GUI responsiveness and player speed.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_gui``.

1. Heartbeat: a 10 ms ``QTimer`` on the GUI thread; gaps between its ticks (max, p95) while
   MediaPipe extracts 100 frames of the demo video in a thread ``Worker`` and in a
   ``ProcessWorker`` (what the app uses), against the idle GUI measured in the same run.
2. Player: time from asking for a random frame to the picture on screen (demo video), and
   playback at 1x and 4x (frames shown / frames due, clock error), against decoding the same
   frames with ``VideoReader`` alone in the same run.
"""

from __future__ import annotations

import os
import random
import sys
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _k in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
    os.environ.pop(_k, None)

from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks.qt_loop import pump, wait_for  # noqa: E402
from mgstudio.workflows import demo  # noqa: E402
from mgstudio.app.main import GIL_SWITCH_S  # noqa: E402
from mgstudio.app.player import PlayerWidget  # noqa: E402
from mgstudio.app.session.state import AppState  # noqa: E402
from mgstudio.app.concurrency.workers import ProcessWorker, Worker  # noqa: E402
from mgstudio.core.project import Project  # noqa: E402
from mgstudio.media.video import VideoReader  # noqa: E402
from tests.support.heartbeat import Heartbeat  # noqa: E402

N_EXTRACT = 100


def heartbeat(run_until_done) -> tuple[float, float, int]:
    """(worst, p95 gap in ms, ticks) of the GUI heartbeat while ``run_until_done()`` runs."""
    beat = Heartbeat()
    beat.start()
    run_until_done()
    beat.stop()
    p95, worst = beat.summary()
    return worst, p95, len(beat.gaps)


def extract_in(worker_cls: type, project_path: Path, item_id: int) -> None:
    w = worker_cls(_extract_first_frames, str(project_path), item_id, title="extract")
    w.start()
    wait_for(w.isFinished, 600)
    if w.error is not None:
        raise SystemExit(f"extraction failed: {w.error} {w.error.detail}")


def _extract_first_frames(project_path: str, item_id: int, progress=None, cancel=None) -> int:  # noqa: ANN001
    from mgstudio.media.pose import PoseSettings, extract_pose

    with Project.open(project_path) as p:
        item = p.item(item_id)
        seq = extract_pose(item.video_path, PoseSettings(stop_frame=N_EXTRACT), progress=progress, cancel=cancel,
                           cache_dir=tempfile.mkdtemp())
        return len(seq.xy)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    sys.setswitchinterval(GIL_SWITCH_S)  # as the app does (mgstudio.app.main)
    tmp = Path(tempfile.mkdtemp())
    os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")
    project_path = demo.build_demo_project(tmp / "demo")
    with Project.open(project_path) as p:
        item_id = p.items()[0].id

    print(f"1. GUI heartbeat (10 ms timer) while MediaPipe extracts {N_EXTRACT} frames; load avg "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    base = heartbeat(lambda: pump(2.0))
    print(f"   idle GUI (baseline)      worst {base[0]:6.1f} ms   p95 {base[1]:5.1f} ms   ({base[2]} ticks)")
    for cls in (Worker, ProcessWorker):
        m = heartbeat(lambda cls=cls: extract_in(cls, project_path, item_id))
        print(f"   {cls.__name__:<14} job      worst {m[0]:6.1f} ms   p95 {m[1]:5.1f} ms   ({m[2]} ticks)  "
              f"worst/baseline {m[0] / max(base[0], 1e-3):.1f}x")

    print("2. Player on the demo video (640x360 H.264, 25 fps)")
    rng = random.Random(0)
    frames = [rng.randrange(demo.N_FRAMES) for _ in range(40)]
    with VideoReader(project_path.parent / demo.VIDEO_NAME, cache_frames=0) as r:
        t0 = time.perf_counter()
        for f in frames:
            r.frame(f)
        direct = (time.perf_counter() - t0) / len(frames) * 1000
    with Project.open(project_path) as p:
        state = AppState()
        w = PlayerWidget(state)
        w.resize(800, 500)
        w.show()
        state.set_project(p)
        state.set_item(item_id)
        pump(0.5)
        lat = []
        for f in frames:
            t0 = time.perf_counter()
            state.set_frame(f)
            while w.view.shown_frame != f:
                app.processEvents()
                time.sleep(0.0005)
            lat.append((time.perf_counter() - t0) * 1000)
        print(f"   random seek to picture: median {statistics.median(lat):.1f} ms, worst {max(lat):.1f} ms "
              f"(VideoReader.frame alone, same frames: {direct:.1f} ms; ratio {statistics.median(lat) / direct:.2f})")
        for speed in (1.0, 4.0):
            state.set_frame(0)
            pump(0.3)
            state.set_speed(speed)
            shown0 = w.frames_shown
            t0 = time.perf_counter()
            state.set_playing(True)
            while state.playing:
                app.processEvents()
                time.sleep(0.0005)
            took = time.perf_counter() - t0
            due = demo.N_FRAMES / (demo.FPS * speed)
            shown = w.frames_shown - shown0
            print(f"   play {speed:g}x: {took:.2f} s for {due:.2f} s of video (clock error {100 * (took - due) / due:+.1f}%), "
                  f"{shown}/{demo.N_FRAMES} frames shown ({100 * shown / demo.N_FRAMES:.0f}%)")
        w.close_media()


if __name__ == "__main__":
    main()
