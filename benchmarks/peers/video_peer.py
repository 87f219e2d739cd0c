"""Frame access through the peers (OpenCV, decord, sleap-io), served to ``bench_video`` over a pipe.

Runs in ``.venv-bench``. Requests: ``open(lib, path, numbered)``, ``sequential()`` (seconds to
decode every frame in order, the CPU seconds of all the process's threads, and how many), ``ids()`` (each frame's identity, decoding in order:
its painted number for numbered clips, else a hash of its pixels), ``seek(index)`` (seconds and
identity of that one frame, the way a user of the library asks for it), ``close()``.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np

from benchmarks.peers import serve
from tests.support.clips import read_number


class State:
    lib = ""
    reader = None
    numbered = True


def _ident(img: np.ndarray | None):
    if img is None:
        return None
    if State.numbered:
        return read_number(np.asarray(img))  # black/white blocks: the same in BGR and RGB
    return hashlib.sha1(np.ascontiguousarray(img).tobytes()).hexdigest()


def open_(lib: str, path: str, numbered: bool) -> dict:
    close()
    State.lib, State.numbered = lib, numbered
    t0 = time.perf_counter()
    if lib == "opencv":
        import cv2

        cap = cv2.VideoCapture(path)
        if not cap.isOpened():
            raise RuntimeError("OpenCV could not open the file")
        State.reader, n, version = cap, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cv2.__version__
    elif lib == "decord":
        import decord

        State.reader = decord.VideoReader(path, ctx=decord.cpu(0))
        n, version = len(State.reader), decord.__version__
    elif lib == "sleap-io":
        import sleap_io as sio

        State.reader = sio.load_video(path)
        n = len(State.reader)
        version = f"{sio.__version__} ({type(State.reader.backend).__name__})"
    else:
        raise ValueError(lib)
    return {"frames": n, "version": version, "open_s": time.perf_counter() - t0}


def _rewind() -> None:
    if State.lib == "opencv":
        import cv2

        State.reader.set(cv2.CAP_PROP_POS_FRAMES, 0)
    elif State.lib == "decord":
        State.reader.seek(0)


def _iter():
    """Every frame in order, as a user of the library decodes a whole video."""
    _rewind()
    r = State.reader
    if State.lib == "opencv":
        while True:
            ok, img = r.read()
            if not ok:
                return
            yield img
    elif State.lib == "decord":
        for _ in range(len(r)):
            try:
                yield r.next().asnumpy()
            except StopIteration:
                return
    else:
        for i in range(len(r)):
            yield r[i]


def sequential() -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(1 for _ in _iter())
    return {"s": time.perf_counter() - t0, "frames": n, "cpu": time.process_time() - c0}


def ids() -> dict:
    return {"ids": [_ident(img) for img in _iter()]}


def seek(index: int) -> dict:
    r = State.reader
    t0 = time.perf_counter()
    img = None
    if State.lib == "opencv":
        import cv2

        r.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, img = r.read()
        img = img if ok else None
    elif State.lib == "decord":
        img = r[index].asnumpy()
    else:
        img = r[index]
    dt = time.perf_counter() - t0
    return {"s": dt, "id": _ident(img)}


def close() -> dict:
    r, State.reader = State.reader, None
    if r is not None and State.lib == "opencv":
        r.release()
    elif r is not None and State.lib == "sleap-io":
        r.close()
    return {}


if __name__ == "__main__":
    serve({"open": open_, "sequential": sequential, "ids": ids, "seek": seek, "close": close})
