"""Joint layouts as data, and the mappings into the canonical upper-body + hands layout.

A :class:`JointLayout` names its joints, its bones (for drawing and for the recognizer's graph),
its left/right pairs (for flipping) and the body part each joint belongs to. Each source layout
also carries ``to_canonical``: for every canonical joint it can supply, the source joints whose
mean gives it (one joint = a direct copy; two = their midpoint, e.g. MediaPipe has no neck, so
its neck is the midpoint of the shoulders). Canonical joints a source cannot supply stay missing
(NaN, confidence 0): nothing is invented.

The canonical layout (``CANONICAL``, 61 joints) is upper body + face anchors + both hands:
micro-gestures happen above the hips (hands to face, arms, shoulders, head), legs are absent or
occluded in seated interviews, and hands carry most MG classes (rubbing hands, crossing fingers,
biting nails), so both 21-point hands are kept. Face anchors are the few points MGs need
(nose, eyes, ears, mouth corners), never a face mesh: identity-free by design.

Source layouts: ``mediapipe_holistic`` (75), ``openpose_body25``, ``openpose_137`` (BODY_25 +
70 face + 2 x 21 hands; of the face only the mouth corners reach canonical), ``kinect_v1`` (20,
SDK order), ``kinect_v2`` (25, NTU order), ``coco17``, ``imigue22`` (our documented choice of
order, see below), ``jhmdb15`` and ``gesture_phase6``. Midpoints used where a source lacks a
canonical joint but has both of its neighbours: neck = mid-shoulders (MediaPipe, COCO), pelvis =
mid-hips (MediaPipe, COCO, JHMDB), spine = mid(neck, mid-hip) for OpenPose and the mean of
shoulders and hips for MediaPipe. Kinect v2's thumb and hand tip go to the canonical thumb tip
and middle-finger tip (the nearest hand points it tracks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mgstudio.core.errors import MGStudioError

HAND_JOINTS: tuple[str, ...] = (
    "wrist",
    "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
    "index_mcp", "index_pip", "index_dip", "index_tip",
    "middle_mcp", "middle_pip", "middle_dip", "middle_tip",
    "ring_mcp", "ring_pip", "ring_dip", "ring_tip",
    "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
)
HAND_BONES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4),
    (0, 5), (5, 6), (6, 7), (7, 8),
    (5, 9), (9, 10), (10, 11), (11, 12),
    (9, 13), (13, 14), (14, 15), (15, 16),
    (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
)


@dataclass(frozen=True)
class JointLayout:
    """A skeleton's joints, bones, left/right pairs and body parts.

    ``parts`` maps a part name (``body``, ``face``, ``left_hand``, ``right_hand``, ...) to joint
    indices; ``to_canonical`` maps canonical joint names to the source joint names averaged to
    produce them. ``dims`` is 2 for image-only layouts, 3 when the source is natively 3D.
    """

    name: str
    joints: tuple[str, ...]
    bones: tuple[tuple[int, int], ...]
    flip_pairs: tuple[tuple[int, int], ...] = ()
    parts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    to_canonical: dict[str, tuple[str, ...]] = field(default_factory=dict)
    center: str | None = None
    dims: int = 2
    description: str = ""

    def __post_init__(self) -> None:
        n = len(self.joints)
        if len(set(self.joints)) != n:
            raise ValueError(f"layout {self.name}: duplicate joint names")
        for kind, pairs in (("bone", self.bones), ("flip pair", self.flip_pairs)):
            for a, b in pairs:
                if not (0 <= a < n and 0 <= b < n) or a == b:
                    raise ValueError(f"layout {self.name}: {kind} ({a}, {b}) is not two distinct joints")
        flipped = [j for pair in self.flip_pairs for j in pair]
        if len(flipped) != len(set(flipped)):
            raise ValueError(f"layout {self.name}: a joint appears in two flip pairs")
        for part, idx in self.parts.items():
            if any(not 0 <= i < n for i in idx):
                raise ValueError(f"layout {self.name}: part {part!r} has an index out of range")
        if self.center is not None and self.center not in self.joints:
            raise ValueError(f"layout {self.name}: centre {self.center!r} is not a joint")

    def __hash__(self) -> int:  # layouts are registered by name; dict fields are not hashable
        return hash(self.name)

    @property
    def num_joints(self) -> int:
        return len(self.joints)

    def index(self, joint: str) -> int:
        """Index of a joint by name (raises ``KeyError`` with the layout's name)."""
        try:
            return self.joints.index(joint)
        except ValueError:
            raise KeyError(f"layout {self.name} has no joint {joint!r}") from None

    def part_of(self, joint_index: int) -> str:
        for part, idx in self.parts.items():
            if joint_index in idx:
                return part
        return "body"

    def adjacency(self, self_loops: bool = True) -> np.ndarray:
        """Symmetric 0/1 adjacency matrix (J x J) of the bone graph."""
        a = np.zeros((self.num_joints, self.num_joints), dtype=np.float32)
        for i, j in self.bones:
            a[i, j] = a[j, i] = 1.0
        if self_loops:
            a[np.diag_indices(self.num_joints)] = 1.0
        return a

    def flip_permutation(self) -> np.ndarray:
        """Index permutation that swaps left and right joints."""
        perm = np.arange(self.num_joints)
        for a, b in self.flip_pairs:
            perm[a], perm[b] = b, a
        return perm


def _pairs_by_name(joints: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Left/right pairs found by the ``left_``/``right_`` prefixes (and ``_left``/``_right``
    suffixes, as in ``mouth_left``)."""
    pairs = []
    for i, name in enumerate(joints):
        other = None
        if name.startswith("left_"):
            other = "right_" + name[len("left_"):]
        elif name.endswith("_left"):
            other = name[: -len("_left")] + "_right"
        if other is not None and other in joints:
            pairs.append((i, joints.index(other)))
    return tuple(pairs)


def _with_hands(body: tuple[str, ...], body_bones: tuple[tuple[int, int], ...],
                left_root: str, right_root: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """Append two 21-point hands to a body, linking each hand's wrist to the body's wrist."""
    joints = body + tuple("left_hand_" + j for j in HAND_JOINTS) + tuple("right_hand_" + j for j in HAND_JOINTS)
    nb = len(body)
    bones = list(body_bones)
    for off in (nb, nb + 21):
        bones += [(a + off, b + off) for a, b in HAND_BONES]
    bones.append((body.index(left_root), nb))
    bones.append((body.index(right_root), nb + 21))
    return joints, tuple(bones)


def _hand_parts(nb: int) -> dict[str, tuple[int, ...]]:
    return {"left_hand": tuple(range(nb, nb + 21)), "right_hand": tuple(range(nb + 21, nb + 42))}


def _hand_identity() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for side in ("left", "right"):
        for j in HAND_JOINTS:
            out[f"{side}_hand_{j}"] = (f"{side}_hand_{j}",)
    return out


# ---------------------------------------------------------------- canonical upper body + hands
_CANON_BODY = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "head", "neck", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "spine", "pelvis", "left_hip", "right_hip",
)
_CANON_BODY_BONES_N = (
    ("nose", "left_eye"), ("nose", "right_eye"), ("left_eye", "left_ear"), ("right_eye", "right_ear"),
    ("nose", "mouth_left"), ("nose", "mouth_right"), ("mouth_left", "mouth_right"),
    ("head", "nose"), ("head", "neck"), ("nose", "neck"),
    ("neck", "left_shoulder"), ("neck", "right_shoulder"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("neck", "spine"), ("spine", "pelvis"), ("pelvis", "left_hip"), ("pelvis", "right_hip"),
)


def _bones_from_names(joints: tuple[str, ...], named: tuple[tuple[str, str], ...]) -> tuple[tuple[int, int], ...]:
    return tuple((joints.index(a), joints.index(b)) for a, b in named)


_cj, _cb = _with_hands(_CANON_BODY, _bones_from_names(_CANON_BODY, _CANON_BODY_BONES_N),
                       "left_wrist", "right_wrist")
CANONICAL = JointLayout(
    name="canonical",
    joints=_cj,
    bones=_cb,
    flip_pairs=_pairs_by_name(_cj),
    parts={
        "face": tuple(range(0, 8)),
        "body": tuple(range(8, 19)),
        **_hand_parts(len(_CANON_BODY)),
    },
    to_canonical={j: (j,) for j in _cj},
    center="neck",
    dims=3,
    description="MG Studio canonical layout: 19 upper-body/face-anchor joints + 2 x 21 hand joints",
)

# ---------------------------------------------------------------- MediaPipe holistic (33 + 2 x 21)
MEDIAPIPE_POSE_JOINTS = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
_MP_POSE_BONES = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
    # Not in MediaPipe's own list, which leaves the face floating apart from the body: nose to
    # mouth corners and mouth corners to shoulders join them (a drawn neck, one graph for models).
    (0, 9), (0, 10), (9, 11), (10, 12),
)
_mj, _mb = _with_hands(MEDIAPIPE_POSE_JOINTS, _MP_POSE_BONES, "left_wrist", "right_wrist")
MEDIAPIPE_HOLISTIC = JointLayout(
    name="mediapipe_holistic",
    joints=_mj,
    bones=_mb,
    flip_pairs=_pairs_by_name(_mj),  # eye corners pair up by name too
    parts={
        "face": tuple(range(0, 11)),
        "body": tuple(range(11, 33)),
        **_hand_parts(33),
    },
    to_canonical={
        "nose": ("nose",), "left_eye": ("left_eye",), "right_eye": ("right_eye",),
        "left_ear": ("left_ear",), "right_ear": ("right_ear",),
        "mouth_left": ("mouth_left",), "mouth_right": ("mouth_right",),
        "neck": ("left_shoulder", "right_shoulder"),
        "left_shoulder": ("left_shoulder",), "right_shoulder": ("right_shoulder",),
        "left_elbow": ("left_elbow",), "right_elbow": ("right_elbow",),
        "left_wrist": ("left_wrist",), "right_wrist": ("right_wrist",),
        "spine": ("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
        "pelvis": ("left_hip", "right_hip"),
        "left_hip": ("left_hip",), "right_hip": ("right_hip",),
        **_hand_identity(),
    },
    center="left_shoulder",
    dims=3,
    description="MediaPipe holistic: 33 pose landmarks + 21 per hand (image 2D + world 3D)",
)


# ---------------------------------------------------------------- helpers for named layouts
def _named(name: str, joints: tuple[str, ...], bones: tuple[tuple[str, str], ...], *,
           parts: dict[str, tuple[str, ...]], to_canonical: dict[str, tuple[str, ...]],
           center: str, dims: int, description: str,
           extra_pairs: tuple[tuple[str, str], ...] = ()) -> JointLayout:
    """Build a layout from joint *names* (bones, parts and extra flip pairs by name)."""
    idx = {j: i for i, j in enumerate(joints)}
    return JointLayout(
        name=name,
        joints=joints,
        bones=tuple((idx[a], idx[b]) for a, b in bones),
        flip_pairs=_pairs_by_name(joints) + tuple((idx[a], idx[b]) for a, b in extra_pairs),
        parts={p: tuple(idx[j] for j in js) for p, js in parts.items()},
        to_canonical=to_canonical,
        center=center,
        dims=dims,
        description=description,
    )


def _direct(*names: str) -> dict[str, tuple[str, ...]]:
    """Canonical joints copied from a source joint of the same name."""
    return {n: (n,) for n in names}


_ARMS = ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist")
_FACE5 = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")

# ---------------------------------------------------------------- OpenPose BODY_25 (+ face + hands)
OPENPOSE_BODY25_JOINTS = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
    "left_wrist", "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee",
    "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear", "left_big_toe",
    "left_small_toe", "left_heel", "right_big_toe", "right_small_toe", "right_heel",
)
_BODY25_BONES = (
    ("neck", "mid_hip"), ("neck", "right_shoulder"), ("neck", "left_shoulder"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("mid_hip", "right_hip"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("mid_hip", "left_hip"), ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("neck", "nose"), ("nose", "right_eye"), ("right_eye", "right_ear"),
    ("nose", "left_eye"), ("left_eye", "left_ear"),
    ("left_ankle", "left_big_toe"), ("left_big_toe", "left_small_toe"), ("left_ankle", "left_heel"),
    ("right_ankle", "right_big_toe"), ("right_big_toe", "right_small_toe"), ("right_ankle", "right_heel"),
)
_BODY25_CANON = {
    **_direct(*_FACE5, "neck", *_ARMS, "left_hip", "right_hip"),
    "pelvis": ("mid_hip",),
    "spine": ("neck", "mid_hip"),  # midpoint of two real joints
}
OPENPOSE_BODY25 = _named(
    "openpose_body25", OPENPOSE_BODY25_JOINTS, _BODY25_BONES,
    parts={"face": ("nose", "right_eye", "left_eye", "right_ear", "left_ear"),
           "body": tuple(j for j in OPENPOSE_BODY25_JOINTS if j not in _FACE5)},
    to_canonical=_BODY25_CANON, center="neck", dims=2,
    description="OpenPose BODY_25 (25 2D keypoints with confidence)",
)

# OpenPose's 70-point face model: the 68 iBUG points + 2 pupils. Indices 36-41 / 48 are on the
# image's left side of a subject facing the camera, i.e. the subject's *right*.
_FACE70 = tuple(f"face_{i:02d}" for i in range(70))
_FACE70_BONES: list[tuple[str, str]] = []
for _chain, _closed in (((0, 17), False), ((17, 22), False), ((22, 27), False), ((27, 31), False),
                        ((31, 36), False), ((36, 42), True), ((42, 48), True), ((48, 60), True),
                        ((60, 68), True)):
    _r = list(range(*_chain))
    _FACE70_BONES += [(_FACE70[a], _FACE70[b]) for a, b in zip(_r, _r[1:])]
    if _closed:
        _FACE70_BONES.append((_FACE70[_r[-1]], _FACE70[_r[0]]))
# Links that join the contours into one graph (and to the body's nose).
_FACE70_BONES += [(_FACE70[a], _FACE70[b]) for a, b in (
    (30, 33), (27, 21), (27, 22), (0, 17), (16, 26), (39, 27), (42, 27), (68, 39), (69, 42),
    (33, 51), (48, 60), (54, 64))]
_FACE70_BONES.append(("nose", _FACE70[30]))
# Left/right face pairs (mirror of the 68-point layout) by index.
_FACE70_PAIRS_IDX = (
    [(i, 16 - i) for i in range(8)] + [(17 + i, 26 - i) for i in range(5)]
    + [(31, 35), (32, 34)] + [(36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46)]
    + [(48, 54), (49, 53), (50, 52), (59, 55), (58, 56), (60, 64), (61, 63), (67, 65), (68, 69)]
)
_HAND_NAMES = {side: tuple(f"{side}_hand_{j}" for j in HAND_JOINTS) for side in ("left", "right")}
_HAND_BONES_N = {side: tuple((_HAND_NAMES[side][a], _HAND_NAMES[side][b]) for a, b in HAND_BONES)
                 for side in ("left", "right")}

OPENPOSE_137_JOINTS = OPENPOSE_BODY25_JOINTS + _FACE70 + _HAND_NAMES["left"] + _HAND_NAMES["right"]
OPENPOSE_137 = _named(
    "openpose_137", OPENPOSE_137_JOINTS,
    _BODY25_BONES + tuple(_FACE70_BONES) + _HAND_BONES_N["left"] + _HAND_BONES_N["right"]
    + (("left_wrist", "left_hand_wrist"), ("right_wrist", "right_hand_wrist")),
    parts={"face": ("nose", "right_eye", "left_eye", "right_ear", "left_ear") + _FACE70,
           "body": tuple(j for j in OPENPOSE_BODY25_JOINTS if j not in _FACE5),
           "left_hand": _HAND_NAMES["left"], "right_hand": _HAND_NAMES["right"]},
    # Identity-free: of the 70 face points only the two mouth corners reach the canonical layout.
    to_canonical={**_BODY25_CANON, "mouth_right": ("face_48",), "mouth_left": ("face_54",),
                  **_hand_identity()},
    center="neck", dims=2,
    extra_pairs=tuple((_FACE70[a], _FACE70[b]) for a, b in _FACE70_PAIRS_IDX),
    description="OpenPose BODY_25 + 70 face + 2 x 21 hand keypoints (137, as shipped with iMiGUE)",
)

# ---------------------------------------------------------------- Kinect v1 (SDK order, 20 joints)
KINECT_V1_JOINTS = (
    "hip_center", "spine", "shoulder_center", "head",
    "left_shoulder", "left_elbow", "left_wrist", "left_hand",
    "right_shoulder", "right_elbow", "right_wrist", "right_hand",
    "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
)
_KINECT_ARM_LEG_BONES = tuple(
    (f"{s}_{a}", f"{s}_{b}") for s in ("left", "right")
    for a, b in (("shoulder", "elbow"), ("elbow", "wrist"), ("wrist", "hand"),
                 ("hip", "knee"), ("knee", "ankle"), ("ankle", "foot"))
)
KINECT_V1 = _named(
    "kinect_v1", KINECT_V1_JOINTS,
    (("hip_center", "spine"), ("spine", "shoulder_center"), ("shoulder_center", "head"),
     ("shoulder_center", "left_shoulder"), ("shoulder_center", "right_shoulder"),
     ("hip_center", "left_hip"), ("hip_center", "right_hip")) + _KINECT_ARM_LEG_BONES,
    parts={"face": ("head",), "body": tuple(j for j in KINECT_V1_JOINTS if j != "head")},
    to_canonical={**_direct("head", "spine", *_ARMS, "left_hip", "right_hip"),
                  "neck": ("shoulder_center",), "pelvis": ("hip_center",)},
    center="shoulder_center", dims=3,
    description="Kinect v1 skeleton, 20 joints in SDK order (MSR Action3D files are reordered on import)",
)

# ---------------------------------------------------------------- Kinect v2 (NTU RGB+D order, 25)
KINECT_V2_JOINTS = (
    "spine_base", "spine_mid", "neck", "head",
    "left_shoulder", "left_elbow", "left_wrist", "left_hand",
    "right_shoulder", "right_elbow", "right_wrist", "right_hand",
    "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
    "spine_shoulder", "left_hand_tip", "left_thumb", "right_hand_tip", "right_thumb",
)
KINECT_V2 = _named(
    "kinect_v2", KINECT_V2_JOINTS,
    (("spine_base", "spine_mid"), ("spine_mid", "spine_shoulder"), ("spine_shoulder", "neck"),
     ("neck", "head"), ("spine_shoulder", "left_shoulder"), ("spine_shoulder", "right_shoulder"),
     ("spine_base", "left_hip"), ("spine_base", "right_hip"),
     ("left_hand", "left_hand_tip"), ("left_hand", "left_thumb"),
     ("right_hand", "right_hand_tip"), ("right_hand", "right_thumb")) + _KINECT_ARM_LEG_BONES,
    parts={"face": ("head",),
           "body": tuple(j for j in KINECT_V2_JOINTS if j != "head" and "thumb" not in j and "tip" not in j),
           "left_hand": ("left_hand_tip", "left_thumb"), "right_hand": ("right_hand_tip", "right_thumb")},
    # Kinect v2's "neck" sits between the shoulders and the head; the canonical neck is the
    # point between the shoulders, which Kinect v2 calls spine_shoulder.
    to_canonical={**_direct("head", *_ARMS, "left_hip", "right_hip"),
                  "neck": ("spine_shoulder",), "spine": ("spine_mid",), "pelvis": ("spine_base",),
                  "left_hand_thumb_tip": ("left_thumb",), "right_hand_thumb_tip": ("right_thumb",),
                  "left_hand_middle_tip": ("left_hand_tip",), "right_hand_middle_tip": ("right_hand_tip",)},
    center="spine_shoulder", dims=3,
    description="Kinect v2 skeleton, 25 joints in NTU RGB+D order",
)

# ---------------------------------------------------------------- COCO-17
COCO17_JOINTS = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)
COCO17 = _named(
    "coco17", COCO17_JOINTS,
    (("nose", "left_eye"), ("nose", "right_eye"), ("left_eye", "left_ear"), ("right_eye", "right_ear"),
     ("left_eye", "right_eye"), ("left_ear", "left_shoulder"), ("right_ear", "right_shoulder"),
     ("left_shoulder", "right_shoulder"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
     ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
     ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"), ("left_hip", "right_hip"),
     ("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("right_hip", "right_knee"),
     ("right_knee", "right_ankle")),
    parts={"face": _FACE5, "body": COCO17_JOINTS[5:]},
    to_canonical={**_direct(*_FACE5, *_ARMS, "left_hip", "right_hip"),
                  "neck": ("left_shoulder", "right_shoulder"), "pelvis": ("left_hip", "right_hip")},
    center="left_shoulder", dims=2,
    description="COCO keypoints (17)",
)

# ---------------------------------------------------------------- iMiGUE upper body (22)
# iMiGUE ships OpenPose 137-point JSON; "a common processed form keeps 22 upper-body joints" but
# no public definition of that order exists, so this one is ours: the 12 BODY_25 joints above
# the hips in BODY_25 order (nose, neck, arms, eyes, ears: hips and legs are hidden by the table
# in iMiGUE's seated post-match interviews), then the five fingertips of the left and then the
# right hand (OpenPose's JSON order), because most micro-gestures are hand gestures (rubbing
# hands, touching the face, crossing fingers) and fingertips carry the hand's shape at a tenth
# of the 42 hand points' cost.
_TIPS = ("thumb_tip", "index_tip", "middle_tip", "ring_tip", "pinky_tip")
IMIGUE22_JOINTS = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
    "left_wrist", "right_eye", "left_eye", "right_ear", "left_ear",
) + tuple(f"left_hand_{t}" for t in _TIPS) + tuple(f"right_hand_{t}" for t in _TIPS)
IMIGUE22 = _named(
    "imigue22", IMIGUE22_JOINTS,
    tuple(b for b in _BODY25_BONES if b[0] in IMIGUE22_JOINTS and b[1] in IMIGUE22_JOINTS)
    + tuple((f"{s}_wrist", f"{s}_hand_{t}") for s in ("left", "right") for t in _TIPS),
    parts={"face": ("nose", "right_eye", "left_eye", "right_ear", "left_ear"),
           "body": ("neck",) + _ARMS,
           "left_hand": tuple(f"left_hand_{t}" for t in _TIPS),
           "right_hand": tuple(f"right_hand_{t}" for t in _TIPS)},
    to_canonical={**_direct(*_FACE5, "neck", *_ARMS),
                  **_direct(*(f"{s}_hand_{t}" for s in ("left", "right") for t in _TIPS))},
    center="neck", dims=2,
    description="iMiGUE upper body (22): BODY_25 joints above the hips + 5 fingertips per hand",
)

# ---------------------------------------------------------------- JHMDB (15, puppet joints)
JHMDB15_JOINTS = (
    "neck", "belly", "face", "right_shoulder", "left_shoulder", "right_hip", "left_hip",
    "right_elbow", "left_elbow", "right_knee", "left_knee", "right_wrist", "left_wrist",
    "right_ankle", "left_ankle",
)
JHMDB15 = _named(
    "jhmdb15", JHMDB15_JOINTS,
    (("neck", "face"), ("neck", "belly"), ("neck", "right_shoulder"), ("neck", "left_shoulder"),
     ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
     ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
     ("belly", "right_hip"), ("belly", "left_hip"), ("right_hip", "right_knee"),
     ("right_knee", "right_ankle"), ("left_hip", "left_knee"), ("left_knee", "left_ankle")),
    parts={"face": ("face",), "body": tuple(j for j in JHMDB15_JOINTS if j != "face")},
    # JHMDB's "face" point is the centre of the head; "belly" the middle of the trunk.
    to_canonical={**_direct("neck", *_ARMS, "left_hip", "right_hip"),
                  "head": ("face",), "spine": ("belly",), "pelvis": ("left_hip", "right_hip")},
    center="neck", dims=2,
    description="JHMDB ground-truth puppet joints (15, 2D)",
)

# ---------------------------------------------------------------- UCI gesture phase (6 Kinect joints)
GESTURE_PHASE6_JOINTS = ("left_hand", "right_hand", "head", "spine", "left_wrist", "right_wrist")
GESTURE_PHASE6 = _named(
    "gesture_phase6", GESTURE_PHASE6_JOINTS,
    (("head", "spine"), ("spine", "left_wrist"), ("left_wrist", "left_hand"),
     ("spine", "right_wrist"), ("right_wrist", "right_hand")),
    parts={"face": ("head",), "body": ("spine", "left_wrist", "right_wrist", "left_hand", "right_hand")},
    to_canonical=_direct("head", "spine", "left_wrist", "right_wrist"),
    center="spine", dims=3,
    description="UCI Gesture Phase Segmentation: 6 Kinect v1 joints (hands, wrists, head, spine)",
)

LAYOUTS: dict[str, JointLayout] = {}


def register_layout(layout: JointLayout) -> JointLayout:
    """Add a layout to the registry (its ``to_canonical`` must name real joints)."""
    for canon, sources in layout.to_canonical.items():
        if canon not in CANONICAL.joints:
            raise ValueError(f"layout {layout.name}: {canon!r} is not a canonical joint")
        for s in sources:
            layout.index(s)
    LAYOUTS[layout.name] = layout
    return layout


for _layout in (CANONICAL, MEDIAPIPE_HOLISTIC, OPENPOSE_BODY25, OPENPOSE_137, KINECT_V1, KINECT_V2,
                COCO17, IMIGUE22, JHMDB15, GESTURE_PHASE6):
    register_layout(_layout)


def get_layout(name: str | JointLayout) -> JointLayout:
    """Look a layout up by name (a layout passes through)."""
    if isinstance(name, JointLayout):
        return name
    try:
        return LAYOUTS[name]
    except KeyError:
        known = ", ".join(sorted(LAYOUTS))
        raise MGStudioError(f"Unknown joint layout '{name}'. Known layouts: {known}.") from None


def mapping_matrix(source: JointLayout, target: JointLayout = CANONICAL) -> np.ndarray:
    """Weights W (target J x source J) such that ``target = W @ source`` per frame.

    Rows of target joints the source cannot supply are all zero (they become missing).
    Defined into the canonical layout, back from it (joints copied one-to-one only; midpoints
    cannot be undone), and identity.
    """
    if source.name == target.name:
        return np.eye(source.num_joints, dtype=np.float32)
    if source.name == CANONICAL.name:
        # Back from canonical: only joints the target copies one-to-one come back.
        w = np.zeros((target.num_joints, source.num_joints), dtype=np.float32)
        for canon, sources in target.to_canonical.items():
            if len(sources) == 1:
                w[target.index(sources[0]), source.index(canon)] = 1.0
        return w
    if target.name != CANONICAL.name:
        raise MGStudioError(f"No mapping from layout '{source.name}' to '{target.name}'.")
    w = np.zeros((target.num_joints, source.num_joints), dtype=np.float32)
    for canon, sources in source.to_canonical.items():
        row = target.index(canon)
        for s in sources:
            w[row, source.index(s)] = 1.0 / len(sources)
    return w
