"""Loads the current item's skeleton once, off the GUI thread, for every view that shows it.

A 2-hour skeleton (216,000 frames) takes seconds to read; the GUI thread must never wait for it.
:func:`skeleton_loader` returns the one :class:`SkeletonLoader` of an
:class:`~mgstudio.app.session.state.AppState` (made on first use). It follows ``itemChanged``,
``projectChanged`` and ``skeletonChanged``; while it reads, ``loading`` is true and ``seq`` is
``None``; then ``loaded(item_id, seq)`` is emitted (``seq`` ``None`` = the item has no skeleton)
or ``failed(item_id, error)``. A load overtaken by another item is dropped, never shown. Use::

    loader = skeleton_loader(state)   # before connecting to state.itemChanged yourself
    loader.loaded.connect(view.show_skeleton)

Work a view needs on each new skeleton can run in the reading thread too, off the GUI thread:
``loader.add_preparer("name", fn)``; ``loader.prepared("name", seq)`` is then ``fn(seq)`` for the
skeleton just loaded (``None`` if it failed or was not made for ``seq``: compute it yourself).
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable, TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from mgstudio.app.concurrency.latest import Latest
from mgstudio.core.errors import MGStudioError

if TYPE_CHECKING:
    from mgstudio.core.project import Project

LOADING_TEXT = "Loading the skeleton…"


def _read(project: Project, item_id: int, preparers: dict[str, Callable[[Any], Any]]) -> tuple:
    """``(item_id, seq, error, prepared)``; runs in the reading thread."""
    try:
        seq = project.load_skeleton(item_id)  # files only: no SQLite here
    except MGStudioError as exc:
        return item_id, None, exc, {}
    except Exception as exc:  # noqa: BLE001 - shown to the user with details on demand
        return item_id, None, MGStudioError(
            f"The skeleton could not be read ({type(exc).__name__}).", detail=traceback.format_exc()), {}
    prepared: dict[str, Any] = {}
    if seq is not None:
        for name, fn in preparers.items():
            try:
                prepared[name] = fn(seq)
            except Exception:  # noqa: BLE001 - the view computes it itself (and reports)
                pass
    return item_id, seq, None, prepared


class SkeletonLoader(QObject):
    """The current item's skeleton, read in a thread; see the module docstring."""

    started = Signal(object)  # item_id
    loaded = Signal(object, object)  # item_id, SkeletonSequence | None
    failed = Signal(object, object)  # item_id, MGStudioError

    def __init__(self, state: Any) -> None:
        super().__init__(state)
        self.state = state
        self.item_id: int | None = None
        self.seq: Any = None
        self.loading = False
        # one reading thread; only the newest wish is read next (never a queue)
        self._reads = Latest(self._on_done, name="mg-skeleton", one_thread=True, parent=self)
        self._lock = threading.Lock()
        self._preparers: dict[str, Callable[[Any], Any]] = {}
        self._prepared: dict[str, Any] = {}
        state.itemChanged.connect(lambda _i: self.reload())
        state.projectChanged.connect(lambda _p: self.reload())
        state.skeletonChanged.connect(lambda i: i == state.item_id and self.reload())
        self.reload()

    def add_preparer(self, name: str, fn: Callable[[Any], Any]) -> None:
        """Run ``fn(seq)`` in the reading thread on every skeleton read from now on."""
        with self._lock:
            self._preparers = {**self._preparers, name: fn}

    def prepared(self, name: str, seq: Any) -> Any:
        """What preparer ``name`` made of ``seq`` (``None``: not made for this skeleton)."""
        if seq is None or seq is not self.seq:
            return None
        return self._prepared.get(name)

    def reload(self) -> None:
        """(Re)read the current item's skeleton; an unfinished older read is dropped."""
        st = self.state
        self.item_id, self.seq = st.item_id, None
        self._prepared = {}
        if st.project is None or self.item_id is None:
            self._reads.invalidate()
            self.loading = False
            return
        self.loading = True
        self.started.emit(self.item_id)
        self._reads.submit(self._read, st.project, self.item_id)

    def _read(self, project: Project, item_id: int) -> tuple:  # the reading thread
        with self._lock:
            preparers = self._preparers
        return _read(project, item_id, preparers)

    def _on_done(self, result: tuple) -> None:  # the newest read only: the user did not move on
        item_id, seq, error, prepared = result
        self.loading = False
        self.seq = seq
        self._prepared = dict(prepared)
        if error is not None:
            self.failed.emit(item_id, error)
        self.loaded.emit(item_id, seq)


def skeleton_loader(state: Any) -> SkeletonLoader:
    """The :class:`SkeletonLoader` of ``state`` (made and connected on first use)."""
    loader = getattr(state, "_skeleton_loader", None)
    if loader is None:
        loader = SkeletonLoader(state)
        state._skeleton_loader = loader
    return loader
