"""Few-shot heads on frozen embeddings: a prototype head and a linear (logistic) head.

Both are trained in well under a second on CPU from a handful of labelled windows
(``Encoder.embed`` output) and saved as plain tensors (loaded back with
``torch.load(weights_only=True)``).

Choices (ours):

- Embeddings are **standardised** (mean/std of the training embeddings, std floored) and the
  prototype head works on **L2-normalised** standardised vectors: logits are ``10 * cos(e, p_c)``
  with ``p_c`` the normalised class mean. One example per class is enough for it.
- The linear head is multinomial logistic regression, full-batch L-BFGS (100 iterations), L2
  weight ``1e-2`` (strong: few examples, 480 dimensions), class-balanced loss.
- ``kind="auto"`` picks the linear head when every class has at least 2 examples, else the
  prototype head (with a note); an explicit ``kind="linear"`` with a single-example class is
  refused with a clear message.
- The reserved class :data:`BACKGROUND` ("no MG here") gives the proposal engine its
  MG-vs-background score (``1 - p(background)``).
- **Calibration**: temperature scaling (one scalar ``T``; probabilities = softmax(logits / T)),
  fitted by minimising the negative log-likelihood of held-out logits over a log-spaced grid
  (robust with tens of examples; no optimiser to diverge). The temperature is stored with the head.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mgstudio.core.atomic import atomic_file
from mgstudio.core.errors import MGStudioError

BACKGROUND = "__background__"
MG_ANY = "__mg__"  # the class-agnostic detector's "some MG" class
FORMAT = "mgstudio-fewshot-head"
VERSION = 1
KINDS = ("auto", "prototype", "linear")
_PROTO_SCALE = 10.0


@dataclass
class Head:
    """A trained classifier on frozen embeddings (columns of :meth:`proba` follow :attr:`classes`)."""

    kind: str
    classes: list[str]
    mean: np.ndarray
    std: np.ndarray
    weight: np.ndarray  # K x D (prototype: normalised class means)
    bias: np.ndarray  # K
    temperature: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)
    # optional class-agnostic "MG vs background" head (classes [MG_ANY, BACKGROUND]): when set, it
    # decides p(background) and this head only shares the rest among the MG classes
    detector: "Head | None" = None

    @property
    def has_background(self) -> bool:
        return BACKGROUND in self.classes

    @property
    def mg_classes(self) -> list[str]:
        return [c for c in self.classes if c != BACKGROUND]

    @property
    def dim(self) -> int:
        return int(self.weight.shape[1])

    def logits(self, emb: np.ndarray) -> np.ndarray:
        """Uncalibrated logits ``[N, K]`` of embeddings ``[N, D]``."""
        e = np.asarray(emb, np.float32)
        if e.ndim != 2 or e.shape[1] != self.dim:
            raise MGStudioError("These embeddings do not fit this label model (another recognizer?).",
                                f"got {e.shape}, head dimension {self.dim}")
        z = (e - self.mean) / self.std
        if self.kind == "prototype":
            z = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-6)
            return (_PROTO_SCALE * z @ self.weight.T + self.bias).astype(np.float32)
        return (z @ self.weight.T + self.bias).astype(np.float32)

    def proba(self, emb: np.ndarray) -> np.ndarray:
        """Calibrated probabilities ``[N, K]`` (softmax of logits / temperature); with a
        :attr:`detector`, p(background) is the detector's and the MG classes share the rest in
        this head's proportions."""
        p = softmax(self.logits(emb) / self.temperature)
        if self.detector is None or not self.has_background or len(self.classes) < 2:
            return p
        bg = self.classes.index(BACKGROUND)
        p_bg = self.detector.proba(emb)[:, self.detector.classes.index(BACKGROUND)]
        mg = [i for i in range(len(self.classes)) if i != bg]
        share = p[:, mg] / np.maximum(p[:, mg].sum(1, keepdims=True), 1e-12)
        out = np.empty_like(p)
        out[:, bg] = p_bg
        out[:, mg] = (1.0 - p_bg)[:, None] * share
        return out

    def predict(self, emb: np.ndarray) -> list[str]:
        return [self.classes[i] for i in self.logits(emb).argmax(1)]

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "kind": self.kind, "classes": list(self.classes),
                "mean": torch.from_numpy(np.ascontiguousarray(self.mean, np.float32)),
                "std": torch.from_numpy(np.ascontiguousarray(self.std, np.float32)),
                "weight": torch.from_numpy(np.ascontiguousarray(self.weight, np.float32)),
                "bias": torch.from_numpy(np.ascontiguousarray(self.bias, np.float32)),
                "temperature": float(self.temperature), "meta": dict(self.meta),
                **({"detector": self.detector.to_dict()} if self.detector is not None else {})}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Head":
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise MGStudioError("This file is not an MG Studio label model.")
        if d.get("version") != VERSION:
            raise MGStudioError(f"This label model was saved by another version of MG Studio (format "
                                f"{d.get('version')}); train it again with 'mgstudio learn'.")
        try:
            det = cls.from_dict(d["detector"]) if d.get("detector") is not None else None
            return cls(str(d["kind"]), [str(c) for c in d["classes"]], d["mean"].numpy(), d["std"].numpy(),
                       d["weight"].numpy(), d["bias"].numpy(), float(d["temperature"]), dict(d.get("meta") or {}),
                       det)
        except (KeyError, AttributeError, TypeError) as exc:
            raise MGStudioError("The label model file is damaged.", repr(exc)) from exc

    def save(self, path: str | Path) -> Path:
        """Write atomically (``torch.save`` of plain tensors, lists and numbers)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path, "wb") as fh:
            torch.save(self.to_dict(), fh)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Head":
        path = Path(path)
        if not path.exists():
            raise MGStudioError(f"Label model not found: {path.name}", str(path))
        try:
            d = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise MGStudioError(f"{path.name} is not an MG Studio label model (or it is damaged).",
                                f"{type(exc).__name__}: {exc}") from exc
        return cls.from_dict(d)


def softmax(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def _check(emb: np.ndarray, labels: list[str]) -> tuple[np.ndarray, list[str], np.ndarray, Counter]:
    e = np.asarray(emb, np.float32)
    if e.ndim != 2 or len(e) != len(labels):
        raise MGStudioError("Internal error: embeddings and labels do not match.", f"{e.shape} vs {len(labels)}")
    if len(e) == 0:
        raise MGStudioError("There are no labelled examples to learn from yet.")
    if not np.isfinite(e).all():
        raise MGStudioError("Some examples could not be read (no visible joints); label other moments.")
    counts = Counter(labels)
    if len(counts) < 2:
        raise MGStudioError(f"Learning needs at least two different labels (only '{next(iter(counts))}' so far).")
    classes = sorted(counts, key=lambda c: (c == BACKGROUND, c))
    y = np.array([classes.index(s) for s in labels], np.int64)
    return e, classes, y, counts


def train_head(emb: np.ndarray, labels: list[str], kind: str = "auto", *, l2: float = 1e-2,
               seed: int = 0, examples: dict[str, int] | None = None) -> Head:
    """Train a prototype or linear head on embeddings ``[N, D]`` with string labels.

    ``examples``: labelled *segments* per class when several windows come from one segment
    (a class with one segment counts as a single example even if it gave two windows).
    """
    if kind not in KINDS:
        raise MGStudioError(f"Unknown head kind {kind!r}; use one of {', '.join(KINDS)}.")
    e, classes, y, counts = _check(emb, list(labels))
    single = sorted(c for c, n in counts.items() if min(n, (examples or {}).get(c, n)) < 2)
    notes: list[str] = []
    if kind == "auto":
        kind = "prototype" if single else "linear"
        if single:
            notes.append("only one example of " + ", ".join(f"'{c}'" for c in single)
                         + ": using the prototype head; add a second example for the linear head")
    elif kind == "linear" and single:
        raise MGStudioError("The linear head needs at least two examples of every label; "
                            + ", ".join(f"'{c}'" for c in single) + " has only one (or use the prototype head).")
    mean = e.mean(0)
    std = np.maximum(e.std(0), 1e-3)
    z = (e - mean) / std
    k = len(classes)
    if kind == "prototype":
        zn = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-6)
        protos = np.stack([zn[y == c].mean(0) for c in range(k)])
        protos /= np.maximum(np.linalg.norm(protos, axis=1, keepdims=True), 1e-6)
        return Head("prototype", classes, mean, std, protos.astype(np.float32), np.zeros(k, np.float32),
                    meta={"notes": notes, "counts": dict(counts)})
    torch.manual_seed(seed)
    x = torch.from_numpy(z.astype(np.float32))
    t = torch.from_numpy(y)
    freq = np.bincount(y, minlength=k).astype(np.float32)
    cw = torch.from_numpy(len(y) / (k * np.maximum(freq, 1)))
    lin = torch.nn.Linear(z.shape[1], k)
    torch.nn.init.zeros_(lin.weight)
    torch.nn.init.zeros_(lin.bias)
    opt = torch.optim.LBFGS(lin.parameters(), lr=1.0, max_iter=100, history_size=10,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(lin(x), t, weight=cw) + l2 * (lin.weight ** 2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    w, b = lin.weight.detach().numpy().copy(), lin.bias.detach().numpy().copy()
    if not (np.isfinite(w).all() and np.isfinite(b).all()):
        raise MGStudioError("Training the label model failed (numbers went out of range).")
    return Head("linear", classes, mean, std, w, b, meta={"notes": notes, "counts": dict(counts)})


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising the NLL of held-out ``logits`` ``[N, K]`` with true indices ``y``."""
    lg = np.asarray(logits, np.float64)
    y = np.asarray(y, np.int64)
    if len(lg) == 0:
        return 1.0
    best_t, best = 1.0, np.inf
    for temp in np.logspace(-1.3, 1.7, 121):
        p = lg / temp
        p = p - p.max(1, keepdims=True)
        nll = -(p[np.arange(len(y)), y] - np.log(np.exp(p).sum(1))).mean()
        if nll < best - 1e-12:
            best, best_t = nll, float(temp)
    return best_t


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """ECE of the top-class confidence (how far confidences are from accuracies)."""
    p = np.asarray(proba)
    conf, pred = p.max(1), p.argmax(1)
    ok = (pred == np.asarray(y)).astype(np.float64)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        m = (conf > a) & (conf <= b)
        if m.any():
            ece += m.mean() * abs(ok[m].mean() - conf[m].mean())
    return float(ece)


