"""MSR Action3D cross-subject benchmark of the recognizer (real data, CPU-sized).

Protocol: the 557 clips of ``files_used_in_cvpr12_paper.txt``; odd subjects train, even subjects
test; skeletons mapped to the canonical layout (12 of its 61 joints are supplied by Kinect v1).

Variants, all trained by this script on the same split with the same seed:

- ``dual+fusion (MG aug)``   self-supervised pretraining (no labels) then linear evaluation;
- ablations: ``spatial only``, ``temporal only``, ``fusion off``, ``usual aug`` (shear +
  crop-resize instead of the MG set), ``no aug`` is not run (contrast needs two views);
- references: ``random encoder`` (the same architecture, untrained, linear eval) and
  ``raw coordinates`` (logistic regression on the normalised input), which tell how much the
  pretraining adds;
- ``supervised ST-GCN-style``: the spatial (GCN) stream trained with labels from scratch;
- ``utkinect spotting``: the shipped encoder (``models/mg_encoder.pt``) with a linear head trained on
  UTKinect's odd subjects, scored on the even subjects' untrimmed recordings (MiGA, IoU > 0.3).

Run: ``PYTHONPATH=. python -m benchmarks.bench_msr [--epochs 15] [--sup-epochs 30] [--only NAME]``.
Epochs are small so the whole run fits in minutes on 2 shared CPU cores; the figures are
therefore far below what long training reaches, and say so in the printout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MSR = Path(os.environ.get("MGSTUDIO_SHARED_DATA", ROOT.parent / "shared" / "data")) / "skeletons" / "msr_action3d" / "real_world_coordinates"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=15, help="self-supervised epochs per variant")
    ap.add_argument("--sup-epochs", type=int, default=30, help="supervised baseline epochs")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", action="append", default=[], help="run only these variants (repeatable)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--data", default=str(MSR))
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from mgstudio.recognition.config import apply_override, load_config
    from mgstudio.recognition.data import load_clips
    from mgstudio.recognition.train import run_training

    base = load_config("msr_pretrain", [f"train.epochs={args.epochs}"])
    t0 = time.perf_counter()
    train = load_clips(args.data, base, labelled=True, split="train")
    test = load_clips(args.data, base, labelled=True, split="test", classes=train.classes)
    print(f"MSR Action3D cross-subject: {len(train)} train clips (odd subjects), {len(test)} test clips "
          f"(even subjects), {len(train.classes)} classes; loaded in {time.perf_counter() - t0:.1f} s")

    variants: dict[str, list[str]] = {
        "dual+fusion (MG aug)": [],
        "spatial only": ["model.streams=\"spatial\"", "model.fusion=false"],
        "temporal only": ["model.streams=\"temporal\"", "model.fusion=false"],
        "fusion off": ["model.fusion=false"],
        "usual aug": ["augment.mg=false", "augment.usual=true"],
        "random encoder": ["train.lr=0.0", "train.epochs=1", "train.max_steps=1"],
    }
    results: dict[str, dict] = {}
    tmp = Path(tempfile.mkdtemp(prefix="bench_msr_"))

    def want(name: str) -> bool:
        return not args.only or any(o.lower() in name.lower() for o in args.only)

    for i, (name, over) in enumerate(variants.items()):
        if not want(name):
            continue
        cfg = base
        for o in over:
            cfg = apply_override(cfg, o)
        t = time.perf_counter()
        pre = tmp / f"pre{i}.pt"
        r = run_training("pretrain", cfg, train, pre, log=None, show_bar=False)
        t_pre = time.perf_counter() - t
        lin = run_training("linear", cfg, train, tmp / f"lin{i}.pt", encoder=pre, eval_data=test, log=None,
                           show_bar=False)
        results[name] = {"top1": lin.metrics["top1"], "top5": lin.metrics["top5"],
                         "pretrain_s": round(t_pre, 1), "epochs": r.epochs,
                         "final_loss": r.metrics.get("loss")}
        print(f"{name:<28} top-1 {100 * lin.metrics['top1']:5.1f}%  top-5 {100 * lin.metrics['top5']:5.1f}%  "
              f"(pretrain {r.epochs} ep, {t_pre:.0f} s, loss {r.metrics.get('loss', float('nan')):.3f})", flush=True)

    if want("raw coordinates"):
        t = time.perf_counter()
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        xa = np.concatenate([train.x, train.mask[..., None]], -1).reshape(len(train), -1)
        xb = np.concatenate([test.x, test.mask[..., None]], -1).reshape(len(test), -1)
        sc = StandardScaler().fit(xa)
        clf = LogisticRegression(max_iter=3000).fit(sc.transform(xa), train.labels)
        proba = clf.predict_proba(sc.transform(xb))
        top5 = np.argsort(-proba, 1)[:, :5]
        results["raw coordinates"] = {"top1": float(clf.score(sc.transform(xb), test.labels)),
                                      "top5": float((top5 == test.labels[:, None]).any(1).mean())}
        print(f"{'raw coordinates (logistic)':<28} top-1 {100 * results['raw coordinates']['top1']:5.1f}%  "
              f"top-5 {100 * results['raw coordinates']['top5']:5.1f}%  ({time.perf_counter() - t:.0f} s)", flush=True)

    if want("supervised ST-GCN-style"):
        cfg = load_config("msr_supervised", [f"train.epochs={args.sup_epochs}"])
        t = time.perf_counter()
        r = run_training("supervised", cfg, train, tmp / "sup.pt", eval_data=test, log=None, show_bar=False)
        results["supervised ST-GCN-style"] = {"top1": r.metrics["top1"], "top5": r.metrics["top5"],
                                              "train_s": round(time.perf_counter() - t, 1), "epochs": r.epochs}
        print(f"{'supervised ST-GCN-style':<28} top-1 {100 * r.metrics['top1']:5.1f}%  top-5 "
              f"{100 * r.metrics['top5']:5.1f}%  ({r.epochs} ep with labels, {time.perf_counter() - t:.0f} s)",
              flush=True)

    if want("utkinect spotting"):
        # transfer: the shipped MSR-pretrained encoder, a linear head on UTKinect's odd subjects,
        # scored on the even subjects' untrimmed recordings (classification + MiGA spotting)
        from mgstudio.recognition.encoder import DEFAULT_MODEL
        from mgstudio.recognition.evaluate import evaluate

        utk = Path(args.data).parents[1] / "utkinect" / "joints"
        if utk.exists() and DEFAULT_MODEL.exists():
            t = time.perf_counter()
            cfg = load_config("msr_pretrain")
            run_training("linear", cfg, utk, tmp / "utk.pt", encoder=DEFAULT_MODEL, log=None, show_bar=False)
            m = evaluate(tmp / "utk.pt", utk, log=None)
            sp = m["spotting"]
            results["utkinect spotting"] = {"top1": m["top1"], "top5": m["top5"], "spotting": sp}
            print(f"{'UTKinect (shipped encoder)':<28} top-1 {100 * m['top1']:5.1f}% on {m['n']} test clips; "
                  f"spotting F1 {sp['f1']:.3f} (P {sp['precision']:.3f}, R {sp['recall']:.3f}, "
                  f"{sp['n_pred']} predicted / {sp['n_gt']} true, IoU > 0.3) ({time.perf_counter() - t:.0f} s)",
                  flush=True)

    ref = results.get("random encoder", {}).get("top1")
    if ref and "dual+fusion (MG aug)" in results:
        print(f"pretraining gain over the untrained encoder: "
              f"{100 * (results['dual+fusion (MG aug)']['top1'] - ref):+.1f} points")
    print(f"note: {args.epochs} self-supervised epochs (~{len(train) // 32} steps each), batch 32, "
          f"{args.threads} CPU thread(s); long runs (hundreds of epochs) are what published numbers use.")
    if args.json:
        Path(args.json).write_text(json.dumps({"epochs": args.epochs, "sup_epochs": args.sup_epochs,
                                               "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
