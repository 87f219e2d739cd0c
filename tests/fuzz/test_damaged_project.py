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

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mgstudio.cli import main as cli_main
from mgstudio.core.errors import MGStudioError
from mgstudio.core.layouts import CANONICAL
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from tests.fuzz.registry import Target

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
        seq = SkeletonSequence.empty(CANONICAL, 250, 25.0)  # a moving person, so propose has work to do
        t = np.arange(250, dtype=np.float32)[:, None]
        seq.xy[..., 0] = 0.5 + 0.1 * np.sin(t / 7 + np.arange(CANONICAL.num_joints))
        seq.xy[..., 1] = 0.5 + 0.1 * np.cos(t / 5 + np.arange(CANONICAL.num_joints))
        seq.conf[:] = 1.0
        a = p.add_skeleton_item("S01", seq, attributes={"subject": "7"})
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


# ------------------------------------------------------------- the table (python -m tests.fuzz.report)
# The same damaged projects (one seed, one project per input) go through each of six commands a
# user runs on a study; a row of the table is one command.
DAMAGE = ["flip", "flip", "cut", "value", "value", "value", "json", "fps", "drop", "orphan", "user_version",
          "application_id"]


def _row(db: sqlite3.Connection, table: str, rnd) -> int | None:
    """A row of ``table`` drawn by ``rnd`` (so a seed makes the same damage again)."""
    rowids = [r[0] for r in db.execute(f"SELECT rowid FROM {table} ORDER BY rowid")]
    return rnd.choice(rowids) if rowids else None


def damage(path: Path, rnd) -> str:
    """Damage the project at ``path`` the way real damage looks; returns what was done."""
    db_path = path / "project.sqlite"
    kind = rnd.choice(DAMAGE)
    if kind in ("flip", "cut"):
        raw = bytearray(db_path.read_bytes())
        if kind == "cut":
            raw = raw[: rnd.randrange(len(raw))]
        else:
            lo = rnd.choice([0, 100, 4096])
            for _ in range(rnd.randint(1, 40)):
                raw[rnd.randrange(lo, len(raw))] ^= rnd.randint(1, 255)
        db_path.write_bytes(bytes(raw))
        return kind
    db = sqlite3.connect(db_path)
    try:
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("PRAGMA ignore_check_constraints = ON")
        if kind in ("user_version", "application_id"):
            value = rnd.choice([-1, -(2**31), 2**31 - 1, 0, 1, 2, 3, 99, 0x4D475354, rnd.randint(-2**31, 2**31 - 1)])
            db.execute(f"PRAGMA {kind} = {value}")
        elif kind == "json":  # bad JSON where the store keeps JSON
            table, col = rnd.choice([("attributes", "value"), ("meta", "value"), ("state", "value"),
                                     ("history", "ops"), ("audit", "before"), ("audit", "after")])
            bad = rnd.choice(["{", "[1, 2", '{"labels": 3}', '[{"op": "insert"}]', "nan", '"x"', "[" * 5000,
                              '{"name": []}', b"\xff\xfe{", "null", '{"a": 1e999}'])
            db.execute(f"UPDATE {table} SET {col} = CAST(? AS TEXT) WHERE rowid = ?", (bad, _row(db, table, rnd)))
        elif kind == "fps":
            db.execute("UPDATE items SET fps = ? WHERE rowid = (SELECT min(rowid) FROM items)",
                       (rnd.choice(["nan", "inf", "-25", "0", "30000/0", "", "x", None, 1e400, -1.0, 0.0]),))
        elif kind == "drop":  # a row deleted behind the store (a segment on a deleted tier...)
            table = rnd.choice(["tiers", "tiers", "items", "annotators", "meta", "attributes", "state"])
            db.execute(f"DELETE FROM {table} WHERE rowid = ?", (_row(db, table, rnd),))
        elif kind == "orphan":  # a segment pointing at a tier / item that was never there
            col = rnd.choice(["tier_id", "item_id"])
            db.execute(f"UPDATE segments SET {col} = ? WHERE rowid = (SELECT min(rowid) FROM segments)",
                       (rnd.choice([999, -1, 0, "1", 2.5]),))
        else:  # a wrong-typed value in any column
            table = rnd.choice(sorted(TABLES))
            col = rnd.choice(TABLES[table])
            value = rnd.choice([None, -1, 2**63 - 1, 1.5, float("nan"), float("inf"), b"\xff\xfe\x00",
                                "", "x" * 5000] + ODD_TEXT)
            db.execute(f"UPDATE {table} SET {col} = ? WHERE rowid = ?", (value, _row(db, table, rnd)))
        db.commit()
    except sqlite3.IntegrityError:  # NOT NULL / UNIQUE refused the damage: a byte flip instead
        db.rollback()
        db.close()
        return damage(path, rnd)
    finally:
        db.close()
    return kind


