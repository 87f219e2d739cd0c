"""What the window does to a project, each through a workflow or a worker: add recordings (video,
OpenPose folders), relink, import/export coding, export a dataset, extract skeletons, propose,
learn and use a label model. A mixin of :class:`~mgstudio.app.shell.main_window.MainWindow`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from mgstudio.app.widgets import dialogs
from mgstudio.app.shell.skeleton_rate import add_each, ask_skeleton_rate
from mgstudio.app.concurrency.workers import ProcessWorker, Worker
from mgstudio.core.errors import MGStudioError

if TYPE_CHECKING:
    from mgstudio.core.project import Project



class ProjectActions:
    """The window's project jobs (see the module docstring); ``self`` is the main window."""

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

    def _added(self, project: Project, worker: Worker, paths: list[Path] | None = None) -> None:
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
