"""The proposals list: the model's segments of the current item in a sortable, filterable table.

Sort by clicking a column header (time, length, label, confidence, status); filter by status
with the combo box; double-click (or Enter) a row to jump there. A bar on top shows how many
proposals of the item have been reviewed.
"""

from __future__ import annotations

from typing import Any, TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QLabel,
                               QProgressBar, QTableView, QVBoxLayout, QWidget)

from mgstudio.app.session import navigation
from mgstudio.app.session.changes import ChangeTracker
from mgstudio.core.segments import REVIEWED, Segment, Source, Status
from mgstudio.core.timebase import timecode
from mgstudio.recognition.calibration import MIN_REVIEWED
from mgstudio.recognition.coldstart import confidence_in_words, confidence_short

if TYPE_CHECKING:
    from mgstudio.core.project import Project

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SEGMENT_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("Label", "Confidence", "Status", "Start", "Frames")
COL_LABEL, COL_CONFIDENCE, COL_STATUS, COL_START, COL_FRAMES = range(5)
HEADER_TIPS = ("The label the model proposes (click a header to sort)",
               f"How sure the model is: a rank until {MIN_REVIEWED} proposals are reviewed, then a percentage",
               "To review, accepted, edited or rejected", "Where it starts: time and frame number",
               "How many frames long")
STATUS_TEXT = {Status.PROPOSED: "to review", Status.ACCEPTED: "accepted", Status.REJECTED: "rejected",
               Status.EDITED: "edited"}
FILTERS = (("All proposals", None), ("To review", (Status.PROPOSED,)),
           ("Accepted or edited", (Status.ACCEPTED, Status.EDITED)), ("Rejected", (Status.REJECTED,)))


def item_proposals(project: Project, item_id: int | None) -> list[Segment]:
    """All of the model's segments of an item, any status, ordered by start."""
    if project is None or item_id is None:
        return []
    return list(project.segments(item_id, source=Source.MODEL))


def review_progress(project: Project, item_id: int | None) -> tuple[int, int]:
    """(reviewed, total) proposals of an item; reviewed = accepted, edited or rejected (anything
    but "proposed"). Counted by SQLite, no segment is read; the project list shows the same."""
    if project is None or item_id is None:
        return 0, 0
    counts = project.status_counts(item_id, source=Source.MODEL)
    total = sum(counts.values())
    return total - counts.get(Status.PROPOSED.value, 0), total


