"""A restricted unpickler for untrusted pose pickles: plain data and numeric arrays only.

A pickle is a small program. Even with only "harmless" names allowed, numpy's own
``_reconstruct`` + ``BUILD`` can leave an object-dtype array over a 1-byte buffer (freeing it
crashes the process), and memo indices or shared references turn a few bytes into gigabytes.
So nothing from numpy is ever called with data from the file:

- the file is first scanned opcode by opcode (:mod:`pickletools`): every counted length must fit
  in the file and memo indices must be sequential (CPython's C unpickler allocates a memo table
  as large as the largest index, so one ``LONG_BINPUT 2**30`` costs 8 GiB);
- ``numpy.dtype`` / ``_reconstruct`` / ``ndarray`` / ``scalar`` / ``_frombuffer`` resolve to
  *our* stand-ins, which record plain values; an array is built by :func:`numpy.frombuffer` only
  from a numeric dtype (bool, int, float, complex, fixed strings: never object or void) and a
  byte string whose length is exactly ``prod(shape) * itemsize``;
- the loaded structure is then copied into plain containers with a budget proportional to the
  file size (so an annotation referenced 300,000 times, or a list nested 2**30 times through the
  memo, is refused instead of being expanded) and a nesting limit (cycles end there too).

Every refusal is a :class:`PickleRefused` with one sentence; any other failure is a damaged file.
"""

from __future__ import annotations

import io
import math
import pickle
import pickletools
from typing import Any

import numpy as np

MAX_DEPTH = 64
_BUDGET_PER_BYTE = 4
_BUDGET_FLOOR = 100_000
_SAFE_KINDS = "biufcUS"
_MEMO_OPS = {"PUT", "BINPUT", "LONG_BINPUT"}


class PickleRefused(Exception):
    """The pickle asks for something MG Studio will not build (the message is one sentence)."""


class _Marker:
    """Stands for ``numpy.ndarray``: only usable as the first argument of ``_reconstruct``."""

    __slots__ = ()

    def __call__(self, *args: Any) -> Any:
        raise PickleRefused("the pickle calls numpy.ndarray directly, which MG Studio does not allow")


_NDARRAY = _Marker()


