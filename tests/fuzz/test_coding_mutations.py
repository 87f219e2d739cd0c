"""Structure-aware mutation fuzzing of the coding importers (ELAN, BORIS, CSV, iMiGUE, JSON).

Valid files are mutated the way damaged or odd files really look: elements and attributes
dropped, duplicated and reordered, wrong types, huge / negative / NaN / Infinity / 10**400
numbers, cells over 128 KiB, lists as names, deep nesting, self-referencing references,
repeated overlapping rows. Every input must end in success or in one clear sentence
(≤ 300 characters, one line, naming the file) — never another exception or a hang — and a
refused file must leave the project as it was. ``MGSTUDIO_FUZZ_EXAMPLES`` sets the examples
per importer (default 30; ``make fuzz`` runs more). An input that breaks the rule is saved
under ``fixtures/coding/`` and replayed by :func:`test_saved_inputs_stay_fixed`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import re
import signal
from collections import Counter, defaultdict
import tempfile
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgstudio.core.errors import FormatError
from mgstudio.formats.segment_io import import_file
from tests.formats.conftest import make_project
from tests.formats.elan_samples import elan_file
from tests.fuzz.registry import Target

EXAMPLES = int(os.environ.get("MGSTUDIO_FUZZ_EXAMPLES", "30"))
FIXTURES = Path(__file__).parent / "fixtures" / "coding"
TIME_LIMIT_S = 30  # per input; a hang fails the test instead of stalling it
BIG = "9" * 400  # 10**400 - 1, as the file's text
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=False, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])

_dir = Path(tempfile.mkdtemp(prefix="mg-coding-fuzz-"))
_project = None
TALLY: dict[str, Counter] = defaultdict(Counter)  # importer -> inputs, ok, clean, failed (printed by conftest)


def project():
    global _project
    if _project is None:
        _project = make_project(_dir / "fuzz.mgproj", n_frames=3000, items=("session1", "0001", "interview"))
    return _project


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    def on_alarm(*_):
        raise Hang(f"no answer after {seconds} s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check(data: bytes, ext: str, kind: str) -> None:
    """Import ``data``; success or one clear sentence, and a refused file changes nothing."""
    p = project()
    f = _dir / f"input{ext}"
    f.write_bytes(data)
    item = p.item_by_name("session1").id
    before = (p.count_segments(None), [t.name for t in p.tiers()])
    TALLY[kind]["inputs"] += 1
    try:
        with time_limit(TIME_LIMIT_S):
            try:
                report = import_file(p, f, item_id=item if kind in ("eaf", "csv") else None)
            except FormatError as exc:
                msg = str(exc)
                assert msg and "\n" not in msg and len(msg) <= 300, msg[:400]
                assert f.name in msg or "File not found" in msg, msg
                assert (p.count_segments(None), [t.name for t in p.tiers()]) == before, "a refused file changed the project"
                TALLY[kind]["clean"] += 1
                return
            text = report.summary()
            assert len(text) < 4000, text[:400]  # no echo of huge raw values
            assert BIG not in text and "x" * 1000 not in text
            TALLY[kind]["ok"] += 1
    except BaseException as exc:
        if not isinstance(exc, (KeyboardInterrupt, SystemExit)):
            TALLY[kind]["failed"] += 1
            save(data, ext, kind)
        raise


def save(data: bytes, ext: str, kind: str) -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    name = f"{kind}-{hashlib.sha256(data).hexdigest()[:10]}{ext}"
    (FIXTURES / name).write_bytes(data)


# ---------------------------------------------------------------------------------------- values
WEIRD_NUMBERS = ["", "-5", "-1e9", "NaN", "nan", "Infinity", "-Infinity", "inf", "1e400", BIG, "-" + BIG,
                 "0x10", "1,5", "3.7", "  12  ", "1e-400", "2147483648", "99999999999999999999", "true", "[]"]
WEIRD_TEXT = ["", " ", "x" * (129 * 1024), "\u0000", "é\u202e", "<b>", "a|b", "\t", "line\nbreak", "'\"", "🙂" * 10]


def weird_value(rnd: random.Random):
    return rnd.choice([
        None, True, -1, 0, 10**30, -(10**30), 1.5, float("nan"), float("inf"), float("-inf"), "__BIG__",
        [], ["a", "b"], {}, {"k": [1]}, "x" * (129 * 1024), "", "folding arms", [[[[[]]]]],
    ])


def json_bytes(doc) -> bytes:
    text = json.dumps(doc, allow_nan=True)
    return text.replace('"__BIG__"', BIG).replace('"__DEEP__"', "[" * 100_000 + "]" * 100_000).encode()


def mutate_json(doc, rnd: random.Random, n: int):
    """Drop, duplicate, retype or blow up ``n`` random places in a JSON document."""
    doc = copy.deepcopy(doc)
    for _ in range(n):
        paths = []

        def walk(node, path, depth):
            if depth > 6 or len(paths) > 4000:
                return
            paths.append(path)
            if isinstance(node, dict):
                for k in list(node)[:50]:
                    walk(node[k], path + [k], depth + 1)
            elif isinstance(node, list):
                for i in range(min(len(node), 50)):
                    walk(node[i], path + [i], depth + 1)
        walk(doc, [], 0)
        path = rnd.choice(paths)
        if not path:
            continue
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        op = rnd.randrange(7)
        if op == 0:  # drop
            del parent[key]
        elif op == 1 and isinstance(parent, list):  # duplicate (repeated rows)
            for _ in range(rnd.choice([1, 2, 50])):
                parent.insert(key, copy.deepcopy(parent[key]))
        elif op == 2 and isinstance(parent, list):  # reorder
            rnd.shuffle(parent)
        elif op == 3:
            parent[key] = "__DEEP__"
        elif op == 4 and isinstance(parent, dict):  # a key renamed
            parent[rnd.choice(["", "x" * 300, "events", "1"])] = parent.pop(key)
        else:
            parent[key] = weird_value(rnd)
    return doc


# ------------------------------------------------------------------------------------------ ELAN
def mutate_xml(text: str, rnd: random.Random, n: int) -> bytes:
    root = ET.fromstring(text.encode())
    for _ in range(n):
        elements = list(root.iter())
        parents = {c: p for p in elements for c in p}
        el = rnd.choice(elements)
        op = rnd.randrange(10)
        if op == 0 and el in parents:  # drop an element
            parents[el].remove(el)
        elif op == 1 and el in parents:  # duplicate it
            p = parents[el]
            p.insert(list(p).index(el), copy.deepcopy(el))
        elif op == 2:  # reorder the children
            kids = list(el)
            rnd.shuffle(kids)
            for k in list(el):
                el.remove(k)
            el.extend(kids)
        elif op == 3 and el.attrib:  # drop an attribute
            del el.attrib[rnd.choice(list(el.attrib))]
        elif op == 4 and el.attrib:  # a weird attribute value
            el.set(rnd.choice(list(el.attrib)), rnd.choice(WEIRD_NUMBERS + WEIRD_TEXT[:3] + ["a1", "ts1", "gesture"]))
        elif op == 5:  # weird text
            el.text = rnd.choice(WEIRD_TEXT)
        elif op == 6:  # self-referencing or cyclic references
            refs = [e for e in elements if e.tag == "REF_ANNOTATION"]
            if refs:
                r = rnd.choice(refs)
                r.set("ANNOTATION_REF", rnd.choice([r.get("ANNOTATION_ID", "a1"), rnd.choice(refs).get("ANNOTATION_ID", "")]))
                r.set("PREVIOUS_ANNOTATION", r.get("ANNOTATION_ID", "a1"))
        elif op == 7:  # tier parents in a cycle
            tiers = [e for e in elements if e.tag == "TIER"]
            if len(tiers) > 1:
                a, b = rnd.sample(tiers, 2)
                a.set("PARENT_REF", b.get("TIER_ID", ""))
                b.set("PARENT_REF", a.get("TIER_ID", ""))
        elif op == 8:  # deep nesting (written as text below: ElementTree's writer recurses)
            el.set("DEEP", str(rnd.choice([100, 50_000])))
        else:  # a time slot without a value
            slots = [e for e in elements if e.tag == "TIME_SLOT"]
            if slots:
                rnd.choice(slots).attrib.pop("TIME_VALUE", None)
    data = ET.tostring(root, encoding="utf-8")
    deep = [int(x) for x in re.findall(rb' DEEP="(\d+)"', data)]
    for depth in deep:
        marker = f' DEEP="{depth}"'.encode()
        k = data.index(marker)
        end = data.index(b">", k) + 1
        data = data[:end] + b"<ANNOTATION>" * depth + b"</ANNOTATION>" * depth + data[end:]
        data = data.replace(marker, b"", 1)
    if rnd.random() < 0.1:  # cut short
        data = data[: rnd.randrange(len(data))]
    return data


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), version=st.sampled_from(["2.7", "2.8", "3.0"]))
def test_elan_mutations(seed: int, n: int, version: str) -> None:
    check(mutate_xml(elan_file(version, n=12).text, random.Random(seed), n), ".eaf", "eaf")


# ----------------------------------------------------------------------------------------- BORIS
BORIS_DOC = json.loads((Path(__file__).parents[1] / "formats" / "fixtures" / "written_by_boris_8.boris").read_text())


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_boris_mutations(seed: int, n: int) -> None:
    check(json_bytes(mutate_json(BORIS_DOC, random.Random(seed), n)), ".boris", "boris")


# ------------------------------------------------------------------------------------------- CSV
CSV_HEADER = ["item", "tier", "annotator", "source", "status", "label", "start_frame", "end_frame",
              "start_s", "end_s", "confidence", "note"]
CSV_ROWS = [["session1", "bob", "bob", "human", "accepted", "folding arms", "10", "50", "", "", "", "n"],
            ["session1", "bob", "bob", "human", "accepted", "rubbing eyes", "40", "60", "", "", "", ""],
            ["session1", "proposals", "model", "model", "proposed", "head up", "", "", "1.0", "2.5", "0.7", ""],
            ["0001", "carol", "", "human", "", "folding arms", "100", "120", "", "", "", ""]]


def mutate_table(header: list[str], rows: list[list[str]], rnd: random.Random, n: int) -> list[list[str]]:
    table = [list(header)] + [list(r) for r in rows]
    for _ in range(n):
        op = rnd.randrange(8)
        r = rnd.randrange(len(table))
        c = rnd.randrange(len(table[r])) if table[r] else 0
        if op == 0 and len(table) > 1:
            del table[r]
        elif op == 1:  # repeated (overlapping) rows
            table[r:r] = [list(table[r])] * rnd.choice([1, 5, 300])
        elif op == 2 and table[r]:
            del table[r][c]
        elif op == 3:
            rnd.shuffle(table[r])
        elif op == 4 and table[r]:
            table[r][c] = rnd.choice(WEIRD_NUMBERS)
        elif op == 5 and table[r]:
            table[r][c] = rnd.choice(WEIRD_TEXT)
        elif op == 6:
            table[r].append(rnd.choice(WEIRD_TEXT + WEIRD_NUMBERS))
        else:
            rnd.shuffle(table)
    return table


def table_bytes(table: list[list[str]], rnd: random.Random) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, delimiter=rnd.choice([",", ",", "\t", ";"])).writerows(table)
    text = buf.getvalue()
    if rnd.random() < 0.15:  # a broken quote
        k = rnd.randrange(len(text))
        text = text[:k] + '"' + text[k:]
    return text.encode("utf-8")


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_csv_mutations(seed: int, n: int) -> None:
    rnd = random.Random(seed)
    check(table_bytes(mutate_table(CSV_HEADER, CSV_ROWS, rnd, n), rnd), ".csv", "csv")


IMIGUE_HEADER = ["video_id", "label_id", "start_time", "start_frame", "end_time", "end_frame", "class", "subject_id",
                 "subject_gender", "subject_nationality", "win_or_lose"]
IMIGUE_ROWS = [["0001", "1", "1.00", "25", "2.00", "50", "4", "S07", "m", "x", "win"],
               ["0001", "2", "1.50", "37", "3.00", "75", "17", "S07", "m", "x", "win"],
               ["0001", "3", "5.00", "125", "6.00", "150", "99", "S07", "m", "x", "win"]]


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_imigue_mutations(seed: int, n: int) -> None:
    rnd = random.Random(seed)
    table = mutate_table(IMIGUE_HEADER, IMIGUE_ROWS, rnd, n)
    if not table or "video_id" not in ",".join(table[0]):
        table.insert(0, IMIGUE_HEADER)
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(table)
    check(buf.getvalue().encode(), ".csv", "imigue")


# ------------------------------------------------------------------------------------------ JSON
JSON_DOC = {
    "format": "mgstudio-segments", "version": 1, "app_version": "0.1", "project": "p",
    "tiers": [{"name": "bob", "annotator": "bob", "kind": "human"}, {"name": "proposals", "annotator": None, "kind": "model"}],
    "items": [{"name": "session1"}],
    "segments": [{"item": "session1", "tier": "bob", "start": 10, "end": 50, "label": "folding arms", "source": "human",
                  "status": "accepted", "confidence": None, "annotator": "bob", "note": "", "created": 1.7e9,
                  "modified": 1.7e9},
                 {"item": "session1", "tier": "bob", "start": 40, "end": 70, "label": "rubbing eyes"},
                 {"item": "session1", "tier": "proposals", "start": 5, "end": 25, "label": "head up", "source": "model",
                  "status": "proposed", "confidence": 0.8}],
}


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_json_mutations(seed: int, n: int) -> None:
    check(json_bytes(mutate_json(JSON_DOC, random.Random(seed), n)), ".json", "json")


# --------------------------------------------------------------------------- inputs found before
KIND_RE = re.compile(r"(eaf|boris|csv|imigue|json)-")


def kind_of(path: Path) -> str:
    """The importer a saved or generated input is for (``eaf-…``, ``<hash>_imigue-…``)."""
    m = KIND_RE.search(path.name)
    if m is None:
        raise ValueError(f"{path.name}: not a coding fuzz input")
    return m.group(1)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.*")) if FIXTURES.is_dir() else [], ids=lambda p: p.name)
def test_saved_inputs_stay_fixed(path: Path) -> None:
    check(path.read_bytes(), path.suffix, kind_of(path))


# ------------------------------------------------------------- the table (python -m tests.fuzz.report)
EXT = {"eaf": ".eaf", "boris": ".boris", "csv": ".csv", "imigue": ".csv", "json": ".json"}


def mutated_bytes(kind: str, rnd: random.Random) -> bytes:
    """One mutated file for ``kind``, drawn as the hypothesis tests above draw it."""
    n = rnd.randint(1, 6)
    if kind == "eaf":
        return mutate_xml(elan_file(rnd.choice(["2.7", "2.8", "3.0"]), n=12).text, rnd, n)
    if kind == "boris":
        return json_bytes(mutate_json(BORIS_DOC, rnd, n))
    if kind == "json":
        return json_bytes(mutate_json(JSON_DOC, rnd, n))
    if kind == "csv":
        return table_bytes(mutate_table(CSV_HEADER, CSV_ROWS, rnd, n), rnd)
    import csv
    import io

    table = mutate_table(IMIGUE_HEADER, IMIGUE_ROWS, rnd, n)
    if not table or "video_id" not in ",".join(table[0]):
        table.insert(0, IMIGUE_HEADER)
    buf = io.StringIO()
    csv.writer(buf).writerows(table)
    return buf.getvalue().encode()


def overlapping_rows(kind: str, n: int) -> bytes:
    """``n`` rows on one tier, each overlapping the next two and repeated once (issue 16: one new
    '(overlap N)' tier per repeat, O(n²), and a second import that added them all again)."""
    if kind == "csv":
        rows = ["item,tier,label,start_frame,end_frame"]
        rows += [f"session1,bob,folding arms,{10 * k},{10 * k + 25}" for k in range(n) for _ in (0, 1)]
        return ("\n".join(rows) + "\n").encode()
    if kind == "imigue":
        rows = [",".join(IMIGUE_HEADER)]
        rows += [f"0001,{k},{k / 10:.2f},{3 * k},{k / 10 + 1:.2f},{3 * k + 25},4,S07,m,x,win"
                 for k in range(n) for _ in (0, 1)]
        return ("\n".join(rows) + "\n").encode()
    if kind == "json":
        doc = copy.deepcopy(JSON_DOC)
        doc["segments"] = [{"item": "session1", "tier": "bob", "start": 10 * k, "end": 10 * k + 25,
                            "label": "folding arms"} for k in range(n) for _ in (0, 1)]
        return json.dumps(doc).encode()
    if kind == "eaf":
        return elan_file("3.0", n=n, step=20).text.encode()
    return json_bytes(BORIS_DOC)


def make_coding_inputs(kind: str):
    def make(folder: Path, n: int, seed: int) -> list[Path]:
        out = []
        for k in range(n):
            rnd = random.Random(seed * 1_000_003 + k)
            data = overlapping_rows(kind, (2_000, 300)[k % 2]) if k < 2 else mutated_bytes(kind, rnd)
            path = folder / f"{kind}-{k:05d}{EXT[kind]}"
            path.write_bytes(data)
            out.append(path)
        return out
    make.__name__ = f"make_{kind}"
    return make


_worker_project = None


def _state(p) -> tuple:
    return p.count_segments(None), sorted(t.name for t in p.tiers()), sorted(i.name for i in p.items())


def import_twice(path: Path):
    """The fuzz table's loader: import ``path`` into a project of its own (one per worker).

    A refused file must leave the project as it was; an accepted one, imported again, must add
    nothing (imports are idempotent for every row, repeated and overlapping ones included).
    Both imports are then undone, so inputs do not pile up.
    """
    global _worker_project
    import atexit
    import shutil

    kind = kind_of(path)
    if _worker_project is None:
        folder = Path(tempfile.mkdtemp(prefix="mg-coding-table-"))
        atexit.register(shutil.rmtree, folder, True)
        _worker_project = make_project(folder / "fuzz.mgproj", n_frames=3000, items=("session1", "0001", "interview"))
    p = _worker_project
    item = p.item_by_name("session1").id if kind in ("eaf", "csv") else None
    before = _state(p)
    try:
        report = import_file(p, path, item_id=item)
    except FormatError:
        if _state(p) != before:
            raise AssertionError(f"refusing {path.name} changed the project") from None
        raise
    text = report.summary()
    if len(text) >= 4000 or BIG in text or "x" * 1000 in text:
        raise AssertionError(f"the import summary echoes raw values ({len(text)} characters)")
    after = _state(p)
    try:
        import_file(p, path, item_id=item)
    except FormatError as exc:
        raise AssertionError(f"{path.name} imported once, then was refused: {exc}") from None
    if _state(p) != after:
        raise AssertionError(f"importing {path.name} a second time changed the project: {after} -> {_state(p)}")
    for _ in range(4):
        if _state(p) == before or not p.can_undo():
            break
        p.undo()
    if p.count_segments(None) > 20_000:  # undo could not take it all back: start a fresh project
        p.close()
        _worker_project = None
    return report


TARGETS = [Target(name, "coding", "tests.fuzz.test_coding_mutations:import_twice", make_coding_inputs(kind))
           for name, kind in [("ELAN .eaf", "eaf"), ("BORIS .boris", "boris"), ("MG Studio CSV", "csv"),
                              ("iMiGUE label CSV", "imigue"), ("MG Studio JSON", "json")]]