def make_damaged(folder: Path, n: int, seed: int) -> list[Path]:
    import random

    video = folder / "session2.mp4"
    video.write_bytes(os.urandom(8192))
    base_path = _build(folder / "base.mgproj", video)
    out = []
    for k in range(n):
        rnd = random.Random(seed * 1_000_003 + k)
        dst = folder / f"d{k:05d}" / f"p{k:05d}.mgproj"
        shutil.copytree(base_path, dst)
        for extra in ("project.sqlite-wal", "project.sqlite-shm"):
            (dst / extra).unlink(missing_ok=True)
        damage(dst, rnd)
        out.append(dst)
    return out


class CommandRefused(MGStudioError):
    """A command ended with its one sentence (exit status 2)."""


def _content(db_path: Path) -> list:
    """What ``project.sqlite`` holds, table by table (a table SQLite cannot read: its error), so
    page-level changes (WAL checkpoints, ``PRAGMA optimize``) do not count as changes."""
    if not db_path.is_file():
        return []
    out: list = []
    db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    db.text_factory = bytes
    try:
        try:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            return [("sqlite_master", str(exc))]
        for name in names:
            if name == b"state":  # saved UI state and caches (a calibration key...), not the coding
                continue
            try:
                table = name.decode("utf-8", "replace").replace('"', '""')
                out.append((name, sorted(map(repr, db.execute(f'SELECT * FROM "{table}"')))))
            except (sqlite3.Error, UnicodeDecodeError) as exc:
                out.append((name, str(exc)))
        out.append(("user_version", db.execute("PRAGMA user_version").fetchone()))
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        out.append(("error", str(exc)))
    finally:
        db.close()
    return out


def _command(path: Path, *argvs: list[str]) -> None:
    """Run each command line on the damaged project; success, or its sentence raised; a
    command that finds the project damaged leaves what ``project.sqlite`` holds as it was."""
    db = path / "project.sqlite"
    for argv in argvs:
        before = _content(db)
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli_main(argv)
        if "Traceback" in err.getvalue() + out.getvalue():
            raise AssertionError(f"{argv[0]} printed a traceback: {(err.getvalue() + out.getvalue())[-800:]}")
        if code == 0 or (code == 1 and argv[0] in ("undo", "redo") and out.getvalue().startswith("Nothing to")):
            continue
        lines = [ln for ln in err.getvalue().splitlines() if ln.strip().startswith("mgstudio: ")]
        if code != 2 or not lines:
            raise AssertionError(f"{argv[0]} exited with {code}: {err.getvalue()[-500:]}")
        if "is damaged" in lines[-1] and _content(db) != before:
            raise AssertionError(f"{argv[0]} found the project damaged but changed project.sqlite: {lines[-1]}")
        raise CommandRefused(lines[-1].removeprefix("mgstudio: "))


@contextlib.contextmanager
def _scratch(path: Path):
    """A copy of the damaged project to run commands on: the input stays as it was made, so a
    failing one is kept as it failed."""
    with tempfile.TemporaryDirectory(prefix="mg-damaged-") as d:
        dst = Path(d) / path.name
        shutil.copytree(path, dst, symlinks=True)
        yield dst


