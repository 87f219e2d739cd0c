"""A BORIS project (``boris-behav-obs``) as the store peer, served to ``bench_store`` over a pipe.

Runs in ``.venv-bench``. Everything timed is BORIS's own code: its project file is written by
``MainWindow.save_project_json`` (called on a small holder that carries the attributes it reads,
since the method lives on the main window) and read by ``project_functions.open_project_json``; an
event goes in with the ``bisect.insort`` its ``write_event`` does for a media observation; a time
window is read by ``Plot_events_RT.aggregate_events`` (its real-time events plot; BORIS has no other
range query). A segment is a BORIS state event: a start and a stop row.

BORIS imports libmpv and PulseAudio (through ``PyQt5.QtMultimedia``) when its package loads, for
playback only. Where those system libraries are missing, stand-ins that fail on any use take their
place, and ``info()`` says so; none of the timed functions touches them.

Requests: ``info()``, ``new(path, labels, items)``, ``import_(obs, fps, segs)`` (one session's
segments, then a save), ``edit(obs, fps, seg)`` (one segment, then a save), ``load(path)``,
``window(obs, fps, starts, length)``.
"""

from __future__ import annotations

import bisect
import inspect
import sys
import time
import types
from decimal import Decimal

from benchmarks.peers import serve

SHIMS: list[str] = []


def _import_boris():
    try:
        import boris.core  # noqa: F401
    except (ImportError, OSError) as exc:
        for name in [m for m in sys.modules if m == "boris" or m.startswith("boris.")]:
            del sys.modules[name]

        def unused(*_a, **_k):
            raise RuntimeError("playback is not available in the benchmark peer")

        sound = types.ModuleType("PyQt5.QtMultimedia")
        sound.QSound = unused  # type: ignore[attr-defined]
        mpv = types.ModuleType("boris.mpv2")
        mpv.sofile = "libmpv.so.2"  # type: ignore[attr-defined]
        mpv.MPV = unused  # type: ignore[attr-defined]
        sys.modules.setdefault("PyQt5.QtMultimedia", sound)
        sys.modules["boris.mpv2"] = mpv
        SHIMS.append(f"stand-ins for playback libraries ({type(exc).__name__}: {str(exc)[:80]})")
    from boris import config, core, plot_events_rt, project_functions, utilities, version

    return config, core, plot_events_rt, project_functions, utilities, version


cfg, core, plot_events_rt, project_functions, util, version = _import_boris()


class Window:
    """What ``MainWindow.save_project_json`` reads from the main window."""

    def __init__(self, pj: dict, path: str) -> None:
        self.pj, self.projectFileName = pj, path
        self.config_param: dict = {}
        self.save_project_json_started = False
        self.projectChanged = True
        self.project = True
        self.observationId = ""

    def setWindowTitle(self, _title: str) -> None:  # noqa: N802 - BORIS's name
        pass


class Plot:
    """What ``Plot_events_RT.aggregate_events`` reads from the plot widget (as BORIS sets it)."""

    def __init__(self, state_events: list[str]) -> None:
        self.groupby = "behaviors"
        self.state_events_list = state_events
        self.observation_type = cfg.MEDIA
        self.point_event_plot_duration = cfg.POINT_EVENT_PLOT_DURATION


class State:
    win: Window | None = None
    plot: Plot | None = None


def _save() -> float:
    t0 = time.perf_counter()
    rc = core.MainWindow.save_project_json(State.win, State.win.projectFileName)
    if rc != 0:
        raise RuntimeError(f"BORIS's save_project_json returned {rc}")
    return time.perf_counter() - t0


def info() -> dict:
    src = inspect.getsource(core.MainWindow.save_project_json)
    return {"version": version.__version__, "fsync": "fsync" in src, "shims": SHIMS,
            "save": "boris.core.MainWindow.save_project_json", "load": "boris.project_functions.open_project_json",
            "window": "boris.plot_events_rt.Plot_events_RT.aggregate_events"}


