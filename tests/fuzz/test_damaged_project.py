"""Damaged ``project.sqlite`` files: opening, ``info`` and exports end in success or one sentence.

Structure-aware damage to real small projects (issue 16): flipped bytes, a truncated file,
wrong-typed or invalid values in rows (``fps='nan'``, text where numbers belong, invalid UTF-8),
bad JSON in attributes / meta / state / history / audit, rows removed under foreign keys (a
segment on a deleted tier), odd ``user_version`` / ``application_id``. Every input must end in
success or a :class:`~mgstudio.core.errors.MGStudioError` of at most 300 characters (the store's
own refusals are :class:`ProjectError`), never a traceback or a hang.

``MGSTUDIO_FUZZ_EXAMPLES`` sets the number of inputs per strategy (25 by default; ``make fuzz``
runs more). An input that fails is written to ``tests/fuzz/fixtures/project/`` (gzipped
database) and replayed by :func:`test_kept_inputs_still_end_cleanly` from then on.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mgstudio.cli import main as cli_main
from mgstudio.core.errors import MGStudioError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence

EXAMPLES = int(os.environ.get("MGSTUDIO_FUZZ_EXAMPLES", "25"))
FIXTURES = Path(__file__).parent / "fixtures" / "project"
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

TABLES = {
    "meta": ["key", "value"], "state": ["key", "value"],
    "items": ["name", "kind", "video_path", "fingerprint", "fps", "frame_count", "width", "height", "created"],
    "attributes": ["item_id", "key", "value"], "annotators": ["name", "created"],
    "tiers": ["name", "annotator", "kind"],
    "segments": ["item_id", "tier_id", "start_frame", "end_frame", "label", "source", "status", "confidence",
                 "annotator", "note", "created", "modified"],
    "history": ["action", "description", "ops", "undone", "who", "created"],
    "audit": ['"when"', "who", "action", "description", "item_id", "segment_id", "before", "after"],
}
ODD_TEXT = ["nan", "inf", "-inf", "0", "-1", "1e400", "30000/1001", "", "{", "[1, 2", "null", "[]", "{}", '"x"',
            '{"labels": 3}', '[{"op": "insert"}]', '{"name": []}', "proposals", "human", "model", "edited",
            "x" * 5000]


# ---------------------------------------------------------------------------- the projects damaged
def _build(folder: Path, video: Path) -> Path:
    with Project.create(folder, annotator="alice") as p:
        a = p.add_skeleton_item("S01", SkeletonSequence.empty(CANONICAL, 250, 25.0), attributes={"subject": "7"})
        b = p.add_video(video, name="session2", info={"fps": "30000/1001", "frame_count": 300, "width": 64,
                                                       "height": 48}, attributes={"split": "test", "outcome": "win"})
        bob = p.add_annotator("bob")
        p.set_state("where", {"item": a.id, "frame": 12})
        alice = p.tier("alice").id
        for k in range(6):
            p.create_segment(Segment(a.id, alice, 30 * k, 30 * k + 20, "touching jaw" if k % 2 else "folding arms",
                                     note=f"n{k}"))
        p.add_segments([Segment(b.id, bob.id, 10 * k, 10 * k + 5, "scratching head", annotator="bob")
                        for k in range(5)])
        p.replace_proposals(b.id, [Segment(b.id, 0, 40 * k, 40 * k + 30, "rubbing eyes", source=Source.MODEL,
                                           status=Status.PROPOSED, confidence=0.4 + k / 20) for k in range(4)])
        s = p.segments(a.id)[0]
        p.update_segment(s.id, label="biting nails")
        p.split_segment(s.id, s.start + 5)
        p.undo()
        return p.path


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("damaged")
    video = root / "session2.mp4"
    video.write_bytes(os.urandom(8192))
    return _build(root / "base", video)


@contextlib.contextmanager
def _copy(base: Path):
    with tempfile.TemporaryDirectory() as d:
        dst = Path(d) / "case.mgproj"
        shutil.copytree(base, dst)
        yield dst


# ---------------------------------------------------------------------------- what a user runs
OUTCOMES: dict[str, list[int]] = {}  # strategy -> [inputs, every step ok, some step refused cleanly]


@pytest.fixture(scope="module", autouse=True)
def _table():
    yield
    for kind, (n, ok, clean) in sorted(OUTCOMES.items()):  # shown with pytest -s (make fuzz)
        print(f"damaged project  {kind:18s} inputs {n:5d}  ok {ok:5d}  clean sentence {clean:5d}  tracebacks 0")


def _clean(exc: BaseException) -> bool:
    msg = str(exc)
    return isinstance(exc, MGStudioError) and 0 < len(msg) <= 300 and "\n" not in msg and "Traceback" not in msg


def _cli(*argv: str) -> bool:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli_main(list(argv))
    text = err.getvalue().strip()
    assert code in (0, 2), (argv, code, text)
    if code:
        assert text.startswith("mgstudio: ") and len(text) <= 310 and "\n" not in text, (argv, text)
    return code == 0


def _exercise(path: Path) -> bool:
    """Open (read-only and for writing), read everything ``info`` shows, export, undo; ``True``
    when every step succeeded, ``False`` when one was refused with a clean sentence."""
    ok = True
    try:
        with Project.open(path, read_only=True) as p:
            p.name, p.taxonomy, p.tiers(), p.annotators(), p.label_counts(), p.audit(limit=50), p.get_state("where")
            for it in p.items():
                p.segments(it.id), p.status_counts(it.id), p.has_skeleton(it.id), it.duration
            p.segments(), p.changes_since(0), p.undo_text()
    except MGStudioError as exc:
        assert _clean(exc), repr(exc)
        ok = False
    out = path.parent / "out"
    out.mkdir(exist_ok=True)
    ok &= _cli("info", str(path))
    ok &= _cli("info", str(path), "S01")
    for name in ("all.csv", "all.eaf", "all.json"):
        ok &= _cli("export", str(path), "--out", str(out / name),
                   *(["--item", "S01"] if name.endswith(".eaf") else []))
    try:
        with Project.open(path, annotator="carol") as p:
            p.items(), p.segments()
            if p.can_undo() or p.can_redo():
                p.undo() if p.can_undo() else p.redo()
    except MGStudioError as exc:
        assert _clean(exc), repr(exc)
        ok = False
    return ok


def _check_and_keep(path: Path, kind: str) -> None:
    try:
        ok = _exercise(path)
        counts = OUTCOMES.setdefault(kind.split("-")[0], [0, 0, 0])
        counts[0] += 1
        counts[1 if ok else 2] += 1
    except BaseException:
        data = (path / "project.sqlite").read_bytes()
        FIXTURES.mkdir(parents=True, exist_ok=True)
        name = f"{kind}-{hashlib.sha1(data).hexdigest()[:12]}.sqlite.gz"
        (FIXTURES / name).write_bytes(gzip.compress(data, mtime=0))
        raise


# ---------------------------------------------------------------------------- damage
@st.composite
def flips(draw, size: int):
    return draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(1, 255)), min_size=1, max_size=40))


@FUZZ
@given(data=st.data())
def test_flipped_bytes(base, data) -> None:
    with _copy(base) as path:
        db = path / "project.sqlite"
        raw = bytearray(db.read_bytes())
        # Mostly past the 100-byte header (damage inside pages is what reaches the store's own code).
        lo = data.draw(st.sampled_from([0, 100, 4096]))
        for off, x in data.draw(flips(len(raw) - lo)):
            raw[lo + off] ^= x
        db.write_bytes(bytes(raw))
        _check_and_keep(path, "flip")


@FUZZ
@given(cut=st.integers(0, 200_000))
def test_truncated_file(base, cut) -> None:
    with _copy(base) as path:
        db = path / "project.sqlite"
        raw = db.read_bytes()
        db.write_bytes(raw[:cut % max(1, len(raw))])
        _check_and_keep(path, "cut")


values = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
                   st.text(max_size=30), st.binary(max_size=30), st.sampled_from(ODD_TEXT),
                   st.binary(min_size=1, max_size=20).map(lambda b: ("badutf8", b"\xff\xfe" + b)))


@FUZZ
@given(table=st.sampled_from(sorted(TABLES)), data=st.data())
def test_wrong_values_in_rows(base, table, data) -> None:
    column = data.draw(st.sampled_from(TABLES[table]))
    value = data.draw(values)
    row = data.draw(st.integers(0, 30))
    with _copy(base) as path:
        db = sqlite3.connect(path / "project.sqlite")
        try:
            db.execute("PRAGMA foreign_keys = OFF")
            db.execute("PRAGMA ignore_check_constraints = ON")
            rowids = [r[0] for r in db.execute(f"SELECT rowid FROM {table}")]
            assume(rowids)
            rid = rowids[row % len(rowids)]
            if isinstance(value, tuple):  # invalid UTF-8 stored as TEXT, as a flipped byte leaves it
                db.execute(f"UPDATE {table} SET {column} = CAST(? AS TEXT) WHERE rowid = ?", (value[1], rid))
            else:
                db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (value, rid))
            db.commit()
        except sqlite3.IntegrityError:  # NOT NULL / UNIQUE: not a state the file can reach this way
            assume(False)
        finally:
            db.close()
        _check_and_keep(path, f"value-{table}")


@FUZZ
@given(table=st.sampled_from(["tiers", "items", "annotators", "meta", "attributes"]), row=st.integers(0, 10))
def test_rows_removed_behind_the_store(base, table, row) -> None:
    with _copy(base) as path:
        db = sqlite3.connect(path / "project.sqlite")
        db.execute("PRAGMA foreign_keys = OFF")
        rowids = [r[0] for r in db.execute(f"SELECT rowid FROM {table}")]
        assume(rowids)
        db.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowids[row % len(rowids)],))
        db.commit()
        db.close()
        _check_and_keep(path, f"drop-{table}")


@FUZZ
@given(pragma=st.sampled_from(["user_version", "application_id"]),
       value=st.one_of(st.integers(-2**31, 2**31 - 1), st.sampled_from([-1, 0, 1, 2, 0x4D475354])))
def test_odd_header_numbers(base, pragma, value) -> None:
    with _copy(base) as path:
        db = sqlite3.connect(path / "project.sqlite")
        db.execute(f"PRAGMA {pragma} = {int(value)}")
        db.commit()
        db.close()
        _check_and_keep(path, pragma)


def _kept() -> list[Path]:
    return sorted(FIXTURES.glob("*.sqlite.gz")) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("fixture", _kept(), ids=lambda p: p.name)
def test_kept_inputs_still_end_cleanly(base, fixture) -> None:
    with _copy(base) as path:
        (path / "project.sqlite").write_bytes(gzip.decompress(fixture.read_bytes()))
        for extra in ("project.sqlite-wal", "project.sqlite-shm"):
            (path / extra).unlink(missing_ok=True)
        _exercise(path)
