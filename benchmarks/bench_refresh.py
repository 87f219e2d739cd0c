"""One accept key press end to end with 10,000 proposals on a 2-hour recording.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_refresh``.

A window with the real :class:`ReviewController` and all its docks (timeline, palette,
inspector, proposals list) and the :class:`ProjectBrowser`. Each press: select a proposal, press
A (the controller's action), let every view listening to ``segmentsChanged`` catch up, then paint
the timeline and the proposals table. Timed both ways in the same run, presses interleaved:

* after: views patch only the segments the project's change log names;
* before: the change log is made to answer "re-read everything" (``Project.CHANGES_LIMIT = 0``),
  so every view re-reads the item as it did before (the browser's full path already counts in
  SQLite instead of reading every segment, so the old browser was slower than this baseline).

Prints the median milliseconds per press (end to end, and up to the moment every view has caught
up but not yet painted), SQL statements per press, and the ratios; then the same for Ctrl+Z
(undo), which before this change always re-read everything.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402

from benchmarks.bench_review import N_PROPOSALS, build  # noqa: E402
from mgstudio.app.shell.project_browser import ProjectBrowser  # noqa: E402
from mgstudio.app.review import ReviewController  # noqa: E402
from mgstudio.app.shell.review_docks import make_review_docks  # noqa: E402
from mgstudio.app.session.state import AppState  # noqa: E402
from mgstudio.core.segments import Source, Status  # noqa: E402

PRESSES = 40  # per mode


def main() -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        pr, item_id = build(Path(tmp) / "bench")
        win = QMainWindow()
        state = AppState()
        ctl = ReviewController(state, win, settings=QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        make_review_docks(state, win, ctl)
        browser = ProjectBrowser(state)
        win.setCentralWidget(browser)
        state.set_project(pr)
        state.set_item(item_id)
        win.resize(1400, 900)
        win.show()
        app.processEvents()
        tl, dock = ctl.timeline_dock.timeline, ctl.proposals_dock
        tl.zoom_fit()
        tl.repaint()
        statements: list[str] = []
        pr.trace_sql(statements.append)
        todo = [s.id for s in pr.segments(item_id, statuses=[Status.PROPOSED], source=Source.MODEL)]
        limit = pr.CHANGES_LIMIT

        def presses(action: str, select: bool) -> None:
            """Press ``action`` PRESSES times per mode, interleaved; print the figures."""
            times: dict[str, list[float]] = {"before": [], "after": []}
            data: dict[str, list[float]] = {"before": [], "after": []}  # the edit and the views' reads, no paint
            counts: dict[str, list[int]] = {"before": [], "after": []}
            for k in range(2 * PRESSES):
                mode = "before" if k % 2 else "after"
                pr.CHANGES_LIMIT = 0 if mode == "before" else limit
                if select:
                    state.set_selection([todo[k * 97 % len(todo)]])
                app.processEvents()
                statements.clear()
                t0 = time.perf_counter()
                ctl.actions[action].trigger()
                data[mode].append((time.perf_counter() - t0) * 1000)
                app.processEvents()
                tl.repaint()
                dock.table.viewport().repaint()
                times[mode].append((time.perf_counter() - t0) * 1000)
                counts[mode].append(len(statements))
            pr.CHANGES_LIMIT = limit
            before, after = statistics.median(times["before"]), statistics.median(times["after"])
            d_before, d_after = statistics.median(data["before"]), statistics.median(data["after"])
            act = ctl.actions[action]
            print(f"“{act.text()}” ({act.shortcut().toString()}) pressed {PRESSES} times per mode (interleaved):")
            print(f"  before, every view re-reads the item: {before:8.1f} ms per press (median; {d_before:6.1f} ms "
                  f"before painting), {statistics.median(counts['before']):.0f} SQL statements")
            print(f"  after, views patch what changed:      {after:8.1f} ms per press (median; {d_after:6.1f} ms "
                  f"before painting), {statistics.median(counts['after']):.0f} SQL statements")
            print(f"  ratio before / after: {before / after:6.1f}x end to end, "
                  f"{d_before / d_after:6.1f}x before painting")

        print(f"{N_PROPOSALS} proposals on a 2-hour recording; controller + timeline + proposals list + inspector "
              "+ browser, painted")
        presses("accept", select=True)
        presses("undo", select=False)  # takes back the accepts above, one per press
        pr.trace_sql(None)
        win.close()
        pr.close()


if __name__ == "__main__":
    main()