def folds(labels: list[str], groups: list[str] | None, n_folds: int = 5, seed: int = 0) -> list[np.ndarray]:
    """Test-index arrays of cross-validation folds: by group (subject / item) when there are at
    least two groups, else stratified by label."""
    n = len(labels)
    rng = np.random.default_rng(seed)
    if groups is not None and len(set(groups)) >= 2:
        uniq = sorted(set(groups))
        rng.shuffle(uniq)
        k = min(n_folds, len(uniq))
        g_fold = {g: i % k for i, g in enumerate(uniq)}
        f = np.array([g_fold[g] for g in groups])
    else:
        f = np.zeros(n, np.int64)
        by: dict[str, list[int]] = {}
        for i, lab in enumerate(labels):
            by.setdefault(lab, []).append(i)
        k = max(2, min(n_folds, max(len(v) for v in by.values())))
        offset = 0
        for lab in sorted(by):
            idx = np.array(by[lab])
            rng.shuffle(idx)
            f[idx] = (np.arange(len(idx)) + offset) % k
            offset += len(idx)
    return [np.flatnonzero(f == i) for i in range(int(f.max()) + 1) if (f == i).any()]


@dataclass
class CVResult:
    """Out-of-fold results: per-class accuracy (``None`` when a class could not be tested)."""

    per_class: dict[str, float | None]
    accuracy: float  # over MG examples (background excluded)
    background_accuracy: float | None
    n_folds: int
    grouping: str
    temperature: float
    ece_before: float
    ece_after: float