class ProposalsModel(QAbstractTableModel):
    """Rows = the model's segments of one item (see :func:`item_proposals`)."""

    def __init__(self, project: Project, item_id: int | None, parent: Any = None) -> None:
        super().__init__(parent)
        self.project, self.item_id = project, item_id
        self.rows: list[Segment] = []
        self.label_names: frozenset[str] = frozenset()
        self.reviewed = 0  # rows accepted, edited or rejected (kept up to date by patch)
        self.fps = 25.0
        self.sort_column, self.sort_order = COL_START, Qt.SortOrder.AscendingOrder
        self.changes = ChangeTracker()
        self.reload()

    def set_item(self, project: Project, item_id: int | None) -> None:
        self.project, self.item_id = project, item_id
        self.reload()

    def reload(self) -> None:
        """Read every proposal of the item again."""
        self.beginResetModel()
        self.changes.reset(self.project)  # before reading: changes count from here
        item = None if self.project is None or self.item_id is None else self.project.item(self.item_id)
        self.fps = float(item.fps) if item is not None and item.fps else 25.0
        self.rows = item_proposals(self.project, self.item_id)
        tax = getattr(self.project, "taxonomy", None) if self.project is not None else None
        self.label_names = frozenset(getattr(tax, "names", []) or [])
        self.reviewed = sum(s.status in REVIEWED for s in self.rows)
        self._sort_rows()
        self.endResetModel()

    def _key(self, s: Segment) -> Any:
        return (s.label.lower(), -1.0 if s.confidence is None else s.confidence, s.status.value,
                s.start, s.length)[self.sort_column]

    def _full_key(self, s: Segment) -> tuple:
        return (self._key(s), s.start, s.id or 0)

    def _sort_rows(self) -> None:
        self.rows.sort(key=self._full_key, reverse=self.sort_order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting in Python with a key (thousands of rows in milliseconds, unlike a proxy's
        comparisons through ``data()``)."""
        self.layoutAboutToBeChanged.emit()
        self.sort_column, self.sort_order = column, order
        self._sort_rows()
        self.layoutChanged.emit()

    def update_from_project(self) -> bool:
        """Catch up with the project's changes since the last read: only the proposals its
        change log names are re-read and put in their sorted place. Returns False when it had
        to read everything again (the log could not tell, or another project)."""
        cs = self.changes.pull(self.project)
        if cs is None:
            self.reload()
            return False
        if cs and self.item_id in cs.item_ids:
            self.patch(self.project.segments_by_id(cs.segment_ids))
        return True

    def _insert_pos(self, seg: Segment) -> int:
        """Where ``seg`` goes in the sorted rows (binary search)."""
        key, desc = self._full_key(seg), self.sort_order == Qt.SortOrder.DescendingOrder
        lo, hi = 0, len(self.rows)
        while lo < hi:
            mid = (lo + hi) // 2
            k = self._full_key(self.rows[mid])
            if (k > key) if desc else (k < key):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def patch(self, changed: dict[int, Segment | None]) -> None:
        """Apply known changes (segment id -> its state now, ``None`` = deleted): rows change,
        move to their sorted place, appear or go, so the list equals a fresh read. Rows are
        moved (not reset), so the view keeps its selection and scroll position."""
        for sid, seg in changed.items():
            i = self.row_of(sid)
            mine = seg is not None and seg.item_id == self.item_id and seg.source == Source.MODEL
            was = i >= 0 and self.rows[i].status in REVIEWED
            now = mine and seg is not None and seg.status in REVIEWED
            self.reviewed += int(now) - int(was)
            if i >= 0 and not mine:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self.rows[i]
                self.endRemoveRows()
            elif i < 0 and mine:
                j = self._insert_pos(seg)
                self.beginInsertRows(QModelIndex(), j, j)
                self.rows.insert(j, seg)
                self.endInsertRows()
            elif mine:
                old = self.rows.pop(i)
                j = self._insert_pos(seg)
                if j == i:
                    self.rows.insert(i, seg)
                else:
                    self.rows.insert(i, old)
                    self.beginMoveRows(QModelIndex(), i, i, QModelIndex(), j + 1 if j > i else j)
                    del self.rows[i]
                    self.rows.insert(j, seg)
                    self.endMoveRows()
                self.dataChanged.emit(self.index(j, 0), self.index(j, len(COLUMNS) - 1))

    def has_mg_label(self, s: Segment) -> bool:
        """Whether the label is one of the project's (a class-agnostic "movement event" is not)."""
        return not self.label_names or s.label in self.label_names

    def row_of(self, seg_id: int) -> int:
        return next((i for i, s in enumerate(self.rows) if s.id == seg_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return HEADER_TIPS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s = self.rows[index.row()]
        col = index.column()
        if role == SEGMENT_ROLE:
            return s
        if role == SORT_ROLE:
            return (s.label.lower(), -1.0 if s.confidence is None else s.confidence, s.status.value,
                    s.start, s.length)[col]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_LABEL:
                return s.label if self.has_mg_label(s) else f"unlabelled · {s.label}"
            if col == COL_CONFIDENCE:
                return confidence_short(s.confidence, s.note)
            if col == COL_STATUS:
                return STATUS_TEXT.get(s.status, s.status.value)
            if col == COL_START:
                tc = timecode(s.start, self.fps)
                return f"{tc[3:] if tc.startswith('00:') else tc} · f{s.start}"
            return str(s.length)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_CONFIDENCE and s.confidence is not None:
                return f"Confidence: {confidence_in_words(s.confidence, s.note)}. " + (
                    f"A rank among this item's proposals, not a probability, until {MIN_REVIEWED} proposals are "
                    "reviewed." if confidence_short(s.confidence, s.note).startswith("rank") else
                    "Right about this often, on this project's reviewed proposals.")
            if not self.has_mg_label(s):
                return (f"“{s.label}” is not one of this project's labels: accepting it (A) asks for its MG "
                        f"label. Frames {s.start}–{s.end - 1}. Double-click to go there.")
            return (f"{s.label}: frames {s.start}–{s.end - 1} ({timecode(s.start, self.fps)}–"
                    f"{timecode(s.end, self.fps)}). Double-click to go there.")
        if role == Qt.ItemDataRole.ForegroundRole and s.status == Status.REJECTED:
            return QBrush(QColor(140, 140, 140))
        if role == Qt.ItemDataRole.FontRole and col == COL_LABEL and not self.has_mg_label(s):
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_CONFIDENCE, COL_FRAMES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ProposalsFilter(QSortFilterProxyModel):
    """Keeps only rows whose status is in ``statuses``; sorting is left to the source model."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.statuses: tuple[Status, ...] | None = None
        self.setSortRole(SORT_ROLE)
        # re-filter the rows the source changes (it never sorts itself: see sort() below)
        self.setDynamicSortFilter(True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        src = self.sourceModel()
        if src is not None:
            src.sort(column, order)

    def set_statuses(self, statuses: tuple[Status, ...] | None) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self.statuses = statuses
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.statuses = statuses
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        if self.statuses is None:
            return True
        src = self.sourceModel()
        seg = src.data(src.index(row, 0, parent), SEGMENT_ROLE)
        return seg is not None and seg.status in self.statuses


class ReviewProgressBar(QProgressBar):
    """“Reviewed 12 of 40 proposals” for one item."""

    def set_counts(self, reviewed: int, total: int) -> None:
        if (reviewed, total) == getattr(self, "_counts", None):
            return
        self._counts = (reviewed, total)
        # QProgressBar.setValue repaints synchronously (~100 ms in a big window under Xvfb):
        # batch the changes into one ordinary, deferred update
        self.setUpdatesEnabled(False)
        try:
            self.setRange(0, max(1, total))
            self.setValue(reviewed if total else 0)
            self.setFormat(f"Reviewed {reviewed} of {total} proposals" if total else "No proposals for this item")
            self.setToolTip("Accepted, edited and rejected proposals count as reviewed.")
        finally:
            self.setUpdatesEnabled(True)


class ProposalsDock(QDockWidget):
    """Dockable proposals table with a status filter and a reviewed-progress bar.

    ``ProposalsDock(state, parent=None)`` with the :class:`~mgstudio.app.session.state.AppState`:
    it shows the proposals of ``state.project``'s current item and follows the state's project,
    item, selection and ``segmentsChanged``. Clicking a row goes there (item, frame, selection:
    :func:`~mgstudio.app.session.navigation.go_to`) and emits ``jumpRequested(segment)``.
    """

    jumpRequested = Signal(object)

    def __init__(self, state: Any, parent: QWidget | None = None) -> None:
        super().__init__("Proposals", parent)
        self.setObjectName("ProposalsDock")
        self.state = state
        self.model = ProposalsModel(state.project, state.item_id, self)
        self.proxy = ProposalsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_START, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        hh = self.table.horizontalHeader()
        # fixed widths: sizing columns to their contents measures every row (slow with 10,000)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        fm = self.table.fontMetrics()
        for col, sample in ((COL_LABEL, "touching or scratching he"), (COL_CONFIDENCE, "rank 18 of 100"),
                            (COL_STATUS, "to review  "), (COL_START, "00:00.000 · f00000"), (COL_FRAMES, "Frames")):
            hh.resizeSection(col, fm.horizontalAdvance(sample) + 18)
        hh.setStretchLastSection(False)
        # long MG names lose their middle, not their end ("touching or … forehead"); the tooltip has it all
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        self._fixed_widths = {c: hh.sectionSize(c) for c in range(len(COLUMNS)) if c != COL_LABEL}
        self._min_label_w = fm.horizontalAdvance("touching or scr…") + 18
        self.table.viewport().installEventFilter(self)
        # one click selects the proposal and shows it, as in ELAN and BORIS lists (Enter too)
        self.table.clicked.connect(self._double_clicked)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.activated.connect(self._double_clicked)
        self.filter_box = QComboBox()
        for text, _ in FILTERS:
            self.filter_box.addItem(text)
        self.filter_box.currentIndexChanged.connect(lambda i: self.proxy.set_statuses(FILTERS[i][1]))
        self.progress = ReviewProgressBar()
        top = QHBoxLayout()
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.filter_box, 1)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.progress)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        self.setWidget(body)
        state.projectChanged.connect(self._follow_state)
        state.itemChanged.connect(self._follow_state)
        state.segmentsChanged.connect(self.refresh)
        state.selectionChanged.connect(lambda ids: self.select_segment(ids[0] if ids else None))
        self._update_progress()

    def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802
        if obj is self.table.viewport() and event.type() == event.Type.Resize:
            self.fit_columns()
        return super().eventFilter(obj, event)

    def fit_columns(self) -> None:
        """The label column takes the width the others leave (never less than a readable minimum),
        so Status and Start stay whole in a narrow dock wherever that is possible."""
        hh = self.table.horizontalHeader()
        rest = sum(self._fixed_widths.values())
        hh.resizeSection(COL_LABEL, max(self._min_label_w, self.table.viewport().width() - rest))

    def _follow_state(self, _value: Any = None) -> None:
        """The state's project or item changed: list the proposals of its current item."""
        self._stale = False
        self.model.set_item(self.state.project, self.state.item_id)
        self._update_progress()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self.refresh()

    def refresh(self) -> None:
        """Catch up with the project (after an edit, undo, new proposals): only the proposals
        that changed are re-read; the selected row, the sort order and the scroll position stay.

        While the dock is hidden (closed, or a tab behind another) this waits until it shows."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        keep = self.selected_segment()
        scroll = self.table.verticalScrollBar().value()
        patched = self.model.update_from_project()
        self._update_progress()
        if patched:
            self.table.verticalScrollBar().setValue(scroll)
            if keep is not None:
                self.select_segment(keep.id, scroll=False)
        elif keep is not None:
            self.select_segment(keep.id)

    def _update_progress(self) -> None:
        self.progress.set_counts(self.model.reviewed, len(self.model.rows))

    def selected_segment(self) -> Segment | None:
        idx = self.table.currentIndex()
        return None if not idx.isValid() else self.proxy.data(idx, SEGMENT_ROLE)

    def select_segment(self, seg_id: int | None, scroll: bool = True) -> None:
        """Highlight a segment's row (when it is in the list) without jumping; ``scroll``:
        bring the row into view."""
        if seg_id is None:
            self.table.clearSelection()
            return
        r = self.model.row_of(seg_id)
        if r < 0:
            return
        idx = self.proxy.mapFromSource(self.model.index(r, 0))
        if idx.isValid():
            self.table.blockSignals(True)
            self.table.setCurrentIndex(idx)
            if scroll:
                self.table.scrollTo(idx)
            self.table.blockSignals(False)

    def visible_segments(self) -> list[Segment]:
        """The rows in the order the user sees them (after sorting and filtering)."""
        return [self.proxy.data(self.proxy.index(r, 0), SEGMENT_ROLE) for r in range(self.proxy.rowCount())]

    def _double_clicked(self, idx: QModelIndex) -> None:
        seg = self.proxy.data(idx, SEGMENT_ROLE)
        if seg is not None:
            navigation.go_to(self.state, seg)
            self.jumpRequested.emit(seg)
