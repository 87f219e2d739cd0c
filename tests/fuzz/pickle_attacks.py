"""Hostile pose pickles written opcode by opcode (see :mod:`pickletools`): code-execution
gadgets, numpy foot-guns made only of allowed names, and memory / CPU bombs.

``attacks(marker)`` returns ``[(name, bytes)]``; gadgets that would run code try to create the
file ``marker``, so a test can tell "refused" from "ran".
"""

from __future__ import annotations

import pickle
import struct

import numpy as np

PROTO = b"\x80\x02"
STOP = b"."


def glob(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def stack_glob(module: str, name: str) -> bytes:
    return ustr(module) + ustr(name) + b"\x93"


def ustr(s: str) -> bytes:
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def sbytes(b: bytes) -> bytes:
    return (b"C" + bytes([len(b)]) + b) if len(b) < 256 else (b"B" + struct.pack("<I", len(b)) + b)


def i(n: int) -> bytes:
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if -(2**31) <= n < 2**31:
        return b"J" + struct.pack("<i", n)
    raw = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def tup(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def call(func: bytes, *args: bytes) -> bytes:
    return func + tup(*args) + b"R"


def dtype(spec: str) -> bytes:
    return call(glob("numpy", "dtype"), ustr(spec), b"\x89", b"\x88")


def dtype_built(spec: str, state: bytes) -> bytes:
    return dtype(spec) + state + b"b"


def reconstruct(mod: str = "numpy.core.multiarray", cls: bytes | None = None) -> bytes:
    return call(glob(mod, "_reconstruct"), cls or glob("numpy", "ndarray"), tup(i(0)), sbytes(b"b"))


def array(shape: tuple[int, ...], dt: bytes, raw: bytes | str | list, fortran: bool = False) -> bytes:
    if isinstance(raw, bytes):
        data = sbytes(raw)
    elif isinstance(raw, str):
        data = ustr(raw)
    else:
        data = b"]" + (b"(" + b"".join(raw) + b"e" if raw else b"")
    state = tup(i(1), tup(*[i(s) for s in shape]), dt, b"\x88" if fortran else b"\x89", data)
    return reconstruct() + state + b"b"


def wrap_pose(arr: bytes) -> bytes:
    """``{"pose": [arr], "label": ["x"]}`` around one array opcode sequence."""
    return PROTO + b"}" + ustr("pose") + b"]" + arr + b"a" + ustr("label") + b"]" + ustr("x") + b"a" + b"s" + b"s" + STOP


def gadgets(marker: str) -> list[tuple[str, bytes]]:
    """Classic code-execution gadgets (each would create ``marker`` if it ran)."""
    cmd = f"touch {marker}"
    py = f"open({marker!r}, 'w').write('pwned')"
    targets = [
        ("os", "system", [ustr(cmd)]), ("posix", "system", [ustr(cmd)]), ("nt", "system", [ustr(cmd)]),
        ("subprocess", "call", [b"]" + ustr("touch") + b"a" + ustr(marker) + b"a"]),
        ("subprocess", "Popen", [b"]" + ustr("touch") + b"a" + ustr(marker) + b"a"]),
        ("subprocess", "check_output", [ustr(cmd)]),
        ("builtins", "eval", [ustr(py)]), ("builtins", "exec", [ustr(py)]),
        ("__builtin__", "eval", [ustr(py)]), ("builtins", "open", [ustr(marker), ustr("w")]),
        ("io", "open", [ustr(marker), ustr("w")]), ("codecs", "open", [ustr(marker), ustr("w")]),
        ("builtins", "__import__", [ustr("os")]), ("builtins", "getattr", [ustr("x"), ustr("upper")]),
        ("builtins", "compile", [ustr(py), ustr("x"), ustr("exec")]),
        ("pty", "spawn", [ustr("true")]), ("shutil", "copyfile", [ustr("/etc/hostname"), ustr(marker)]),
        ("pathlib", "Path", [ustr(marker)]), ("runpy", "_run_code", [ustr(py), b"}"]),
        ("pickle", "loads", [sbytes(b"cos\nsystem\n(V" + cmd.encode() + b"\ntR.")]),
        ("numpy", "load", [ustr(marker)]), ("numpy.testing._private.utils", "runstring", [ustr(py), b"}"]),
        ("torch", "load", [ustr(marker)]), ("copyreg", "_reconstructor", [ustr("x"), ustr("y"), b"N"]),
        ("functools", "partial", [glob("os", "system"), ustr(cmd)]),
        ("operator", "methodcaller", [ustr("system"), ustr(cmd)]),
        ("operator", "attrgetter", [ustr("system")]), ("types", "FunctionType", [b"N", b"}"]),
        ("sys", "exit", [i(3)]), ("webbrowser", "open", [ustr("file://" + marker)]),
        ("numpy.lib.format", "read_array", [ustr(marker)]), ("ctypes", "CDLL", [ustr("libc.so.6")]),
    ]
    out = []
    for mod, name, args in targets:
        out.append((f"GLOBAL {mod}.{name}", PROTO + call(glob(mod, name), *args) + STOP))
    for mod, name, args in targets[:12]:
        out.append((f"STACK_GLOBAL {mod}.{name}", b"\x80\x04" + call(stack_glob(mod, name), *args) + STOP))
    # INST and OBJ opcodes, NEWOBJ, persistent ids, extension registry, nested in pose data
    out.append(("INST os.system", b"(" + ustr(cmd) + b"ios\nsystem\n."))
    out.append(("OBJ os.system", PROTO + b"(" + glob("os", "system") + ustr(cmd) + b"o."))
    out.append(("NEWOBJ os.system", PROTO + glob("os", "system") + tup(ustr(cmd)) + b"\x81."))
    out.append(("PERSID", b"P" + cmd.encode() + b"\n."))
    out.append(("BINPERSID", PROTO + ustr(cmd) + b"Q."))
    out.append(("EXT1 unregistered", PROTO + b"\x82\x01."))
    out.append(("gadget inside pose list", wrap_pose(call(glob("os", "system"), ustr(cmd)))))
    out.append(("BUILD setattr on dtype stand-in", PROTO + dtype("f8") + b"}" + ustr("__class__")
                + glob("os", "system") + b"s" + b"b."))
    out.append(("reconstruct subclass numpy.matrix", PROTO + reconstruct(cls=glob("numpy", "matrix")) + STOP))
    return out


def numpy_footguns() -> list[tuple[str, bytes]]:
    """Arrays made only of the names a real numpy pickle uses, asking numpy for the impossible."""
    f8 = dtype_built("f8", tup(i(3), ustr("<"), b"N", b"N", b"N", i(-1), i(-1), i(0)))
    # flags 0: an object dtype that forgot it must be pickled as a list, so numpy copies raw bytes
    # in as object pointers (freeing the array then dereferences them)
    obj = dtype_built("O", tup(i(3), ustr("|"), b"N", b"N", b"N", i(-1), i(-1), i(0)))
    obj_flagged = dtype_built("O", tup(i(3), ustr("|"), b"N", b"N", b"N", i(-1), i(-1), i(63)))
    void = dtype("V8")
    struct_dt = dtype_built("V16", tup(i(3), ustr("|"), b"N", tup(ustr("a"), ustr("b")),
                                       b"}" + ustr("a") + tup(dtype("O"), i(0)) + b"s"
                                       + ustr("b") + tup(dtype("O"), i(8)) + b"s", i(16), i(1), i(27)))
    sub_dt = dtype_built("V8", tup(i(3), ustr("|"), tup(dtype("O"), tup(i(1))), b"N", b"N", i(8), i(1), i(0)))
    out = [
        ("object array over a 1-byte buffer (SIGSEGV)", PROTO + array((1,), obj, b"\x01") + STOP),
        ("object array over 8 bytes of pointer", PROTO + array((1,), obj, b"\x41" * 8) + STOP),
        ("object array in pose data", wrap_pose(array((4, 15, 2), obj, b"\x00" * 8))),
        ("object array of a forged pointer read by str() (SIGSEGV)", PROTO + b"}" + ustr("annotations") + b"]" + b"}"
         + ustr("frame_dir") + array((1,), obj, b"\x41" * 8) + b"s" + ustr("keypoint")
         + array((1, 2, 17, 2), dtype_built("f4", tup(i(3), ustr("<"), b"N", b"N", b"N", i(-1), i(-1), i(0))),
                 b"\x00" * 272) + b"s" + b"a" + b"s" + STOP),
        ("object array from a list", PROTO + array((2,), obj_flagged, [ustr("a"), ustr("b")]) + STOP),
        ("object array (flags 1) over 1 byte", PROTO + array((1,), dtype_built("O", tup(
            i(3), ustr("|"), b"N", b"N", b"N", i(-1), i(-1), i(1))), b"\x01") + STOP),
        ("object array (list-pickle flag) over bytes", PROTO + array((1,), obj_flagged, b"\x01") + STOP),
        ("void array", PROTO + array((2,), void, b"\x00" * 16) + STOP),
        ("structured dtype with object fields", PROTO + array((1,), struct_dt, b"\x00" * 16) + STOP),
        ("sub-array dtype of objects", PROTO + array((1,), sub_dt, b"\x00" * 8) + STOP),
        ("buffer shorter than shape x itemsize", wrap_pose(array((1000, 15, 2), f8, b"\x00" * 8))),
        ("buffer longer than shape x itemsize", wrap_pose(array((1, 15, 2), f8, b"\x00" * 4096))),
        ("shape 2**40 over 8 bytes", PROTO + array((2**40,), f8, b"\x00" * 8) + STOP),
        ("negative shape", PROTO + array((2, -1), f8, b"\x00" * 16) + STOP),
        ("shape of a string", PROTO + reconstruct() + tup(i(1), ustr("ab"), f8, b"\x89", sbytes(b"")) + b"b" + STOP),
        ("BUILD twice on one array", PROTO + array((1,), f8, b"\x00" * 8)
         + tup(i(1), tup(i(10**6)), obj, b"\x89", sbytes(b"\x01")) + b"b" + STOP),
        ("ndarray called directly with a huge shape", PROTO + call(glob("numpy", "ndarray"), tup(i(2**36))) + STOP),
        ("scalar of object dtype", PROTO + call(glob("numpy.core.multiarray", "scalar"), obj, sbytes(b"\x01")) + STOP),
        ("scalar with a short buffer", PROTO + call(glob("numpy.core.multiarray", "scalar"), f8, sbytes(b"\x01")) + STOP),
        ("_frombuffer with object dtype", PROTO + call(glob("numpy.core.numeric", "_frombuffer"), sbytes(b"\x01" * 8),
                                                       obj, tup(i(1)), ustr("C")) + STOP),
        ("_frombuffer with a huge shape", PROTO + call(glob("numpy.core.numeric", "_frombuffer"), sbytes(b"\x01" * 8),
                                                       f8, tup(i(2**31 - 1), i(2**31 - 1)), ustr("C")) + STOP),
        ("dtype spec 'object'", PROTO + dtype("object") + STOP),
        ("dtype spec of a huge text type", PROTO + array((1,), dtype("U999999999"), b"") + STOP),
        ("dtype with unknown byte order", PROTO + dtype_built("f8", tup(i(3), ustr("?"), b"N", b"N", b"N", i(-1), i(-1), i(0))) + STOP),
        ("dtype called with a list", PROTO + call(glob("numpy", "dtype"), b"]" + tup(ustr("a"), ustr("O")) + b"a") + STOP),
        ("array never filled", wrap_pose(reconstruct())),
    ]
    return out


def bombs() -> list[tuple[str, bytes]]:
    """Memory and CPU bombs: tiny files that ask for gigabytes or never end."""
    out = [
        ("LONG_BINPUT 2**30 (memo table of 8 GiB)", PROTO + b"]" + b"r" + struct.pack("<I", 2**30) + STOP),
        ("LONG_BINPUT 2**32-1", PROTO + b"N" + b"r" + struct.pack("<I", 2**32 - 1) + STOP),
        ("PUT 10**9", b"(lp1000000000\n."),
        ("BINBYTES8 declaring 2**40 bytes", b"\x80\x04" + b"\x8e" + struct.pack("<Q", 2**40) + STOP),
        ("BINUNICODE8 declaring 2**50 bytes", b"\x80\x04" + b"\x8d" + struct.pack("<Q", 2**50) + STOP),
        ("FRAME declaring 2**40 bytes", b"\x80\x04" + b"\x95" + struct.pack("<Q", 2**40) + b"N."),
        ("bytes(10**10)", PROTO + call(glob("builtins", "bytes"), i(10**10)) + STOP),
        ("bytearray(2**33)", PROTO + call(glob("builtins", "bytearray"), i(2**33)) + STOP),
        ("int of a million digits", PROTO + call(glob("builtins", "int"), ustr("9" * 100_000)) + STOP),
    ]
    # doubling: each level is a list holding the previous level twice (a few hundred bytes).
    body = b"K\x00" + b"q\x00"
    for k in range(1, 31):
        body += b"(" + b"h" + bytes([k - 1]) + b"h" + bytes([k - 1]) + b"l" + b"q" + bytes([k])
    out.append(("list doubled 30 times through the memo (2**30 leaves)", PROTO + body + STOP))
    # one PYSKL annotation referenced 300,000 times (about 600 KB)
    kp = np.zeros((1, 30, 17, 2), np.float32)
    ann = pickle.dumps({"frame_dir": "a", "label": 1, "keypoint": kp, "keypoint_score": kp[..., 0]}, protocol=4)
    ann = ann[2:-1]
    if ann[:1] == b"\x95":  # drop the FRAME header
        ann = ann[9:]
    head = b"\x80\x04" + b"}" + ustr("annotations") + b"]" + b"(" + ann + b"\x94"
    get = b"h" + bytes([_count_memo(head + b"e.") - 1])
    out.append(("one annotation referenced 300,000 times", head + get * 300_000 + b"e" + b"s" + STOP))
    # nesting: a list inside a list 100,000 deep, and a list that contains itself
    out.append(("lists nested 100,000 deep", PROTO + b"]" * 100_000 + b"a" * 99_999 + STOP))
    out.append(("list containing itself", PROTO + b"]q\x00h\x00a" + STOP))
    out.append(("dict whose value is itself", PROTO + b"}q\x00" + ustr("pose") + b"h\x00s" + STOP))
    out.append(("pose list of itself", PROTO + b"}q\x00" + ustr("pose") + b"]q\x01h\x01as" + STOP))
    return out


def _count_memo(data: bytes) -> int:
    import pickletools

    n = 0
    for op, _, _ in pickletools.genops(data):
        if op.name in ("MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT"):
            n += 1
    return n


def attacks(marker: str) -> list[tuple[str, bytes]]:
    return gadgets(marker) + numpy_footguns() + bombs()
