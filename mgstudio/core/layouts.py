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
        for a, b in self.bones:
            if not (0 <= a < n and 0 <= b < n):
                raise ValueError(f"layout {self.name}: bone ({a}, {b}) out of range")

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
    """Left/right pairs found by the ``left_``/``right_`` name prefixes."""
    pairs = []
    for i, name in enumerate(joints):
        if name.startswith("left_"):
            other = "right_" + name[len("left_"):]
            if other in joints:
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
)
_mj, _mb = _with_hands(MEDIAPIPE_POSE_JOINTS, _MP_POSE_BONES, "left_wrist", "right_wrist")
MEDIAPIPE_HOLISTIC = JointLayout(
    name="mediapipe_holistic",
    joints=_mj,
    bones=_mb,
    flip_pairs=_pairs_by_name(_mj) + ((1, 4), (2, 5), (3, 6)),
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


register_layout(CANONICAL)
register_layout(MEDIAPIPE_HOLISTIC)


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
    Only mappings into the canonical layout (or identity) are defined.
    """
    if source.name == target.name:
        return np.eye(source.num_joints, dtype=np.float32)
    if target.name != CANONICAL.name:
        raise MGStudioError(f"No mapping from layout '{source.name}' to '{target.name}'.")
    w = np.zeros((target.num_joints, source.num_joints), dtype=np.float32)
    for canon, sources in source.to_canonical.items():
        row = target.index(canon)
        for s in sources:
            w[row, source.index(s)] = 1.0 / len(sources)
    return w
