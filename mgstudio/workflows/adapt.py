""""Adapt to this study": self-supervised training of the recognizer on every skeleton of a project.

No label is used. The shipped encoder (or ``model``) is trained further by the same dual-stream
contrastive objective it was pretrained with (:mod:`mgstudio.recognition.contrastive`), on
windows sliding over every stored skeleton of the project (items whose ``split`` attribute is
``test`` are left out), so that its embedding learns what this study's people, camera and
skeleton source look like. Few-shot label models trained afterwards (``mgstudio learn``) use the
adapted encoder (:func:`mgstudio.recognition.versions.project_encoder`).

- **Checkpoints** every ``checkpoint_every`` steps (and at the end, and on cancel), written
  atomically to ``PROJECT/models/adapted_encoder.pt``: the encoder, the contrastive state
  (query/key networks, queues, optimiser) and the loss history. Loaded with
  ``torch.load(weights_only=True)`` only.
- **Resume**: a later call continues from the checkpoint's step (``resume=True``, the default),
  with the same data order; ``fresh=True`` starts again from the shipped encoder.
- **Cancel** (a callable or ``threading.Event``) is checked before every step; the run stops after
  writing a checkpoint of the steps done, which is usable at once.
- **Device**: CUDA (or MPS) when present, else CPU; ``progress(done, total, message)`` says the
  loss and the remaining time (measured from the steps done so far).
- **Budget**: ``steps`` (total, counting earlier runs) or ``minutes`` of wall time for this call.

Qt-free: the window runs :func:`adapt` in a worker; the CLI is ``mgstudio adapt``.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
import numpy as np

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.jobs import Cancel, is_cancelled

from mgstudio.recognition.versions import ADAPTED_NAME, adapted_path

STATE_KEY = "recognition.adapted_encoder"


@dataclass
class AdaptResult:
    """What a run did: the checkpoint, its total steps, the loss history (one mean per logged block)."""

    path: Path
    steps: int
    losses: list[float] = field(default_factory=list)
    windows: int = 0
    device: str = "cpu"
    stopped: str = "done"  # done | time | cancelled
    seconds: float = 0.0
    probe: list[tuple[int, float]] = field(default_factory=list)  # (step, instance-discrimination loss)

    @property
    def summary(self) -> str:
        first = self.probe[0][1] if self.probe else float("nan")
        last = self.probe[-1][1] if self.probe else float("nan")
        why = {"done": "finished", "time": "stopped at the time limit", "cancelled": "cancelled"}[self.stopped]
        return (f"Adapted the recognizer to this project on {self.windows} skeleton windows: {self.steps} steps "
                f"({why}, {self.seconds:.0f} s on {self.device}); telling windows apart (loss on a fixed "
                f"batch) {first:.3f} -> {last:.3f}. "
                f"Saved {self.path.name}; 'learn' now trains on it.")


def _fmt_left(seconds: float) -> str:
    if seconds >= 90:
        return f"about {seconds / 60:.0f} min left"
    return f"about {max(1, round(seconds))} s left"


def adapt(project_path: str | Path, *, steps: int | None = None, minutes: float | None = None,
          checkpoint_every: int = 50, batch_size: int = 32, resume: bool = True, fresh: bool = False,
          model: str | Path | None = None, device: str | None = None, seed: int = 0,
          progress: Callable[[int, int, str], None] | None = None, cancel: Cancel = None,
          annotator: str | None = None) -> AdaptResult:
    """Adapt the recognizer to the project at ``project_path`` (see the module docstring)."""
    import torch

    from mgstudio.core.project import Project
    from mgstudio.recognition.augment import build_augment
    from mgstudio.recognition.checkpoint import load_checkpoint, save_checkpoint
    from mgstudio.recognition.contrastive import MoCo, QueryNet
    from mgstudio.recognition.data import load_clips
    from mgstudio.recognition.device import pick_device
    from mgstudio.recognition.encoder import default_model_path
    from mgstudio.recognition.model import DualStreamEncoder, ModelConfig
    from mgstudio.recognition.train import _optim_cpu, _state_cpu, contrastive_step, seed_everything

    if steps is None and minutes is None:
        raise MGStudioError("Say how long to adapt: a number of steps or of minutes.")
    if steps is not None and steps < 1 or minutes is not None and minutes <= 0:
        raise MGStudioError("The number of steps or minutes to adapt must be above zero.")
    project_path = Path(project_path)
    with Project.open(project_path, annotator=annotator) as project:
        if project.read_only:
            raise MGStudioError("The project is open read-only, so the adapted recognizer cannot be saved.")
        out = adapted_path(project)
        if not any(project.has_skeleton(it.id) for it in project.items()):
            raise MGStudioError("No item in this project has a skeleton yet: extract skeletons first "
                                "(mgstudio extract), then adapt.")
    base_path = Path(model) if model is not None else default_model_path()
    ck = None
    if resume and not fresh and out.exists():
        ck = load_checkpoint(out)
        if ck.get("kind") != "adapt" or not ck.get("train_state"):
            raise MGStudioError(f"{out.name} holds no adaptation state to continue; start again with --fresh.")
    base = ck if ck is not None else load_checkpoint(base_path)
    cfg = dict(base["config"])
    cfg["data"] = dict(cfg["data"], split="auto")
    seed_everything(seed)
    dev = pick_device(device or "auto")
    clips = load_clips(project_path, cfg, labelled=False, split="train")
    if len(clips) < 2:
        raise MGStudioError(f"Too little skeleton data to adapt on: {len(clips)} window(s); at least 2 are needed.")
    from mgstudio.core.layouts import get_layout

    layout = get_layout(base["layout"]["name"])
    enc = DualStreamEncoder(ModelConfig.from_dict(cfg["model"]), layout.adjacency())
    enc.load_state_dict(base["encoder"])
    ccfg = dict(cfg["contrast"], queue=min(int(cfg["contrast"]["queue"]), max(64, len(clips) // 2)))
    moco = MoCo(QueryNet(enc, int(ccfg["proj_dim"])), ccfg).to(dev)
    opt = torch.optim.AdamW(moco.query.parameters(), lr=float(cfg["train"]["lr"]) * 0.5,
                            weight_decay=float(cfg["train"]["weight_decay"]))
    done, losses, seconds, probes = 0, [], 0.0, []
    if ck is not None:
        ts = ck["train_state"]
        moco.query.load_state_dict(ts["query"])
        moco.key.load_state_dict(ts["key"])
        for name, buf in ts["buffers"].items():
            getattr(moco, name).copy_(buf)
        opt.load_state_dict(ts["optimizer"])
        done, losses, seconds = int(ts["step"]), list(ts["losses"]), float(ts.get("seconds", 0.0))
        probes = [(int(a), float(b)) for a, b in ts.get("probe", [])]
    if steps is not None and done >= steps:
        return AdaptResult(out, done, losses, len(clips), dev.type, "done", seconds, probes)
    aug = build_augment(cfg["augment"])
    x_all, m_all = torch.from_numpy(clips.x), torch.from_numpy(clips.mask)
    per = max(2, min(int(batch_size), len(clips)))
    per_epoch = max(1, len(clips) // per)
    base_name = base["provenance"].get("adapted_from", base_path.name) if ck is not None else base_path.name

    def save(stopped: str) -> None:
        if not probes or probes[-1][0] != done:
            probes.append((done, probe()))
        buffers = {n: b.detach().cpu().clone() for n, b in moco.named_buffers() if n.startswith("queue")}
        prov = {"data": clips.source, "clips": len(clips), "steps": done, "adapted_from": base_name,
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), "seed": seed,
                "metrics": {"loss": float(np.mean(losses[-10:])) if losses else None,
                            "probe_loss": probes[-1][1]}, "stopped": stopped}
        save_checkpoint(out, {
            "kind": "adapt", "config": cfg, "layout": base["layout"], "classes": None, "provenance": prov,
            "encoder": _state_cpu(moco.query.encoder.state_dict()), "head": None,
            "train_state": {"step": done, "query": _state_cpu(moco.query.state_dict()),
                            "key": _state_cpu(moco.key.state_dict()), "buffers": buffers,
                            "optimizer": _optim_cpu(opt.state_dict()), "losses": list(losses),
                            "seconds": seconds, "probe": [list(p) for p in probes]},
        })

    probe_idx = torch.from_numpy(np.random.default_rng([seed, 7]).permutation(len(clips))[:64])
    probe_x, probe_m = x_all[probe_idx].to(dev), m_all[probe_idx].to(dev)

    def probe() -> float:
        """Instance discrimination on a fixed batch with fixed augmentations: can the encoder tell
        each window's two views from the other windows? (lower = better; no queue involved)"""
        import torch.nn.functional as F

        moco.eval()
        with torch.no_grad():
            g0 = torch.Generator().manual_seed(seed + 1)
            v1, w1 = aug(probe_x, probe_m, g0)
            v2, w2 = aug(probe_x, probe_m, g0)
            q1, q2 = moco.query(v1, w1), moco.query(v2, w2)
            target = torch.arange(len(probe_idx), device=dev)
            val = float(np.mean([float(F.cross_entropy(q1[f] @ q2[f].T / moco.t, target)) for f in q1]))
        moco.train()
        return val

    if not probes:
        probes.append((done, probe()))
    t_start = time.perf_counter()
    deadline = t_start + 60.0 * minutes if minutes is not None else None
    stopped, since_save = "done", 0
    moco.train()
    while True:
        if steps is not None and done >= steps:
            break
        if deadline is not None and time.perf_counter() >= deadline:
            stopped = "time"
            break
        if is_cancelled(cancel):
            stopped = "cancelled"
            break
        epoch, k = divmod(done, per_epoch)
        perm = np.random.default_rng([seed, epoch]).permutation(len(clips))
        idx = torch.from_numpy(perm[k * per:(k + 1) * per])
        g = torch.Generator().manual_seed(seed * 100_003 + done)
        t0 = time.perf_counter()
        x, m = x_all[idx].to(dev), m_all[idx].to(dev)
        losses.append(contrastive_step(moco, moco.query, aug, x, m, g, opt, epoch, k))
        done += 1
        since_save += 1
        seconds += time.perf_counter() - t0
        if since_save >= checkpoint_every:
            save("running")
            since_save = 0
        if progress is not None:
            rate = (time.perf_counter() - t_start) / max(1, done - (int(ck["train_state"]["step"]) if ck else 0))
            if steps is not None:
                total, left = steps, (steps - done) * rate
            else:
                left = max(0.0, deadline - time.perf_counter())
                total = done + int(left / max(rate, 1e-9))
            progress(done, max(total, done), f"loss {losses[-1]:.3f}, {_fmt_left(left)}")
    save(stopped)
    with Project.open(project_path, annotator=annotator) as project:
        project.set_state(STATE_KEY, {"file": out.name, "steps": done, "adapted_from": base_name})
    result = AdaptResult(out, done, losses, len(clips), dev.type, stopped, seconds, probes)
    if stopped == "cancelled":
        raise CancelledError(f"Adaptation cancelled after {done} steps; {out.name} holds them and can be used "
                             f"or continued.")
    return result


