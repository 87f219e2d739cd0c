"""Proposal engine: speed, memory and spotting quality on real skeletons.

    PYTHONPATH=. python -m benchmarks.bench_proposals [--threads 2] [--frames 18000] [--skip-speed] [--threads-only]

1. **Speed** on a 10-minute (18,000 frames at 30 fps) canonical-layout sequence made of real
   UTKinect recordings played back to back: the whole proposal pass (streamed windows, embedding,
   head, post-processing) vs a **bare model forward** over the same windows, prepared beforehand,
   in the same run (windows/s ratio); the movement-event pass; peak memory of each pass in a fresh
   process for 4,500 and 18,000 frames (bounded memory: it must not grow with the length); the
   pass at 1 vs 2 torch threads interleaved on the same windows, with their ratio (proposals run
   at :func:`~mgstudio.recognition.proposals.proposal_threads`, 1 by default, because of it).
2. **UTKinect spotting** (MiGA protocol, IoU > 0.3): a few-shot linear head trained on the odd
   subjects' recordings (labels + background), proposals on the even subjects' untrimmed
   recordings; F1 with calibration, without it and at other thresholds; class-agnostic
   movement-event recall (no labels used) on all 20 recordings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np


def _utk():
    from mgstudio.formats.kinect import load_utkinect

    from pathlib import Path

    root = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "skeletons" / "utkinect" / "joints"
    if not root.exists():
        root = Path("/work/shared/data/skeletons/utkinect/joints")
    return load_utkinect(root)


def long_sequence(n_frames: int):
    """Real UTKinect recordings (canonical layout) back to back, relabelled 30 fps."""
    from mgstudio.core.layouts import CANONICAL
    from mgstudio.core.skeleton import SkeletonSequence

    parts = [seq.to_layout(CANONICAL) for _, seq, _ in _utk()]
    xy, conf, world = [], [], []
    total = 0
    while total < n_frames:
        for p in parts:
            xy.append(p.xy)
            conf.append(p.conf)
            world.append(p.world)
            total += len(p)
    xy, conf, world = (np.concatenate(a)[:n_frames] for a in (xy, conf, world))
    return SkeletonSequence(CANONICAL, xy, conf, 30.0, world=world)


def _vmhwm_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM"):
                return int(line.split()[1])
    return 0


def memory_child(mode: str, n_frames: int, threads: int) -> None:
    """Run in a fresh process: peak RSS above the baseline (encoder loaded, sequence built)."""
    import torch

    torch.set_num_threads(threads)
    from mgstudio.recognition.encoder import load_encoder
    from mgstudio.recognition.fewshot import train_head
    from mgstudio.recognition.proposals import movement_events, propose

    enc = load_encoder()
    seq = long_sequence(n_frames)
    rng = np.random.default_rng(0)
    head = train_head(rng.normal(size=(40, enc.dim)).astype(np.float32), ["a"] * 20 + ["__background__"] * 20)
    enc.embed(np.zeros((2, enc.window, 61, 3), np.float32))  # warm-up: allocator, kernels
    base = _vmhwm_kb()
    # VmHWM cannot be reset; read the current RSS as the baseline and the high-water mark after
    with open("/proc/self/statm") as fh:
        rss0 = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    if mode == "propose":
        propose(seq, enc, head)
    else:
        movement_events(seq, enc)
    peak = _vmhwm_kb()
    import resource

    peak = max(peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
    print(json.dumps({"mode": mode, "frames": n_frames, "baseline_rss_mb": rss0 / 1024,
                      "peak_mb": peak / 1024, "extra_mb": (peak - max(base, rss0)) / 1024}))


def _memory(mode: str, n_frames: int, threads: int) -> dict:
    code = ("import sys; sys.path.insert(0, '.'); from benchmarks.bench_proposals import memory_child; "
            f"memory_child({mode!r}, {n_frames}, {threads})")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def speed(n_frames: int, threads: int) -> dict:
    import torch

    from mgstudio.recognition.encoder import load_encoder
    from mgstudio.recognition.fewshot import train_head
    from mgstudio.recognition.preprocess import prepare_windows
    from mgstudio.recognition.proposals import movement_events, propose, sequence_coords, window_starts

    enc = load_encoder()
    seq = long_sequence(n_frames)
    rng = np.random.default_rng(0)
    head = train_head(rng.normal(size=(40, enc.dim)).astype(np.float32), ["a"] * 20 + ["__background__"] * 20)
    w, stride = enc.window, enc.window // 2
    coords = sequence_coords(seq, enc)
    starts = window_starts(len(coords), w, stride)
    n_win = len(starts)
    enc.embed(np.stack([coords[s:s + w] for s in starts[:64]]))  # warm-up

    # bare forward: inputs prepared beforehand, only the model runs
    xs = []
    for i in range(0, n_win, enc.batch_size):
        x, m = prepare_windows(np.stack([coords[s:s + w] for s in starts[i:i + enc.batch_size]]), enc.layout, w,
                               enc.config.in_channels)
        xs.append((torch.from_numpy(x), torch.from_numpy(m)))

    from mgstudio.recognition.proposals import proposal_threads, torch_threads

    def bare_pass(k: int) -> float:  # at the proposal pass's own thread count, so the ratio compares like with like
        with torch_threads(proposal_threads()):
            t0 = time.perf_counter()
            with torch.no_grad():
                for x, m in xs[:k]:
                    enc.model.embed(x, m)
            return time.perf_counter() - t0

    # ratio: 6 alternating pairs (bare forward, whole pipeline) on the same first 16 batches (1,024
    # windows at batch 64; 128 windows gave a ratio within noise); the machine is shared, so each
    # pair runs back to back and the median of the pair ratios is kept
    k = min(16, len(xs))
    n_short = min(k * enc.batch_size, n_win)
    short = seq.slice(seq.start_frame, seq.start_frame + int(starts[n_short - 1]) + w)
    assert len(window_starts(len(short), w, stride)) == n_short
    bare_t, pipe_t = [], []
    for _ in range(6):
        bare_t.append(bare_pass(k))
        t0 = time.perf_counter()
        propose(short, enc, head)
        pipe_t.append(time.perf_counter() - t0)
    del xs

    threads_cost = thread_costs(short, enc, head)
    torch.set_num_threads(threads)

    t0, c0 = time.perf_counter(), time.process_time()
    segs = propose(seq, enc, head)
    full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    ev = movement_events(seq, enc)
    mov, mov_cpu = time.perf_counter() - t0, time.process_time() - c0
    bare_ws = n_short / float(np.median(bare_t))
    pipe_ws = n_short / float(np.median(pipe_t))
    pair = float(np.median(np.array(bare_t) / np.array(pipe_t)))
    return {"frames": n_frames, "windows": n_win, "threads": proposal_threads(), "propose_s": full, "movement_s": mov,
            "propose_cpu": full_cpu, "movement_cpu": mov_cpu, "load": os.getloadavg()[0], "ratio_windows": n_short,
            "bare_win_s": bare_ws, "pipe_win_s": pipe_ws, "ratio": pair, "full_win_s": n_win / full,
            "n_proposals": len(segs), "n_events": len(ev),
            "threads_cost": threads_cost}


def thread_costs(seq, enc, head, reps: int = 6) -> dict[int, tuple[float, float]]:
    """Median wall and CPU seconds (getrusage: all threads) of the proposal pass over ``seq`` at
    1 and 2 torch threads (``propose(threads=...)``), interleaved, the first round a warm-up."""
    import resource

    from mgstudio.recognition.proposals import propose

    cost: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    for rep in range(reps):
        for nt in (1, 2):
            r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            propose(seq, enc, head, threads=nt)
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            if rep:
                cost[nt].append((time.perf_counter() - t0, r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime))
    return {nt: (float(np.median([a for a, _ in v])), float(np.median([b for _, b in v]))) for nt, v in cost.items()}


def threads_only(n_frames: int = 1200) -> dict[int, tuple[float, float]]:
    """The 1-vs-2-thread comparison alone, on ``n_frames`` real UTKinect frames."""
    from mgstudio.recognition.encoder import load_encoder
    from mgstudio.recognition.fewshot import train_head

    enc = load_encoder()
    seq = long_sequence(n_frames)
    rng = np.random.default_rng(0)
    head = train_head(rng.normal(size=(40, enc.dim)).astype(np.float32), ["a"] * 20 + ["__background__"] * 20)
    return thread_costs(seq, enc, head)


def _print_threads(tc: dict[int, tuple[float, float]], what: str) -> None:
    from mgstudio.recognition.proposals import proposal_threads

    for nt, (wall, cpu) in tc.items():
        print(f"  {nt} torch thread(s), {what}, 5 interleaved runs: wall {wall:.2f} s, CPU {cpu:.2f} s (median)")
    print(f"  2 threads / 1 thread: wall ratio {tc[2][0] / tc[1][0]:.2f}, CPU ratio {tc[2][1] / tc[1][1]:.2f} "
          f"(> 1: one thread is faster; proposals run on {proposal_threads()} "
          f"thread(s) by default); {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")


def spotting() -> dict:
    from mgstudio.core.metrics import spotting_scores
    from mgstudio.core.segments import Segment
    from mgstudio.recognition.encoder import load_encoder
    from mgstudio.recognition.fewshot import BACKGROUND, cross_validate, train_head
    from mgstudio.recognition.examples import windows_for
    from mgstudio.recognition.proposals import (movement_events, score_windows, segments_from_scores, sequence_coords,
                                                window_starts)

    enc = load_encoder()
    data = _utk()
    train = [d for d in data if int(d[0][1:3]) % 2 == 1]
    test = [d for d in data if int(d[0][1:3]) % 2 == 0]
    wins, labels, groups = [], [], []
    for name, seq, segs in train:
        c = sequence_coords(seq, enc)
        covered = np.zeros(len(c), bool)
        for s in segs:
            covered[s.start:s.end] = True
            for st in windows_for(s.start, s.end, len(c), enc.window):
                wins.append(c[st:st + enc.window])
                labels.append(s.label)
                groups.append(name[:3])
        for st in window_starts(len(c), enc.window, enc.window // 2):
            if not covered[st:st + enc.window].any():
                wins.append(c[st:st + enc.window])
                labels.append(BACKGROUND)
                groups.append(name[:3])
    t0 = time.perf_counter()
    emb = enc.embed(np.stack(wins))
    cv = cross_validate(emb, labels, groups, kind="linear", grouping="subject")
    head = train_head(emb, labels, kind="linear")
    head.temperature = cv.temperature
    train_s = time.perf_counter() - t0
    raw = train_head(emb, labels, kind="linear")  # temperature 1
    gts, scored = [], []
    for name, seq, segs in test:
        gts += [Segment(name, 0, s.start, s.end, s.label) for s in segs]
        scored.append((name, len(seq), score_windows(seq, enc, head, keep_embeddings=True)))

    def f1(h, thr):
        preds = []
        for name, n, ws in scored:
            ws2 = ws
            if h is not head:
                ws2 = type(ws)(ws.starts, ws.window, h.proba(ws.emb), h.classes, ws.visible)
            preds += [Segment(name, 0, c.start, c.end, c.label, confidence=c.confidence)
                      for c in segments_from_scores(ws2, n, threshold=thr)]
        return spotting_scores(preds, gts, iou=0.3), spotting_scores(preds, gts, iou=0.3, class_agnostic=True)

    out = {"train_windows": len(wins), "train_s": train_s, "cv_accuracy": cv.accuracy, "temperature": cv.temperature,
           "ece_oof_before": cv.ece_before, "ece_oof_after": cv.ece_after}
    for thr in (0.3, 0.5, 0.7):
        s, a = f1(head, thr)
        out[f"calibrated@{thr}"] = {"f1": s.f1, "precision": s.precision, "recall": s.recall, "agnostic_f1": a.f1,
                                    "n_pred": s.n_pred, "n_gt": s.n_gt}
    s, a = f1(raw, 0.5)
    out["uncalibrated@0.5"] = {"f1": s.f1, "precision": s.precision, "recall": s.recall, "agnostic_f1": a.f1}
    # movement events, no labels: all 20 recordings
    preds, allgt = [], []
    for name, seq, segs in data:
        allgt += [Segment(name, 0, s.start, s.end, s.label) for s in segs]
        preds += [e.with_(item_id=name) for e in movement_events(seq, enc)]
    m = spotting_scores(preds, allgt, iou=0.3, class_agnostic=True)
    hit = sum(any(p.item_id == g.item_id and min(p.end, g.end) > max(p.start, g.start) for p in preds) for g in allgt)
    out["movement"] = {"recall_iou0.3": m.recall, "precision_iou0.3": m.precision, "f1": m.f1, "n_pred": m.n_pred,
                       "n_gt": m.n_gt, "touched": hit / len(allgt)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frames", type=int, default=18000)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-spotting", action="store_true")
    ap.add_argument("--threads-only", action="store_true", help="only the 1-vs-2 torch thread comparison")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.threads_only:
        print("Proposal pass, 1 vs 2 torch threads (1,200 real UTKinect frames, linear head)")
        tc = threads_only()
        _print_threads(tc, "1,200 frames")  # not recorded: the full run records this benchmark's rows
        return
    if not args.skip_speed:
        sp = speed(args.frames, args.threads)
        print(f"Speed ({sp['frames']} frames = {sp['frames'] / 30 / 60:.1f} min at 30 fps, {sp['windows']} windows, "
              f"{sp['threads']} torch thread(s) for the pass; load average {sp['load']:.1f} on this shared machine)")
        print(f"  whole proposal pass     {sp['propose_s']:6.1f} s wall {sp['propose_cpu']:6.1f} s CPU  "
              f"{sp['full_win_s']:6.1f} windows/s  (target < 60 s; {sp['n_proposals']} proposals)")
        print(f"  movement-event pass     {sp['movement_s']:6.1f} s wall {sp['movement_cpu']:6.1f} s CPU  "
              f"({sp['n_events']} events)")
        print(f"  same {sp['ratio_windows']} windows, 6 alternating pairs: bare model forward "
              f"{sp['bare_win_s']:.1f} windows/s, whole pipeline {sp['pipe_win_s']:.1f} windows/s (medians), "
              f"median pair ratio {sp['ratio']:.2f} (target >= 0.85)")
        tc = sp["threads_cost"]
        _print_threads(tc, f"same {sp['ratio_windows']} windows")
        from benchmarks.results import record, row

        rows = [row(f"proposal pass vs bare forward ({sp['ratio_windows']} windows)", sp["pipe_win_s"],
                    "bare model forward", sp["bare_win_s"], "windows/s", True),
                row("proposal pass wall, 2 threads vs 1", tc[2][0], "1 thread", tc[1][0], "s", False),
                row("proposal pass CPU, 2 threads vs 1", tc[2][1], "1 thread", tc[1][1], "s", False)]
        peaks = {}
        for mode in ("propose", "movement"):
            for n in (args.frames // 4, args.frames, args.frames * 2):
                m = _memory(mode, n, args.threads)
                peaks[(mode, n)] = m["peak_mb"]
                print(f"  peak memory {mode:<8} {n:>6} frames: {m['peak_mb']:.0f} MB process peak (ru_maxrss, "
                      f"own process), {m['baseline_rss_mb']:.0f} MB with the model and sequence loaded")
            lo, hi = peaks[(mode, args.frames // 4)], peaks[(mode, args.frames * 2)]
            rows.append(row(f"peak memory {mode}, {args.frames * 2} vs {args.frames // 4} frames", hi,
                            f"{args.frames // 4} frames", lo, "MB", False, note="flat means ratio near 1"))
        record("bench_proposals", rows)
    if not args.skip_spotting:
        sp = spotting()
        print("UTKinect spotting (IoU > 0.3; head on odd subjects, test on even subjects' untrimmed recordings)")
        print(f"  head: {sp['train_windows']} windows, embedded, trained and cross-validated in {sp['train_s']:.1f} s; "
              f"CV window accuracy {sp['cv_accuracy']:.2f}; temperature {sp['temperature']:.2f} "
              f"(out-of-fold ECE {sp['ece_oof_before']:.3f} -> {sp['ece_oof_after']:.3f})")
        for k in ("calibrated@0.3", "calibrated@0.5", "calibrated@0.7", "uncalibrated@0.5"):
            v = sp[k]
            print(f"  {k:<17} F1 {v['f1']:.3f}  precision {v['precision']:.3f}  recall {v['recall']:.3f}  "
                  f"class-agnostic F1 {v['agnostic_f1']:.3f}")
        m = sp["movement"]
        print(f"  movement events (no labels, 20 recordings): recall {m['recall_iou0.3']:.3f} at IoU > 0.3, "
              f"precision {m['precision_iou0.3']:.3f}, {m['n_pred']} events for {m['n_gt']} actions; "
              f"{m['touched']:.0%} of actions overlap an event")


if __name__ == "__main__":
    main()
