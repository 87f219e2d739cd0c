"""Training loops: self-supervised pretraining, linear evaluation, fine-tuning / supervised.

``run_training(mode, cfg, data, out, ...)`` with ``mode`` one of

- ``pretrain``   MoCo dual-stream contrastive learning on unlabelled clips (labels ignored);
- ``linear``     frozen encoder (from ``encoder``) + a linear head on labelled clips;
- ``finetune``   encoder (from ``encoder``) + head trained end to end with augmentations;
- ``supervised`` the same from a random encoder (the supervised baseline).

Runs on the automatic device (CUDA, MPS, CPU) and under ``torchrun`` as
DistributedDataParallel (NCCL on GPUs, gloo on CPUs): every rank sees a different shard of
each epoch, gradients are averaged, rank 0 writes checkpoints and shows the progress bar.
Checkpoints are written atomically after every ``save_every`` epochs; ``resume=True`` continues
from one. ``cancel`` (a callable or ``threading.Event``) is checked before every step: the run
stops, the last checkpoint stays as it was, and :class:`CancelledError` says which epoch it holds.
"""

from __future__ import annotations

import datetime as _dt
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn import functional as F

from mgstudio import __version__
from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.jobs import is_cancelled
from mgstudio.core.layouts import get_layout
from mgstudio.recognition.augment import build_augment
from mgstudio.recognition.checkpoint import layout_record, load_checkpoint, save_checkpoint
from mgstudio.recognition.contrastive import MoCo, QueryNet
from mgstudio.recognition.data import ClipSet, load_clips
from mgstudio.recognition.device import pick_device
from mgstudio.recognition.model import Classifier, DualStreamEncoder, ModelConfig

MODES = ("pretrain", "linear", "finetune", "supervised")
Progress = Callable[[int, int, str], None]


@dataclass
class TrainResult:
    path: Path
    epochs: int
    metrics: dict[str, Any] = field(default_factory=dict)
    history: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- helpers
_is_cancelled = is_cancelled  # the job protocol of mgstudio.core.jobs


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


@dataclass
class _Dist:
    rank: int = 0
    world: int = 1
    started_here: bool = False

    @property
    def main(self) -> bool:
        return self.rank == 0


def _init_distributed(device: torch.device) -> _Dist:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Dist()
    if dist.is_initialized():
        return _Dist(dist.get_rank(), dist.get_world_size(), False)
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend=backend, timeout=_dt.timedelta(minutes=10))
    return _Dist(dist.get_rank(), dist.get_world_size(), True)


def _device_for(cfg: dict, ddp: bool) -> torch.device:
    dev = pick_device(cfg["train"]["device"])
    if ddp and dev.type == "cuda":
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return dev


