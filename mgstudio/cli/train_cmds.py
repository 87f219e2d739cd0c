"""``mgstudio train pretrain|linear|finetune``, ``mgstudio adapt`` and ``mgstudio eval``: the recognizer's CLI.

Thin wrappers over :mod:`mgstudio.recognition.train` and :mod:`mgstudio.recognition.evaluate`
(torch is imported only when one of these commands runs). Multi-GPU / multi-node:
``torchrun --nproc_per_node=N -m mgstudio train pretrain ...``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from mgstudio.core.errors import CancelledError, MGStudioError

TRAIN_EXAMPLES = """examples:
  mgstudio train pretrain study.mgproj --out models/study_encoder.pt
  mgstudio train pretrain MSRAction3D/ --config msr_pretrain --epochs 20 --out pre.pt
  mgstudio train linear MSRAction3D/ --encoder pre.pt --out linear.pt
  mgstudio train finetune study.mgproj --encoder pre.pt --out tuned.pt
  mgstudio train finetune MSRAction3D/ --scratch --out supervised.pt   # supervised baseline
  mgstudio train pretrain MSRAction3D/ --out pre.pt --resume            # continue a run
  torchrun --nproc_per_node=2 -m mgstudio train pretrain data/ --out pre.pt   # several GPUs
"""
EVAL_EXAMPLES = """examples:
  mgstudio eval MSRAction3D/ --model linear.pt --confusion confusion.png
  mgstudio eval study.mgproj --model tuned.pt --split all --json scores.json
  mgstudio eval --spotting study.mgproj --reference-tier alice               # proposals vs alice's coding
  mgstudio eval --spotting study.mgproj --reference-tier alice --split-half  # learn the first half, score the rest
"""
ADAPT_EXAMPLES = """examples:
  mgstudio adapt study.mgproj --minutes 10       # self-supervised, no labels; 'learn' then uses it
  mgstudio adapt study.mgproj --minutes 10       # again: continues from the checkpoint
  mgstudio adapt study.mgproj --steps 2000 --fresh   # start again from the built-in recognizer
