"""Spotting on real data: the cold start before (movement events) and after (MG-aware cues) issue 13,
a motion-energy baseline, and learning from the first half of each recording.

    PYTHONPATH=. OMP_NUM_THREADS=1 nice python -m benchmarks.bench_spotting [--sets uci,utk,videos] [--no-learn]

Data (``../shared/data``, never copied): UCI gesture phases (reference = gesture units, i.e.
non-Rest spans, and strokes), UTKinect (reference = the 10 actions), the two interview videos
(MediaPipe skeletons extracted once and cached under /tmp: only subject presence is measured
there, there is no reference coding of gestures). Cold-start parameters were chosen on UCI
gesture units only; UCI strokes and UTKinect are held out. Every figure of one run comes from
the same machine state; the load average is printed beside the timings.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.taxonomy import Label, Taxonomy, load_taxonomy

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CACHE = Path("/tmp/mgstudio_bench_spotting")


def _runs(mask):
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(d[::2].tolist(), d[1::2].tolist()))


def motion_energy_baseline(seq, k: float = 2.0, min_s: float = 0.3, gap_s: float = 0.3) -> list[Segment]:
    """A 20-line detector: mean joint speed relative to the torso (body sizes / s), runs above the
    recording's median + k MAD, gaps shorter than ``gap_s`` closed, runs of at least ``min_s`` kept."""
    from mgstudio.core.layouts import CANONICAL
    from mgstudio.recognition.presence import body_scale, torso_centre

    c = np.asarray(seq.to_layout(CANONICAL).coords(True), np.float64)
    rel = (c - torso_centre(c)[:, None]) / np.nanmedian(body_scale(c)[0])
    e = np.zeros(len(c))
    with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        e[1:] = np.nan_to_num(np.nanmean(np.linalg.norm(np.diff(rel, axis=0), axis=-1), axis=1)) * seq.fps
    e = np.convolve(e, np.ones(3) / 3, mode="same")
    med = np.median(e)
    mad = np.median(np.abs(e - med)) * 1.4826 + 1e-9
    on = e > med + k * mad
    fps = seq.fps
    for a, b in _runs(~on):
        if b - a < gap_s * fps and a > 0 and b < len(on):
            on[a:b] = True
    out = []
    for a, b in _runs(on):
        if b - a >= min_s * fps:
            z = float((e[a:b].max() - med) / mad)
            out.append(Segment(0, 0, a + seq.start_frame, b + seq.start_frame, "movement event", Source.MODEL,
                               Status.PROPOSED, confidence=z / (z + 2)))
    return out


def load_uci(what: str):
    from mgstudio.formats.gesture_phase import read_gesture_phase

    out = []
    for f in sorted((SHARED / "skeletons" / "gesture_phase_segmentation" / "raw").glob("*.csv")):
        seq, segs = read_gesture_phase(f)
        if what == "units":
            lab = np.zeros(len(seq), bool)
            for s in segs:
                if s.label != "Rest":
                    lab[s.start:s.end] = True
            ref = [(a, b, "gesture unit") for a, b in _runs(lab)]
        else:
            ref = [(s.start, s.end, "Stroke") for s in segs if s.label == "Stroke"]
        out.append((f.stem.replace("_raw", ""), seq, ref))
    tax = Taxonomy("gestures", [Label("gesture unit", "#4477AA"), Label("Stroke", "#EE6677")])
    return out, tax


def load_utk():
    from mgstudio.formats.kinect import load_utkinect

    data = []
    for n, seq, segs in load_utkinect(SHARED / "skeletons" / "utkinect" / "joints"):
        ref, last = [], 0
        for s in sorted(segs, key=lambda s: s.start):  # a few actions overlap by frames: one tier cannot
            a = max(s.start, last)
            if s.end > a:
                ref.append((a, s.end, s.label))
                last = s.end
        data.append((n, seq, ref))
    return data, load_taxonomy("utkinect")


def project_of(tmp: Path, name: str, data, tax):
    from mgstudio.core.project import Project

    proj = Project.create(tmp / f"{name}.mgproj", annotator="reference", taxonomy=tax)
    tier = proj.ensure_tier("reference")
    for item_name, seq, ref in data:
        it = proj.add_skeleton_item(item_name, seq)
        proj.add_segments([Segment(it.id, tier.id, a + seq.start_frame, b + seq.start_frame, lab) for a, b, lab in ref])
    return proj


def run_set(name: str, data, tax, enc, learn: bool) -> dict:
    from mgstudio.recognition.proposals import movement_events
    from mgstudio.recognition.spotting import evaluate_project, format_scores, score

    gt = [Segment(n, 0, a + s.start_frame, b + s.start_frame, lab) for n, s, ref in data for a, b, lab in ref]
    t0 = time.perf_counter()
    before = [p.with_(item_id=n) for n, s, _ in data for p in movement_events(s, enc)]
    t_before = time.perf_counter() - t0
    base = [p.with_(item_id=n) for n, s, _ in data for p in motion_energy_baseline(s)]
    sc_before = score(before, gt)
    print(format_scores(f"[{name}] before: movement events (motion energy + novelty), {t_before:.1f} s", sc_before))
    print(format_scores(f"[{name}] motion-energy baseline", score(base, gt)))
    with tempfile.TemporaryDirectory() as tmp:
        proj = project_of(Path(tmp), name, data, tax)
        t0 = time.perf_counter()
        res = evaluate_project(proj, "reference", split_half=learn, model=enc)
        t_all = time.perf_counter() - t0
        proj.close()
    print(format_scores(f"[{name}] after: MG-aware cold start", res["cold_start"]))
    if learn:
        print(format_scores(f"[{name}] second half, cold start", res["cold_start_second_half"]))
        if res.get("cold_start_second_half_calibrated"):
            print(format_scores(f"[{name}] second half, cold start calibrated on the first half's proposals",
                                res["cold_start_second_half_calibrated"]))
        print(format_scores(f"[{name}] second half, learnt from the first half (sliding windows)",
                            res["learnt_second_half"]))
        print(format_scores(f"[{name}] second half, cue events labelled and ranked by the learnt head",
                            res["learnt_cues_second_half"]))
    print(f"[{name}] protocol run {t_all:.1f} s, load average {os.getloadavg()[0]:.1f}\n")
    res["_before"] = sc_before
    return res


