"""``MainWindow``: project browser, player, 3D view, timeline and review docks, menus, workers.

Everything the user does is a call into the packages (``Project`` commands, ``extract_pose``,
``propose_item``...); the window only wires widgets to the :class:`AppState`. Where the user is
(project, item, frame) is saved as they move, so after a crash the app reopens right there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QLabel, QMainWindow, QStackedWidget, QWidget

from mgstudio.app.widgets import dialogs
from mgstudio.app.concurrency.first_paint import after_first_paint
from mgstudio.app.player import PlayerWidget
from mgstudio.app.shell.project_actions import ProjectActions
from mgstudio.app.shell.project_browser import ProjectBrowser
from mgstudio.app.shell.screen_fit import fit_to_screen, scroll_wrap
from mgstudio.app.shell.settings import Settings
from mgstudio.app.session.state import AppState
from mgstudio.app.shell.welcome import WelcomePage
from mgstudio.app.concurrency.workers import Worker, worker_registry
from mgstudio.app.widgets.worker_panel import WorkerPanel
from mgstudio.app.shell.adapt_dialog import open_adapt_dialog
from mgstudio.core.errors import MGStudioError, ProjectError

SAVE_POSITION_MS = 400


def _placeholder_dock(title: str, name: str, text: str, parent: QWidget) -> QDockWidget:
    dock = QDockWidget(title, parent)
    dock.setObjectName(name)
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    dock.setWidget(label)
    return dock


class MainWindow(ProjectActions, QMainWindow):
    """The MG Studio window. ``MainWindow(settings=None)``; :meth:`open_project` opens one."""

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("MG Studio")
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.settings = settings or Settings()
        self.state = AppState(self)
        self.project: Any = None
        self.workers: list[Worker] = []

        self.player = PlayerWidget(self.state, self)
        self.welcome = WelcomePage(self)  # where the video goes while no project is open
        self.welcome.newRequested.connect(self.new_project)
        self.welcome.openRequested.connect(self.ask_open_project)
        self.welcome.demoRequested.connect(self.open_demo)
        self.welcome.recentChosen.connect(self.open_project)
        self.center = QStackedWidget(self)
        self.center.addWidget(self.welcome)
        self.center.addWidget(self.player)
        self.setCentralWidget(self.center)
        self.browser = ProjectBrowser(self.state, self)
        self.browser_dock = QDockWidget("Project", self)
        self.browser_dock.setObjectName("ProjectDock")
        self.browser_dock.setWidget(self.browser)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.browser_dock)
        self.view3d_dock = QDockWidget("3D skeleton", self)
        self.view3d_dock.setObjectName("View3DDock")
        self.view3d = None
        # The 3D view (pyqtgraph + PyOpenGL) is a third of start-up: build it once the window shows.
        self.view3d_dock.setWidget(QLabel("Preparing the 3D view…"))
        after_first_paint(self, self._make_view3d)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.view3d_dock)
        self.review: Any = None
        self.review_docks: list[QDockWidget] = []
        self._make_review()
        self.panel_docks: list[QDockWidget] = []
        self._make_panels()

        self.worker_panel = WorkerPanel(self)
        self.status_label = QLabel("")
        self.statusBar().addWidget(self.status_label, 1)
        self.coder_label = QLabel("")  # who is coding, always in sight
        self.coder_label.setObjectName("CoderLabel")
        self.statusBar().addPermanentWidget(self.coder_label)
        self.statusBar().addPermanentWidget(self.worker_panel)
        self.worker_panel.follow(worker_registry())  # panels' jobs show here too
        self.read_only_label = QLabel("Read-only")  # shown while the open project cannot be changed
        self.read_only_label.setToolTip("This project is open read-only: you can look, export and report, "
                                        "but not change it.")
        self.read_only_label.setStyleSheet("QLabel { color: #D55E00; font-weight: bold; padding: 0 6px; }")
        self.read_only_label.hide()
        self.statusBar().addPermanentWidget(self.read_only_label)
        self._make_menus()

        self.browser.addRequested.connect(self.add_recordings)
        self.browser.extractRequested.connect(self.extract_skeleton)
        self.browser.proposeRequested.connect(self.make_proposals)
        self.browser.message.connect(self.show_message)
        self.player.mediaError.connect(lambda e: self.show_message(str(e)))
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.timeout.connect(self.save_position)
        self.state.frameChanged.connect(lambda _f: self._save_timer.start(SAVE_POSITION_MS))
        self.state.itemChanged.connect(self._on_item)
        for dock in (self.browser_dock, *self.review_docks, *self.panel_docks):
            if dock is not getattr(self.review, "timeline_dock", None):  # its rows scroll on their own
                scroll_wrap(dock)
        fit_to_screen(self)
        if not self.settings.restore_window(self):
            self.default_layout()
        self._update_title()
        self._show_center()

    # ------------------------------------------------------------------ building
    def _make_view3d(self) -> None:
        try:
            from mgstudio.app.player.view3d import View3D

            self.view3d = View3D(self.state, self.view3d_dock)
            self.view3d_dock.setWidget(self.view3d)
        except Exception as exc:  # noqa: BLE001 - no OpenGL: the rest of the app still works
            self.view3d_dock.setWidget(QLabel(f"The 3D view needs OpenGL, which is not available here.\n({exc})"))

    def _make_review(self) -> None:
        """Timeline and review docks from the timeline/review packages (placeholders without them)."""
        try:
            from mgstudio.app.review import ReviewController
            from mgstudio.app.shell.review_docks import make_review_docks
        except ImportError:
            ReviewController = None  # noqa: N806
        if ReviewController is not None:
            self.review = ReviewController(self.state, self, settings=self.settings.q)
            self.review.message.connect(self.show_message)
            self.review_docks = make_review_docks(self.state, self, self.review)
            if self.review.proposals_dock is not None and self.review.inspector_dock is not None:
                self.tabifyDockWidget(self.review.inspector_dock, self.review.proposals_dock)
                self.review.proposals_dock.raise_()
            return
        for title, name, area in (("Timeline", "TimelineDock", Qt.DockWidgetArea.BottomDockWidgetArea),
                                  ("Labels", "LabelPaletteDock", Qt.DockWidgetArea.LeftDockWidgetArea),
                                  ("Segment", "SegmentInspectorDock", Qt.DockWidgetArea.RightDockWidgetArea),
                                  ("Proposals", "ProposalsDock", Qt.DockWidgetArea.RightDockWidgetArea)):
            dock = _placeholder_dock(title, name, f"The {title.lower()} panel is not available in this build.", self)
            self.addDockWidget(area, dock)
            self.review_docks.append(dock)

    def _make_panels(self) -> None:
        """Emotion report, agreement and similar-moments docks, tabbed behind the timeline: the
        bottom is the one place wide enough for their tabs to read in full on a laptop, and the
        right column keeps only the segment and the proposals."""
        try:
            from mgstudio.app.panels import AgreementDock, ClustersDock, ReportDock
        except ImportError:
            return
        anchor = next((d for d in self.review_docks
                       if self.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea), None)
        for cls in (ReportDock, AgreementDock, ClustersDock):
            try:
                dock = cls(self.state, self)
            except Exception as exc:  # noqa: BLE001 - one broken panel must not stop the app
                self.show_message(f"A panel could not be opened: {exc}") if hasattr(self, "status_label") else None
                continue
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            if anchor is not None:
                self.tabifyDockWidget(anchor, dock)
            self.panel_docks.append(dock)
        if anchor is not None:
            anchor.raise_()

    def _make_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self._action(m, "&New project…", self.new_project, QKeySequence.StandardKey.New)
        self._action(m, "&Open project…", self.ask_open_project, QKeySequence.StandardKey.Open)
        self._action(m, "Open read-&only…", lambda: self.ask_open_project(read_only=True))
        self.recent_menu = m.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action(m, "Open the &demo project", self.open_demo)
        m.addSeparator()
        self._action(m, "S&witch coder…", self.switch_coder)
        m.addSeparator()
        self.add_action = self._action(m, "&Add recordings…", self.add_recordings, "Ctrl+Shift+A")
        self._action(m, "Add an &OpenPose folder…", self.add_skeleton_folder)
        self._action(m, "Re&link the video…", self.relink_video)
        self._action(m, "Accept the &changed video", self.accept_changed_video)
        m.addSeparator()
        self._action(m, "&Import coding (ELAN, BORIS, CSV)…", self.import_coding)
        self._action(m, "E&xport coding (ELAN, BORIS, CSV)…", self.export_coding)
        self._action(m, "&Export a dataset…", self.export_dataset)
        m.addSeparator()
        self._action(m, "&Close project", self.close_project, QKeySequence.StandardKey.Close)
        self._action(m, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        e = mb.addMenu("&Edit")
        if self.review is not None:
            for name in ("undo", "redo"):
                act = self.review.actions.get(name)
                if act is not None:
                    e.addAction(act)
            e.addSeparator()
            self._action(e, "Edit &labels…", self.review.edit_labels)
            self._action(e, "&Reaction time when marking…", self.review.ask_reaction_ms)
        e.addSeparator()
        e.addActions([self.browser.edit_action, self.browser.remove_action])
        t = mb.addMenu("&Tools")
        self.extract_action = self._action(t, "&Extract skeleton", self.extract_skeleton)
        self.propose_action = self._action(t, "&Find gestures (model proposals)", self.make_proposals)
        self.learn_action = self._action(t, "&Learn from my labels", self.learn_from_labels)
        self.adapt_action = self._action(t, "&Adapt to this study…", lambda: open_adapt_dialog(self))

        v = mb.addMenu("&View")
        for dock in (self.browser_dock, self.view3d_dock, *self.review_docks, *self.panel_docks):
            v.addAction(dock.toggleViewAction())
        v.addSeparator()
        themes = QActionGroup(self)
        for name in ("dark", "light"):
            act = QAction(f"{name.title()} theme", self, checkable=True)
            act.setChecked(self.settings.theme == name)
            act.triggered.connect(lambda _c=False, n=name: self.set_theme(n))
            themes.addAction(act)
            v.addAction(act)
        v.addSeparator()
        self._action(v, "Reset &layout", self.reset_layout)

        h = mb.addMenu("&Help")
        if self.review is not None:
            act = self.review.actions.get("cheat_sheet")
            if act is not None:
                h.addAction(act)
            self._action(h, "Keyboard shortcuts…", getattr(self.review, "edit_keymap", lambda: None))
        self._action(h, "&About MG Studio", lambda: dialogs.about(self))

    def _action(self, menu: Any, text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _c=False: slot())
        menu.addAction(act)
        return act

    def _show_center(self) -> None:
        """The welcome page while no project is open, else the player."""
        if not hasattr(self, "center"):
            return
        if self.project is None:
            self.welcome.set_recent([p for p in self.settings.recent_projects() if p.exists()][:6])
            self.center.setCurrentWidget(self.welcome)
        else:
            self.center.setCurrentWidget(self.player)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = [p for p in self.settings.recent_projects() if p.exists()]
        for p in recent:
            self.recent_menu.addAction(p.stem, lambda p=p: self.open_project(p))
        if not recent:
            self.recent_menu.addAction("(no recent projects)").setEnabled(False)

    # ------------------------------------------------------------------ projects
    def open_project(self, path: str | Path, restore: bool = True, read_only: bool = False) -> bool:
        """Open the project at ``path`` (and go back to where the user was in it); read-only when
        asked, or when its folder cannot be written."""
        from mgstudio.core.project import Project

        forced = not read_only and not Project.can_write(path)
        try:
            project = Project.open(path, annotator=self.settings.coder or None, read_only=read_only or forced)
        except MGStudioError as exc:
            dialogs.show_error(self, exc, "Could not open the project")
            return False
        self.close_project()
        self.project = project
        self.state.set_project(project)
        self.settings.add_recent(project.path)
        self.settings.last_project = project.path
        self._update_title()
        if restore:
            self.restore_position()
        if self.state.item_id is None and project.items():
            self.state.set_item(project.items()[0].id)
        self.player.view.setFocus()  # keys go to playing and reviewing, not to a text field
        if forced:
            self.show_message(f"{project.path} cannot be written, so {project.name} is open read-only: you can "
                              "look, export and report, but not change it.")
        elif project.read_only:
            self.show_message(f"Opened {project.name} read-only: you can look, export and report, but not change it.")
        else:
            self.show_message(f"Opened {project.name}. Every change is saved as you make it.")
        return True

    def close_project(self) -> None:
        if self.project is None:
            return
        self.save_position()
        self.state.set_project(None)
        self.player.close_media()
        self.project.close()
        self.project = None
        self._update_title()

    def new_project(self, dialog: Any = None) -> bool:
        """File ▸ New project: name, folder, the label set to code with, and the coder."""
        from mgstudio.app.shell.start_dialogs import NewProjectDialog
        from mgstudio.core.project import Project

        dlg = dialog or NewProjectDialog(self.settings.coder, self.settings.coding_dir, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.path is None:
            return False
        try:
            Project.create(dlg.path, taxonomy=dlg.taxonomy, annotator=dlg.coder).close()
        except MGStudioError as exc:
            dialogs.show_error(self, exc, "Could not create the project")
            return False
        self.settings.coder = dlg.coder
        return self.open_project(dlg.path)

    # ------------------------------------------------------------------ who is coding
    def ask_coder(self, first_run: bool = False, dialog: Any = None) -> str | None:
        """Ask who is coding (first start, File ▸ Switch coder…); the name is remembered."""
        from mgstudio.app.shell.start_dialogs import CoderDialog

        known = list(self.settings.known_coders())
        if self.project is not None:
            known += [a for a in self.project.annotators() if a not in known]
        dlg = dialog or CoderDialog(known, self.settings.coder, self, first_run=first_run)
        if dlg.exec() != QDialog.DialogCode.Accepted or not dlg.name:
            return None
        self.settings.coder = dlg.name
        self._update_title()
        return dlg.name

    def switch_coder(self, dialog: Any = None) -> bool:
        """File ▸ Switch coder…: from now on edits go on the new coder's tier (the project is
        reopened under that name at the same recording and frame)."""
        before = self.project.annotator if self.project is not None else self.settings.coder
        name = self.ask_coder(dialog=dialog)
        if name is None:
            return False
        if self.project is not None and self.project.read_only:
            self.show_message(f"From now on {name} is the coder; this project is open read-only, so nothing in it "
                              "changes.")
            return True
        if self.project is not None and name != self.project.annotator:
            path, item_id, frame = self.project.path, self.state.item_id, self.state.frame
            if not self.open_project(path, restore=False):
                return False
            if item_id is not None:
                self.state.set_item(item_id)
                self.state.set_frame(frame)
        who = f"{before} → {name}" if before and before != name else name
        self.show_message(f"Now coding as {name} ({who}): new segments go on {name}'s tier, and Ctrl+Z "
                          f"undoes only {name}'s edits.")
        return True

    def ask_open_project(self, read_only: bool = False) -> None:
        path = dialogs.ask_open_project(self)
        if path is not None:
            self.open_project(path, read_only=read_only)

    def open_demo(self) -> None:
        from mgstudio.workflows.demo import ensure_demo_project

        try:
            self.open_project(ensure_demo_project())
        except MGStudioError as exc:
            dialogs.show_error(self, exc, "Could not open the demo")

    # ------------------------------------------------------------------ where the user is
    def save_position(self) -> None:
        """Remember the item and frame in the project (survives a crash)."""
        p = self.project
        if p is None or p.read_only or self.state.item_id is None:
            return
        try:
            p.set_state("last_item", self.state.item_id)
            p.set_state("last_frame", self.state.frame)
        except MGStudioError:
            pass  # a read-only or full disk must not interrupt playback

    def restore_position(self) -> None:
        p = self.project
        if p is None:
            return
        item_id = p.get_state("last_item")
        ids = {it.id for it in p.items()}
        if item_id in ids:
            self.state.set_item(int(item_id))
            frame = p.get_state("last_frame", 0)
            if isinstance(frame, int):
                self.state.set_frame(frame)

    def _on_item(self, _item_id: int | None) -> None:
        self._save_timer.start(SAVE_POSITION_MS)
        item = self.state.item
        self.extract_action.setEnabled(item is not None and item.kind == "video")
        self._update_title()

    def _update_title(self) -> None:
        p, item = self.project, self.state.item
        parts = ["MG Studio"]
        if p is not None:
            parts.insert(0, p.name + (" (read-only)" if p.read_only else "") +
                         (f" — {item.name}" if item is not None else ""))
        self.setWindowTitle(" · ".join(parts))
        if hasattr(self, "read_only_label"):
            self.read_only_label.setVisible(p is not None and p.read_only)
        coder = p.annotator if p is not None else self.settings.coder
        self.coder_label.setText(f"Coder: {coder}" if coder else "") if hasattr(self, "coder_label") else None
        if hasattr(self, "coder_label"):
            self.coder_label.setToolTip("Who is coding: edits go on this person's tier (File ▸ Switch coder…)")
        if hasattr(self, "welcome"):
            self.welcome.set_coder(coder)
        self._show_center()
        self.add_action.setEnabled(p is not None) if hasattr(self, "add_action") else None

    # ------------------------------------------------------------------ look
    def set_theme(self, name: str) -> None:
        from mgstudio.app.shell.theme import apply_theme

        self.settings.theme = name
        app = QApplication.instance()
        if app is not None:
            apply_theme(app, name)

    def default_layout(self) -> None:
        """Sizes of the panels on first start (and after View ▸ Reset layout), in proportion to
        the window, which is cut to the screen: the same layout on a 1280×720 laptop and a large
        monitor, the player keeping the most room."""
        w, h = self.width(), self.height()
        left = [d for d in (self.browser_dock, *self.review_docks)
                if self.dockWidgetArea(d) == Qt.DockWidgetArea.LeftDockWidgetArea]
        if len(left) >= 2:  # the recordings get over half the column: four of them show on a 1280×720 laptop
            self.resizeDocks(left, [int(h * 0.55)] + [int(h * 0.45)] * (len(left) - 1), Qt.Orientation.Vertical)
        side = max(200, int(w * 0.235))
        self.resizeDocks([self.browser_dock, self.view3d_dock], [side, side], Qt.Orientation.Horizontal)
        bottom = [d for d in self.review_docks if self.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
        if bottom:
            self.resizeDocks(bottom, [max(150, int(h * 0.29))], Qt.Orientation.Vertical)

    def reset_layout(self) -> None:
        for dock in (self.browser_dock, self.view3d_dock, *self.review_docks, *self.panel_docks):
            dock.setFloating(False)
            dock.show()
        self.settings.clear_layout()
        if not self.isMaximized() and not self.isFullScreen():
            fit_to_screen(self)
        self.default_layout()
        self.show_message("The panels are back in their places.")

    def event(self, e: Any) -> bool:
        # Qt makes the tab bars of tabbed panels as it needs them (and again after a layout change),
        # eliding their titles when many panels share a narrow column ("S…t" for "Segment"): keep
        # every title whole and let arrows scroll the tabs instead, as browsers do
        if e.type() == e.Type.ChildPolished:
            from PySide6.QtWidgets import QTabBar

            child = e.child()
            if isinstance(child, QTabBar) and child.elideMode() != Qt.TextElideMode.ElideNone:
                child.setElideMode(Qt.TextElideMode.ElideNone)
                child.setUsesScrollButtons(True)
        return super().event(e)

    def show_message(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)  # the whole sentence, should the status bar cut it

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        worker_registry().cancel_all(wait_ms=5000)  # every job: the window's, the panels' (report, export…)
        self.settings.save_window(self)
        self.close_project()
        self.player.close_media()
        super().closeEvent(event)


__all__ = ["MainWindow", "ProjectError"]
