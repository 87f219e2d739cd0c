"""Test clips that carry their frame number in their pixels, and a reader for that number.

``make_numbered_clip`` writes a short video whose frame ``i`` shows ``i`` as a 12-bit barcode
(two rows of six 20-pixel blocks, white = 1) that survives lossy compression, so a test can
check that the frame a reader returns is the frame it asked for. Kinds of clip: H.264 with
B-frames, MPEG-4 Part 2, MJPEG in AVI, variable frame rate, a non-zero start time, a rotation
flag; ``trim_copy`` cuts a clip without re-encoding (an edit list with hidden frames, as
``ffmpeg -ss … -c copy`` makes); plus ``truncate``, ``make_audio_only`` and
``make_zero_frames`` for damaged, picture-less and empty files.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np

BITS = 12
BLOCK = 20


def draw_number(img: np.ndarray, number: int) -> None:
    """Paint ``number`` as a barcode into the top-left corner of an RGB image (in place)."""
    for b in range(BITS):
        row, col = divmod(b, BITS // 2)
        y, x = 4 + row * BLOCK, 4 + col * BLOCK
        img[y:y + BLOCK - 4, x:x + BLOCK - 4] = 255 if (number >> b) & 1 else 0


def read_number(img: np.ndarray) -> int:
    """The number painted by :func:`draw_number` into an (unrotated) RGB frame."""
    n = 0
    for b in range(BITS):
        row, col = divmod(b, BITS // 2)
        y, x = 4 + row * BLOCK + (BLOCK - 4) // 2, 4 + col * BLOCK + (BLOCK - 4) // 2
        if img[y - 3:y + 3, x - 3:x + 3].mean() > 127:
            n |= 1 << b
    return n


def numbered_frame(i: int, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    w, h = size
    img = np.full((h, w, 3), 96, np.uint8)
    img[:, :, 2] = (i * 7) % 256  # colour changes too, to give the encoder real motion
    img[h // 2:, (i * 3) % w:(i * 3) % w + 20] = 200
    draw_number(img, i)
    return img


def make_numbered_clip(path: str | Path, n_frames: int = 90, fps: float | Fraction = 25,
                       codec: str = "h264", size: tuple[int, int] = (320, 240), bframes: int = 2,
                       gop: int = 12, vfr: bool = False, start_time: float = 0.0,
                       rotation: int = 0) -> Path:
    """Write a clip whose frame ``i`` shows the number ``i``; returns its path.

    ``codec``: ``h264`` (B-frames when ``bframes`` > 0), ``libx265`` (HEVC, as phones record;
    B-frames too), ``libvpx-vp9`` (use ``.webm``), ``mpeg4`` (MPEG-4 Part 2) or ``mjpeg`` (use
    an ``.avi`` path). ``vfr``: frame durations alternate irregularly (1, 2 or 3 ticks of
    1/(3*fps)). ``start_time``: the first frame's timestamp in seconds. ``rotation``: a display
    rotation flag in degrees (the pixels are stored unrotated).
    """
    import av

    path = Path(path)
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height = size
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        opts = {}
        if codec == "h264":
            opts = {"bf": str(bframes), "g": str(gop), "crf": "18", "preset": "veryfast"}
        elif codec == "libx265":
            opts = {"x265-params": f"bframes={bframes}:keyint={gop}:min-keyint={gop}:log-level=error",
                    "crf": "20", "preset": "ultrafast"}
        elif codec == "libvpx-vp9":
            opts = {"g": str(gop), "crf": "30", "b": "0", "deadline": "realtime", "cpu-used": "8"}
        elif codec == "mpeg4":
            opts = {"g": str(gop), "qscale": "3"}
        stream.codec_context.options = opts
        tick = 1 / (rate * 3) if vfr else 1 / rate
        stream.codec_context.time_base = Fraction(tick)
        if rotation:
            stream.set_display_rotation(rotation)
        pts = int(round(start_time / tick))
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(numbered_frame(i, size), format="rgb24")
            frame.pts = pts
            frame.time_base = Fraction(tick)
            pts += (1, 2, 3, 3, 2)[i % 5] if vfr else 1
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def truncate(src: str | Path, dst: str | Path, keep: float = 0.6) -> Path:
    """Copy the first ``keep`` share of a file's bytes (a download cut short)."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * keep)])
    return Path(dst)


def make_audio_only(path: str | Path, seconds: float = 1.0) -> Path:
    """A short sine tone with no picture."""
    import av

    path = Path(path)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=16000)
        t = np.arange(int(16000 * seconds)) / 16000
        samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args], check=True, timeout=60)


def trim_copy(src: str | Path, dst: str | Path, start: float) -> Path:
    """Cut ``src`` from ``start`` seconds without re-encoding (``ffmpeg -ss START -c copy``).

    For an MP4 the result keeps the packets from the keyframe before ``start`` and an edit list
    that hides the frames before the cut: players show the first frame at or after ``start``.
    """
    _ffmpeg("-ss", f"{start:.3f}", "-i", str(src), "-c", "copy", str(dst))
    return Path(dst)


def make_zero_frames(path: str | Path) -> Path:
    """A container with a video stream header and no frames (``ffmpeg -frames:v 0``); use .avi."""
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-frames:v", "0", "-c:v", "mjpeg", str(path))
    return Path(path)


def scramble(src: str | Path, dst: str | Path, seed: int = 0) -> Path:
    """Copy ``src`` with everything but its first and last 2 KiB replaced by random bytes
    (headers intact, pictures destroyed: an undecodable file)."""
    data = bytearray(Path(src).read_bytes())
    rng = np.random.default_rng(seed)
    data[2048:-2048] = rng.integers(0, 256, max(0, len(data) - 4096), dtype=np.uint8).tobytes()
    Path(dst).write_bytes(bytes(data))
    return Path(dst)