class _Dtype:
    """Stand-in for ``numpy.dtype(spec, align, copy)`` + its ``BUILD`` state."""

    __slots__ = ("dtype",)

    def __init__(self, spec: Any = None, align: Any = False, copy: Any = False) -> None:
        if not isinstance(spec, str) or not 0 < len(spec) <= 8:
            raise PickleRefused("the pickle declares an array type that is not a plain number type")
        try:
            dt = np.dtype(spec)
        except (TypeError, ValueError):
            raise PickleRefused(f"the pickle declares an unknown array type {spec[:8]!r}") from None
        self.dtype = _check_dtype(dt)

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) < 5:
            raise PickleRefused("the pickle gives an array type in a form MG Studio does not read")
        order, sub, names, fields = state[1], state[2], state[3], state[4]
        if sub is not None or names is not None or fields is not None:
            raise PickleRefused("the pickle declares a structured array type (only plain numbers are read)")
        if order not in ("<", ">", "|", "="):
            raise PickleRefused("the pickle declares an array type with an unknown byte order")
        dt = self.dtype
        if dt.kind in "US" and len(state) > 5 and isinstance(state[5], int) and state[5] > 0:
            unit = 4 if dt.kind == "U" else 1
            if state[5] % unit or state[5] > 1 << 20:
                raise PickleRefused("the pickle declares a text array type of an impossible size")
            dt = np.dtype((dt.type, state[5] // unit))
        self.dtype = _check_dtype(dt.newbyteorder(order) if order in "<>" else dt)


def _check_dtype(dt: np.dtype) -> np.dtype:
    if dt.kind not in _SAFE_KINDS or dt.fields is not None or dt.subdtype is not None or dt.hasobject:
        raise PickleRefused(f"the pickle holds an array of type '{dt.kind}' (only numbers and text are read)")
    return dt


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if (not isinstance(shape, tuple) or len(shape) > 32
            or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s for s in shape)):
        raise PickleRefused("the pickle gives an array an impossible shape")
    return shape


def _array(shape: Any, dtype: Any, raw: Any, fortran: Any = False) -> np.ndarray:
    """An owned array from validated plain values (the only place arrays are made)."""
    shape = _shape(shape)
    if not isinstance(dtype, _Dtype):
        raise PickleRefused("the pickle gives an array without a plain number type")
    if isinstance(raw, str):  # Python 2 pickles read with encoding="latin1"
        raw = raw.encode("latin1")
    if isinstance(raw, pickle.PickleBuffer):
        raw = bytes(raw.raw())
    if not isinstance(raw, (bytes, bytearray)):
        raise PickleRefused("the pickle holds an array of Python objects (only numbers and text are read)")
    dt = dtype.dtype
    need = math.prod(shape) * dt.itemsize
    if need != len(raw):
        raise PickleRefused(f"an array in the pickle declares {need} bytes of data but holds {len(raw)}")
    flat = np.frombuffer(bytes(raw), dtype=dt).copy()
    return flat.reshape(shape, order="F" if fortran is True else "C")


class _Array:
    """Stand-in for what ``_reconstruct(ndarray, ...)`` returns; ``BUILD`` fills it in."""

    __slots__ = ("value",)

    def __init__(self, value: np.ndarray | None = None) -> None:
        self.value = value

    def __setstate__(self, state: Any) -> None:
        if self.value is not None or not isinstance(state, tuple) or len(state) not in (4, 5):
            raise PickleRefused("the pickle fills an array in a form MG Studio does not read")
        shape, dtype, fortran, raw = state[-4:]
        self.value = _array(shape, dtype, raw, fortran)


def _reconstruct(cls: Any, shape: Any = (0,), code: Any = b"b") -> _Array:
    if cls is not _NDARRAY:
        raise PickleRefused("the pickle rebuilds an array subclass, which MG Studio does not allow")
    return _Array()


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: Any = "C") -> _Array:
    return _Array(_array(shape, dtype, buf, order == "F"))


def _scalar(dtype: Any, raw: Any = b"") -> Any:
    return _array((), dtype, raw)[()]


def _bytes(*args: Any) -> bytes:
    if args and not isinstance(args[0], (bytes, bytearray, str, list, tuple)):
        raise PickleRefused("the pickle asks for a byte string of a given size, which MG Studio does not allow")
    if args and isinstance(args[0], (list, tuple)) and len(args[0]) > 1 << 24:
        raise PickleRefused("the pickle asks for an over-long byte string")
    return bytes(*args)


def _encode(text: Any, encoding: Any = "utf-8") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise PickleRefused("the pickle encodes text in a way MG Studio does not read")
    return text.encode(encoding)


def _builtin(kind: type) -> Any:
    def make(*args: Any) -> Any:
        if len(args) > 1 and kind is not str:
            raise PickleRefused(f"the pickle calls {kind.__name__} with arguments MG Studio does not allow")
        return kind(*args)
    return make