def _batches(n: int, batch: int, world: int, rank: int, seed: int, epoch: int, limit: int) -> list[np.ndarray]:
    """This rank's index batches of one epoch (same permutation on every rank, equal counts)."""
    g = np.random.default_rng([seed, epoch])
    perm = g.permutation(n)
    per = max(2, min(batch, n // world))
    steps = max(1, n // (per * world))
    if limit:
        steps = min(steps, limit)
    return [perm[(s * world + rank) * per:(s * world + rank + 1) * per] for s in range(steps)]


def _provenance(cfg: dict, data: ClipSet, epochs: int, metrics: dict, world: int, extra: dict | None = None) -> dict:
    return {
        "data": data.source, "clips": len(data), "epochs": int(epochs), "metrics": metrics,
        "mgstudio_version": __version__, "torch_version": str(torch.__version__),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "seed": int(cfg["train"]["seed"]), "world_size": int(world), **(extra or {}),
    }


def _finite(loss: torch.Tensor, epoch: int, step: int) -> None:
    if not torch.isfinite(loss):
        raise MGStudioError(
            "Training stopped: the loss became invalid (NaN or infinite); try a smaller learning rate.",
            f"epoch {epoch + 1}, step {step + 1}, loss={float(loss.detach())}")


def contrastive_step(moco: MoCo, query: Callable[..., torch.Tensor], aug: Callable[..., Any], x: torch.Tensor,
                     m: torch.Tensor, g: torch.Generator, opt: torch.optim.Optimizer, epoch: int, step: int) -> float:
    """One self-supervised step (pretraining and "adapt to this study"): two augmented views, the
    query forward (``query``: the query net, or its DDP wrapper), the momentum key update, the
    contrastive loss (refused when not finite), the optimiser step and the key queue; the loss."""
    x1, m1 = aug(x, m, g)
    x2, m2 = aug(x, m, g)
    q = query(x1, m1)
    with torch.no_grad():
        moco.momentum_update()
        k = moco.keys(x2, m2)
    loss, _terms = moco.loss(q, k)
    _finite(loss, epoch, step)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    moco.enqueue(k)
    return float(loss.detach())


def _state_cpu(sd: dict) -> dict:
    return {k: v.detach().cpu().clone() for k, v in sd.items()}


def _optim_cpu(sd: dict) -> dict:
    def conv(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            return v.detach().cpu().clone()
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(conv(x) for x in v)
        return v
    return conv(sd)


def _bar(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, leave=False, dynamic_ncols=True)


# ---------------------------------------------------------------- entry point
def run_training(mode: str, cfg: dict, data: str | Path | ClipSet, out: str | Path, *,
                 encoder: str | Path | None = None, resume: bool = False,
                 progress: Progress | None = None, cancel: Any = None,
                 log: Callable[[str], None] | None = print, eval_data: ClipSet | None = None,
                 show_bar: bool = True) -> TrainResult:
    """Train and write the checkpoint ``out`` (see the module docstring)."""
    if mode not in MODES:
        raise MGStudioError(f"Unknown training mode '{mode}' (use {', '.join(MODES)}).")
    log = log or (lambda s: None)
    out = Path(out)
    seed_everything(int(cfg["train"]["seed"]))
    world_env = int(os.environ.get("WORLD_SIZE", "1"))
    device = _device_for(cfg, world_env > 1)
    dd = _init_distributed(device)
    try:
        base = None
        if mode in ("linear", "finetune"):
            if encoder is None:
                raise MGStudioError(f"'{mode}' needs a pretrained encoder (--encoder MODEL.pt).")
            base = load_checkpoint(encoder, layout=cfg["data"]["layout"])
            # the encoder's architecture comes from its checkpoint, not from this config
            cfg = dict(cfg, model=dict(base["config"]["model"]))
        if isinstance(data, ClipSet):
            clips = data
        else:
            clips = load_clips(data, cfg, labelled=mode != "pretrain", split="train")
        if mode != "pretrain" and eval_data is None and not isinstance(data, ClipSet):
            try:
                eval_data = load_clips(data, cfg, labelled=True, split="test", classes=clips.classes)
            except MGStudioError:
                eval_data = None
        for n in clips.notes:
            log(f"note: {n}")
        if mode == "pretrain":
            result = _pretrain(cfg, clips, out, device, dd, resume, progress, cancel, log, show_bar)
        else:
            result = _supervised(mode, cfg, clips, out, device, dd, base, resume, progress, cancel, log,
                                 eval_data, show_bar)
        if dd.world > 1:  # every rank is done (rank 0 has written the checkpoint) before the group
            dist.barrier()  # goes: a rank tearing gloo down early was seen aborting (std::terminate)
        return result
    finally:
        if dd.started_here:
            dist.destroy_process_group()


def _check_resume(out: Path, kind: str, resume: bool, log: Callable[[str], None]) -> dict | None:
    if not resume or not out.exists():
        return None
    ck = load_checkpoint(out)
    if ck.get("kind") != kind or not ck.get("train_state"):
        raise MGStudioError(f"{out.name} cannot be resumed as a '{kind}' run (it is a '{ck.get('kind')}' "
                            "checkpoint without training state); choose another output file.")
    log(f"resuming {out.name} after epoch {ck['train_state']['epoch']}")
    return ck


# ---------------------------------------------------------------- self-supervised
def _pretrain(cfg: dict, clips: ClipSet, out: Path, device: torch.device, dd: _Dist, resume: bool,
              progress: Progress | None, cancel: Any, log: Callable[[str], None], show_bar: bool) -> TrainResult:
    layout = get_layout(cfg["data"]["layout"])
    if len(clips) < 2 * dd.world:
        raise MGStudioError(f"Too little data to train: {len(clips)} clip(s); at least {2 * dd.world} are needed.")
    mcfg = ModelConfig.from_dict(cfg["model"])
    enc = DualStreamEncoder(mcfg, layout.adjacency())
    query = QueryNet(enc, int(cfg["contrast"]["proj_dim"]))
    moco = MoCo(query, cfg["contrast"]).to(device)
    tcfg = cfg["train"]
    opt = torch.optim.AdamW(moco.query.parameters(), lr=float(tcfg["lr"]), weight_decay=float(tcfg["weight_decay"]))
    start_epoch, history = 0, []
    ck = _check_resume(out, "pretrain", resume, log)
    if ck is not None:
        ts = ck["train_state"]
        moco.query.load_state_dict(ts["query"])
        moco.key.load_state_dict(ts["key"])
        for name, buf in ts["buffers"].items():
            getattr(moco, name).copy_(buf)
        opt.load_state_dict(ts["optimizer"])
        start_epoch, history = int(ts["epoch"]), list(ts["history"])
    qnet: nn.Module = moco.query
    if dd.world > 1:
        ddp_kw: dict[str, Any] = {"device_ids": [device.index]} if device.type == "cuda" else {}
        # a loss term switched off leaves its projection head without gradients
        ddp_kw["find_unused_parameters"] = not all(float(cfg["contrast"][k]) for k in ("within", "cross", "fused"))
        qnet = nn.parallel.DistributedDataParallel(moco.query, **ddp_kw)
    aug = build_augment(cfg["augment"])
    x_all = torch.from_numpy(clips.x)
    m_all = torch.from_numpy(clips.mask)
    epochs = int(tcfg["epochs"])
    seed = int(tcfg["seed"])
    total_steps = len(_batches(len(clips), int(tcfg["batch_size"]), dd.world, 0, seed, 0, int(tcfg["max_steps"])))
    result = TrainResult(out, start_epoch, history=history)

    def save(epoch: int, metrics: dict) -> None:
        if not dd.main:
            return
        buffers = {n: b.detach().cpu().clone() for n, b in moco.named_buffers() if n.startswith("queue")}
        save_checkpoint(out, {
            "kind": "pretrain", "config": cfg, "layout": layout_record(layout), "classes": None,
            "provenance": _provenance(cfg, clips, epoch, metrics, dd.world,
                                      {"steps_per_epoch": total_steps, "augment": repr(aug)}),
            "encoder": _state_cpu(moco.query.encoder.state_dict()), "head": None,
            "train_state": {"epoch": epoch, "query": _state_cpu(moco.query.state_dict()),
                            "key": _state_cpu(moco.key.state_dict()), "buffers": buffers,
                            "optimizer": _optim_cpu(opt.state_dict()), "history": list(history)},
        })

    for epoch in range(start_epoch, epochs):
        moco.train()
        g = torch.Generator().manual_seed(seed * 100_003 + epoch * 1009 + dd.rank)
        batches = _batches(len(clips), int(tcfg["batch_size"]), dd.world, dd.rank, seed, epoch, int(tcfg["max_steps"]))
        losses = []
        bar = _bar(len(batches), f"pretrain {epoch + 1}/{epochs}", show_bar and dd.main)
        for step, idx in enumerate(batches):
            if _is_cancelled(cancel):
                bar.close()
                raise CancelledError(_cancel_message(out, epoch), f"cancelled in epoch {epoch + 1}, step {step + 1}")
            it = torch.from_numpy(idx)
            x, m = x_all[it].to(device), m_all[it].to(device)
            losses.append(contrastive_step(moco, qnet, aug, x, m, g, opt, epoch, step))
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
            if progress is not None:
                progress(epoch * len(batches) + step + 1, epochs * len(batches), f"epoch {epoch + 1}: loss {losses[-1]:.3f}")
        bar.close()
        history.append(float(np.mean(losses)))
        if dd.main:
            log(f"epoch {epoch + 1}/{epochs}: contrastive loss {history[-1]:.4f}")
        result.epochs = epoch + 1
        if (epoch + 1) % int(tcfg["save_every"]) == 0 or epoch + 1 == epochs:
            save(epoch + 1, {"loss": history[-1], "loss_history": list(history)})
        if dd.world > 1:
            dist.barrier()
    if dd.world > 1:
        in_sync = _ranks_in_sync(moco.query)
        if not in_sync:
            raise MGStudioError("Distributed training went wrong: the processes ended with different weights.")
        if dd.main and out.exists():
            ck = load_checkpoint(out)
            ck["provenance"]["ddp_ranks_in_sync"] = True
            save_checkpoint(out, ck)
    result.metrics = {"loss": history[-1] if history else None}
    return result


def _ranks_in_sync(module: nn.Module) -> bool:
    """True when every rank holds the same weights (DistributedDataParallel kept them in step)."""
    with torch.no_grad():
        v = torch.cat([p.detach().flatten().double().cpu() for p in module.parameters()])
        sig = torch.stack([v.sum(), (v * torch.arange(1, len(v) + 1, dtype=torch.float64)).sum()])
        sig = sig.to(next(module.parameters()).device)
        parts = [torch.zeros_like(sig) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, sig)
    return all(torch.allclose(parts[0], q, rtol=1e-9, atol=1e-9) for q in parts[1:])


def _cancel_message(out: Path, epoch: int) -> str:
    if epoch > 0 and out.exists():
        return f"Training cancelled; the last checkpoint ({out.name}, after epoch {epoch}) was kept."
    return "Training cancelled before the first epoch finished; nothing was saved."


# ---------------------------------------------------------------- supervised heads
@torch.no_grad()
def extract_features(enc: DualStreamEncoder, clips: ClipSet, device: torch.device, batch: int = 128) -> torch.Tensor:
    enc.eval()
    outs = []
    for s in range(0, len(clips), batch):
        x = torch.from_numpy(clips.x[s:s + batch]).to(device)
        m = torch.from_numpy(clips.mask[s:s + batch]).to(device)
        outs.append(enc.embed(x, m).float())
    return torch.cat(outs)


def classify_metrics(logits: torch.Tensor, labels: torch.Tensor, classes: list[str]) -> dict[str, Any]:
    """top-1 / top-5 accuracy, per-class accuracy and the confusion matrix (rows = truth)."""
    k = len(classes)
    pred = logits.argmax(1)
    top5 = logits.topk(min(5, k), dim=1).indices
    cm = torch.zeros(k, k, dtype=torch.long)
    for t, p in zip(labels.tolist(), pred.tolist()):
        cm[t, p] += 1
    per = {c: (float(cm[i, i]) / float(cm[i].sum()) if cm[i].sum() else None) for i, c in enumerate(classes)}
    return {
        "top1": float((pred == labels).float().mean()),
        "top5": float((top5 == labels[:, None]).any(1).float().mean()),
        "per_class": per, "confusion": cm.tolist(), "n": int(len(labels)),
    }


def _warn_classes(clips: ClipSet, log: Callable[[str], None]) -> None:
    counts = clips.class_counts()
    if len([c for c, n in counts.items() if n > 0]) < 2:
        raise MGStudioError("A classifier needs examples of at least two different labels.",
                            f"label counts: {counts}")
    single = [c for c, n in counts.items() if n == 1]
    if single:
        log(f"note: only one example of {', '.join(single)}: the classifier will know these labels poorly")


def _supervised(mode: str, cfg: dict, clips: ClipSet, out: Path, device: torch.device, dd: _Dist,
                base: dict | None, resume: bool, progress: Progress | None, cancel: Any,
                log: Callable[[str], None], eval_data: ClipSet | None, show_bar: bool) -> TrainResult:
    layout = get_layout(cfg["data"]["layout"])
    _warn_classes(clips, log)
    mcfg = ModelConfig.from_dict(cfg["model"])
    enc = DualStreamEncoder(mcfg, layout.adjacency())
    if base is not None:
        enc.load_state_dict(base["encoder"])
    model = Classifier(enc, len(clips.classes)).to(device)
    labels = torch.from_numpy(clips.labels)
    kind = mode
    linear = mode == "linear"
    # a linear head trains in seconds from features computed once: it is never resumed
    ck = None if linear else _check_resume(out, kind, resume, log)
    lcfg, tcfg = cfg["linear"], cfg["train"]
    epochs = int(lcfg["epochs"] if linear else tcfg["epochs"])
    if linear:
        for p in model.encoder.parameters():
            p.requires_grad_(False)
        params = list(model.head.parameters())
        opt = torch.optim.AdamW(params, lr=float(lcfg["lr"]), weight_decay=float(lcfg["weight_decay"]))
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=float(tcfg["lr"]), weight_decay=float(tcfg["weight_decay"]))
    start_epoch, history = 0, []
    if ck is not None:
        ts = ck["train_state"]
        model.encoder.load_state_dict(ck["encoder"])
        model.head.load_state_dict(ck["head"])
        opt.load_state_dict(ts["optimizer"])
        start_epoch, history = int(ts["epoch"]), list(ts["history"])
    net: nn.Module = model
    if dd.world > 1 and not linear:
        net = nn.parallel.DistributedDataParallel(model, **({"device_ids": [device.index]} if device.type == "cuda" else {}))
    aug = build_augment(cfg["augment"])
    seed = int(tcfg["seed"])
    feats = None
    if linear:
        # frozen encoder: embed once, then the head trains on the features in a blink.
        feats = extract_features(model.encoder, clips, device)
        mu, sd = feats.mean(0, keepdim=True), feats.std(0, keepdim=True).clamp(min=1e-6)
    result = TrainResult(out, start_epoch, history=history)
    metrics: dict[str, Any] = {}

    def evaluate_now() -> dict[str, Any]:
        if eval_data is None or not len(eval_data):
            return {}
        model.eval()
        with torch.no_grad():
            f = extract_features(model.encoder, eval_data, device)
            logits = model.head(f).cpu()
        return classify_metrics(logits, torch.from_numpy(eval_data.labels), clips.classes)

    def save(epoch: int, metrics: dict) -> None:
        if not dd.main:
            return
        prov_extra = {"classes_count": clips.class_counts(),
                      "encoder_from": (base or {}).get("provenance")}
        save_checkpoint(out, {
            "kind": kind, "config": cfg, "layout": layout_record(layout), "classes": list(clips.classes),
            "provenance": _provenance(cfg, clips, epoch, {k: v for k, v in metrics.items() if k != "confusion"},
                                      dd.world, prov_extra),
            "encoder": _state_cpu(model.encoder.state_dict()), "head": _state_cpu(model.head.state_dict()),
            "train_state": {"epoch": epoch, "optimizer": _optim_cpu(opt.state_dict()), "history": list(history)},
        })

    batch = int(tcfg["batch_size"]) if not linear else max(int(tcfg["batch_size"]), 256)
    for epoch in range(start_epoch, epochs):
        g = torch.Generator().manual_seed(seed * 100_003 + epoch * 1009 + dd.rank)
        model.train()
        if linear:
            model.encoder.eval()
        batches = _batches(len(clips), batch, 1 if linear else dd.world, 0 if linear else dd.rank, seed, epoch,
                           int(tcfg["max_steps"]))
        losses = []
        bar = _bar(len(batches), f"{mode} {epoch + 1}/{epochs}", show_bar and dd.main and not linear)
        for step, idx in enumerate(batches):
            if _is_cancelled(cancel):
                bar.close()
                raise CancelledError(_cancel_message(out, epoch), f"cancelled in epoch {epoch + 1}")
            it = torch.from_numpy(idx)
            y = labels[it].to(device)
            if linear:
                # the head sees standardised features (the standardisation is folded into it at save)
                logits = model.head((feats[it.to(feats.device)] - mu) / sd)
            else:
                x, m = aug(clips_x(clips, it, device), clips_m(clips, it, device), g)
                logits = net(x, m)
            loss = F.cross_entropy(logits, y)
            _finite(loss, epoch, step)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            bar.update(1)
            if progress is not None:
                progress(epoch * len(batches) + step + 1, epochs * len(batches), f"epoch {epoch + 1}: loss {losses[-1]:.3f}")
        bar.close()
        history.append(float(np.mean(losses)))
        result.epochs = epoch + 1
        last = epoch + 1 == epochs
        if last or (not linear and (epoch + 1) % int(tcfg["save_every"]) == 0):
            if linear and last:
                _fold_standardisation(model.head, mu, sd)
            metrics = {"train_loss": history[-1], **evaluate_now()}
            if dd.main and not linear:
                log(f"epoch {epoch + 1}/{epochs}: loss {history[-1]:.4f}"
                    + (f", test top-1 {metrics['top1']:.3f}" if "top1" in metrics else ""))
            save(epoch + 1, metrics)
        if dd.world > 1:
            dist.barrier()
    if dd.world > 1 and not linear and not _ranks_in_sync(model):
        raise MGStudioError("Distributed training went wrong: the processes ended with different weights.")
    if linear and dd.main:
        log(f"linear head: train loss {history[-1]:.4f}"
            + (f", test top-1 {metrics['top1']:.3f}" if "top1" in metrics else ""))
    result.metrics = metrics
    return result


def clips_x(clips: ClipSet, idx: torch.Tensor, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(clips.x[idx.numpy()]).to(device)


def clips_m(clips: ClipSet, idx: torch.Tensor, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(clips.mask[idx.numpy()]).to(device)


@torch.no_grad()
def _fold_standardisation(head: nn.Linear, mu: torch.Tensor, sd: torch.Tensor) -> None:
    """head((f - mu) / sd) == head'(f): fold the feature standardisation into the weights."""
    w = head.weight / sd
    head.bias.sub_((w * mu).sum(1))
    head.weight.copy_(w)


__all__ = ["run_training", "TrainResult", "classify_metrics", "extract_features", "MODES"]
