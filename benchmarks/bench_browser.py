"""How long the project browser holds the GUI thread when it refreshes a 40-video study.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_browser``.

The browser refreshes its statuses after every job (extraction, proposals, training). Each
video's state (there, missing, or replaced by another file) used to be checked by hashing its
first and last MiB on the GUI thread; now the GUI thread only ``stat``s the files and a thread
hashes each file version once. Baseline, measured in the same run: the GUI thread doing those
hashes (what the old refresh added). The files are in the page cache here: on a USB or network
drive each read costs far more, so the ratio is a lower bound.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks.qt_loop import wait_for  # noqa: E402
from mgstudio.app.shell.project_browser import ProjectBrowser  # noqa: E402
from mgstudio.app.session.state import AppState  # noqa: E402
from mgstudio.core.project import Project  # noqa: E402

N_VIDEOS = 40
SIZE = 8 * 2**20
INFO = {"fps": 25.0, "frame_count": 90_000, "width": 1280, "height": 720}
REPEATS = 15


def main() -> None:
    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-browser-"))
    rng = np.random.default_rng(0)
    (tmp / "videos").mkdir()
    with Project.create(tmp / "study.mgproj", annotator="alice") as p:
        for k in range(N_VIDEOS):
            video = tmp / "videos" / f"interview{k:02d}.mp4"
            video.write_bytes(rng.integers(0, 256, SIZE, dtype=np.uint8).tobytes())
            p.add_video(video, info=INFO)
    state = AppState()
    state.set_project(Project.open(tmp / "study.mgproj", annotator="alice"))
    items = state.project.items()

    t0 = time.perf_counter()
    browser = ProjectBrowser(state)  # first refresh: stats, and starts the verifying thread
    first = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    wait_for(lambda: browser.media_thread is not None and not browser.media_thread.is_alive(), 60)
    app.processEvents()
    verified = (time.perf_counter() - t0) * 1000

    now, old = [], []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        browser.refresh_statuses()
        now.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        for it in items:  # what the old refresh did on top, on the GUI thread
            state.project.check_media(it.id, verify=True)
        old.append((time.perf_counter() - t0) * 1000)
    now_ms, old_ms = statistics.median(now), statistics.median(old)
    print(f"{N_VIDEOS} videos: first refresh {first:.1f} ms on the GUI thread "
          f"(content verified in a thread within {verified:.0f} ms)")
    print(f"refresh after a job: {now_ms:.1f} ms now vs {now_ms + old_ms:.1f} ms with the hashes on the "
          f"GUI thread (baseline): {(now_ms + old_ms) / now_ms:.1f}x less GUI-thread time")
    state.project.close()


if __name__ == "__main__":
    main()