def run_info(path: Path) -> None:
    with _scratch(path) as path:
        _command(path, ["info", str(path)], ["info", str(path), "S01"])


def run_export(path: Path) -> None:
    with _scratch(path) as path:
        out = path.parent / "export"
        out.mkdir(exist_ok=True)
        _command(path, *[["export", str(path), "--out", str(out / name), *(["--item", "S01"] if ".eaf" in name else [])]
                         for name in ("all.csv", "all.eaf", "all.json", "all.boris")],
                 ["export", str(path), "--dataset", str(out / "dataset"), "--dataset-format", "csv"])


def run_import(path: Path) -> None:
    with _scratch(path) as path:
        coding = path.parent / "S01.csv"
        coding.write_text("item,tier,label,start_frame,end_frame\nS01,dave,folding arms,5,40\n"
                          "S01,dave,rubbing eyes,30,90\nsession2,dave,touching jaw,12,30\n")
        _command(path, ["import", str(path), str(coding)])


def run_agree(path: Path) -> None:
    with _scratch(path) as path:
        _command(path, ["agree", str(path), "--out", str(path.parent / "agreement")])


def run_propose(path: Path) -> None:
    with _scratch(path) as path:
        _command(path, ["propose", str(path), "--all", "--movement"])


def run_undo(path: Path) -> None:
    with _scratch(path) as path:
        _command(path, ["undo", str(path)], ["redo", str(path)], ["set", str(path), "S01", "--subject", "P9"])


def warm_up() -> None:
    """Load what ``propose`` loads (torch, the recognizer) once, on an undamaged project, so the
    memory budget measures each damaged input, not the first import of the model."""
    with tempfile.TemporaryDirectory() as d:
        video = Path(d) / "session2.mp4"
        video.write_bytes(os.urandom(8192))
        run_propose(_build(Path(d) / "warm.mgproj", video))


TABLE_FIXTURES = Path(__file__).parent / "fixtures" / "project_table"
COMMANDS = ("info", "export", "import", "agree", "propose", "undo")


def keep_database(path: Path) -> Path:
    """A failing damaged project is kept as its gzipped ``project.sqlite`` (the damage is all there)."""
    data = (path / "project.sqlite").read_bytes()
    TABLE_FIXTURES.mkdir(parents=True, exist_ok=True)
    dest = TABLE_FIXTURES / f"{hashlib.sha1(data).hexdigest()[:12]}.sqlite.gz"
    if not dest.exists():
        dest.write_bytes(gzip.compress(data, mtime=0))
    return dest


TARGETS = [Target(f"damaged project: {cmd}", "project_table", f"tests.fuzz.test_damaged_project:run_{cmd}",
                  make_damaged, base_seconds=30.0, keep=keep_database,
                  setup="tests.fuzz.test_damaged_project:warm_up" if cmd == "propose" else None)
           for cmd in COMMANDS]


@pytest.mark.parametrize("fixture", sorted(TABLE_FIXTURES.glob("*.sqlite.gz")) if TABLE_FIXTURES.is_dir() else [],
                         ids=lambda p: p.name)
def test_kept_projects_pass_all_six_commands(base, fixture, tmp_path) -> None:
    """Every damaged project the table once failed on: each command succeeds or says one sentence."""
    from tests.fuzz.worker import judge_message

    path = tmp_path / "kept.mgproj"
    shutil.copytree(base, path)
    for extra in ("project.sqlite-wal", "project.sqlite-shm"):
        (path / extra).unlink(missing_ok=True)
    (path / "project.sqlite").write_bytes(gzip.decompress(fixture.read_bytes()))
    for cmd in COMMANDS:
        try:
            globals()[f"run_{cmd}"](path)
        except MGStudioError as exc:
            assert judge_message(str(exc), path) == "clean", (cmd, str(exc))