"""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="a project folder (NAME.mgproj) or skeleton dataset files/folder")
    p.add_argument("--out", required=True, help="checkpoint to write (.pt)")
    p.add_argument("--config", help="training config: a .toml/.json file or a name in resources/configs")
    p.add_argument("--epochs", type=int, help="number of epochs (overrides the config)")
    p.add_argument("--batch-size", type=int, help="clips per step (overrides the config)")
    p.add_argument("--seed", type=int, help="random seed (overrides the config)")
    p.add_argument("--device", help="auto (default: CUDA, then Apple MPS, then CPU), cpu, cuda, mps")
    p.add_argument("--resume", action="store_true", help="continue from --out if it holds a resumable run")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one config setting, e.g. contrast.queue=512 (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--release", action="store_true",
                   help="at the end, drop the resumable state (optimiser, queues): a smaller file to ship")


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("train", help="train the recognizer (self-supervised, linear head, fine-tuning)",
                       epilog=TRAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = t.add_subparsers(dest="mode", metavar="MODE", required=True)
    p = modes.add_parser("pretrain", help="self-supervised dual-stream contrastive pretraining (no labels)")
    _common(p)
    p.set_defaults(func=run_train)
    p = modes.add_parser("linear", help="linear classifier on a frozen pretrained encoder")
    _common(p)
    p.add_argument("--encoder", required=True, help="pretrained encoder checkpoint")
    p.set_defaults(func=run_train)
    p = modes.add_parser("finetune", help="fine-tune encoder + classifier on labelled clips")
    _common(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--encoder", help="pretrained encoder checkpoint")
    g.add_argument("--scratch", action="store_true", help="start from a random encoder (supervised baseline)")
    p.set_defaults(func=run_train)

    a = sub.add_parser("adapt", help="adapt the recognizer to this study: self-supervised training on every "
                       "skeleton of the project (no labels); 'learn' then trains on it",
                       epilog=ADAPT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("project", help="the project folder (NAME.mgproj)")
    a.add_argument("--minutes", type=float, help="how long to train in this run (wall time)")
    a.add_argument("--steps", type=int, help="train until this many steps in all (counting earlier runs)")
    a.add_argument("--fresh", action="store_true", help="start again from the built-in recognizer")
    a.add_argument("--checkpoint-every", type=int, default=50, metavar="N", help="save every N steps (default 50)")
    a.add_argument("--device", help="auto (default: CUDA, then Apple MPS, then CPU), cpu, cuda, mps")
    a.add_argument("--no-progress", action="store_true", help="no progress bar")
    a.set_defaults(func=run_adapt)

    e = sub.add_parser("eval", help="score a trained classifier: top-1/top-5, per class, confusion, spotting",
                       epilog=EVAL_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("data", nargs="?", help="a project folder or skeleton dataset files/folder")
    e.add_argument("--model", help="classifier checkpoint (from train linear/finetune); with --spotting the "
                   "recognizer (default: the built-in one)")
    e.add_argument("--spotting", metavar="PROJECT", help="score the proposals of PROJECT against a tier of it "
                   "(IoU 0.1/0.3/0.5, label-matched and class-agnostic); the project is not changed")
    e.add_argument("--reference-tier", metavar="TIER", help="with --spotting: the tier holding the reference coding")
    e.add_argument("--split-half", action="store_true", help="with --spotting: also learn from the first half of "
                   "each item's reference and score proposals on the second half")
    e.add_argument("--split-holds", action="store_true", help="with --spotting: cue proposals are also cut where "
                   "a hand holds still (for a coding of gesture phases such as strokes, not whole movements)")
    e.add_argument("--split", default="test", choices=["test", "train", "all"],
                   help="which part of the data (default: the held-out test part)")
    e.add_argument("--confusion", help="write the confusion matrix as a PNG image here")
    e.add_argument("--json", help="write every figure as JSON here")
    e.add_argument("--threshold", type=float, default=0.5, help="spotting: minimum class probability")
    e.add_argument("--device", help="auto, cpu, cuda or mps")
    e.set_defaults(func=run_eval)


def run_train(args: argparse.Namespace) -> int:
    from mgstudio.recognition.config import load_config
    from mgstudio.recognition.train import run_training

    overrides = list(args.set)
    for flag, key in (("epochs", "train.epochs"), ("batch_size", "train.batch_size"), ("seed", "train.seed")):
        v = getattr(args, flag)
        if v is not None:
            overrides.append(f"{key}={v}")
    if args.device:
        overrides.append(f'train.device="{args.device}"')
    cfg = load_config(args.config, overrides)
    mode = args.mode
    if mode == "finetune" and getattr(args, "scratch", False):
        mode = "supervised"
    try:
        result = run_training(mode, cfg, args.data, args.out, encoder=getattr(args, "encoder", None),
                              resume=args.resume, show_bar=not args.no_progress)
    except KeyboardInterrupt:
        out = Path(args.out)
        raise CancelledError("Training interrupted; the last checkpoint was kept." if out.exists()
                             else "Training interrupted before the first checkpoint.") from None
    if args.release and result.path.exists() and int(os.environ.get("RANK", "0")) == 0:
        from mgstudio.recognition.checkpoint import strip_for_release

        strip_for_release(result.path)
    print(f"saved {result.path} after {result.epochs} epoch(s)")
    return 0


def run_adapt(args: argparse.Namespace) -> int:
    import signal
    import threading

    from tqdm import tqdm

    from mgstudio.workflows.adapt import adapt

    if args.minutes is None and args.steps is None:
        args.minutes = 10.0
    stop = threading.Event()
    bar = tqdm(total=1, desc="adapting", unit="step", disable=args.no_progress, dynamic_ncols=True)

    def progress(done: int, total: int, msg: str) -> None:
        bar.total, bar.n = total, done
        bar.set_postfix_str(msg)
        bar.refresh()

    old = signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl-C: save the steps done, then stop
    try:
        res = adapt(args.project, minutes=args.minutes, steps=args.steps, fresh=args.fresh,
                    checkpoint_every=args.checkpoint_every, device=args.device, progress=progress, cancel=stop)
    finally:
        signal.signal(signal.SIGINT, old)
        bar.close()
    print(res.summary)
    return 0


def run_spotting(args: argparse.Namespace) -> int:
    from mgstudio.core.project import Project
    from mgstudio.recognition.spotting import evaluate_project, format_scores

    if not args.reference_tier:
        raise MGStudioError("Name the tier to score against with --reference-tier (see 'mgstudio info' for tiers).")
    with Project.open(args.spotting, read_only=True) as project:
        from mgstudio.recognition.coldstart import CueParams

        res = evaluate_project(project, args.reference_tier, split_half=args.split_half, model=args.model,
                               log=print, cues=CueParams(split_holds=args.split_holds))
    for note in res.get("notes", []):
        print(note)
    print(format_scores("Before any label (cue proposals), whole items", res["cold_start"]))
    for key, title in (("cold_start_second_half", "Second halves, cue proposals"),
                       ("cold_start_second_half_calibrated", "Second halves, cue proposals calibrated on the first"),
                       ("learnt_second_half", "Second halves, learnt from the first halves"),
                       ("learnt_cues_second_half", "Second halves, cue proposals labelled by the learnt model")):
        if res.get(key):
            print(format_scores(title, res[key]))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, default=str), encoding="utf-8")
    return 0


def _what_was_scored(data: str, split: str) -> str | None:
    """A plain note when the scores are not on held-out recordings: a project without any
    recording marked ``split=test`` is scored on all its labelled clips, training ones included."""
    from mgstudio.cli.common import open_for_reading
    from mgstudio.recognition.data import _is_project

    if split == "train":
        return "Note: these scores are on the training clips (--split train), not on held-out recordings."
    if split == "all":
        return "Note: these scores are on all labelled clips, including any the model was trained on."
    if not _is_project(Path(data)):
        return None
    with open_for_reading(data, read_only=True) as project:
        if any(str((it.attributes or {}).get("split", "")).lower() == "test" for it in project.items()):
            return None
        name = project.path.name
    return (f"Note: no recording of {name} is marked split=test, so these scores are on all its labelled clips, "
            "the training clips included: they say how well the model fits what it learnt, not how well it "
            f"generalises. Mark held-out recordings with 'mgstudio set {data} ITEM --split test'.")


def run_eval(args: argparse.Namespace) -> int:
    from mgstudio.recognition.evaluate import evaluate

    if args.spotting:
        return run_spotting(args)
    if not args.data or not args.model:
        raise MGStudioError("Give the data and --model to evaluate a classifier, or --spotting PROJECT "
                            "--reference-tier TIER to score proposals.")

    metrics = evaluate(args.model, args.data, split=args.split, confusion_png=args.confusion,
                       threshold=args.threshold, device=args.device)
    note = _what_was_scored(args.data, args.split)
    if note:
        print(note)
        metrics["scored"] = note
    if args.confusion and "confusion_png" in metrics:
        print(f"confusion matrix: {args.confusion}")
    if args.json:
        Path(args.json).write_text(json.dumps(metrics, indent=2, default=str), encoding="utf-8")
    if not metrics:
        raise MGStudioError("Nothing was evaluated.")
    return 0
