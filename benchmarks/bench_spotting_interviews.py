"""Cold start on the two interview clips against our own reference coding of hand/head movements.

    PYTHONPATH=. OMP_NUM_THREADS=1 nice python -m benchmarks.bench_spotting_interviews

The reference (``tests/recognition/data/interview_mg_reference.json``, frame spans only) was coded
by one engineer of this project by looking at every frame (see its ``about``); it is not an expert
MG coding. Skeletons come from the app's MediaPipe path (:func:`mgstudio.media.pose.extract_pose`,
cached under /tmp). Class-agnostic MiGA matching at IoU 0.1 / 0.3 / 0.5, pooled over both clips and
per clip, for the default cold start (no parameter changed for these clips) and the motion-energy
baseline of :mod:`benchmarks.bench_spotting`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from mgstudio.core.segments import Segment

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "recognition" / "data" / "interview_mg_reference.json"
VIDEOS = ROOT / ".." / "shared" / "data" / "videos"
CACHE = Path("/tmp/mgstudio_bench_interviews")


def reference() -> dict[str, list[Segment]]:
    """Clip name -> reference spans as class-agnostic segments (item id = clip name)."""
    clips = json.loads(REFERENCE.read_text(encoding="utf-8"))["clips"]
    return {name: [Segment(name, 0, a, b, "movement") for a, b, *_ in c["spans"]] for name, c in clips.items()}


def skeleton(name: str):
    from mgstudio.core.skeleton import SkeletonSequence
    from mgstudio.media.pose import extract_pose

    CACHE.mkdir(exist_ok=True)
    npz = CACHE / f"{Path(name).stem}.npz"
    if not npz.exists():
        extract_pose(VIDEOS / name, cache_dir=CACHE / "pose").save_npz(npz)
    return SkeletonSequence.load_npz(npz)


def main() -> None:
    from benchmarks.bench_spotting import motion_energy_baseline
    from mgstudio.core.taxonomy import load_taxonomy
    from mgstudio.recognition.proposals import propose
    from mgstudio.recognition.spotting import format_scores, score

    ref = reference()
    labels = load_taxonomy("imigue").names
    cold, base, gt = [], [], []
    for name, spans in ref.items():
        t0 = time.perf_counter()
        seq = skeleton(name)
        t_pose = time.perf_counter() - t0
        props = [p.with_(item_id=name) for p in propose(seq, labels=labels)]
        mot = [p.with_(item_id=name) for p in motion_energy_baseline(seq)]
        print(f"{name}: {len(seq)} frames (skeleton {t_pose:.1f} s incl. cache), {len(spans)} reference spans, "
              f"{len(props)} cold-start proposals")
        for p in sorted(props, key=lambda p: p.start):
            print(f"    {p.start:>4}-{p.end:<4} conf {p.confidence:.2f}  {p.note}")
        print(format_scores(f"  [{name}] cold start", score(props, spans)))
        cold += props
        base += mot
        gt += spans
    print(format_scores("[both clips] cold start (class-agnostic)", score(cold, gt)))
    print(format_scores("[both clips] motion-energy baseline", score(base, gt)))
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
