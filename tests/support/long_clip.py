"""Long numbered test videos, written fast: frame ``i`` carries ``i`` as an 18-bit barcode.

``tests/support/clips.py`` draws 12 bits (frames up to 4095); an hour at 30 fps has 108,000
frames, so these clips draw three rows of six 20-pixel blocks (up to 262,143) straight into the
luma plane of ``yuv420p`` frames (no colour conversion per frame) and encode them with x264
``ultrafast`` plus B-frames and a camera-like keyframe interval. A bar moves across the lower
half so the encoder has motion to code.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

BITS = 18
COLS = 6
BLOCK = 20


def _paint(y_plane: np.ndarray, number: int) -> None:
    for b in range(BITS):
        row, col = divmod(b, COLS)
        y, x = 4 + row * BLOCK, 4 + col * BLOCK
        y_plane[y:y + BLOCK - 4, x:x + BLOCK - 4] = 235 if (number >> b) & 1 else 16


def read_long_number(rgb: np.ndarray) -> int:
    """The number painted into an RGB frame of a clip from :func:`make_long_clip`."""
    n = 0
    for b in range(BITS):
        row, col = divmod(b, COLS)
        y, x = 4 + row * BLOCK + (BLOCK - 4) // 2, 4 + col * BLOCK + (BLOCK - 4) // 2
        if rgb[y - 3:y + 3, x - 3:x + 3].mean() > 127:
            n |= 1 << b
    return n


def make_long_clip(path: str | Path, seconds: float, fps: int = 30, size: tuple[int, int] = (320, 240),
                   gop: int | None = None, bframes: int = 2) -> Path:
    """Write an H.264 MP4 of ``seconds`` at ``fps`` whose frame ``i`` shows ``i``.

    ``gop`` defaults to two seconds of frames (as cameras do); ``bframes`` B-frames between
    references. About 2,000-4,000 frames per second at 320x240 on one core.
    """
    import av

    path = Path(path)
    w, h = size
    n = int(round(seconds * fps))
    gop = gop or 2 * fps
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.codec_context.options = {"preset": "ultrafast", "bf": str(bframes), "g": str(gop), "keyint_min": str(gop),
                                        "sc_threshold": "0", "crf": "28"}
        stream.codec_context.time_base = Fraction(1, fps)
        buf = np.full((h * 3 // 2, w), 128, np.uint8)
        luma = buf[:h]
        luma[:] = 90
        for i in range(n):
            x = (i * 3) % (w - 20)
            luma[h // 2:, :] = 90
            luma[h // 2:, x:x + 20] = 200
            _paint(luma, i)
            frame = av.VideoFrame.from_ndarray(buf, format="yuv420p")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
