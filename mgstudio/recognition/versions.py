"""A project's saved label models ("versions" of "Learn from my labels") and which one is active.

Torch-light and free of the proposal engine, so that :mod:`.proposals` and :mod:`.learning` can
both use it without importing each other.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mgstudio.core.errors import MGStudioError
from mgstudio.recognition.encoder import encoder_hash, resolve_encoder
from mgstudio.recognition.fewshot import BACKGROUND, Head

STATE_KEY = "recognition.active_head"
ADAPTED_NAME = "adapted_encoder.pt"  # written by mgstudio.workflows.adapt ("Adapt to this study")


def adapted_path(project) -> Path:
    """Where a project's adapted encoder lives (``PROJECT/models/adapted_encoder.pt``)."""
    return Path(project.models_dir) / ADAPTED_NAME


@dataclass
class ModelVersion:
    """One trained label model of a project, with its provenance."""

    version: int
    path: Path
    kind: str
    classes: list[str]
    counts: dict[str, int]  # examples (segments) per label; background windows under BACKGROUND
    cv_per_class: dict[str, float | None]
    cv_accuracy: float
    cv_folds: int
    cv_grouping: str
    temperature: float
    created: str
    encoder: str  # checkpoint file name
    encoder_hash: str
    segment_ids: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """A few lines for people: CV accuracy per label, the version."""
        lines = [f"Label model v{self.version} ({self.kind} head, {sum(v for k, v in self.counts.items() if k != BACKGROUND)} "
                 f"labelled segments, {len(self.classes) - (BACKGROUND in self.classes)} labels)",
                 (f"Held-out accuracy (on {self.cv_grouping}s the fine-tuned recognizer did not see): "
                  f"{self.cv_accuracy:.0%}" if self.kind == "finetune" else
                  f"Cross-validated accuracy ({self.cv_folds} folds by {self.cv_grouping}): {self.cv_accuracy:.0%}")]
        for c in self.classes:
            acc = self.cv_per_class.get(c)
            name = "(no MG)" if c == BACKGROUND else c
            lines.append(f"  {name:<24} {self.counts.get(c, 0):>4} examples   "
                         + (f"{acc:.0%}" if acc is not None else "not testable (one example)"))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


def list_versions(project) -> list[ModelVersion]:
    """The project's saved label models, oldest first."""
    out = []
    for p in sorted(Path(project.models_dir).glob("head_v*.json")):
        try:
            d = json.loads(p.read_text())
            d["path"] = Path(project.models_dir) / Path(d["path"]).name
            out.append(ModelVersion(**d))
        except (OSError, ValueError, TypeError):
            continue
    return sorted(out, key=lambda v: v.version)


def active_version(project) -> ModelVersion | None:
    """The version proposals use (project state), or None before any ``learn``."""
    v = project.get_state(STATE_KEY)
    for mv in list_versions(project):
        if mv.version == v:
            return mv
    return None


def activate_version(project, version: int | ModelVersion | None) -> None:
    """Make ``version`` the one proposals use (None: back to movement events)."""
    if version is None:
        project.set_state(STATE_KEY, None)
        return
    v = version.version if isinstance(version, ModelVersion) else int(version)
    if not any(mv.version == v for mv in list_versions(project)):
        raise MGStudioError(f"This project has no label model version {v}.")
    project.set_state(STATE_KEY, v)


def load_active_head(project, enc=None) -> Head | None:
    """The active version's head (checked against ``enc``), or None."""
    mv = active_version(project)
    if mv is None:
        return None
    head = Head.load(mv.path)
    if enc is not None and head.meta.get("encoder_hash") and head.meta["encoder_hash"] != encoder_hash(enc):
        raise MGStudioError(f"Label model v{mv.version} was trained with another recognizer model; run "
                            "'learn' again.")
    return head


def active_encoder(project, model=None):
    """The encoder proposals use: the active version's own fine-tuned one, else ``model``."""
    mv = active_version(project)
    if mv is not None and mv.kind == "finetune":
        path = Path(project.models_dir) / Path(mv.encoder).name
        if not path.exists():
            raise MGStudioError(f"The fine-tuned recognizer of label model v{mv.version} is missing; run 'learn' "
                                "again.", str(path))
        return resolve_encoder(path)
    enc = project_encoder(project, model)
    if mv is not None and model is None and mv.encoder_hash and mv.encoder_hash != encoder_hash(enc):
        shipped = resolve_encoder(None)  # a label model learnt before the project was adapted
        if encoder_hash(shipped) == mv.encoder_hash:
            return shipped
    return enc


def project_encoder(project, model=None):
    """``model`` when given; else the project's adapted encoder (``mgstudio adapt``) when there is
    one, else the shipped encoder."""
    if model is not None:
        return resolve_encoder(model)
    path = adapted_path(project)
    return resolve_encoder(path if path.exists() else None)