def new(path: str, labels: list[str], items: list[str]) -> dict:
    """An empty project: the labels as state behaviours, one media observation per session."""
    ethogram = {str(i): {"type": cfg.STATE_EVENT, "key": "", "code": lab, "description": "", "color": "",
                         "category": "", "modifiers": {}, "excluded": "", "coding map": ""}
                for i, lab in enumerate(labels)}
    obs = {name: {"file": {"1": [f"{name}.mp4"], "2": []}, "type": cfg.MEDIA, "date": "2026-01-01T00:00:00",
                  "description": "", "time offset": 0, "events": [], "observation time interval": [0, 0],
                  "independent_variables": {}, "visualize_spectrogram": False, "visualize_waveform": False,
                  "media_creation_date_as_offset": False, "media_scan_sampling_duration": 0,
                  "image_display_duration": 1, "close_behaviors_between_videos": False,
                  "media_info": {"length": {f"{name}.mp4": 4000.0}, "fps": {f"{name}.mp4": 25.0},
                                 "hasVideo": {f"{name}.mp4": True}, "hasAudio": {f"{name}.mp4": False},
                                 "offset": {"1": 0.0}}}
           for name in items}
    pj = {"time_format": cfg.HHMMSS, "project_date": "2026-01-01T00:00:00", "project_name": "bench",
          "project_description": "", "project_format_version": cfg.project_format_version,
          "subjects_conf": {}, "behaviors_conf": ethogram, "observations": obs, "behavioral_categories": [],
          "independent_variables": {}, "coding_map": {}, "behaviors_coding_map": [], "converters": {}}
    State.win = Window(pj, path)
    State.plot = Plot(util.state_behavior_codes(pj[cfg.ETHOGRAM]))
    return {"save_s": _save()}


def _rows(fps: int, seg: list) -> list[list]:
    start, end, label = seg
    t = lambda f: Decimal(f) / Decimal(fps)  # noqa: E731 - BORIS keeps times as Decimal seconds
    return [[t(start).quantize(Decimal("0.001")), "", label, "", "", start],
            [t(end).quantize(Decimal("0.001")), "", label, "", "", end]]


def import_(obs: str, fps: int, segs: list[list]) -> dict:
    """One session's segments into its observation (sorted, as BORIS keeps them), then a save."""
    t0 = time.perf_counter()
    events = State.win.pj[cfg.OBSERVATIONS][obs][cfg.EVENTS]
    for seg in segs:
        events.extend(_rows(fps, seg))
    events.sort()
    insert_s = time.perf_counter() - t0
    save_s = _save()
    return {"s": insert_s + save_s, "insert_s": insert_s, "save_s": save_s, "events": len(events)}


def edit(obs: str, fps: int, seg: list) -> dict:
    """One segment (start and stop events, by ``bisect.insort`` as ``write_event`` does), then a save."""
    t0 = time.perf_counter()
    events = State.win.pj[cfg.OBSERVATIONS][obs][cfg.EVENTS]
    for row in _rows(fps, seg):
        bisect.insort(events, row)
    insert_s = time.perf_counter() - t0
    save_s = _save()
    return {"s": insert_s + save_s, "insert_s": insert_s, "save_s": save_s}


def load(path: str) -> dict:
    t0 = time.perf_counter()
    _, _, pj, msg = project_functions.open_project_json(path)
    dt = time.perf_counter() - t0
    if "error" in pj:
        raise RuntimeError(pj["error"])
    n = sum(len(o[cfg.EVENTS]) for o in pj[cfg.OBSERVATIONS].values())
    return {"s": dt, "events": n, "msg": msg}


def window(obs: str, fps: int, starts: list[int], length: int) -> dict:
    """Each window through the real-time plot's ``aggregate_events``: ms per window and intervals found."""
    events = State.win.pj[cfg.OBSERVATIONS][obs][cfg.EVENTS]
    aggregate = plot_events_rt.Plot_events_RT.aggregate_events
    ms, counts = [], []
    for s in starts:
        lo, hi = Decimal(s) / fps, Decimal(s + length) / fps
        t0 = time.perf_counter()
        got = aggregate(State.plot, events, lo, hi)
        ms.append(1000 * (time.perf_counter() - t0))
        counts.append(sum(len(v) - 1 for v in got.values()))  # each key starts with a (0, 0) placeholder
    return {"ms": ms, "counts": counts}


if __name__ == "__main__":
    serve({"info": info, "new": new, "import_": import_, "edit": edit, "load": load, "window": window})
