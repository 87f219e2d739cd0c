"""The "similar moments" dock: groups of unlabelled moments that look alike, labelled at once.

*Find similar moments* runs :func:`mgstudio.recognition.clusters.cluster_windows` in a child
process (torch would stall the window) and lists the groups, largest first, each with its
moments (the most typical first). Clicking a moment opens its recording there; *Label this
group* gives every moment of the chosen group the chosen label (one undo step).

The list follows the project: after any change to segments (labelling here, coding on the
timeline, undo and redo anywhere) it shows only the moments that are still unreviewed, so a
group labelled and then undone comes back, and a group labelled elsewhere leaves. While the dock
is hidden this waits until it is shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDockWidget, QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from mgstudio.app.session.changes import ChangeTracker
from mgstudio.app.widgets.dialogs import show_error
from mgstudio.app.concurrency.workers import ProcessWorker
from mgstudio.core.segments import Status

Member = tuple[int, int, int]  # (item_id, start, end) in media frames
Group = tuple[int, list[Member], float]  # (id, members with the most typical first, spread)
REVIEWED = [Status.ACCEPTED, Status.EDITED, Status.REJECTED]  # what the grouping leaves out


def _clock(frame: int, fps: float) -> str:
    s = frame / fps if fps and fps > 0 else 0.0
    return f"{int(s // 60)}:{s % 60:04.1f}"


class ClustersDock(QDockWidget):
    """Groups of similar unlabelled moments, to look at and label a whole group at once."""

    def __init__(self, state: Any, parent: QWidget | None = None) -> None:
        super().__init__("Similar moments", parent)
        self.setObjectName("ClustersDock")
        self.state = state
        self.worker: ProcessWorker | None = None
        self.found: list[Group] = []  # as the search returned them
        self.groups: list[Group] = []  # what is listed: only moments still unreviewed
        self._stale = False
        self.changes = ChangeTracker()  # which recordings' segments changed since the groups were checked
        w = QWidget()
        lay = QVBoxLayout(w)
        intro = QLabel("Finds moments with movement that you have not labelled yet and groups the ones "
                       "that look alike, so you can label a whole group at once.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.find_btn = QPushButton("Find similar moments")
        self.find_btn.setToolTip("Compare all unlabelled moments of the project (takes a little while)")
        lay.addWidget(self.find_btn)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Group / moment", "Where"])
        self.tree.setColumnWidth(0, 150)
        self.tree.setToolTip("Click a moment to open it in the player")
        lay.addWidget(self.tree, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Label:"))
        self.label_combo = QComboBox()
        self.label_combo.setMinimumContentsLength(14)
        self.label_combo.setPlaceholderText("Choose a label…")
        row.addWidget(self.label_combo, 1)
        self.label_btn = QPushButton("Label this group")
        self.label_btn.setToolTip("Give every moment of the selected group this label (Undo takes it back)")
        self.label_btn.setEnabled(False)
        row.addWidget(self.label_btn)
        lay.addLayout(row)
        self.setWidget(w)
        self.find_btn.clicked.connect(lambda: self.find())
        self.label_btn.clicked.connect(lambda: self.label_selected())
        self.tree.itemClicked.connect(lambda it, _c: self.jump_to(it))
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.label_combo.currentIndexChanged.connect(lambda *_: self._update_buttons())
        state.projectChanged.connect(lambda *_: self.reset())
        state.segmentsChanged.connect(self.refresh)
        self.reset()

    # ------------------------------------------------------------------ project
    def reset(self) -> None:
        """Forget the groups and reload the labels (a project was opened or closed)."""
        self.found, self.groups, self._stale = [], [], False
        self.tree.clear()
        self.label_combo.clear()
        project = self.state.project
        if project is not None:
            for lab in project.taxonomy.labels:
                self.label_combo.addItem(lab.name)
        self.label_combo.setCurrentIndex(-1)
        self.find_btn.setEnabled(project is not None)
        self.status.setText("" if project is not None else "Open a project first.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.label_btn.setEnabled(self.selected_group() is not None and self.label_combo.currentIndex() >= 0
                                  and self.worker is None)

    # ------------------------------------------------------------------ finding
    def find(self) -> ProcessWorker | None:
        """Start grouping the project's unlabelled moments in a child process."""
        project = self.state.project
        if project is None or self.worker is not None:
            return None
        from mgstudio.workflows.recognize import similar_moments

        self.find_btn.setEnabled(False)
        self.status.setText("Looking for similar moments…")
        self.worker = ProcessWorker(similar_moments, str(project.path), project.annotator,
                                    title="Finding similar moments")
        self.worker.progress.connect(
            lambda d, t: self.status.setText(f"Looking for similar moments… ({d} of {t} recordings)") if t else None)
        self.worker.succeeded.connect(self.show_groups)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(lambda: self.status.setText("Stopped."))
        self.worker.done.connect(self._done)
        window = self.parent()
        if hasattr(window, "run_worker"):  # in the main window: progress + Cancel in the status bar
            window.run_worker(self.worker)
        else:
            self.worker.start()
        return self.worker

    def _failed(self, error: Any) -> None:
        self.status.setText(str(error))
        self.status.setToolTip(getattr(error, "detail", "") or "")

    def _done(self) -> None:
        self.worker = None
        self.find_btn.setEnabled(self.state.project is not None)
        self._update_buttons()

    def show_groups(self, groups: list[Group]) -> None:
        """List ``groups`` (as returned by :func:`mgstudio.workflows.recognize.similar_moments`)."""
        self.found = list(groups)
        self.groups = self._unreviewed(self.found)
        self._fill()
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
            self.tree.topLevelItem(0).setExpanded(True)
        self._update_buttons()

    # ------------------------------------------------------------------ following the project
    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Segments changed (an edit, undo, redo): list only the moments that are still unreviewed."""
        if not self.found:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        cs = self.changes.pull(self.state.project)
        if cs is not None and not (cs.item_ids & {m[0] for _, ms, _ in self.found for m in ms}):
            return  # no segment of a listed recording changed
        groups = self._unreviewed(self.found)
        if groups == self.groups:
            return
        current = self.selected_group()
        expanded = {self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)[1]
                    for i in range(self.tree.topLevelItemCount()) if self.tree.topLevelItem(i).isExpanded()}
        self.groups = groups
        self._fill()
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            gid = top.data(0, Qt.ItemDataRole.UserRole)[1]
            top.setExpanded(gid in expanded)
            if current is not None and gid == current[0]:
                self.tree.setCurrentItem(top)
        if current is None or self.selected_group() is None:
            self.tree.setCurrentItem(None)  # never select another group for the user
        self._update_buttons()

    def _unreviewed(self, groups: list[Group]) -> list[Group]:
        """``groups`` without the moments that now overlap a reviewed segment (empty groups dropped)."""
        project = self.state.project
        self.changes.reset(project)  # before reading: later changes are caught by refresh()
        if project is None:
            return []
        covered: dict[int, np.ndarray] = {}  # item -> reviewed frames so far, as a running count
        for item_id in {m[0] for _, members, _ in groups for m in members}:
            segs = project.segments(item_id, statuses=REVIEWED)
            top = max([m[2] for _, ms, _ in groups for m in ms if m[0] == item_id] + [s.end for s in segs])
            mask = np.zeros(top + 1, np.int32)
            for s in segs:
                mask[max(0, s.start):max(0, s.end)] = 1
            covered[item_id] = np.concatenate([[0], np.cumsum(mask)])
        out = []
        for gid, members, spread in groups:
            left = [m for m in members if covered[m[0]][max(0, m[2])] - covered[m[0]][max(0, m[1])] == 0]
            if left:
                out.append((gid, left, spread))
        return out

    def _fill(self) -> None:
        self.tree.clear()
        project = self.state.project
        items = {it.id: it for it in project.items()} if project is not None else {}
        for gid, members, _spread in self.groups:
            rep = members[0]
            n_rec = len({m[0] for m in members})
            top = QTreeWidgetItem([f"Group {gid}: {len(members)} moment{'s' * (len(members) != 1)}",
                                   f"in {n_rec} recording{'s' * (n_rec != 1)}"])
            top.setData(0, Qt.ItemDataRole.UserRole, ("group", gid, rep))
            for col in (0, 1):
                top.setToolTip(col, f"Most typical moment: {self._where(items, rep)} (click to see it)")
            for k, m in enumerate(members):
                child = QTreeWidgetItem([("★ most typical" if k == 0 else f"moment {k + 1}"), self._where(items, m)])
                child.setData(0, Qt.ItemDataRole.UserRole, ("member", gid, m))
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.resizeColumnToContents(0)
        total = sum(len(m) for _, m, _ in self.groups)
        if self.groups:
            self.status.setText(f"{len(self.groups)} group{'s' * (len(self.groups) != 1)} of similar moments "
                                f"({total} moment{'s' * (total != 1)}). Click a moment to see it; select a group, "
                                "choose a label and press “Label this group”.")
        else:
            self.status.setText("Every moment found has been labelled. Press “Find similar moments” to look again.")

    @staticmethod
    def _where(items: dict, m: Member) -> str:
        it = items.get(m[0])
        if it is None:
            return f"item {m[0]}, frame {m[1]}"
        return f"{it.name} {_clock(m[1], it.fps)}–{_clock(m[2], it.fps)}"

    # ------------------------------------------------------------------ using
    def selected_group(self) -> tuple[int, list[Member]] | None:
        it = self.tree.currentItem()
        if it is None:
            return None
        gid = it.data(0, Qt.ItemDataRole.UserRole)[1]
        return next(((g, m) for g, m, _ in self.groups if g == gid), None)

    def jump_to(self, tree_item: QTreeWidgetItem) -> None:
        """Open the clicked moment (a group: its most typical moment) in the player."""
        data = tree_item.data(0, Qt.ItemDataRole.UserRole)
        if not data:
            return
        item_id, start, _end = data[2]
        if self.state.item_id != item_id:
            self.state.set_item(item_id)
        self.state.set_frame(start)

    def label_selected(self, label: str | None = None) -> list:
        """Label every moment of the selected group (one undo step); the group leaves the list."""
        project = self.state.project
        sel = self.selected_group()
        if project is None or sel is None:
            return []
        label = label or self.label_combo.currentText()
        gid, members = sel
        from mgstudio.recognition.clusters import label_cluster

        try:
            added = label_cluster(project, members, label)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            show_error(self, exc)
            return []
        self.state.notify_segments_changed()  # the group leaves the list (see refresh)
        if any(g[0] == gid for g in self.groups):  # hidden dock, or refresh not connected
            self.groups = [g for g in self.groups if g[0] != gid]
            self._fill()
        self.tree.setCurrentItem(None)  # a second click must not label the next group too
        self.status.setText(f"Labelled group {gid} as “{label}” ({len(added)} segments). Edit ▸ Undo takes it back.")
        self._update_buttons()
        return added
