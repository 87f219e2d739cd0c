"""“Learn from my labels”: train in a child process and compare the new label model with the one
in use, so that the window can say plainly whether the new one is better (no Qt here: this runs
in the child process, and its result is what the window shows)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LearnOutcome:
    """A newly trained label model next to the one proposals use now (``None``: movement events)."""

    version: int
    summary: str
    accuracy: float  # cross-validated (held-out for a fine-tuned model), 0..1
    labels: int  # classes the model tells apart (with "no MG" where it learnt it)
    current_version: int | None = None
    current_accuracy: float | None = None

    @property
    def chance(self) -> float:
        """What picking one of the labels at random would get (1 / labels)."""
        return 1.0 / max(1, self.labels)

    @property
    def worse(self) -> bool:
        """Worse than the model in use, or (with none in use) no better than guessing."""
        if self.current_accuracy is not None:
            return self.accuracy < self.current_accuracy
        return self.accuracy <= self.chance

    def headline(self) -> str:
        """One or two sentences with the numbers, for the top of the dialog."""
        text = (f"Label model v{self.version} recognised {self.accuracy:.0%} of your labelled segments on "
                f"recordings it did not learn from (picking one of its {self.labels} labels at random would get about "
                f"{self.chance:.0%}).")
        if self.current_version is not None and self.current_accuracy is not None:
            text += f" The model in use now, v{self.current_version}, got {self.current_accuracy:.0%}."
        return text

    def advice(self) -> str:
        if self.current_version is not None and self.worse:
            return (f"The new model is worse than the one in use: keep using v{self.current_version}. Label more "
                    "segments (especially the labels with few examples) and learn again.")
        if self.worse:
            return ("The new model is no better than guessing: keep the movement events for now. Label more "
                    "segments (especially the labels with few examples) and learn again.")
        return ("Use it to propose the segments you have not reviewed yet? Reviewed segments are never changed; "
                "you can go back to the current model later.")

    def keep_text(self) -> str:
        return (f"Keep the current model (v{self.current_version})" if self.current_version is not None
                else "Keep the movement events")


def train_and_compare(project_path: str | Path, annotator: str | None = None, progress: Any = None,
                      cancel: Any = None) -> LearnOutcome:
    """Train a label model (not used yet) and compare it with the active one (child process)."""
    from mgstudio.core.project import Project
    from mgstudio.recognition.versions import active_version, list_versions
    from mgstudio.workflows.recognize import train_label_model

    version, summary = train_label_model(project_path, annotator, progress=progress, cancel=cancel)
    with Project.open(project_path, annotator=annotator) as project:
        new = next((v for v in list_versions(project) if v.version == version), None)
        cur = active_version(project)
    accuracy = float(new.cv_accuracy) if new is not None else 0.0
    labels = len(new.classes) if new is not None else 1
    return LearnOutcome(version, summary, accuracy, labels,
                        None if cur is None else cur.version, None if cur is None else float(cur.cv_accuracy))


__all__ = ["LearnOutcome", "train_and_compare"]