def rows_of(name: str, res: dict) -> list[dict]:
    """RESULTS.md rows: cold-start F1 against the earlier movement events; calibrated ECE against raw."""
    from benchmarks.results import row

    out = [row(f"{name}: cold-start class-agnostic F1 @IoU 0.3", res["cold_start"]["agnostic@0.3"]["F1"],
               "movement events (before)", res["_before"]["agnostic@0.3"]["F1"], "F1", True)]
    cal = res.get("cold_start_second_half_calibrated")
    if cal:
        out.append(row(f"{name}: ECE of the 2nd half's cold start, calibrated on the 1st", cal["ece"],
                       "uncalibrated ranks", res["cold_start_second_half"]["ece"], "ECE", False))
    return out


def videos() -> None:
    from mgstudio.core.skeleton import SkeletonSequence
    from mgstudio.media.pose import extract_pose
    from mgstudio.recognition.coldstart import cold_start_segments
    from mgstudio.recognition.presence import absent_spans

    CACHE.mkdir(exist_ok=True)
    for v in sorted((SHARED / "videos").glob("*.mp4")):
        npz = CACHE / f"{v.stem}.npz"
        if not npz.exists():
            extract_pose(v, cache_dir=CACHE / "pose").save_npz(npz)
        seq = SkeletonSequence.load_npz(npz)
        segs = cold_start_segments(seq, load_taxonomy("imigue").names)
        print(f"[video] {v.name}: {len(seq)} frames, subject absent at {absent_spans(seq)}; "
              f"{len(segs)} cold-start proposals:")
        for s in segs:
            print(f"    {s.start:>4}-{s.end:<4} {s.label:<36} {s.note}")


def speed(enc, frames: int = 18_000, forward_windows: int = 256) -> None:
    """Cold-start pass over ``frames`` frames vs the bare encoder forward over the same windows."""
    from mgstudio.core.skeleton import SkeletonSequence
    from mgstudio.formats.kinect import load_utkinect
    from mgstudio.recognition.coldstart import cold_start_segments
    from mgstudio.recognition.proposals import sequence_coords, window_starts

    npz = CACHE / "face_recognition_short_hamilton_clip.npz"
    if npz.exists():
        src = SkeletonSequence.load_npz(npz)
    else:
        src = load_utkinect(SHARED / "skeletons" / "utkinect" / "joints")[0][1]
    reps = -(-frames // len(src))
    cat = lambda a: None if a is None else np.concatenate([a] * reps)[:frames]  # noqa: E731
    seq = SkeletonSequence(src.layout, cat(src.xy), cat(src.conf), src.fps, cat(src.world), src.image_size)
    t0 = time.perf_counter()
    segs = cold_start_segments(seq)
    t_cold = time.perf_counter() - t0
    coords = sequence_coords(seq, enc)
    starts = window_starts(len(coords), enc.window, enc.window // 2)
    wins = np.stack([coords[s:s + enc.window] for s in starts[:forward_windows]])
    t0 = time.perf_counter()
    enc.embed(wins)
    t_fwd = (time.perf_counter() - t0) * len(starts) / len(wins)
    print(f"[speed] {frames} frames ({src.layout.name}, {len(segs)} proposals): cold-start pass {t_cold:.1f} s; "
          f"bare encoder forward over its {len(starts)} windows {t_fwd:.1f} s (timed on {len(wins)}, scaled); "
          f"ratio {t_cold / t_fwd:.3f}; torch threads {__import__('torch').get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="uci,strokes,utk,videos,speed")
    ap.add_argument("--no-learn", action="store_true")
    args = ap.parse_args()
    from mgstudio.recognition.encoder import resolve_encoder

    enc = resolve_encoder(None)
    sets = args.sets.split(",")
    rows: list[dict] = []
    if "uci" in sets:
        rows += rows_of("UCI units", run_set("UCI gesture units (parameters chosen here)", *load_uci("units"), enc,
                                             not args.no_learn))
    if "strokes" in sets:
        rows += rows_of("UCI strokes", run_set("UCI strokes (held out)", *load_uci("strokes"), enc, not args.no_learn))
    if "utk" in sets:
        rows += rows_of("UTKinect", run_set("UTKinect actions (held out)", *load_utk(), enc, not args.no_learn))
    if rows and {"uci", "strokes", "utk"} <= set(sets):
        from benchmarks.results import record

        record("bench_spotting", rows)
    if "videos" in sets:
        videos()
    if "speed" in sets:
        speed(enc)


if __name__ == "__main__":
    main()
