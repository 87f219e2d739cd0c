"""U's active-learning order, worked out off the GUI thread and kept until the proposals or labels change.

:func:`mgstudio.workflows.recognize.active_review_order` embeds every unreviewed proposal with the
recognizer (seconds on a laptop), so it runs in a :class:`~mgstudio.app.concurrency.workers.ProcessWorker`:
started from the window, it shows in the status bar and closing the window cancels it. The first
press of U on an item asks for the order; until it is ready U falls back to the least confident
proposal (and says so). Any change of the item's segments marks the order stale and, after a short
pause, asks for a fresh one (the newest request wins; an older job still running is cancelled).
Meanwhile the stale order is still followed for the proposals it covers: its greedy spread already
assumed each pick gets reviewed. Proposals the order has never seen (a new proposal pass) make it
unusable until the fresh one arrives.
"""

from __future__ import annotations

from typing import Any, TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from mgstudio.app.concurrency.workers import ProcessWorker
from mgstudio.core.errors import MGStudioError
from mgstudio.core.segments import Segment, Source, Status

if TYPE_CHECKING:
    from mgstudio.core.project import Project

REFRESH_MS = 1500  # pause after the last edit before the order is worked out again


class ActiveOrder(QObject):
    """``next(project, item_id)`` → ``(segment or None, ready)``; ``ready`` False = fall back."""

    ready = Signal(int)  # item id whose order just arrived

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project: Any = None
        self._item_id: int | None = None
        self._order: list[int] | None = None
        self._stale = False
        self._generation = 0
        self.worker: ProcessWorker | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start)
        self.computed = 0  # orders received so far (tests)

    # ------------------------------------------------------------------ cache keeping
    def reset(self) -> None:
        """Another project or item: forget the order and stop working on it."""
        self._timer.stop()
        self._cancel_worker()
        self._project, self._item_id, self._order, self._stale = None, None, None, False
        self._generation += 1

    def changed(self) -> None:
        """The item's proposals or labels changed: the order is stale; ask again after a pause
        (only once U has been used on this item)."""
        if self._item_id is None:
            return
        self._stale = True
        self._generation += 1
        self._timer.start(REFRESH_MS)

    def request(self, project: Project, item_id: int) -> None:
        """Work out the order of ``item_id`` now unless it is known or being worked out."""
        if project is not self._project or item_id != self._item_id:
            self.reset()
            self._project, self._item_id = project, item_id
        if (self._order is not None and not self._stale) or self._timer.isActive() or self._busy():
            return
        self._start()

    def _busy(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def _cancel_worker(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None

    def _start(self) -> None:
        if self._project is None or self._item_id is None or getattr(self._project, "path", None) is None:
            return
        from mgstudio.workflows.recognize import active_review_order

        self._cancel_worker()  # newest request wins
        gen, item_id = self._generation, self._item_id
        w = ProcessWorker(active_review_order, str(self._project.path), item_id,
                          title="Ordering the proposals for U")
        w.succeeded.connect(lambda ids, g=gen, i=item_id, worker=w: self._arrived(worker, g, i, ids))
        self.worker = w
        w.start()

    def _arrived(self, worker: ProcessWorker, gen: int, item_id: int, ids: list[int]) -> None:
        if item_id != self._item_id:
            return
        if worker is self.worker:
            self.worker = None
        if gen < self._generation and self._order is not None:
            return  # an older answer than the one we have or wait for
        self._order = list(ids)
        self._stale = gen < self._generation
        self.computed += 1
        self.ready.emit(item_id)

    # ------------------------------------------------------------------ U
    def is_ready(self, item_id: int) -> bool:
        return item_id == self._item_id and self._order is not None and not self._stale

    def next(self, project: Project, item_id: int) -> tuple[Segment | None, bool]:
        """The first still-unreviewed proposal of the order; ``(None, False)`` when there is no
        usable order yet (asked for here), ``(None, True)`` when the order is done."""
        self.request(project, item_id)
        if self._order is None or item_id != self._item_id:
            return None, False
        open_ids = {s.id for s in project.segments(item_id, statuses=[Status.PROPOSED], source=Source.MODEL)}
        if not open_ids.issubset(self._order):
            return None, False  # proposals it has not seen: wait for the fresh order
        for sid in self._order:
            if sid in open_ids:
                try:
                    return project.segment(sid), True
                except MGStudioError:
                    continue
        return None, True