def run_adapt(project_path: str | Path, minutes: float | None = None, steps: int | None = None,
              annotator: str | None = None, progress: Callable[[int, int, str], None] | None = None,
              cancel: Cancel = None, fresh: bool = False, batch_size: int = 32,
              checkpoint_every: int = 50) -> dict:
    """The window's job: adapt, return what changed (picklable): ``summary`` (the sentence),
    ``steps`` (total so far), ``started_at`` (steps done before this run), ``windows``, ``device``,
    ``stopped`` and ``file``."""
    from mgstudio.core.project import Project

    started_at = 0
    if not fresh:
        with Project.open(project_path, annotator=annotator, read_only=True) as project:
            st = project.get_state(STATE_KEY) or {}
            if adapted_path(project).exists():
                started_at = int(st.get("steps") or 0)
    res = adapt(project_path, minutes=minutes, steps=steps, annotator=annotator, progress=progress,
                cancel=cancel, fresh=fresh, batch_size=batch_size, checkpoint_every=checkpoint_every)
    return {"summary": res.summary, "steps": res.steps, "started_at": started_at, "windows": res.windows,
            "device": res.device, "stopped": res.stopped, "file": res.path.name}


__all__ = ["adapt", "run_adapt", "adapted_path", "AdaptResult", "ADAPTED_NAME", "STATE_KEY"]
