"""SubjectTracker: who is the subject, frame by frame (geometry and colours; no MediaPipe)."""

from __future__ import annotations

import numpy as np

from mgstudio.media.subject import SubjectTracker, chest_histogram, pose_anchor

W, H, FPS = 640, 360, 25.0


def pose(x: float, y: float, shoulder: float = 80.0) -> tuple[np.ndarray, np.ndarray]:
    """A 33-point pose with the shoulder midpoint at (x, y): nose above, shoulders either side."""
    xy = np.full((33, 2), np.nan, np.float32)
    conf = np.zeros(33, np.float32)
    xy[0] = (x, y - 0.6 * shoulder)
    xy[11] = (x + shoulder / 2, y)  # subject's left shoulder on the image right
    xy[12] = (x - shoulder / 2, y)
    conf[[0, 11, 12]] = 0.99
    return xy, conf


def frame_with_shirt(colour: tuple[int, int, int], x: float = 200, y: float = 150, shoulder: float = 80.0) -> np.ndarray:
    rgb = np.full((H, W, 3), 30, np.uint8)
    rgb[int(y):int(y + shoulder), int(x - shoulder / 2):int(x + shoulder / 2)] = colour
    return rgb


def test_anchor_is_the_shoulder_midpoint_scaled_by_the_body() -> None:
    a = pose_anchor(*pose(100, 200, 60))
    assert a is not None and (a.x, a.y) == (100, 200) and abs(a.size - 72) < 1e-3  # 2 x nose-to-neck
    xy, conf = pose(100, 200)
    conf[:] = 0
    assert pose_anchor(xy, conf) is None


def test_continuity_follows_small_moves_and_rejects_jumps() -> None:
    t = SubjectTracker(W, H, FPS)
    assert t.accepts(0, *pose(200, 150))
    assert t.accepts(1, *pose(210, 152))  # a small move: the same person
    assert not t.accepts(2, *pose(500, 150))  # someone else across the room
    assert not t.accepts(3, *pose(212, 150, shoulder=200))  # suddenly far bigger: someone nearer
    assert t.accepts(4, *pose(214, 153))
    assert t.lost_for(4) == 0 and t.lost_for(10) == 6


def test_tiny_background_people_are_not_taken_as_the_subject() -> None:
    t = SubjectTracker(W, H, FPS)
    assert not t.accepts(0, *pose(300, 100, shoulder=5))
    assert t.accepts(1, *pose(300, 150))


def test_after_a_cut_the_subject_is_recognised_by_clothing_colours() -> None:
    t = SubjectTracker(W, H, FPS)
    blue = frame_with_shirt((20, 40, 200))
    for f in range(6):
        assert t.accepts(f, *pose(200, 150), blue)
    t.scene_cut(6)
    red_elsewhere = frame_with_shirt((220, 30, 30), x=450)
    assert not t.accepts(6, *pose(450, 150), red_elsewhere), "a differently dressed person after a cut"
    blue_elsewhere = frame_with_shirt((20, 40, 200), x=450, shoulder=120)
    assert t.accepts(7, *pose(450, 150, shoulder=120), blue_elsewhere), "the subject in a new shot"
    # Gone for longer than give_up: the next sizeable person is taken (and their colours learned).
    late = 7 + t.give_up + 1
    assert t.accepts(late, *pose(300, 150), frame_with_shirt((220, 30, 30), x=300))


def test_a_picked_box_decides_who_is_followed() -> None:
    t = SubjectTracker(W, H, FPS, subject_box=(400, 80, 200, 250))
    assert not t.accepts(0, *pose(150, 150)), "outside the box the user drew"
    assert t.crop_box() is not None
    x, y, w, h = t.crop_box()
    assert x <= 400 and x + w >= 600 and 0 <= x and x + w <= W and y + h <= H
    assert t.accepts(0, *pose(500, 160))
    assert t.accepts(1, *pose(505, 160))


def test_state_round_trip_keeps_following_the_same_person() -> None:
    t = SubjectTracker(W, H, FPS)
    blue = frame_with_shirt((20, 40, 200))
    for f in range(4):
        t.accepts(f, *pose(200, 150), blue)
    u = SubjectTracker(W, H, FPS)
    u.restore(t.state())
    assert not u.accepts(4, *pose(500, 150)), "a resumed tracker still knows where the subject was"
    assert u.accepts(4, *pose(205, 150))
    assert u.appearance is not None and np.allclose(u.appearance, t.appearance)


def test_chest_histogram_tells_clothes_apart() -> None:
    xy, conf = pose(200, 150)
    blue = chest_histogram(frame_with_shirt((20, 40, 200)), xy, conf)
    blue2 = chest_histogram(frame_with_shirt((30, 50, 190)), xy, conf)
    white = chest_histogram(frame_with_shirt((240, 240, 240)), xy, conf)
    assert blue is not None and blue2 is not None and white is not None
    assert abs(blue.sum() - 1) < 1e-6
    assert np.minimum(blue, blue2).sum() > 0.9 > 0.1 > np.minimum(blue, white).sum()
