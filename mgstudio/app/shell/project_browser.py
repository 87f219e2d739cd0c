"""``ProjectBrowser``: the project's recordings with their frame rate, length and progress (skeleton,
proposals, reviewed); right-click a recording to correct its attributes or remove it (both undoable).

In a dock too narrow for the six columns (a laptop's default layout) the list turns compact: one
column, each recording on two lines, its name (shortened in the middle) over
``25 fps · 14:02 · skeleton ✓ · 2 of 7 reviewed``, so nothing hides behind a sideways scroll bar.
Widen the dock and the columns come back."""

from __future__ import annotations

import os
import threading
from typing import Any, TYPE_CHECKING

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (QDialog, QGridLayout, QHeaderView, QMenu, QMessageBox, QPushButton, QStyle,
                               QStyledItemDelegate, QStyleOptionViewItem, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from mgstudio.app.session.changes import ChangeTracker
from mgstudio.app.session.state import AppState
from mgstudio.app.concurrency.latest import Latest
from mgstudio.app.review.proposals import review_progress
from mgstudio.core.errors import MGStudioError
from mgstudio.core.fingerprint import media_status
from mgstudio.app.shell.item_dialog import ItemDialog, length_text

if TYPE_CHECKING:
    from mgstudio.core.project import Project

COLUMNS = ("Recording", "Skeleton", "Proposals", "Reviewed", "fps", "Length")
SKELETON_COL, PROPOSALS_COL, REVIEWED_COL, FPS_COL, LENGTH_COL = range(1, 6)


MEDIA_TIPS = {
    "missing": "The video file was not found where it was: point to its new place with "
               "File ▸ Relink the video…",
    "changed": "Another file is now where this video was (its content differs): point to the "
               "original with File ▸ Relink the video…",
}


def item_status(project: Project, item: Any) -> dict[str, Any]:
    """What the browser shows for one item: skeleton present, proposals, reviewed share, media state.

    The media state is the quick one (the file's presence and size); the content is verified in
    a thread (:func:`verify_media`).
    """
    reviewed, total = review_progress(project, item.id)  # the count the Proposals panel shows
    media = project.check_media(item.id, verify=False) if item.kind == "video" else "ok"
    return {"skeleton": project.has_skeleton(item.id), "proposals": total, "reviewed_count": reviewed,
            "reviewed": (reviewed / total) if total else None, "media": media}


def file_key(path: str) -> tuple[str, int, int] | None:
    """(path, size, modification time): a verified file is not read again until one changes."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return path, st.st_size, st.st_mtime_ns


def verify_media(jobs: list[tuple[int, str, str]]) -> dict[int, tuple[Any, str]]:
    """{item id: (file key, status)} for (item id, video path, fingerprint) jobs: reads the files."""
    out = {}
    for item_id, path, fp in jobs:
        key = file_key(path)  # with the fingerprint expected: an accepted change is verified again
        out[item_id] = (key and (*key, fp), media_status(path, fp, verify=True))
    return out


MEDIA_ROLE = Qt.ItemDataRole.UserRole + 1  # a row's media state: "ok", "missing" or "changed"
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 2  # the compact layout's second line


def summary_text(fps: str, length: str, skeleton: bool, reviewed: int, total: int) -> str:
    """The compact layout's second line: frame rate and length first, then the progress."""
    parts = [f"{fps} fps" if fps else "", length if length != "?" else "",
             "skeleton ✓" if skeleton else "no skeleton", f"{reviewed} of {total} reviewed" if total else ""]
    return " · ".join(p for p in parts if p)


class _TwoLineDelegate(QStyledItemDelegate):
    """Column 0 of the compact list: the name, and under it the row's summary in a dimmer colour."""

    def __init__(self, browser: "ProjectBrowser") -> None:
        super().__init__(browser.tree)
        self.browser = browser

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        if not self.browser.compact:
            return size
        fm = QFontMetrics(option.font)
        return QSize(size.width(), 2 * fm.height() + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if not self.browser.compact or index.column() != 0:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name, summary = opt.text, index.data(SUMMARY_ROLE) or ""
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        fg = index.data(Qt.ItemDataRole.ForegroundRole)
        main = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        if fg is not None and not selected:
            main = fg.color() if isinstance(fg, QBrush) else QColor(fg)
        dim = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText)
        fm = QFontMetrics(opt.font)
        r = opt.rect.adjusted(6, 2, -4, -2)
        line = fm.height()
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(main)
        painter.drawText(QRect(r.left(), r.top(), r.width(), line), int(Qt.AlignmentFlag.AlignLeft |
                         Qt.AlignmentFlag.AlignVCenter), fm.elidedText(name, Qt.TextElideMode.ElideMiddle, r.width()))
        painter.setPen(dim)
        painter.drawText(QRect(r.left(), r.top() + line, r.width(), line), int(Qt.AlignmentFlag.AlignLeft |
                         Qt.AlignmentFlag.AlignVCenter), fm.elidedText(summary, Qt.TextElideMode.ElideRight, r.width()))
        painter.restore()


class ProjectBrowser(QWidget):
    """Tree of items; selecting one makes it current in the state. Buttons start the workers."""

    addRequested = Signal()
    extractRequested = Signal()
    proposeRequested = Signal()
    message = Signal(str)  # what an edit did, or why it was refused (the status bar shows it)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # recordings often differ at their end
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows, Space... stay the player's keys
        head = self.tree.header()
        # The name keeps at least about half of a narrow dock (the other columns then scroll
        # sideways) and takes all the room left over in a wide one: see _fit_columns.
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        head.setStretchLastSection(False)
        for c in range(1, len(COLUMNS)):
            head.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        head.sectionResized.connect(lambda c, _o, _n: c and self._fit_columns())
        self.tree.viewport().installEventFilter(self)
        self.compact = False  # two lines per recording, one column (a narrow dock): see _fit_columns
        self._fitting = False
        self.tree.setItemDelegateForColumn(0, _TwoLineDelegate(self))
        self.add_button = QPushButton("Add recordings…")
        self.add_button.setToolTip("Add videos or skeleton files (you can also drop them on the window)")
        self.extract_button = QPushButton("Extract skeleton")
        self.extract_button.setToolTip("Find the body and hands in every frame of the selected video (MediaPipe)")
        self.propose_button = QPushButton("Find gestures")
        self.propose_button.setToolTip("Let the model propose micro-gesture segments for you to review")
        for b in (self.add_button, self.extract_button, self.propose_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        buttons = QGridLayout()  # two columns: the three buttons fit a narrow dock on a laptop
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button, 0, 0, 1, 2)
        buttons.addWidget(self.extract_button, 1, 0)
        buttons.addWidget(self.propose_button, 1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tree, 1)
        lay.addLayout(buttons)
        self.add_button.clicked.connect(self.addRequested)
        self.extract_button.clicked.connect(self.extractRequested)
        self.propose_button.clicked.connect(self.proposeRequested)
        self.tree.currentItemChanged.connect(self._on_current)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.edit_action = QAction("Edit attributes…", self)
        self.edit_action.setToolTip("Correct the name, frame rate, subject, split or outcome (Ctrl+Z undoes it)")
        self.edit_action.triggered.connect(lambda _c=False: self.edit_item())
        self.remove_action = QAction("Remove recording…", self)
        self.remove_action.setToolTip("Remove the recording with its segments (Ctrl+Z brings it back)")
        self.remove_action.triggered.connect(lambda _c=False: self.remove_item())
        self.tree.addActions([self.edit_action, self.remove_action])
        state.projectChanged.connect(lambda _p: self.refresh())
        state.itemChanged.connect(self._follow_state)
        state.segmentsChanged.connect(self._segments_changed)
        self._rows: dict[int, QTreeWidgetItem] = {}
        self.changes = ChangeTracker()  # which items' segments changed since the statuses were read
        # Hashing each video's first and last MiB takes milliseconds per file on a local disk and
        # far more on a network or USB drive: it is done in a thread, once per file version.
        self._verified: dict[tuple[str, int, int, str], str] = {}  # (file key, fingerprint) -> status
        # the newest check paints its rows; an older one only fills the cache
        self._media_checks = Latest(self._on_media_checked, on_stale=self._remember_verified,
                                    name="mg-verify-media", parent=self)
        self.refresh()

    NAME_SHARE = 0.45  # of the list's width the recording's name keeps at least

    def eventFilter(self, obj: QObject, event: Any) -> bool:  # noqa: N802
        if obj is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(obj, event)

    def _natural_width(self, c: int) -> int:
        """Width column ``c`` takes when shown (hidden or not): its header or its widest cell."""
        head = self.tree.header()
        return max(head.fontMetrics().horizontalAdvance(COLUMNS[c]) + 2 * head.style().pixelMetric(
            QStyle.PixelMetric.PM_HeaderMargin) + 12, self.tree.sizeHintForColumn(c))

    def _fit_columns(self) -> None:
        if self._fitting:  # hiding a column or resizing the name resizes sections: no re-entry
            return
        self._fitting = True
        try:
            self._fit()
        finally:
            self._fitting = False

    def _fit(self) -> None:
        head = self.tree.header()
        width = self.tree.viewport().width()
        others = sum(self._natural_width(c) for c in range(1, len(COLUMNS)))
        self.set_compact(width > 0 and others > width * (1 - self.NAME_SHARE))
        if self.compact:
            name = width
        else:
            others = sum(head.sectionSize(c) for c in range(1, len(COLUMNS)))
            name = max(int(width * self.NAME_SHARE), width - others, 60)
        if head.sectionSize(0) != name:
            head.resizeSection(0, name)

    def set_compact(self, on: bool) -> None:
        """One column of two-line rows (``on``) or the six columns."""
        if on == self.compact:
            return
        self.compact = on
        for c in range(1, len(COLUMNS)):
            self.tree.setColumnHidden(c, on)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff if on else
                                               Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._label_header()
        self.tree.doItemsLayout()  # the rows' height changes

    def _label_header(self) -> None:
        n = self.tree.topLevelItemCount()
        self.tree.headerItem().setText(0, f"Recordings ({n})" if self.compact else COLUMNS[0])

    def visible_text(self, k: int) -> str:
        """What a person reads of row ``k`` as the list is laid out now (tests)."""
        row = self.tree.topLevelItem(k)
        if self.compact:
            return f"{row.text(0)}\n{row.data(0, SUMMARY_ROLE)}"
        return "  ".join(row.text(c) for c in range(len(COLUMNS)) if not self.tree.isColumnHidden(c))

    def refresh(self) -> None:
        """Re-read the items of the project."""
        self.tree.blockSignals(True)
        self.tree.clear()
        self._rows.clear()
        project = self.state.project
        if project is not None:
            for item in project.items():
                row = QTreeWidgetItem([item.name] + [""] * (len(COLUMNS) - 1))
                row.setData(0, Qt.ItemDataRole.UserRole, item.id)
                self.tree.addTopLevelItem(row)
                self._rows[item.id] = row
        self.tree.blockSignals(False)
        self.refresh_statuses()
        self._label_header()
        self._fit_columns()  # longer names or lengths may need the compact layout
        self._follow_state(self.state.item_id)
        self._update_buttons()

    def refresh_statuses(self) -> None:
        """Re-read every item's status (skeleton, media, proposals)."""
        project = self.state.project
        if project is None:
            return
        self.changes.reset(project)
        jobs: list[tuple[int, str, str]] = []
        for item in project.items():
            row = self._rows.get(item.id)
            if row is None:
                continue
            st = item_status(project, item)
            label_only = item.kind != "video" and not st["skeleton"]
            kind = "video" if item.kind == "video" else "label-only (from a coding file)" if label_only \
                else "skeleton only"
            length = f"{item.frame_count} frames" if item.frame_count else ""
            row.setText(0, item.name)
            row.setToolTip(0, f"{item.name} — {kind}, {length} ({length_text(item)} at {item.fps:g} fps)")
            row.setText(FPS_COL, f"{item.fps:.3f}".rstrip("0").rstrip("."))
            row.setTextAlignment(FPS_COL, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            row.setToolTip(FPS_COL, "Frames per second, read from the video" if item.kind == "video" else
                           "Frames per second of this skeleton recording: right-click ▸ Edit attributes… to "
                           "correct it (times in seconds follow)")
            row.setText(LENGTH_COL, length_text(item))
            row.setTextAlignment(LENGTH_COL, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            row.setText(SKELETON_COL, "✓" if st["skeleton"] else "–")
            row.setToolTip(SKELETON_COL, "Skeleton extracted" if st["skeleton"] else
                           "Label-only recording: no video to extract a skeleton from" if label_only else
                           "No skeleton yet: use Extract skeleton")
            self._show_counts(row, st["reviewed_count"], st["proposals"])  # also writes the summary
            media = st["media"]
            if media == "ok" and item.kind == "video":
                key = file_key(item.video_path or "")
                verified = self._verified.get(key and (*key, item.fingerprint or ""))
                if verified is None:  # being verified: a "changed" mark stays until that is done
                    jobs.append((item.id, item.video_path or "", item.fingerprint or ""))
                    media = "changed" if row.data(0, MEDIA_ROLE) == "changed" else "ok"
                else:
                    media = verified
            self._show_media(row, media)
        if jobs:
            self._media_checks.submit(verify_media, jobs)
        else:
            self._media_checks.invalidate()
        self._update_buttons()

    @property
    def media_thread(self) -> threading.Thread | None:
        """The thread of the last check of the videos (tests and benchmarks wait for it)."""
        return self._media_checks.thread

    def _remember_verified(self, result: dict[int, tuple[Any, str]]) -> None:
        for key, status in result.values():
            if key is not None:
                self._verified[key] = status

    def _on_media_checked(self, result: dict[int, tuple[Any, str]]) -> None:
        self._remember_verified(result)
        for item_id, (_key, status) in result.items():
            row = self._rows.get(item_id)
            if row is not None:
                self._show_media(row, status)

    @staticmethod
    def _show_media(row: QTreeWidgetItem, status: str) -> None:
        """Mark a row whose video is missing or replaced (orange, with what to do in its tooltip)."""
        row.setData(0, MEDIA_ROLE, status)
        if status == "ok":
            row.setData(0, Qt.ItemDataRole.ForegroundRole, None)
            return
        row.setForeground(0, QBrush(QColor("#D55E00")))
        row.setToolTip(0, MEDIA_TIPS.get(status, f"The video is {status}."))

    def media_status(self, item_id: int) -> str:
        """What the row of ``item_id`` says of its video (tests)."""
        row = self._rows.get(item_id)
        return "ok" if row is None else row.data(0, MEDIA_ROLE) or "ok"

    def _segments_changed(self) -> None:
        """Segments changed: recount the proposals of just the items the project's change log
        names (skeleton and media do not change with segments); all items when it cannot tell."""
        project = self.state.project
        cs = self.changes.pull(project)
        if cs is None:  # e.g. a recording removed, brought back or changed (an undo): list them again
            if project is not None and {it.id for it in project.items()} != set(self._rows):
                self._relist()
            else:
                self.refresh_statuses()
            current = self.state.item
            if project is not None and current is not None and current.id in self._rows \
                    and project.item(current.id) != current:
                self.state.refresh_item()  # its name or frame rate changed (an undo): times follow
                if self.state.item is not None and self.state.item.rate != current.rate:
                    self.state.notify_skeleton_changed(current.id)
            return
        for item_id in cs.item_ids:
            row = self._rows.get(item_id)
            if row is not None:
                self._show_counts(row, *review_progress(project, item_id))

    @staticmethod
    def _show_counts(row: QTreeWidgetItem, reviewed: int, total: int) -> None:
        row.setText(PROPOSALS_COL, str(total) if total else "–")
        row.setText(REVIEWED_COL, f"{round(100 * reviewed / total)} %" if total else "–")
        row.setData(0, SUMMARY_ROLE, summary_text(row.text(FPS_COL), row.text(LENGTH_COL),
                                                  row.text(SKELETON_COL) == "✓", reviewed, total))

    def row_texts(self) -> list[list[str]]:
        """Text of every row (tests, screenshots)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            out.append([it.text(c) for c in range(len(COLUMNS))])
        return out

    def _on_current(self, current: QTreeWidgetItem | None, _prev: Any) -> None:
        if current is not None:
            self.state.set_item(int(current.data(0, Qt.ItemDataRole.UserRole)))
        self._update_buttons()

    def _follow_state(self, item_id: int | None) -> None:
        row = self._rows.get(item_id) if item_id is not None else None
        if row is not None and self.tree.currentItem() is not row:
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(row)
            self.tree.blockSignals(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        item, project = self.state.item, self.state.project
        self.add_button.setEnabled(project is not None)
        self.extract_button.setEnabled(item is not None and item.kind == "video")
        self.propose_button.setEnabled(item is not None and project is not None and project.has_skeleton(item.id))

    # ------------------------------------------------------------------ fixing mistakes
    def _relist(self) -> None:
        """Re-read the list; when the current recording is gone, show another one."""
        project = self.state.project
        ids = [it.id for it in project.items()] if project is not None else []
        if self.state.item_id is not None and self.state.item_id not in ids:
            self.state.set_item(ids[0] if ids else None)
        self.refresh()

    def _context_menu(self, pos: QPoint) -> QMenu | None:
        row = self.tree.itemAt(pos)
        if row is None:
            return None
        self.tree.setCurrentItem(row)
        menu = QMenu(self)
        menu.addActions([self.edit_action, self.remove_action])
        menu.popup(self.tree.viewport().mapToGlobal(pos))
        return menu

    def _target(self, item_id: int | None) -> Any:
        project = self.state.project
        if project is None:
            return None
        item_id = self.state.item_id if item_id is None else item_id
        if item_id is None:
            self.message.emit("Choose a recording in the project list first.")
            return None
        if project.read_only:
            from mgstudio.core.project.connection import READ_ONLY_MESSAGE

            self.message.emit(READ_ONLY_MESSAGE)
            return None
        return project.item(item_id)

    def edit_item(self, item_id: int | None = None,
                  ask: Callable[[Any], dict[str, Any] | None] | None = None) -> bool:
        """Edit attributes…: correct the recording's name, frame rate, subject, split, outcome
        (one undoable step). ``ask(item)`` returns the new fields or ``None`` (tests replace it)."""
        item = self._target(item_id)
        if item is None:
            return False
        fields = (ask or self._ask_fields)(item)
        if fields is None:
            return False
        project = self.state.project
        before = project.undo_text()
        try:
            new = project.update_item(item.id, **fields)
        except MGStudioError as exc:
            self.message.emit(str(exc))
            return False
        if project.undo_text() == before:
            self.message.emit(f"“{new.name}” is unchanged.")
            return False
        self._after_edit()
        if new.rate != item.rate:  # views holding its skeleton read it again, at the new rate
            self.state.notify_skeleton_changed(item.id)
        self.message.emit(f"{project.undo_text()}. Ctrl+Z takes it back.")
        return True

    def _ask_fields(self, item: Any) -> dict[str, Any] | None:

        dlg = ItemDialog(item, self)
        return dlg.changes() if dlg.exec() == QDialog.DialogCode.Accepted else None

    def remove_item(self, item_id: int | None = None, confirm: Callable[[str, str], bool] | None = None) -> bool:
        """Remove recording…: says what goes with it, asks, removes (Ctrl+Z brings it back).
        ``confirm(title, text)`` answers the question (tests replace it)."""
        item = self._target(item_id)
        if item is None:
            return False
        project = self.state.project
        text = project.describe_removal(item.id)
        if not (confirm or self._confirm)(f"Remove “{item.name}”?", text):
            return False
        if self.state.item_id == item.id:  # show a neighbour, not a recording that is gone
            ids = [it.id for it in project.items()]
            k = ids.index(item.id)
            rest = ids[:k] + ids[k + 1:]
            self.state.set_item(rest[min(k, len(rest) - 1)] if rest else None)
        try:
            what = project.remove_item(item.id)
        except MGStudioError as exc:
            self.message.emit(str(exc))
            return False
        self._after_edit()
        self.message.emit(f"{what}. Ctrl+Z brings it back.")
        return True

    def _confirm(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is remove

    def _after_edit(self) -> None:
        """After an item edit: every view catches up (lengths and times follow a new frame rate)."""
        self.state.refresh_item()
        self.state.notify_segments_changed()  # the change log says "everything": the list is re-read
        self.refresh()
