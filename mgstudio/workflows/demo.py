"""The demo project: a seated stick figure performing micro-gestures, made here from scratch.

Everything is generated (no third-party footage), so it can ship with the app:

- a procedurally animated skeleton in the ``mediapipe_holistic`` layout (3D world coordinates in
  metres, projected through a pinhole camera to 640x360 pixels), seated and idle-breathing, that
  scratches its head, touches its nose, folds its arms, rubs its hands, touches an ear and its jaw;
- a 24 s, 25 fps H.264 video (PyAV) of that skeleton drawn as a mannequin, with the frame
  number printed in the corner (so anyone can check that the player is frame-exact);
- the skeleton itself (``.npz``) and segments: simulated model proposals (the script's gestures
  with jittered boundaries and confidences, one mislabelled and one false alarm) and a few
  segments a human annotator accepted, all with iMiGUE labels.

``python -m mgstudio.workflows.demo resources/demo`` regenerates the shipped files (deterministic);
:func:`ensure_demo_project` builds a project from them in the user's data folder. No Qt here.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from mgstudio.core.layouts import get_layout
from mgstudio.core.skeleton import SkeletonSequence

FPS = 25
WIDTH, HEIGHT = 640, 360
DURATION_S = 24
N_FRAMES = FPS * DURATION_S
SEED = 7
try:  # the packaged app keeps resources elsewhere (see mgstudio.resources)
    from mgstudio.resources import resource_path

    RESOURCE_DIR = resource_path("demo")
except ImportError:  # pragma: no cover
    RESOURCE_DIR = Path(__file__).resolve().parents[2] / "resources" / "demo"
VIDEO_NAME, SKELETON_NAME, SEGMENTS_NAME = "demo.mp4", "demo_skeleton.npz", "demo_segments.json"
PROJECT_NAME = "MG Studio demo"
DEMO_ANNOTATOR = "demo annotator"

LAYOUT = get_layout("mediapipe_holistic")
J = {name: i for i, name in enumerate(LAYOUT.joints)}


@dataclass(frozen=True)
class Gesture:
    start_s: float
    end_s: float
    kind: str   # key into _TARGETS
    label: str  # iMiGUE label


SCRIPT: tuple[Gesture, ...] = (
    Gesture(1.6, 4.4, "scratch_head", "touching or scratching head"),
    Gesture(5.6, 7.6, "touch_nose", "touching or scratching facial parts"),
    Gesture(9.0, 12.6, "fold_arms", "folding arms"),
    Gesture(14.0, 16.8, "rub_hands", "rubbing or holding hands"),
    Gesture(18.0, 20.0, "touch_ear", "touching ears"),
    Gesture(21.2, 23.2, "touch_jaw", "touching jaw"),
)

# --------------------------------------------------------------------------- kinematics
_UPPER, _FORE = 0.28, 0.26
_SHOULDER_Y, _SHOULDER_X = 0.52, 0.19
_NECK = np.array([0.0, 0.60, 0.0])
_REST_WRIST = {+1: np.array([0.15, 0.12, 0.30]), -1: np.array([-0.15, 0.12, 0.30])}  # +1 = person's left
_REST_DIR = {+1: np.array([-0.1, -0.05, 1.0]), -1: np.array([0.1, -0.05, 1.0])}


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 1e-9 else v


def _smooth(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def _targets(kind: str, side: int, t: float) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Wrist target, hand direction and finger curl of one hand during a gesture (None: at rest)."""
    osc = np.sin(2 * np.pi * 3.0 * t)
    if kind == "scratch_head" and side == -1:
        return np.array([-0.13 + 0.02 * osc, 0.80, -0.02]), np.array([0.6, 0.8, 0.1]), 0.5 + 0.3 * osc
    if kind == "touch_nose" and side == -1:
        return np.array([-0.05, 0.60, 0.24]), np.array([0.35, 0.9, -0.2]), 0.7
    if kind == "fold_arms":
        return np.array([-0.12 * side, 0.36 - 0.02 * side, 0.14 + 0.02 * side]), np.array([-side * 0.6, 0.3, -0.7]), 0.6
    if kind == "rub_hands":
        ph = np.sin(2 * np.pi * 2.5 * t) * side
        return np.array([0.035 * side, 0.26 + 0.03 * ph, 0.30]), np.array([-side * 0.5, 0.8, 0.3]), 0.2
    if kind == "touch_ear" and side == +1:
        return np.array([0.13, 0.70, -0.03]), np.array([-0.2, 1.0, 0.0]), 0.3 + 0.15 * osc
    if kind == "touch_jaw" and side == -1:
        return np.array([-0.05, 0.56, 0.17]), np.array([0.3, 1.0, -0.1]), 0.5
    return None


