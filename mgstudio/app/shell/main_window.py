"""``MainWindow``: project browser, player, 3D view, timeline and review docks, menus, workers.

Everything the user does is a call into the packages (``Project`` commands, ``extract_pose``,
``propose_item``...); the window only wires widgets to the :class:`AppState`. Where the user is
(project, item, frame) is saved as they move, so after a crash the app reopens right there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QLabel, QMainWindow, QStackedWidget, QWidget

from mgstudio.app.widgets import dialogs
from mgstudio.app.concurrency.first_paint import after_first_paint
from mgstudio.app.player import PlayerWidget
from mgstudio.app.shell.project_browser import ProjectBrowser
from mgstudio.app.shell.screen_fit import fit_to_screen, scroll_wrap
from mgstudio.app.shell.skeleton_rate import add_each, ask_skeleton_rate
from mgstudio.app.shell.settings import Settings
from mgstudio.app.session.state import AppState
from mgstudio.app.shell.welcome import WelcomePage
from mgstudio.app.concurrency.workers import ProcessWorker, Worker, worker_registry
from mgstudio.app.widgets.worker_panel import WorkerPanel
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


class MainWindow(QMainWindow):
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
        except ImportError:
            ReviewController = None  # noqa: N806
        if ReviewController is not None:
            self.review = ReviewController(self.state, self, settings=self.settings.q)
            self.review.message.connect(self.show_message)
            self.review_docks = [d for d in (self.review.timeline_dock, self.review.palette_dock,
                                             self.review.inspector_dock, self.review.proposals_dock) if d is not None]
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

    # ------------------------------------------------------------------ adding media
    def add_recordings(self) -> None:
        if self.project is None:
            self.show_message("Open or create a project first.")
            return
        files = dialogs.ask_media_files(self)
        if files:
            self.add_files(files)

    ask_rate = staticmethod(ask_skeleton_rate)  # (window, folder) -> (fps, name) | None; tests replace it

    def add_skeleton_folder(self) -> None:
        """Add an OpenPose folder (one JSON file per frame): its frame rate and name are asked."""
        from PySide6.QtWidgets import QFileDialog

        if self.project is None:
            self.show_message("Open or create a project first.")
            return
        folder = QFileDialog.getExistingDirectory(self, "Choose the folder of OpenPose skeleton files")
        if folder:
            self.add_files([Path(folder)])

    def add_files(self, paths: list[Path], fps: float | None = None, name: str | None = None) -> Worker | None:
        """Add videos and skeleton files (read and added in a worker; the list follows) through
        :func:`mgstudio.workflows.ingest.add_paths`, as ``mgstudio add`` does. ``fps`` is the rate of
        skeleton-only recordings (OpenPose folders carry none), ``name`` the item's name (one file)."""
        from mgstudio.workflows.ingest import add_paths

        if self.project is None:
            self.show_message("Open or create a project first, then drop recordings on it.")
            return None
        project = self.project
        worker = Worker(add_paths, project, list(paths), fps=fps, name=name, title="Adding the new recordings")
        worker.done.connect(lambda: self._added(project, worker, list(paths)))  # also after Cancel: kept
        return self.run_worker(worker)

    def _added(self, project: Any, worker: Worker, paths: list[Path] | None = None) -> None:
        if project is not self.project:
            return
        self.browser.refresh()
        if worker.result is None:
            return
        result = worker.result
        added, problems = result.added, result.problems
        # skeleton folders that record no frame rate (OpenPose): asked below, not an error
        waiting = [p for p in paths or [] if Path(p).name in result.needs_fps]
        problems = [m for m in problems if not any(m.startswith(Path(p).name) for p in waiting)]
        if added:
            self.state.set_item(added[-1])
        done = f"{len(added)} recording{'s were' if len(added) != 1 else ' was'} added." if added else ""
        if result.notes:  # a damaged video, unreadable frame files: said, not hidden
            done = f"{done}\n\n" + "\n".join(result.notes)
        if len(problems) == 1:
            dialogs.show_error(self, MGStudioError(f"A file could not be added:\n\n{problems[0]}\n\n{done}".strip()),
                               "Adding recordings")
        elif problems:
            dialogs.show_error(self, MGStudioError(f"{len(problems)} files could not be added (Show Details "
                                                   f"says why for each). {done}".strip(), "\n\n".join(problems)),
                               "Adding recordings")
        self.show_message(f"Added {len(added)} recording{'' if len(added) == 1 else 's'}.")
        if waiting:
            self._ask_rates(waiting)

    def _ask_rates(self, folders: list[Path]) -> None:
        """Ask the frame rate and name of each folder, then add them (one worker, one after another)."""
        jobs, skipped = [], []
        for folder in folders:
            answer = self.ask_rate(self, Path(folder))
            if answer is None:
                skipped.append(Path(folder).name)
            else:
                jobs.append((Path(folder), *answer))
        if skipped:
            self.show_message(f"Not added (no frame rate given): {', '.join(skipped)}.")
        if not jobs:
            return
        project = self.project
        worker = Worker(add_each, project, jobs, title="Adding the skeleton folders")
        worker.done.connect(lambda: self._added(project, worker))
        self.run_worker(worker)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        projects = [p for p in paths if p.suffix == ".mgproj" or (p / "project.sqlite").is_file()]
        if projects:
            self.open_project(projects[0])
        elif paths:
            self.add_files(paths)
        event.acceptProposedAction()

    def relink_video(self) -> None:
        """Point the current item to its video's new place (checked by fingerprint)."""
        from PySide6.QtWidgets import QFileDialog

        item, project = self.state.item, self.project
        if item is None or project is None or item.kind != "video":
            self.show_message("Choose a video in the project list first.")
            return
        path, _ = QFileDialog.getOpenFileName(self, f"Where is the video of “{item.name}” now?",
                                              str(Path(item.video_path or "").parent))
        if path:
            self.relink_to(Path(path))

    def accept_changed_video(self) -> bool:
        """Keep the current recording's file as it is now (another file at its place, which the
        player refuses): its fingerprint is taken again; the skeleton and segments stay."""
        item, project = self.state.item, self.project
        if item is None or project is None or item.kind != "video":
            self.show_message("Choose a video in the project list first.")
            return False
        if project.check_media(item.id) != "changed":
            self.show_message(f"The video of “{item.name}” has not changed: nothing to accept.")
            return False
        try:
            project.relink(item.id, item.video_path, force=True)
        except MGStudioError as exc:
            dialogs.show_error(self, exc, "Could not accept the video")
            return False
        self.state.refresh_item()
        self.browser.refresh_statuses()
        self.show_message(f"The video of “{item.name}” is now the file at {item.video_path}.")
        return True

    def relink_to(self, path: Path) -> bool:
        try:
            self.project.relink(self.state.item_id, path)
        except MGStudioError as exc:
            dialogs.show_error(self, exc, "Could not relink the video")
            return False
        self.state.refresh_item()
        self.browser.refresh_statuses()
        self.show_message(f"The video is now read from {path}.")
        return True

    def import_coding(self, path: Path | None = None) -> Worker | None:
        """Import an ELAN, BORIS, CSV or JSON file (asked for when ``path`` is None), in a worker."""
        from mgstudio.app.shell import coding_dialogs as aio

        project = self.project
        if project is None:
            self.show_message("Open a project first.")
            return None
        path = path or aio.ask_import(self, self.settings.coding_dir)
        if path is None:
            return None
        self.settings.coding_dir = path.parent
        missing = aio.missing_recordings(project, path)
        create = aio.ask_create_missing(self, path, missing) if missing else False
        if create is None:
            return None

        def done(result: Any) -> None:
            report, item_name = result
            if create:
                self.browser.refresh()
            self.state.notify_segments_changed()
            self.show_message(f"Imported {report.imported} segment(s) from {path.name}.")
            self.import_box = aio.show_import(self, aio.import_message(path, report, item_name), report)
        return self.run_worker(Worker(aio.import_job, project, path, self.state.item_id, create,
                                      title=f"Importing {path.name}", pass_progress=False),
                               done)  # Cancel: stopped before anything is written

    def export_coding(self, path: Path | None = None, fmt: str | None = None) -> Worker | None:
        """Export the coding (ELAN: this recording; CSV, BORIS, JSON: all), in a worker."""
        from mgstudio.app.shell import coding_dialogs as aio

        project, item = self.project, self.state.item
        if project is None:
            self.show_message("Open a project first.")
            return None
        if path is None:
            start = Path(self.settings.coding_dir or Path.home()) / (item.name if item else project.path.stem)
            asked = aio.ask_export(self, start, item is not None)
            if asked is None:
                return None
            path, fmt = asked
        try:
            fmt = fmt or aio.detect_format(path, for_export=True)
        except MGStudioError as exc:
            dialogs.show_error(self, exc, "Export coding")
            return None
        if fmt == "eaf" and item is None:
            self.show_message("Choose the recording to export for ELAN first.")
            return None
        self.settings.coding_dir = path.parent

        def done(n: int) -> None:
            self.show_message(f"Exported {n} segment(s) to {path}.")
        return self.run_worker(Worker(aio.export_job, project, path, fmt, self.state.item_id, title=f"Exporting {path.name}",
                                      pass_progress=False, pass_cancel=False), done)

    def export_dataset(self) -> None:
        if self.project is None:
            self.show_message("Open a project first.")
            return
        try:
            from mgstudio.app.panels import DatasetExportDialog
        except ImportError as exc:
            dialogs.show_error(self, MGStudioError("Dataset export is not available in this build.", str(exc)))
            return
        dlg = DatasetExportDialog(self.project, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()

    # ------------------------------------------------------------------ workers
    def run_worker(self, worker: Worker, on_success: Callable[[Any], None] | None = None) -> Worker:
        """Start ``worker`` with progress and Cancel in the status bar; errors become dialogs."""
        self.workers.append(worker)
        self.worker_panel.attach(worker)
        if on_success is not None:
            worker.succeeded.connect(on_success)
        worker.failed.connect(lambda exc, w=worker: dialogs.show_error(self, exc, w.title))
        worker.cancelled.connect(lambda w=worker: self.show_message(f"{w.title}: cancelled."))
        worker.done.connect(lambda w=worker: self._forget(w))
        worker.start()
        return worker

    def _forget(self, worker: Worker) -> None:
        # no wait here: a worker keeps itself alive until its thread has ended (Worker._running)
        if worker in self.workers:
            self.workers.remove(worker)

    def extract_skeleton(self) -> Worker | None:
        """Run MediaPipe on the current video (child process); the skeleton goes into the project."""
        item, project = self.state.item, self.project
        if item is None or project is None or item.kind != "video":
            self.show_message("Choose a video in the project list first.")
            return None
        from mgstudio.workflows.extract import extract_item

        item_id, name = item.id, item.name
        worker = ProcessWorker(extract_item, str(project.path), item_id, project.annotator,
                               title=f"Extracting the skeleton of “{name}”")

        def done(n_frames: int) -> None:
            self.browser.refresh_statuses()
            self.state.notify_skeleton_changed(item_id)
            self.show_message(f"Skeleton of “{name}” saved ({n_frames} frames).")
        return self.run_worker(worker, done)

    def make_proposals(self) -> Worker | None:
        """Propose segments for the current item (the model runs in a child process)."""
        item, project = self.state.item, self.project
        if item is None or project is None or not project.has_skeleton(item.id):
            self.show_message("Extract the skeleton of this recording first.")
            return None
        from mgstudio.workflows.recognize import propose

        name = item.name

        def done(n: int) -> None:
            self.state.notify_segments_changed()
            self.browser.refresh_statuses()
            self.show_message(f"{n} proposal(s) ready for review in “{name}”.")
        return self.run_worker(ProcessWorker(propose, str(project.path), item.id, project.annotator,
                                             title=f"Finding gestures in “{name}”"), done)

    def learn_from_labels(self) -> Worker | None:
        """Train on the accepted labels (child process), show the cross-validated accuracy next to
        the current model's, and only on the user's word use the new model and re-propose."""
        project = self.project
        if project is None:
            return None
        from mgstudio.app.shell.learn_choice import train_and_compare

        def trained(outcome: Any) -> None:
            if self.confirm_label_model(outcome.version, outcome.summary, outcome=outcome):
                self.use_label_model(outcome.version)
            else:
                self.show_message(f"Label model v{outcome.version} ({outcome.accuracy:.0%}) was kept aside; "
                                  "the current model stays in use.")
        return self.run_worker(ProcessWorker(train_and_compare, str(project.path), project.annotator,
                                             title="Learning from your labels"), trained)

    def learn_box(self, outcome: Any) -> tuple[Any, Any]:
        """The dialog for a newly trained model: its accuracy and the current model's in plain
        sight; when the new one is worse, keeping the current model comes first and is the default.
        Returns ``(box, use_button)``."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setObjectName("LearnResult")
        box.setWindowTitle("Learned from your labels")
        box.setIcon(QMessageBox.Icon.Warning if outcome.worse else QMessageBox.Icon.Question)
        box.setText(outcome.headline())
        box.setInformativeText(outcome.advice())
        box.setDetailedText(outcome.summary)
        box.setStyleSheet("QTextEdit { font-family: monospace; }")
        use_text = f"Use v{outcome.version} anyway" if outcome.worse else f"Use this model (v{outcome.version})"
        if outcome.worse:  # the safe choice first and default; using the worse model takes a deliberate click
            keep = box.addButton(outcome.keep_text(), QMessageBox.ButtonRole.AcceptRole)
            use = box.addButton(use_text, QMessageBox.ButtonRole.DestructiveRole)
        else:
            use = box.addButton(use_text, QMessageBox.ButtonRole.AcceptRole)
            keep = box.addButton(outcome.keep_text(), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep if outcome.worse else use)
        box.setEscapeButton(keep)
        return box, use

    def confirm_label_model(self, version: int, summary: str, outcome: Any = None) -> bool:
        """Ask whether to use a newly trained label model (tests may replace this)."""
        if outcome is None:  # only the summary: its accuracy line is the figure shown
            import re

            from mgstudio.app.shell.learn_choice import LearnOutcome

            m = re.search(r"accuracy[^:]*:\s*(\d+)%", summary)
            outcome = LearnOutcome(version, summary, int(m.group(1)) / 100 if m else 0.0, 1)
        box, use = self.learn_box(outcome)
        box.exec()
        return box.clickedButton() is use

    def use_label_model(self, version: int) -> Worker | None:
        project = self.project
        if project is None:
            return None
        from mgstudio.workflows.recognize import use_label_model

        def done(n: int) -> None:
            self.state.notify_segments_changed()
            self.browser.refresh_statuses()
            self.show_message(f"Using label model v{version}: {n} proposal(s) ready for review.")
        return self.run_worker(ProcessWorker(use_label_model, str(project.path), version, project.annotator,
                                             title="Proposing with your label model"), done)

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
        if len(left) >= 2:
            self.resizeDocks(left, [int(h * 0.3)] + [int(h * 0.45)] * (len(left) - 1), Qt.Orientation.Vertical)
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
        # eliding their titles at the right: cut them in the middle instead (the tooltip has it whole)
        if e.type() == e.Type.ChildPolished:
            from PySide6.QtWidgets import QTabBar

            child = e.child()
            if isinstance(child, QTabBar) and child.elideMode() != Qt.TextElideMode.ElideMiddle:
                child.setElideMode(Qt.TextElideMode.ElideMiddle)
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
