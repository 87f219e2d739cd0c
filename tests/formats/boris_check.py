"""Run BORIS's own project code on a ``.boris`` file (a check script, run with BORIS's Python).

BORIS (``boris-behav-obs``) lives in its own environment, never the app's::

    python3 -m venv /tmp/borisvenv
    /tmp/borisvenv/bin/pip install boris-behav-obs PyQt5 tablib numpy pillow matplotlib pandas pyreadr exifread

``load FILE``: open it with ``project_functions.open_project_json`` (what File ▸ Open project
does), run ``check_project_integrity`` (media availability off: the videos may be elsewhere)
and pair the state events with ``events_start_stop``; prints JSON
``{"error", "integrity", "intervals": {obs: [[subject, code, start, stop], ...]}}``.
``write FILE`` writes a project as BORIS does: ``config.EMPTY_PROJECT`` plus one MEDIA
observation with the fields ``observation_operations.new_observation`` sets, saved with the
serialiser of ``core.save_project_json``; one state event 2.0–4.0 s and one point event.

BORIS's package ``__init__`` starts the GUI and its players need libmpv: the project modules
are imported without them (the players are stubbed; nothing here plays media).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types


def _import_boris():
    spec = importlib.util.find_spec("boris")
    if spec is None:
        raise SystemExit("boris-behav-obs is not installed in this Python")
    pkg = types.ModuleType("boris")
    pkg.__path__ = list(spec.submodule_search_locations)
    sys.modules["boris"] = pkg
    for name in ("boris.mpv2", "boris.mpv"):
        stub = types.ModuleType(name)
        stub.dll = ""
        stub.MPV = object
        sys.modules[name] = stub
    from boris import config as cfg
    from boris import project_functions as pf
    from boris import utilities as util
    return cfg, pf, util


def load(path: str) -> dict:
    cfg, pf, util = _import_boris()
    _, _, pj, _ = pf.open_project_json(path)
    if "error" in pj:
        return {"error": pj["error"]}
    integrity = pf.check_project_integrity(pj, cfg.HHMMSS, path, media_file_available=False)
    intervals = {}
    for obs_id, obs in pj[cfg.OBSERVATIONS].items():
        flagged = pf.events_start_stop(pj[cfg.ETHOGRAM], obs[cfg.EVENTS], obs[cfg.TYPE])
        open_, out = {}, []
        for ev in flagged:
            t, subject, code, modifier = ev[:4]
            flag = ev[-1]
            if flag == cfg.START:
                open_[(subject, code, modifier)] = float(t)
            elif flag == cfg.STOP:
                out.append([subject, code, open_.pop((subject, code, modifier)), float(t)])
            else:
                out.append([subject, code, float(t), None])
        intervals[obs_id] = out
    return {"error": None, "integrity": integrity, "intervals": intervals}


def write(path: str, media: str = "/data/interview.mp4") -> None:
    import copy
    from decimal import Decimal as dec

    cfg, pf, util = _import_boris()
    pj = copy.deepcopy(cfg.EMPTY_PROJECT)
    pj[cfg.PROJECT_NAME] = "study"
    pj[cfg.PROJECT_DATE] = "2024-05-02T10:00:00"
    pj[cfg.TIME_FORMAT] = cfg.S
    pj[cfg.SUBJECTS] = {"0": {"key": "m", "name": "Maria", "description": ""}}
    row = {"type": cfg.STATE_EVENT, "key": "f", "code": "folding arms", "description": "", "color": "",
           "category": "", "modifiers": {}, "excluded": "", "coding map": ""}
    pj[cfg.ETHOGRAM] = {"0": row, "1": dict(row, type=cfg.POINT_EVENT, key="h", code="head up")}
    pj[cfg.OBSERVATIONS]["interview"] = {
        cfg.FILE: {"1": [media], "2": []}, cfg.TYPE: cfg.MEDIA, "date": "2024-05-02T10:00:00.000",
        cfg.DESCRIPTION: "", cfg.TIME_OFFSET: dec("0.0"), cfg.OBSERVATION_TIME_INTERVAL: [0, 0],
        cfg.INDEPENDENT_VARIABLES: {}, cfg.VISUALIZE_SPECTROGRAM: False, cfg.VISUALIZE_WAVEFORM: False,
        cfg.MEDIA_CREATION_DATE_AS_OFFSET: False, cfg.MEDIA_SCAN_SAMPLING_DURATION: 0,
        cfg.IMAGE_DISPLAY_DURATION: 1, cfg.CLOSE_BEHAVIORS_BETWEEN_VIDEOS: False,
        cfg.MEDIA_INFO: {cfg.LENGTH: {media: 120.0}, cfg.FPS: {media: 25.0}, cfg.HAS_VIDEO: {media: True},
                         cfg.HAS_AUDIO: {media: True}, "offset": {"1": 0.0}},
        cfg.EVENTS: [[dec("2.000"), "Maria", "folding arms", "", "", 50],
                     [dec("3.000"), "Maria", "head up", "", "", 75],
                     [dec("4.000"), "Maria", "folding arms", "", "", 100]],
    }
    with open(path, "w") as fh:
        fh.write(json.dumps(pj, default=util.decimal_default, indent=1))


if __name__ == "__main__":
    cmd, file = sys.argv[1], sys.argv[2]
    if cmd == "load":
        print(json.dumps(load(file)))
    else:
        write(file)
