"""Structure-aware mutators: take a *valid* document and damage it the way real files get damaged
(truncated, fields dropped or duplicated, wrong types, huge / NaN / Infinity numbers, deep
nesting, swapped keys, counts that lie). Every mutator is driven by a :class:`random.Random`,
so a hypothesis-drawn seed reproduces an input exactly.
"""

from __future__ import annotations

import copy
import json
import math
import random
from typing import Any

import numpy as np

HUGE_NUMBERS = ["1e308", "1e400", "-1e400", "10" + "0" * 400, "NaN", "Infinity", "-Infinity", "nan",
                "inf", "-0", "4294967296", "18446744073709551616", "-2147483649", "0x10", "1_000",
                "9" * 5000, "1e-400", "٣"]
JUNK_TOKENS = ["", "x", "null", "true", "[]", "{}", "\x00", "é", "\ufeff", "1,5", "--1", "+", ".", "e5"]


def wrong_value(rng: random.Random) -> Any:
    """A value of a random wrong type (or a number no importer expects)."""
    choices: list[Any] = [None, True, False, 0, -1, 1, 10**6, 10**30, 10**400, float("nan"), float("inf"),
                          -float("inf"), 1e308, -1e-308, "", "x" * rng.randint(1, 40), "123", [], {}, [[]],
                          [None], {"a": 1}, [1, "2", None], list(range(rng.randint(0, 200)))]
    return copy.deepcopy(rng.choice(choices))


def deep(value: Any, depth: int, as_dict: bool = False) -> Any:
    for _ in range(depth):
        value = {"a": value} if as_dict else [value]
    return value


