"""An hour-long video in the real player: opening, GUI responsiveness, seeks and steps.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_long_video``
(``--minutes M`` for a shorter "long" clip when trying things out).

Generates, in a temporary folder, an H.264 MP4 at 320x240, 30 fps, x264 ``ultrafast`` with
2 B-frames and a keyframe every 2 s (GOP 60, as cameras record), whose frame ``i`` carries
``i`` as an 18-bit barcode (``tests/support/long_clip.py``): one hour (108,000 frames) and, as the
baseline measured in the same run, one minute of the same encoding. For each it drives the real
``PlayerWidget`` + ``AppState`` in a Qt application and prints:

- opening: time from choosing the item to its first frame on screen, cold (the frame index is
  built by scanning the file) and warm (index cached, as on every later opening);
- GUI heartbeat gaps while opening (a 10 ms ``QTimer`` on the GUI thread: p95 and worst);
- seeks to random far frames: latency p50/p95/worst, heartbeat gaps, and how many showed the
  frame asked for (barcode in the pixels read back from the player's image = frame number);
- stepping +1/-1 frame near the end: latency p50/p95 and exactness.

Ratios are long / short. A wrong frame on screen makes the run exit with status 1.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for _key in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):  # set by `import cv2`
    os.environ.pop(_key, None)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks.qt_loop import wait_for  # noqa: E402
from mgstudio.app.player.frame_view import qimage_rgb  # noqa: E402
from tests.support.heartbeat import Heartbeat  # noqa: E402
from tests.support.long_clip import make_long_clip, read_long_number  # noqa: E402

FPS = 30
SEEKS = 40
STEPS = 20


def shown_number(img: QImage) -> int:
    return read_long_number(qimage_rgb(img))


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[int(q * (len(v) - 1))] if v else float("nan")


def measure(app: QApplication, clip: Path, work: Path, seed: int) -> dict[str, float]:
    """Open ``clip`` in a fresh project and player; every figure in ms, counts as numbers."""
    from mgstudio.app.player import PlayerWidget
    from mgstudio.app.session.state import AppState
    from mgstudio.core.project import Project
    from mgstudio.media.video import probe

    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # the player's index cache: empty (cold)
    info = probe(clip, cache_dir=work / "probe-cache")  # adding the recording (not timed)
    project = Project.create(work / "p.mgproj", annotator="bench")
    item = project.add_video(clip, info=info)
    state = AppState()
    player = PlayerWidget(state)
    player.resize(640, 480)
    player.show()
    shown_at: dict[int, float] = {}
    orig_show = player.view.set_image

    def spy(frame: int, rgb: np.ndarray) -> None:
        orig_show(frame, rgb)
        shown_at[frame] = time.perf_counter()

    player.view.set_image = spy
    state.set_project(project)
    app.processEvents()
    out: dict[str, float] = {"frames": info.frame_count}
    n = info.frame_count

    for kind in ("cold", "warm"):
        if kind == "warm":
            state.set_item(None)
            app.processEvents()
        shown_at.clear()
        beat = Heartbeat()
        beat.start()
        t0 = time.perf_counter()
        state.set_item(item.id)
        if not wait_for(lambda: 0 in shown_at and player.view.shown_frame == 0, 120):
            raise SystemExit(f"{clip.name}: the first frame never appeared ({kind} open).")
        out[f"open_{kind}"] = (shown_at[0] - t0) * 1000
        beat.stop()
        out[f"open_{kind}_p95"], out[f"open_{kind}_worst"] = beat.summary()
    label_ok = player.transport.frame_label.text() == f"Frame 0 / {n - 1}"

    def show(f: int, ask: Callable[[], None], what: str) -> tuple[float, bool]:
        """Ask for frame ``f``; (ms until it was on screen, whether the picture shows ``f``)."""
        shown_at.clear()
        t0 = time.perf_counter()
        ask()
        if not wait_for(lambda: player.view.shown_frame == f, 30):
            raise SystemExit(f"{clip.name}: frame {f} never appeared after a {what}.")
        return (shown_at.get(f, time.perf_counter()) - t0) * 1000, shown_number(player.view.image) == f

    rng = random.Random(seed)
    targets = [rng.randrange(n) for _ in range(SEEKS)]
    beat = Heartbeat()
    beat.start()
    seeks = [show(f, lambda f=f: state.set_frame(f), "seek") for f in targets]
    beat.stop()
    out["seek_p95_gap"], out["seek_worst_gap"] = beat.summary()
    lat = [ms for ms, _ in seeks]
    out["seek_p50"], out["seek_p95"], out["seek_worst"] = pct(lat, .5), pct(lat, .95), max(lat)
    out["seek_exact"], out["seeks"] = sum(ok for _, ok in seeks), len(targets)

    state.set_frame(n - 1 - STEPS)
    wait_for(lambda: player.view.shown_frame == n - 1 - STEPS, 30)
    stepped = [show(state.frame + delta, lambda delta=delta: player.step(delta), "step")
               for delta in [1] * STEPS + [-1] * STEPS]
    steps, exact_steps = [ms for ms, _ in stepped], sum(ok for _, ok in stepped)
    out["step_p50"], out["step_p95"] = pct(steps, .5), pct(steps, .95)
    out["step_exact"], out["steps"] = exact_steps, len(steps)
    out["label_ok"] = float(label_ok)
    player.close_media()
    player.close()
    project.close()
    app.processEvents()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0, help="length of the long clip (default 60)")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="mg-bench-long-") as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        long_clip = make_long_clip(tmp_path / "long.mp4", args.minutes * 60, fps=FPS)
        gen_s = time.perf_counter() - t0
        short_clip = make_long_clip(tmp_path / "short.mp4", 60, fps=FPS)
        print(f"clips: H.264 320x240 {FPS} fps, x264 ultrafast, 2 B-frames, GOP {2 * FPS}; long "
              f"{args.minutes:g} min ({long_clip.stat().st_size / 1e6:.0f} MB, written in {gen_s:.0f} s), "
              f"short 1 min ({short_clip.stat().st_size / 1e6:.1f} MB); load {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores", flush=True)
        (tmp_path / "s").mkdir()
        (tmp_path / "l").mkdir()
        short = measure(app, short_clip, tmp_path / "s", seed=1)
        long_ = measure(app, long_clip, tmp_path / "l", seed=2)
    rows = [
        ("frames", "frames", "{:.0f}"),
        ("choose -> first frame, cold (index scan)", "open_cold", "{:.0f} ms"),
        ("  GUI gap p95 / worst while opening cold", ("open_cold_p95", "open_cold_worst"), "{:.0f} / {:.0f} ms"),
        ("choose -> first frame, warm (index cached)", "open_warm", "{:.0f} ms"),
        ("  GUI gap p95 / worst while opening warm", ("open_warm_p95", "open_warm_worst"), "{:.0f} / {:.0f} ms"),
        (f"seek to a random frame ({SEEKS}) p50", "seek_p50", "{:.0f} ms"),
        ("seek p95 / worst", ("seek_p95", "seek_worst"), "{:.0f} / {:.0f} ms"),
        ("  GUI gap p95 / worst while seeking", ("seek_p95_gap", "seek_worst_gap"), "{:.0f} / {:.0f} ms"),
        ("seeks showing the frame asked for", ("seek_exact", "seeks"), "{:.0f} / {:.0f}"),
        (f"step +-1 near the end ({2 * STEPS}) p50 / p95", ("step_p50", "step_p95"), "{:.1f} / {:.1f} ms"),
        ("steps showing the frame asked for", ("step_exact", "steps"), "{:.0f} / {:.0f}"),
    ]
    print(f"\n{'':46s} {'1 min':>16s} {f'{args.minutes:g} min':>16s} {'ratio':>7s}")
    for title, key, fmt in rows:
        keys = key if isinstance(key, tuple) else (key,)
        a = fmt.format(*(short[k] for k in keys))
        b = fmt.format(*(long_[k] for k in keys))
        ratio = long_[keys[0]] / short[keys[0]] if short[keys[0]] else float("nan")
        print(f"{title:46s} {a:>16s} {b:>16s} {ratio:7.2f}")
    wrong = [name for name, r in (("1 min", short), ("long", long_))
             if r["seek_exact"] < r["seeks"] or r["step_exact"] < r["steps"] or not r["label_ok"]]
    if wrong:
        print(f"\nWRONG FRAME OR LABEL on: {', '.join(wrong)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
