"""Frame-exact video decoding on PyAV.

Frame ``i`` is the i-th frame in presentation order, counted from 0. Its timestamp comes from a
**frame index table** built by demuxing the video stream's packets (no decoding) and sorting
their presentation timestamps, so B-frames, variable frame rates and non-zero start times all
get the right frame. Random access seeks backward to the keyframe at or before the target
timestamp and decodes forward until the frame with exactly that timestamp: the recipe that was
exact on every test clip, where a plain ``seek()`` was wrong by up to 59 frames
(``../shared/ENVIRONMENT.md``). The table is cached on disk per file fingerprint.

Frames come out as RGB ``uint8`` arrays (height x width x 3) with the container's rotation
applied, so phone videos stand upright.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from mgstudio.core.errors import MediaError
from mgstudio.media.frame_cache import FrameCache
from mgstudio.media.video_index import (VideoInfo, index_cache_dir, open_video, read_index, rotation_of, scan_pts,
                                        write_index)

__all__ = ["VideoInfo", "VideoReader", "probe", "FrameCache"]

SEQUENTIAL_RUN = 48  # iter_frames over more frames than this decodes with frame threads...
# ...when its frames are larger than this (0: always). Frame threads win on an idle machine even on
# small real clips (interleaved, load 0.16: 640x360 2799 vs 2234 fps on one thread, 176x144 2615 vs
# 2387) and lose only under heavy load (4.4: 1166 vs 1421), so they stay on.
FRAME_THREAD_PIXELS = 0
# Colour conversion on one thread up to this size: swscale's slice threads cost more than they
# save on small frames (176x144: 0.016 vs 0.11 ms a frame; 640x360: 0.22-0.35 vs 0.31-0.44 ms).
ONE_THREAD_PIXELS = 640 * 480
# Parked decoders for random access in clips of long GOPs and small frames (see VideoReader._switch).
PARKED_DECODERS = 4
PARKED_MAX_PIXELS = 640 * 480
PARKED_MIN_GOP = 24  # frames per keyframe from which a parked decoder can save a long decode


class VideoReader:
    """Frame-exact reader: ``frame(i)``, ``iter_frames()``, ``thumbnail()``; not thread-safe.

    Use one reader per thread (``PrefetchReader`` owns its own).
    """

    def __init__(self, path: str | Path, cache_dir: str | Path | None = None, cache_frames: int = 64,
                 progress: Callable[[float], None] | None = None, threads: str = "SLICE") -> None:
        """Open ``path``; the first open of a file scans its packets (about 20,000-40,000 frames
        per second here; ``progress(fraction)`` reports it) and caches the frame table in
        ``cache_dir`` (default: the user cache folder). ``threads``: see :func:`~mgstudio.media.video_index.open_video`
        (``iter_frames`` over many frames uses a second decoder with frame threads by itself)."""
        self.path = Path(path)
        self._cache_dir = cache_dir
        self._threads = threads
        self._sequential: VideoReader | None = None  # frame-threaded twin for long iter_frames
        self._container, self._stream = open_video(self.path, threads)
        self._decoder: Iterator | None = None
        self._next: int | None = None  # index of the frame the decoder would produce next, when known
        self._margin = 0  # how far before a keyframe to seek (time base units), learned per file
        self._skip_below: int | None = None  # see _decode_frames
        self._cache = FrameCache(cache_frames)
        self._parked: list[tuple] = []  # (container, stream, decoder, next) of decoders at other positions
        self._park_limit = 0  # set once the clip is known (0 while the frame table is built)
        self._convert_threads: int | None = None
        # One colour converter for the reader's life: ``frame.to_ndarray(format=...)`` builds a new
        # swscale context per frame, which cost 6x the conversion itself (0.7 ms vs 0.12 ms per
        # 640x360 frame, same pixels; benchmarks/bench_video.py).
        from av.video.reformatter import VideoReformatter

        self._reformatter = VideoReformatter()
        try:
            folder, key = index_cache_dir(cache_dir), self._cache_key()
            cached = read_index(folder, key)
            if cached is not None:
                self._set_index(*cached)
            else:
                self._set_index(*scan_pts(self.path, progress))
                if len(self._pts):
                    self._cut_at_damage()
                    write_index(folder, key, self._pts, self._tb, self._keys, self._truncated)
            if len(self._pts) == 0:
                if self._truncated:
                    raise MediaError(f"{self.path.name} is damaged: not one video frame in it could be read.")
                raise MediaError(f"{self.path.name} contains no video frames.")
            self.info = self._make_info()
            pixels = self.info.width * self.info.height
            self._convert_threads = 1 if pixels <= ONE_THREAD_PIXELS else None
            gop = len(self._pts) / max(1, len(self._keys))
            if threads != "AUTO" and pixels <= PARKED_MAX_PIXELS and gop >= PARKED_MIN_GOP:
                self._park_limit = PARKED_DECODERS
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ frame index table
    def _set_index(self, pts: np.ndarray, tb: Fraction, keys: np.ndarray, truncated: bool) -> None:
        self._pts, self._tb, self._keys, self._truncated = pts, tb, keys, truncated
        self._index_of = {int(p): k for k, p in enumerate(pts)}

    def _cache_key(self) -> str | None:
        try:
            from mgstudio.core.fingerprint import fingerprint

            fp = fingerprint(self.path)
            return f"{fp}-{self.path.stat().st_mtime_ns}".replace("/", "_").replace(":", "_")
        except OSError:
            return None

    def _cut_at_damage(self) -> None:
        """Check that the last frame decodes; when not, keep the frames up to the damage.

        Runs once per file (the result is cached): it decodes from the last keyframe on, and
        only goes further back through the keyframes while nothing there decodes.
        """
        last = len(self._pts) - 1
        try:
            self._frame_obj(last)
            return
        except MediaError:
            pass
        good = -1
        starts = [int(k) for k in self._keys[::-1]] or [int(self._pts[0])]
        for start in starts:
            try:
                self._seek_to(start)
                for frame in self._decoder:
                    k = self._index_of.get(int(frame.pts)) if frame.pts is not None else None
                    if k is not None:
                        good = max(good, k)
            except MediaError:
                pass
            if good >= 0:
                break
        if good < 0:
            raise MediaError(f"{self.path.name} could not be decoded at all: it is damaged or uses a "
                             "format MG Studio cannot read.")
        keys = self._keys[self._keys <= self._pts[good]]
        self._set_index(self._pts[: good + 1].copy(), self._tb, keys, True)
        self._decoder, self._next = None, None

    def _make_info(self) -> VideoInfo:
        s = self._stream
        n = len(self._pts)
        diffs = np.diff(self._pts)
        vfr = bool(len(diffs) > 1 and (diffs.max() - diffs.min()) > max(1, 0.02 * np.median(diffs)))
        span = float((self._pts[-1] - self._pts[0]) * self._tb) if n > 1 else 0.0
        rate = s.average_rate or s.guessed_rate or s.base_rate
        if vfr or not rate:
            fps = Fraction(n - 1, 1) / Fraction(span).limit_denominator(10**6) if span > 0 else Fraction(25)
            fps = fps.limit_denominator(1001)
        else:
            fps = Fraction(rate)
        duration = span + float(1 / fps)
        try:
            first = self._frame_obj(0)
        except MediaError:
            first = None
        rotation = rotation_of(first, s)
        w, h = s.codec_context.width, s.codec_context.height
        if rotation in (90, 270):
            w, h = h, w
        return VideoInfo(self.path, fps, n, duration, w, h, rotation, float(self._pts[0] * self._tb), vfr,
                         s.codec_context.name, damaged_at=n if self._truncated else None)

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._pts)

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._sequential is not None:
            self._sequential.close()
            self._sequential = None
        parked, self._parked = self._parked, []
        for container, *_ in parked:
            container.close()
        if self._container is not None:
            self._container.close()
            self._container = None

    def frame_time(self, index: int) -> float:
        """Presentation time of frame ``index`` in seconds from the first frame."""
        self._check(index)
        return float((self._pts[index] - self._pts[0]) * self._tb)

    def time_to_frame(self, t: float) -> int:
        """The frame on screen at ``t`` seconds from the first frame."""
        target = self._pts[0] + t / self._tb
        return int(max(0, min(len(self._pts) - 1, np.searchsorted(self._pts, target + 1e-6, side="right") - 1)))

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self._pts):
            raise MediaError(f"Frame {index} is outside the video (it has {len(self._pts)} frames).")

    def _to_array(self, frame, size: tuple[int, int] | None = None) -> np.ndarray:
        w = h = None
        if size is not None:
            w, h = size
            if self.info.rotation in (90, 270):
                w, h = h, w
        img = self._reformatter.reformat(frame, format="rgb24", width=w, height=h,
                                         threads=self._convert_threads).to_ndarray()
        rot = self.info.rotation
        if rot:
            img = np.ascontiguousarray(np.rot90(img, k=rot // 90))
        return img

    def _decode_frames(self) -> Iterator:
        """Decoded frames from the current position. Packets shown before ``self._skip_below``
        (a timestamp) are decoded only when other frames refer to them (FFmpeg's ``skip_frame =
        NONREF``): on the way to a random frame, B-frames nobody needs are not decoded (3x faster
        seeks on a clip with one keyframe, as decord does). The target and every frame after it
        decode normally, so the frame returned is the same."""
        import av

        ctx = self._stream.codec_context
        skipping = False
        try:
            for packet in self._container.demux(self._stream):
                limit = self._skip_below
                skip = limit is not None and packet.pts is not None and packet.pts < limit
                if skip != skipping:
                    ctx.skip_frame = "NONREF" if skip else "DEFAULT"
                    skipping = skip
                yield from packet.decode()
        except av.error.FFmpegError as exc:
            raise MediaError(f"{self.path.name} is damaged: decoding stopped near frame "
                             f"{self._next if self._next is not None else '?'}.", repr(exc)) from exc

    def _keyframe_before(self, pts: int) -> int | None:
        """Timestamp of the last keyframe shown at or before ``pts`` (None when not known)."""
        k = int(np.searchsorted(self._keys, pts, side="right")) - 1
        return int(self._keys[k]) if k >= 0 else None

    def _seek_to(self, pts: int) -> None:
        import av

        try:
            self._container.seek(int(pts), stream=self._stream, backward=True, any_frame=False)
        except av.error.FFmpegError as exc:
            self._decoder, self._next = None, None
            raise MediaError(f"{self.path.name} is damaged: MG Studio could not jump to a position in it.",
                             repr(exc)) from exc
        self._decoder = self._decode_frames()
        self._next = None

    def _seek(self, index: int) -> None:
        target = int(self._pts[index])
        key = self._keyframe_before(target)
        self._seek_to((target if key is None else key) - self._margin)

    def _decode_forward(self, index: int, decoder: Iterator | None = None, nxt: int | None = None) -> bool:
        """True when decoding on from where the decoder is (or a parked one: ``decoder``, ``nxt``)
        beats seeking (no keyframe between)."""
        if decoder is None:
            decoder, nxt = self._decoder, self._next
        if decoder is None or nxt is None or not nxt <= index:
            return False
        if index - nxt <= 8:
            return True
        if len(self._keys) == 0:
            return index - nxt < 48
        key = self._keyframe_before(int(self._pts[index]))
        return key is not None and nxt > 0 and key <= int(self._pts[nxt - 1])

    def _switch(self, index: int) -> bool:
        """In a clip of long GOPs: make active the decoder that reaches ``index`` by decoding the
        fewest frames (the active one, or a parked one), when that is fewer than from the keyframe.

        A seek in a clip with one keyframe every 100 frames decodes 50 frames on average; decoders
        parked where earlier requests left them (up to :data:`PARKED_DECODERS`, small frames only:
        each holds its reference frames) often stand a few frames before the next request. Else
        the active decoder is parked and the least recently used one (or a new one) seeks, so the
        position of the last request is kept. Each decoder decodes forward in order, as the active
        one does, so the frame returned is the same. True when the decoder made active decodes on
        to ``index``; False when it must seek."""
        if self._park_limit <= 0:
            return False
        key = self._keyframe_before(int(self._pts[index]))
        from_key = index - (int(np.searchsorted(self._pts, key)) if key is not None else 0)
        onward = self._decode_forward(index)
        best, best_cost = None, index - self._next if onward else from_key  # type: ignore[operator]
        for k, (_, _, decoder, nxt) in enumerate(self._parked):
            if self._decode_forward(index, decoder, nxt) and index - nxt < best_cost:
                best, best_cost = k, index - nxt
        current = (self._container, self._stream, self._decoder, self._next)
        if best is not None:
            chosen = self._parked.pop(best)
        elif onward:
            return True
        elif self._decoder is None or self._next is None:
            return False  # the active decoder has no position worth keeping: it seeks
        elif len(self._parked) < self._park_limit:
            container, stream = open_video(self.path, self._threads)
            chosen = (container, stream, None, None)
        else:
            chosen = self._parked.pop(0)
        self._parked.append(current)
        self._container, self._stream, self._decoder, self._next = chosen
        return best is not None

    def _frame_obj(self, index: int):
        """The decoded PyAV frame at ``index`` (seeking only when decoding forward costs more)."""
        self._check(index)
        if self._container is None:
            raise MediaError("The video has been closed.")
        target = int(self._pts[index])
        onward = self._decode_forward(index)
        if onward and self._park_limit and index - self._next > 8:  # type: ignore[operator]
            onward = self._switch(index)  # a parked decoder may stand closer
        elif not onward:
            onward = self._switch(index)
        if not onward:
            self._seek(index)
        # a jump (not the next few frames, not a frame-threaded sequential read): skip unneeded B-frames
        jump = self._threads != "AUTO" and (self._next is None or index - self._next > 2)
        self._skip_below = target if jump else None
        for attempt in range(6):
            for frame in self._decoder:
                pts = frame.pts
                if pts is None:
                    continue
                k = self._index_of.get(int(pts))
                if k is None:  # a frame the table does not show (e.g. before a trim point)
                    k = int(np.searchsorted(self._pts, pts, side="right")) - 1
                    self._next = k + 1 if k >= 0 else 0
                else:
                    self._next = k + 1
                if pts == target:
                    return frame
                if pts > target:
                    break  # landed after the target: seek further back
            else:
                if self._next is not None and self._next < len(self._pts) and index >= self._next:
                    raise MediaError(f"{self.path.name} is damaged: it could only be decoded up to frame "
                                     f"{self._next - 1} of {len(self._pts)}.")
            # The seek landed after the target. MP4's index is by decoding time, so a B-frame shown
            # just before a keyframe needs the keyframe before: try that first. Demuxers that seek
            # by byte position (MPEG-TS/PS) land late by a margin: learn it for this file.
            key = self._keyframe_before(target)
            key = target if key is None else key
            prev = self._keyframe_before(key - 1) if attempt == 0 else None
            if prev is not None:
                self._seek_to(prev - self._margin)
            else:
                self._margin = max(2 * self._margin, int(Fraction(1, 2) / self._tb))
                self._seek_to(key - self._margin if attempt < 5 else int(self._pts[0]) - 8 * self._margin)
        raise MediaError(f"Frame {index} of {self.path.name} could not be decoded.")

    def frame(self, index: int) -> np.ndarray:
        """RGB frame ``index`` (H x W x 3 uint8), exactly that frame; read-only when the reader
        caches frames (copy it before drawing on it)."""
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        img = self._to_array(self._frame_obj(index))
        self._cache.put(index, img)
        return img

    def thumbnail(self, index: int, max_size: int = 160) -> np.ndarray:
        """A small RGB picture of frame ``index`` whose longer side is ``max_size``."""
        frame = self._frame_obj(index)
        scale = max_size / max(self.info.width, self.info.height)
        w = max(2, int(round(self.info.width * scale)) // 2 * 2)
        h = max(2, int(round(self.info.height * scale)) // 2 * 2)
        return self._to_array(frame, (w, h))

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(index, rgb)`` for frames [start, stop) in order, decoding sequentially."""
        stop = len(self._pts) if stop is None else min(stop, len(self._pts))
        reader = self
        if (stop - start > SEQUENTIAL_RUN and self._threads != "AUTO" and self._container is not None
                and self.info.width * self.info.height > FRAME_THREAD_PIXELS):
            if self._sequential is None:  # same frame table (cached), frame-threaded decoder
                self._sequential = VideoReader(self.path, cache_dir=self._cache_dir, cache_frames=0,
                                               threads="AUTO")
                self._sequential._set_index(self._pts, self._tb, self._keys, self._truncated)
            reader = self._sequential
        table = reader._pts
        i = max(0, start)
        while i < stop:
            yield i, reader._to_array(reader._frame_obj(i))  # positions the decoder (seeks when needed)
            i += 1
            # Then frames straight from the decoder while each is the next one of the table; any
            # other frame (none shown there, a gap) goes back through _frame_obj, which is exact.
            reader._skip_below = None
            decoder = reader._decoder
            while i < stop and decoder is not None:
                frame = next(decoder, None)
                if frame is None or frame.pts is None:
                    break
                if frame.pts != table[i]:
                    k = reader._index_of.get(int(frame.pts))
                    if k is None:
                        k = int(np.searchsorted(table, frame.pts, side="right")) - 1
                    reader._next = k + 1 if k >= 0 else 0
                    break
                reader._next = i + 1
                yield i, reader._to_array(frame)
                i += 1


def probe(path: str | Path, cache_dir: str | Path | None = None,
          progress: Callable[[float], None] | None = None) -> VideoInfo:
    """Metadata of a video (builds and caches its frame index); raises MediaError on bad files.

    A truncated file reports the frames that can be decoded, ``damaged_at`` and
    ``damage_message``.
    """
    with VideoReader(path, cache_dir=cache_dir, cache_frames=0, progress=progress) as r:
        return r.info