# ----------------------------------------------------------------------- plain documents (JSON-like)
def _paths(doc: Any, prefix: tuple = (), out: list | None = None, limit: int = 2000) -> list[tuple]:
    """Every (container path) to a node, breadth-limited."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    out.append(prefix)
    if isinstance(doc, dict):
        for k in list(doc)[:50]:
            _paths(doc[k], prefix + (k,), out, limit)
    elif isinstance(doc, list):
        for i in range(min(len(doc), 50)):
            _paths(doc[i], prefix + (i,), out, limit)
    return out


def _get(doc: Any, path: tuple) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def mutate_doc(doc: Any, rng: random.Random, ops: int | None = None) -> Any:
    """A damaged deep copy of a JSON-like document (dicts, lists, numbers, strings, arrays)."""
    doc = copy.deepcopy(doc)
    box = [doc]
    for _ in range(ops or rng.randint(1, 3)):
        paths = _paths(box[0])
        path = rng.choice(paths)
        parent_path, key = (path[:-1], path[-1]) if path else (None, None)
        parent = box if parent_path is None else _get(box[0], parent_path)
        if parent_path is None:
            key = 0
        node = parent[key]
        op = rng.choice(["wrong", "drop", "dup", "swap", "deep", "numbers", "truncate", "extend", "nan",
                         "array", "wrong", "numbers"])
        if op == "wrong":
            parent[key] = wrong_value(rng)
        elif op == "drop" and isinstance(parent, dict):
            del parent[key]
        elif op == "drop" and isinstance(parent, list) and parent is not box:
            del parent[key]
        elif op == "dup" and isinstance(parent, dict):
            parent[f"{key}"] = copy.deepcopy(node)
            parent[f"{key} "] = copy.deepcopy(node)
        elif op == "dup" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(node))
        elif op == "swap" and isinstance(parent, dict) and len(parent) > 1:
            other = rng.choice(list(parent))
            parent[key], parent[other] = parent[other], parent[key]
        elif op == "deep":
            parent[key] = deep(node, rng.choice([50, 500, 5000, 50_000]), rng.random() < 0.5)
            break  # nothing walks the document after this (it is deeper than Python's recursion)
        elif op == "numbers" and isinstance(node, list):
            parent[key] = [rng.choice([1e308, -1e308, float("nan"), float("inf"), 10**30, -(10**30), 0, 1e-320])
                           if rng.random() < 0.3 else v for v in node]
        elif op == "truncate" and isinstance(node, (list, str)):
            parent[key] = node[: rng.randint(0, max(0, len(node) - 1))]
        elif op == "extend" and isinstance(node, list):
            parent[key] = node + node[: rng.randint(1, max(1, len(node)))] * rng.randint(1, 3)
        elif op == "nan" and isinstance(node, np.ndarray) and node.dtype.kind == "f":
            arr = node.copy()
            arr.flat[rng.randrange(max(1, arr.size))] = rng.choice([np.nan, np.inf, -np.inf, 1e38])
            parent[key] = arr
        elif op == "array" and isinstance(node, np.ndarray):
            parent[key] = mutate_array(node, rng)
        else:
            parent[key] = wrong_value(rng)
    return box[0]


def mutate_array(a: np.ndarray, rng: random.Random) -> Any:
    """A numpy array of the wrong shape, type or content."""
    op = rng.choice(["reshape", "dtype", "empty", "transpose", "slice", "list", "scalar", "nd"])
    if op == "reshape" and a.size:
        return a.reshape(-1)
    if op == "dtype":
        return a.astype(rng.choice([np.float16, np.int8, np.uint8, np.bool_, np.complex64, np.int64]))
    if op == "empty":
        return a[:0]
    if op == "transpose" and a.ndim > 1:
        return a.swapaxes(0, -1)
    if op == "slice" and a.ndim:
        return a[..., : max(0, a.shape[-1] - 1)]
    if op == "list":
        return a.tolist()
    if op == "scalar":
        return a.flat[0] if a.size else np.float32(0)
    return a[None, None]


# ----------------------------------------------------------------------- JSON text
def to_json_text(doc: Any, rng: random.Random) -> str:
    """JSON text of ``doc``, sometimes with duplicate keys, non-standard numbers or cut short."""
    try:
        text = json.dumps(doc, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))
    except (ValueError, RecursionError):  # deeper than json.dumps goes: write the nesting by hand
        text = '{"people": [{"pose_keypoints_2d": ' + "[" * 50_000 + "]" * 50_000 + "}]}"
    r = rng.random()
    if r < 0.1:
        text = text[: rng.randint(0, len(text))]
    elif r < 0.2:
        i = rng.randrange(len(text) + 1)
        text = text[:i] + rng.choice(HUGE_NUMBERS + JUNK_TOKENS) + text[i:]
    elif r < 0.25:
        text = text.replace("{", '{"people": 1, ', 1)  # a duplicate key
    return text


# ----------------------------------------------------------------------- whitespace-separated numbers
def mutate_number_text(text: str, rng: random.Random, counts: list[int] | None = None) -> str:
    """Damage a text of numbers: lines cut, dropped, duplicated or swapped; tokens replaced by huge,
    NaN, junk or non-ASCII ones; declared counts (line indices in ``counts``) made to lie."""
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        if not lines:
            lines = [""]
        op = rng.choice(["token", "token", "count", "drop", "dup", "swap", "truncate", "cut_line", "blank",
                         "bytes", "repeat_frames"])
        i = rng.randrange(len(lines))
        if op == "token":
            toks = lines[i].split() or [""]
            toks[rng.randrange(len(toks))] = rng.choice(HUGE_NUMBERS + JUNK_TOKENS)
            lines[i] = " ".join(toks)
        elif op == "count" and counts:
            j = rng.choice(counts)
            if j < len(lines):
                lines[j] = rng.choice(["0", "-1", "1", "2", "3", "24", "26", "20", "21", "1000000",
                                       "99999999999", "1e6", "2.5", " ", str(rng.randint(0, 400))])
        elif op == "drop":
            del lines[i: i + rng.choice([1, 1, 5, 25, 300])]
        elif op == "dup":
            lines[i:i] = lines[i: i + rng.choice([1, 25, 27])]
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: rng.randint(0, len(lines[-1]))]
        elif op == "cut_line":
            toks = lines[i].split()
            lines[i] = " ".join(toks[: rng.randint(0, len(toks))])
        elif op == "blank":
            lines.insert(i, rng.choice(["", "   ", "\t", "# comment"]))
        elif op == "bytes":
            lines[i] = lines[i] + rng.choice(["\x00", "é", "\ufffd", "\x1b[31m"])
        elif op == "repeat_frames":
            lines = lines + lines[1:] * rng.randint(1, 3)
    return "\n".join(lines) + rng.choice(["\n", "", "\r\n"])


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """Byte-level damage: cut short, bytes flipped, a chunk duplicated or zeroed."""
    b = bytearray(data)
    op = rng.choice(["truncate", "flip", "dup", "zero", "flip"])
    if not b:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
    if op == "truncate":
        return bytes(b[: rng.randrange(len(b))])
    if op == "flip":
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.getrandbits(8)
        return bytes(b)
    i = rng.randrange(len(b))
    j = min(len(b), i + rng.randint(1, 256))
    if op == "dup":
        return bytes(b[:j] + b[i:j] + b[j:])
    b[i:j] = bytes(j - i)
    return bytes(b)


def finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None