def cross_validate(emb: np.ndarray, labels: list[str], groups: list[str] | None = None, kind: str = "auto",
                   n_folds: int = 5, grouping: str = "examples", examples: dict[str, int] | None = None) -> CVResult:
    """Cross-validated per-class accuracy (of windows; ``None`` for a class with fewer than two
    examples), and a temperature fitted on the out-of-fold logits."""
    e, classes, y, counts = _check(emb, list(labels))
    counts = Counter({c: min(n, (examples or {}).get(c, n)) for c, n in counts.items()})
    labs = list(labels)
    fs = folds(labs, groups, n_folds)
    if len(fs) < 2:
        raise MGStudioError("Not enough examples to check the model: label a few more moments.")
    oof = np.full((len(e), len(classes)), np.nan, np.float32)
    for test in fs:
        train = np.setdiff1d(np.arange(len(e)), test)
        tl = [labs[i] for i in train]
        if len(set(tl)) < 2:
            continue
        sub_kind = kind if kind != "linear" or min(Counter(tl).values()) >= 2 else "prototype"
        if kind == "auto" and any(n < 2 for n in counts.values()):
            sub_kind = "prototype"
        h = train_head(e[train], tl, kind=sub_kind)
        lg = h.logits(e[test])
        cols = [classes.index(c) for c in h.classes]
        row = np.full((len(test), len(classes)), -1e4, np.float32)
        row[:, cols] = lg
        oof[test] = row
    done = np.isfinite(oof).all(1)
    pred = np.where(done, np.nan_to_num(oof, nan=-1e9).argmax(1), -1)
    per_class: dict[str, float | None] = {}
    for ci, c in enumerate(classes):
        m = (y == ci) & done
        per_class[c] = float((pred[m] == ci).mean()) if counts[c] >= 2 and m.any() else None
    mg = done & (np.array([classes[i] != BACKGROUND for i in y]))
    bg = done & ~mg
    acc = float((pred[mg] == y[mg]).mean()) if mg.any() else 0.0
    bacc = float((pred[bg] == y[bg]).mean()) if bg.any() else None
    lg_done = oof[done].astype(np.float64)
    temp = fit_temperature(lg_done, y[done])
    return CVResult({c: v for c, v in per_class.items()}, acc, bacc, len(fs), grouping, temp,
                    expected_calibration_error(softmax(lg_done), y[done]) if done.any() else 0.0,
                    expected_calibration_error(softmax(lg_done / temp), y[done]) if done.any() else 0.0)