_GLOBALS: dict[tuple[str, str], Any] = {
    **{(m, "_reconstruct"): _reconstruct for m in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{(m, "scalar"): _scalar for m in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{(m, "_frombuffer"): _frombuffer for m in ("numpy.core.numeric", "numpy._core.numeric")},
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _Dtype,
    ("_codecs", "encode"): _encode,
    ("collections", "OrderedDict"): _builtin(dict),
    **{(m, n): f for m in ("builtins", "__builtin__") for n, f in (
        ("bytes", _bytes), ("bytearray", _bytes), ("str", _builtin(str)), ("int", _builtin(int)),
        ("float", _builtin(float)), ("complex", _builtin(complex)), ("bool", _builtin(bool)),
        ("list", _builtin(list)), ("tuple", _builtin(tuple)), ("dict", _builtin(dict)),
        ("set", _builtin(set)), ("frozenset", _builtin(frozenset)))},
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _GLOBALS[(module, name)]
        except KeyError:
            raise PickleRefused(f"the pickle asks for {module[:60]}.{name[:60]}, which MG Studio will not "
                                f"load (only plain data and number arrays are allowed)") from None

    def persistent_load(self, pid: Any) -> Any:
        raise PickleRefused("the pickle refers to outside objects, which MG Studio does not load")


def scan(data: bytes) -> None:
    """Refuse pickles whose opcodes declare more data than the file holds or a sparse memo."""
    puts = 0
    try:
        for op, arg, pos in pickletools.genops(io.BytesIO(data)):
            name = op.name
            if name in _MEMO_OPS:
                if not isinstance(arg, int) or arg > puts:
                    raise PickleRefused(f"the pickle uses memo slot {arg} after only {puts} entries "
                                        f"(a memory bomb)")
                puts += 1
            elif name == "MEMOIZE":
                puts += 1
            elif name == "FRAME" and isinstance(arg, int) and arg > len(data) - pos:
                raise PickleRefused("the pickle declares a frame longer than the file")
    except PickleRefused:
        raise
    except Exception as exc:  # genops raises ValueError for truncated / unknown opcodes
        raise ValueError(f"{type(exc).__name__}: {exc}"[:200]) from None


class _Budget:
    __slots__ = ("left",)

    def __init__(self, n: int) -> None:
        self.left = n

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise PickleRefused("the pickle's data expands to far more than the file's size "
                                "(shared or repeated references: a memory bomb)")


_SCALARS = (str, bytes, int, float, complex, bool, type(None), np.generic)


def _plain(obj: Any, budget: _Budget, depth: int) -> Any:
    budget.spend(1)
    if depth > MAX_DEPTH:
        raise PickleRefused(f"the pickle's data is nested more than {MAX_DEPTH} levels deep (or refers to itself)")
    if isinstance(obj, _SCALARS):
        if isinstance(obj, (str, bytes)):
            budget.spend(len(obj) // 64)
        return obj
    if isinstance(obj, _Array):
        if obj.value is None:
            raise PickleRefused("the pickle declares an array but never fills it")
        budget.spend(obj.value.nbytes // 8)
        return obj.value
    if isinstance(obj, _Dtype):
        return obj.dtype
    if isinstance(obj, bytearray):
        budget.spend(len(obj) // 64)
        return bytes(obj)
    t = type(obj)
    if t is list:
        return [_plain(x, budget, depth + 1) for x in obj]
    if t is tuple:
        return tuple(_plain(x, budget, depth + 1) for x in obj)
    if t is dict:
        return {_key(k, budget, depth): _plain(v, budget, depth + 1) for k, v in obj.items()}
    if t in (set, frozenset):
        return t(_key(x, budget, depth) for x in obj)
    raise PickleRefused(f"the pickle holds a {t.__name__[:40]} object, which MG Studio does not load")


def _key(k: Any, budget: _Budget, depth: int) -> Any:
    out = _plain(k, budget, depth + 1)
    try:
        hash(out)
    except TypeError:
        raise PickleRefused("the pickle uses an array as a dictionary key") from None
    return out


def safe_loads(data: bytes, encoding: str = "latin1") -> Any:
    """Unpickle ``data`` into plain containers, scalars and owned numeric arrays.

    Raises :class:`PickleRefused` for anything MG Studio will not build and :class:`ValueError`
    (with a short technical detail) for a damaged or truncated pickle.
    """
    scan(data)
    try:
        raw = _Unpickler(io.BytesIO(data), encoding=encoding).load()
    except PickleRefused:
        raise
    except MemoryError:
        raise PickleRefused("the pickle asks for more memory than its size can justify") from None
    except RecursionError:
        raise PickleRefused("the pickle's data is nested too deeply") from None
    except Exception as exc:
        raise ValueError(f"{type(exc).__name__}: {exc}"[:200]) from None
    return _plain(raw, _Budget(_BUDGET_PER_BYTE * len(data) + _BUDGET_FLOOR), 0)
