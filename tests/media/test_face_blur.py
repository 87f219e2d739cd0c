"""Face blurring for exported video clips (``mgstudio.media.face_blur``)."""

from __future__ import annotations

import numpy as np

from mgstudio.core.layouts import CANONICAL
from mgstudio.media.face_blur import blur_face, face_regions


def test_face_blur_changes_only_the_face() -> None:
    xy = np.full((1, CANONICAL.num_joints, 2), np.nan, np.float32)
    xy[0, CANONICAL.index("nose")] = (100, 60)
    xy[0, CANONICAL.index("left_eye")] = (110, 50)
    xy[0, CANONICAL.index("right_eye")] = (90, 50)
    xy[0, CANONICAL.index("left_shoulder")] = (150, 120)
    xy[0, CANONICAL.index("right_shoulder")] = (50, 120)
    regions = face_regions(xy)
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)
    out = blur_face(frame, regions[0])
    assert not np.array_equal(out[50:70, 90:110], frame[50:70, 90:110])  # the face is changed
    assert np.array_equal(out[150:, :], frame[150:, :])  # the body is not
    assert face_regions(np.full((3, 61, 2), np.nan, np.float32)) is None