def _arm(shoulder: np.ndarray, wrist: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-link IK: elbow and (reachable) wrist for a shoulder and wrist target."""
    d_vec = wrist - shoulder
    d = float(np.clip(np.linalg.norm(d_vec), 0.08, _UPPER + _FORE - 1e-3))
    u = _unit(d_vec)
    a = (_UPPER ** 2 - _FORE ** 2 + d ** 2) / (2 * d)
    h = np.sqrt(max(_UPPER ** 2 - a ** 2, 0.0))
    pole = np.array([side * 0.6, -1.0, -0.35])
    pole = _unit(pole - pole.dot(u) * u)
    elbow = shoulder + a * u + h * pole
    return elbow, shoulder + d * u


# Hand in its own frame: f along the hand, s towards the thumb, per finger (base offset, lengths).
_FINGERS = (
    ((0.020, 0.022), (0.030, 0.028, 0.025, 0.022)),  # thumb: cmc, mcp, ip, tip
    ((0.090, 0.024), (0.038, 0.024, 0.020)),         # index: mcp -> pip, dip, tip
    ((0.093, 0.004), (0.042, 0.027, 0.021)),
    ((0.088, -0.015), (0.038, 0.025, 0.020)),
    ((0.080, -0.032), (0.030, 0.019, 0.018)),
)


def _hand(wrist: np.ndarray, direction: np.ndarray, curl: float, side: int) -> np.ndarray:
    """21 hand joints (MediaPipe order) from the wrist, pointing ``direction``."""
    f = _unit(direction)
    n = _unit(np.cross(f, np.array([0.0, 0.0, 1.0])) if abs(f[2]) < 0.9 else np.array([1.0, 0, 0]))
    s = _unit(np.cross(n, f)) * -side
    out = [wrist]
    for k, ((base_f, base_s), lengths) in enumerate(_FINGERS):
        if k == 0:
            p = wrist + base_f * f + base_s * s
            out.append(p)
            d = _unit(0.6 * f + 0.8 * s)
            for ln in lengths[1:]:
                d = _unit(d + 0.35 * curl * (n - 0.3 * s))
                p = p + ln * d
                out.append(p)
        else:
            p = wrist + base_f * f + base_s * s
            out.append(p)
            d = _unit(f + 0.15 * base_s / 0.03 * s)
            for ln in lengths:
                d = _unit(d + 0.6 * curl * n)
                p = p + ln * d
                out.append(p)
    return np.array(out)


def _rot_y(p: np.ndarray, centre: np.ndarray, yaw: float, pitch: float, roll: float) -> np.ndarray:
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return (p - centre) @ (ry @ rx @ rz).T + centre


_FACE_REST = {
    "nose": (0.0, 0.74, 0.10), "left_eye_inner": (0.018, 0.775, 0.08), "left_eye": (0.035, 0.777, 0.075),
    "left_eye_outer": (0.052, 0.776, 0.065), "right_eye_inner": (-0.018, 0.775, 0.08),
    "right_eye": (-0.035, 0.777, 0.075), "right_eye_outer": (-0.052, 0.776, 0.065),
    "left_ear": (0.078, 0.76, -0.01), "right_ear": (-0.078, 0.76, -0.01),
    "mouth_left": (0.024, 0.705, 0.085), "mouth_right": (-0.024, 0.705, 0.085),
}
_LEGS = {
    "left_hip": (0.12, 0.0, 0.0), "right_hip": (-0.12, 0.0, 0.0),
    "left_knee": (0.15, 0.03, 0.42), "right_knee": (-0.15, 0.03, 0.42),
    "left_ankle": (0.16, -0.40, 0.46), "right_ankle": (-0.16, -0.40, 0.46),
    "left_heel": (0.16, -0.45, 0.41), "right_heel": (-0.16, -0.45, 0.41),
    "left_foot_index": (0.17, -0.46, 0.56), "right_foot_index": (-0.17, -0.46, 0.56),
}


def _active(t: float) -> list[tuple[Gesture, float]]:
    """Gestures active at ``t`` with their blend weight (0.45 s ramps in and out)."""
    out = []
    for g in SCRIPT:
        if g.start_s <= t < g.end_s:
            w = min(_smooth((t - g.start_s) / 0.45), _smooth((g.end_s - t) / 0.45))
            out.append((g, w))
    return out


def pose_at(frame: int) -> tuple[np.ndarray, np.ndarray]:
    """World coordinates (75 x 3, metres, hip-centred, y up, z to the camera) and confidences."""
    t = frame / FPS
    world = np.zeros((LAYOUT.num_joints, 3))
    conf = np.full(LAYOUT.num_joints, 0.97)
    breath = 0.006 * np.sin(2 * np.pi * 0.25 * t)
    sway = 0.012 * np.sin(2 * np.pi * 0.07 * t + 1.0)
    for name, p in _LEGS.items():
        world[J[name]] = p
        conf[J[name]] = 0.55 if "hip" not in name else 0.9
    shoulders = {+1: np.array([_SHOULDER_X + sway, _SHOULDER_Y + breath, 0.0]),
                 -1: np.array([-_SHOULDER_X + sway, _SHOULDER_Y + breath, 0.0])}
    world[J["left_shoulder"]], world[J["right_shoulder"]] = shoulders[+1], shoulders[-1]
    active = _active(t)
    yaw = 0.08 * np.sin(2 * np.pi * 0.11 * t)
    pitch = 0.04 * np.sin(2 * np.pi * 0.05 * t + 0.5)
    roll = 0.0
    for g, w in active:
        if g.kind == "scratch_head":
            pitch += 0.12 * w
            roll += -0.06 * w
        elif g.kind == "touch_jaw":
            roll += 0.08 * w
        elif g.kind == "touch_ear":
            roll += -0.1 * w
    neck = _NECK + np.array([sway, breath, 0.0])
    for name, p in _FACE_REST.items():
        world[J[name]] = _rot_y(np.array(p) + np.array([sway, breath, 0.0]), neck, yaw, pitch, roll)
    for side, prefix in ((+1, "left"), (-1, "right")):
        wrist = _REST_WRIST[side] + np.array([0.004 * np.sin(t * 1.3 + side), 0.003 * np.sin(t * 0.9), 0.0])
        direction, curl = _REST_DIR[side].copy(), 0.35
        for g, w in active:
            tgt = _targets(g.kind, side, t)
            if tgt is not None:
                wrist = (1 - w) * wrist + w * tgt[0]
                direction = (1 - w) * direction + w * tgt[1]
                curl = (1 - w) * curl + w * tgt[2]
                if g.kind == "fold_arms":
                    conf[J[f"{prefix}_wrist"]] = 0.97 - 0.4 * w
        elbow, wrist = _arm(shoulders[side], wrist, side)
        world[J[f"{prefix}_elbow"]], world[J[f"{prefix}_wrist"]] = elbow, wrist
        hand = _hand(wrist, direction, curl, side)
        world[J[f"{prefix}_hand_wrist"]:J[f"{prefix}_hand_wrist"] + 21] = hand
        hand_conf = 0.9 if conf[J[f"{prefix}_wrist"]] > 0.9 else 0.55
        conf[J[f"{prefix}_hand_wrist"]:J[f"{prefix}_hand_wrist"] + 21] = hand_conf
        world[J[f"{prefix}_thumb"]] = hand[2]
        world[J[f"{prefix}_index"]] = hand[5]
        world[J[f"{prefix}_pinky"]] = hand[17]
    return world, conf


# --------------------------------------------------------------------------- camera + drawing
_CAM = np.array([0.0, 0.32, 2.6])
_FOCAL = 540.0
_CX, _CY = WIDTH / 2, 148.0


def project(world: np.ndarray) -> np.ndarray:
    """Pixel coordinates (x right, y down) of world points seen by the demo camera."""
    depth = _CAM[2] - world[..., 2]
    u = _CX + _FOCAL * (world[..., 0] - _CAM[0]) / depth
    v = _CY - _FOCAL * (world[..., 1] - _CAM[1]) / depth
    return np.stack([u, v], axis=-1)


def make_skeleton() -> SkeletonSequence:
    """The demo's skeleton: projected 2D (with ~0.6 px of detector-like noise), confidences, world."""
    rng = np.random.default_rng(SEED)
    world = np.zeros((N_FRAMES, LAYOUT.num_joints, 3), np.float32)
    conf = np.zeros((N_FRAMES, LAYOUT.num_joints), np.float32)
    for i in range(N_FRAMES):
        w, c = pose_at(i)
        world[i], conf[i] = w, c
    xy = project(world.astype(np.float64)) + rng.normal(0, 0.6, (N_FRAMES, LAYOUT.num_joints, 2))
    world_noisy = world + rng.normal(0, 0.002, world.shape)
    conf = np.clip(conf + rng.normal(0, 0.02, conf.shape), 0, 1)
    # MediaPipe-style world coordinates are centred between the hips.
    hips = world_noisy[:, [J["left_hip"], J["right_hip"]]].mean(axis=1, keepdims=True)
    return SkeletonSequence(LAYOUT, xy.astype(np.float32), conf.astype(np.float32), float(FPS),
                            world=(world_noisy - hips).astype(np.float32), image_size=(WIDTH, HEIGHT),
                            meta={"source": "MG Studio demo (procedural)", "seed": SEED})


_SKIN, _SHIRT, _SLEEVE, _TROUSERS = (226, 186, 150), (70, 130, 180), (84, 150, 200), (60, 60, 75)


def render_frame(frame: int, world: np.ndarray) -> np.ndarray:
    """Draw the mannequin for one frame (RGB uint8, HEIGHT x WIDTH x 3)."""
    import cv2

    img = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    grad = np.linspace(40, 22, HEIGHT).astype(np.uint8)
    img[:] = np.stack([grad, grad + 4, grad + 10], axis=-1)[:, None, :]
    p = project(world)
    s = 4  # sub-pixel precision for cv2 drawing
    P = lambda name: tuple(int(round(c * (1 << s))) for c in p[J[name]])  # noqa: E731
    Pi = lambda k: tuple(int(round(c * (1 << s))) for c in p[k])  # noqa: E731
    aa = cv2.LINE_AA
    # chair
    cv2.rectangle(img, (236, 96), (404, 262), (92, 70, 55), -1)
    cv2.rectangle(img, (214, 245), (426, 264), (110, 84, 66), -1)
    prims: list[tuple[float, Any]] = []

    def limb(a: str, b: str, width: int, colour: tuple[int, int, int], outline: bool = False) -> None:
        z = (world[J[a], 2] + world[J[b], 2]) / 2

        def draw() -> None:
            if outline:
                cv2.line(img, P(a), P(b), (25, 45, 70), width + 3, aa, s)
            cv2.line(img, P(a), P(b), colour, width, aa, s)
        prims.append((z, draw))

    torso = np.array([p[J["left_shoulder"]], p[J["right_shoulder"]], p[J["right_hip"]], p[J["left_hip"]]])
    prims.append((-0.05, lambda: cv2.fillConvexPoly(img, (torso * (1 << s)).astype(np.int32), _SHIRT, aa, s)))
    for side in ("left", "right"):
        limb(f"{side}_hip", f"{side}_knee", 22, _TROUSERS)
        limb(f"{side}_knee", f"{side}_ankle", 18, _TROUSERS)
        limb(f"{side}_heel", f"{side}_foot_index", 9, (35, 35, 35))
        limb(f"{side}_shoulder", f"{side}_elbow", 14, _SLEEVE, True)
        limb(f"{side}_elbow", f"{side}_wrist", 11, _SLEEVE, True)
        base = J[f"{side}_hand_wrist"]
        palm = p[[base, base + 5, base + 9, base + 13, base + 17]]
        zpalm = float(world[base:base + 21, 2].mean()) + 0.01
        prims.append((zpalm, lambda palm=palm: cv2.fillConvexPoly(
            img, cv2.convexHull((palm * (1 << s)).astype(np.int32)), _SKIN, aa, s)))
        for f in range(5):
            chain = [base] + list(range(base + 1 + 4 * f, base + 5 + 4 * f))
            pts = chain if f == 0 else [base + 1 + 4 * f] + chain[2:]
            for a, b in zip(pts[:-1], pts[1:]):
                z = float(world[[a, b], 2].mean()) + 0.012
                prims.append((z, lambda a=a, b=b: cv2.line(img, Pi(a), Pi(b), _SKIN, 4, aa, s)))
    head_c = (p[J["left_ear"]] + p[J["right_ear"]]) / 2 * 0.5 + p[J["nose"]] * 0.5
    head_r = float(np.linalg.norm(p[J["left_ear"]] - p[J["right_ear"]]) * 0.62)
    zhead = float(world[J["nose"], 2]) - 0.02

    def head() -> None:
        c = tuple(int(round(v * (1 << s))) for v in head_c - np.array([0, head_r * 0.45]))
        cv2.line(img, P("nose"), tuple(int(v * (1 << s)) for v in (p[J["left_shoulder"]] + p[J["right_shoulder"]]) / 2),
                 _SKIN, 18, aa, s)
        axes = (int(head_r * 0.95 * (1 << s)), int(head_r * 1.2 * (1 << s)))
        cv2.ellipse(img, c, axes, 0, 0, 360, _SKIN, -1, aa, s)
        for eye in ("left_eye", "right_eye"):
            cv2.circle(img, P(eye), 3 << s, (40, 40, 40), -1, aa, s)
        cv2.circle(img, P("nose"), 3 << s, (200, 150, 120), -1, aa, s)
        cv2.line(img, P("mouth_left"), P("mouth_right"), (150, 70, 70), 3, aa, s)
        for ear in ("left_ear", "right_ear"):
            cv2.circle(img, P(ear), 5 << s, (210, 170, 135), -1, aa, s)

    prims.append((zhead, head))
    for _, draw in sorted(prims, key=lambda zp: zp[0]):
        draw()
    t = Fraction(frame, FPS)
    stamp = f"frame {frame:4d}   {int(t) // 60:02d}:{float(t) % 60:06.3f}"
    cv2.putText(img, stamp, (10, HEIGHT - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (235, 235, 235), 1, aa)
    cv2.putText(img, "MG Studio demo", (10, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (180, 200, 220), 1, aa)
    return img


def write_video(path: Path, seq: SkeletonSequence) -> None:
    """Encode the rendered frames as H.264 (yuv420p, deterministic single-threaded x264)."""
    import av

    world = np.zeros((N_FRAMES, LAYOUT.num_joints, 3))
    for i in range(N_FRAMES):
        world[i] = pose_at(i)[0]
    tmp = path.with_name(path.name + ".tmp.mp4")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"crf": "26", "preset": "medium", "threads": "1", "g": str(2 * FPS)}
        stream.codec_context.thread_count = 1
        for i in range(N_FRAMES):
            frame = av.VideoFrame.from_ndarray(render_frame(i, world[i]), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.replace(path)


def make_segments() -> list[dict[str, Any]]:
    """Simulated model proposals (jittered, one mislabelled, one false alarm) + accepted human ones."""
    rng = np.random.default_rng(SEED + 1)
    segs: list[dict[str, Any]] = []
    for k, g in enumerate(SCRIPT):
        start = int(round(g.start_s * FPS)) + int(rng.integers(-4, 5))
        end = int(round(g.end_s * FPS)) + int(rng.integers(-4, 5))
        label = g.label if g.kind != "touch_jaw" else "touching or scratching facial parts"
        conf = round(float(rng.uniform(0.55, 0.95)), 2)
        status = "accepted" if k in (0, 2) else "proposed"
        segs.append({"tier": "proposals", "start": start, "end": end, "label": label,
                     "confidence": conf, "status": status, "source": "model"})
    segs.append({"tier": "proposals", "start": 5 * FPS - 8, "end": 5 * FPS + 10, "label": "moving torso",
                 "confidence": 0.31, "status": "proposed", "source": "model"})
    for k in (0, 2, 3):
        g = SCRIPT[k]
        segs.append({"tier": DEMO_ANNOTATOR, "start": int(round(g.start_s * FPS)), "end": int(round(g.end_s * FPS)),
                     "label": g.label, "confidence": None, "status": "accepted", "source": "human"})
    return sorted(segs, key=lambda d: (d["tier"], d["start"]))


def generate(out_dir: str | Path = RESOURCE_DIR) -> dict[str, Path]:
    """Write the demo video, skeleton and segments into ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seq = make_skeleton()
    paths = {"video": out / VIDEO_NAME, "skeleton": out / SKELETON_NAME, "segments": out / SEGMENTS_NAME}
    seq.save_npz(paths["skeleton"])
    write_video(paths["video"], seq)
    doc = {"fps": FPS, "frame_count": N_FRAMES, "width": WIDTH, "height": HEIGHT,
           "taxonomy": "imigue", "annotator": DEMO_ANNOTATOR,
           "script": [g.__dict__ for g in SCRIPT], "segments": make_segments()}
    paths["segments"].write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return paths


def default_demo_dir() -> Path:
    """``$MGSTUDIO_DATA_DIR/demo`` or the user's data folder (``platformdirs``) ``/demo``."""
    import os

    import platformdirs

    base = os.environ.get("MGSTUDIO_DATA_DIR")
    return Path(base or platformdirs.user_data_dir("mgstudio", appauthor=False)) / "demo"


def build_demo_project(dest_dir: str | Path, source_dir: str | Path = RESOURCE_DIR) -> Path:
    """Copy the demo files into ``dest_dir`` and make ``dest_dir/MG Studio demo.mgproj`` from them."""
    from mgstudio.core.project import Project
    from mgstudio.core.segments import Segment, Source, Status

    src, dest = Path(source_dir), Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    if not (src / VIDEO_NAME).is_file():
        generate(src)
    video = dest / VIDEO_NAME
    shutil.copyfile(src / VIDEO_NAME, video)
    doc = json.loads((src / SEGMENTS_NAME).read_text(encoding="utf-8"))
    path = dest / f"{PROJECT_NAME}.mgproj"
    tmp = dest / f"{PROJECT_NAME} (being built).mgproj"
    shutil.rmtree(tmp, ignore_errors=True)
    with Project.create(tmp, name=PROJECT_NAME, taxonomy=doc["taxonomy"], annotator=doc["annotator"]) as project:
        info = {"fps": Fraction(doc["fps"]), "frame_count": doc["frame_count"],
                "width": doc["width"], "height": doc["height"]}
        item = project.add_video(video, name="stick figure (demo)", info=info,
                                 attributes={"note": "generated by MG Studio; no real person"})
        project.save_skeleton(item.id, SkeletonSequence.load_npz(src / SKELETON_NAME))
        segs = []
        for d in doc["segments"]:
            tier = project.ensure_tier(d["tier"], kind="model" if d["source"] == "model" else "human",
                                       annotator=None if d["source"] == "model" else doc["annotator"])
            segs.append(Segment(item.id, tier.id, d["start"], d["end"], d["label"],
                                source=Source(d["source"]), status=Status(d["status"]),
                                confidence=d["confidence"], annotator="model" if d["source"] == "model" else doc["annotator"]))
        project.add_segments(segs, "Demo segments")
        project.set_state("last_item", item.id)
    if path.exists():
        shutil.rmtree(path)
    tmp.rename(path)
    return path


def ensure_demo_project(dest_dir: str | Path | None = None) -> Path:
    """The demo project in the user's data folder, built from the shipped files if missing."""
    dest = Path(dest_dir) if dest_dir is not None else default_demo_dir()
    path = dest / f"{PROJECT_NAME}.mgproj"
    if (path / "project.sqlite").is_file() and (dest / VIDEO_NAME).is_file():
        return path
    return build_demo_project(dest)


if __name__ == "__main__":
    for kind, p in generate(sys.argv[1] if len(sys.argv) > 1 else RESOURCE_DIR).items():
        print(f"{kind}: {p} ({p.stat().st_size / 1024:.0f} KB)")
