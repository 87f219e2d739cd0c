"""Docks and dialogs for the work after review: the emotion report, inter-rater agreement, groups
of similar moments and dataset export. Each takes the shared :class:`~mgstudio.app.session.state.AppState`
and runs its long work in a :class:`~mgstudio.app.concurrency.workers.Worker`."""

from mgstudio.app.panels.agreement import AgreementDock
from mgstudio.app.panels.clusters import ClustersDock
from mgstudio.app.panels.dataset_export import DatasetExportDialog
from mgstudio.app.panels.report import ReportDock

__all__ = ["AgreementDock", "ClustersDock", "DatasetExportDialog", "ReportDock"]
