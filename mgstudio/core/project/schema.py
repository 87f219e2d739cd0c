"""The SQLite schema of ``project.sqlite``, its ordered migrations and connection settings.

``PRAGMA user_version`` holds the schema version; ``MIGRATIONS[v]`` takes a project from
version ``v`` to ``v + 1`` inside one transaction (a copy ``project.sqlite.v{v}.bak`` is made
first). A project with a version above :data:`SCHEMA_VERSION` is refused, never "upgraded down".

Segments are indexed twice: a B-tree on ``(item_id, tier_id, start_frame)`` for listing, and an
R*Tree (``segments_rtree``: item x frame range, 32-bit integers, kept in step by triggers) for
window queries and overlap checks, so both take milliseconds with 100,000 segments.

Format 2 gates the insert trigger on the table ``bulk_insert``: a bulk insert (an import) puts a
row there, inserts its segments, adds their R*Tree rows in one ``INSERT ... SELECT`` (see
:func:`rtree_fill`) and deletes the row again, all in its one transaction, so the row is never
committed. One statement fills the R*Tree about twice as fast as a trigger per row (SQLite's R*Tree
releases its node cache after each statement). Every other writer, SQLite's shell included,
goes through the trigger as before.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from mgstudio.core.errors import ProjectError

__all__ = ["SCHEMA_VERSION", "APPLICATION_ID", "MIGRATIONS", "connect", "migrate", "schema_version", "bulk_begin",
           "rtree_fill"]

APPLICATION_ID = 0x4D475354  # "MGST"

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('video', 'skeleton')),
    video_path TEXT,
    fingerprint TEXT,
    fps TEXT NOT NULL,
    frame_count INTEGER,
    width INTEGER,
    height INTEGER,
    created REAL NOT NULL
);
CREATE TABLE attributes (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (item_id, key)
);
CREATE TABLE annotators (name TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE tiers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    annotator TEXT REFERENCES annotators(name),
    kind TEXT NOT NULL CHECK (kind IN ('human', 'model'))
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tier_id INTEGER NOT NULL REFERENCES tiers(id),
    start_frame INTEGER NOT NULL CHECK (start_frame >= 0),
    end_frame INTEGER NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('human', 'model')),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'rejected', 'edited')),
    confidence REAL,
    annotator TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    modified REAL NOT NULL,
    CHECK (end_frame > start_frame)
);
CREATE INDEX segments_item_tier_start ON segments (item_id, tier_id, start_frame);
CREATE INDEX segments_item_start ON segments (item_id, start_frame);
CREATE VIRTUAL TABLE segments_rtree USING rtree_i32 (id, item_lo, item_hi, s_lo, s_hi);
CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN
    INSERT INTO segments_rtree VALUES (new.id, new.item_id, new.item_id, new.start_frame, new.end_frame);
END;
CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
    DELETE FROM segments_rtree WHERE id = old.id;
END;
CREATE TRIGGER segments_au AFTER UPDATE OF item_id, start_frame, end_frame ON segments BEGIN
    UPDATE segments_rtree SET item_lo = new.item_id, item_hi = new.item_id,
        s_lo = new.start_frame, s_hi = new.end_frame WHERE id = new.id;
END;
CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    description TEXT NOT NULL,
    ops TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    who TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL
);
CREATE INDEX history_who_undone ON history (who, undone, id);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    "when" REAL NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    item_id INTEGER,
    segment_id INTEGER,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_item ON audit (item_id, id);
CREATE INDEX audit_segment ON audit (segment_id);
PRAGMA application_id = %d;
""" % APPLICATION_ID

# Format 2: the R*Tree insert trigger is skipped while ``bulk_insert`` holds a row (see above).
_V2 = """
CREATE TABLE bulk_insert (active INTEGER NOT NULL);
DROP TRIGGER segments_ai;
CREATE TRIGGER segments_ai AFTER INSERT ON segments WHEN NOT EXISTS (SELECT 1 FROM bulk_insert) BEGIN
    INSERT INTO segments_rtree VALUES (new.id, new.item_id, new.item_id, new.start_frame, new.end_frame);
END;
"""

MIGRATIONS: list[str] = [_V1, _V2]
SCHEMA_VERSION = len(MIGRATIONS)
# The oldest format a read-only open can read as it is: format 2 changes only how writers fill the
# R*Tree, so a format-1 project (an archive, a shared drive) still opens read-only without an upgrade.
READABLE_FROM = 1
# Migrations (by index: 1 = format 1 -> 2) that opening an existing project does not apply when
# they are the last ones pending: format 2 is applied by the first bulk insert (:func:`bulk_begin`)
# inside that write's own transaction, so merely opening a project (which may turn out to be
# damaged) never changes its file. New projects get every format at once.
LAZY_MIGRATIONS = frozenset({1})


def connect(db_path: Path, read_only: bool = False) -> sqlite3.Connection:
    """Open ``db_path`` with the project's settings (WAL, synchronous=FULL, foreign keys).

    Autocommit mode: the caller opens transactions explicitly (``BEGIN IMMEDIATE``). A
    read-only connection is opened with ``mode=ro`` (falling back to ``immutable=1`` when the
    folder is not writable and SQLite cannot create its shared-memory file).
    """
    if read_only:
        uri = db_path.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:
            conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None,
                                   check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        _tune(conn)
        return conn
    conn = sqlite3.connect(str(db_path), isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.execute("PRAGMA busy_timeout = 10000")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        conn.close()
        raise ProjectError("The project could not be opened for writing (its journal could not be set up).",
                           f"journal_mode is {mode}")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    _tune(conn)
    return conn


def _tune(conn: sqlite3.Connection) -> None:
    """Read speed for timeline scrolling: a 32 MiB page cache and memory-mapped reads."""
    conn.execute("PRAGMA cache_size = -32768")
    conn.execute("PRAGMA mmap_size = 268435456")


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_openable(conn: sqlite3.Connection, db_path: Path) -> int:
    """The schema version, after checking that this is an MG Studio project we can read."""
    try:
        version = schema_version(conn)
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{db_path.parent.name} is not a readable MG Studio project (its database is damaged).",
                           str(exc)) from exc
    name = db_path.parent.name
    if version < 0 or version > SCHEMA_VERSION + 100 or (version == 0 and app_id == APPLICATION_ID and tables):
        # no release writes these: a negative or absurd number, or "new" with the tables in place
        raise ProjectError(f"The project {name} is damaged: its format number ({version}) is not one "
                           "MG Studio writes; open a backup copy of it.")
    if version == 0 and app_id == 0:
        if tables:
            raise ProjectError(f"{name} does not hold an MG Studio project database.")
        return 0
    if app_id != APPLICATION_ID:
        raise ProjectError(f"{name} does not hold an MG Studio project database.",
                           f"application_id={app_id:#x}")
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"The project {name} was saved by a newer version of MG Studio (project format {version}, this "
            f"version reads up to {SCHEMA_VERSION}); update MG Studio to open it.")
    return version


def migrate(conn: sqlite3.Connection, db_path: Path) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION`; returns the version found before."""
    version = check_openable(conn, db_path)
    target = SCHEMA_VERSION
    while version > 0 and target > version and target - 1 in LAZY_MIGRATIONS:
        target -= 1  # applied by the first write that needs it, not by opening
    if version < target and version > 0:
        backup = db_path.with_name(f"{db_path.name}.v{version}.bak")
        conn.execute("PRAGMA wal_checkpoint(FULL)")
        shutil.copy2(db_path, backup)
    for v in range(version, target):
        try:
            conn.execute("BEGIN IMMEDIATE")
            _apply_migration(conn, v)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise ProjectError(f"The project {db_path.parent.name} could not be upgraded to format {v + 1}; "
                               "it was left unchanged.",
                               str(exc)) from exc
    _close_gate(conn)
    return version


def _apply_migration(db: sqlite3.Connection, v: int) -> None:
    """Inside a write transaction: format ``v`` -> ``v + 1`` (its statements and the version)."""
    for statement in _split(MIGRATIONS[v]):
        db.execute(statement)
    db.execute(f"PRAGMA user_version = {v + 1}")


def _close_gate(conn: sqlite3.Connection) -> None:
    """A ``bulk_insert`` row is never committed by MG Studio; should another program have left one,
    remove it and give every segment without an R*Tree row its row (so no window misses one)."""
    if schema_version(conn) < 2 or conn.execute("SELECT 1 FROM bulk_insert LIMIT 1").fetchone() is None:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        top = conn.execute("SELECT coalesce(max(id), 0) FROM segments").fetchone()[0]
        rtree_fill(conn, 0, top)
        conn.execute("COMMIT")
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        raise


def _split(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their inner semicolons)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def bulk_begin(db: sqlite3.Connection) -> None:
    """Inside a write transaction: from now on inserted segments get no R*Tree row by trigger.

    Call :func:`rtree_fill` before the transaction commits (a rollback takes the gate back). The
    pending :data:`LAZY_MIGRATIONS` (format 1 -> 2) are applied here, in the same transaction (a
    rollback undoes them)."""
    for v in range(schema_version(db), SCHEMA_VERSION):
        if v in LAZY_MIGRATIONS:
            _apply_migration(db, v)
    db.execute("INSERT INTO bulk_insert (active) VALUES (1)")


def rtree_fill(db: sqlite3.Connection, lo: int, hi: int) -> None:
    """The R*Tree rows of the segments with ids in ``[lo, hi]`` that have none, in one statement,
    and the insert trigger back on. Every segment committed before has its row, so these are
    exactly the ones inserted since :func:`bulk_begin`."""
    db.execute("INSERT INTO segments_rtree (id, item_lo, item_hi, s_lo, s_hi) "
               "SELECT s.id, s.item_id, s.item_id, s.start_frame, s.end_frame FROM segments s "
               "WHERE s.id BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM segments_rtree r WHERE r.id = s.id) "
               "ORDER BY s.id", (int(lo), int(hi)))
    db.execute("DELETE FROM bulk_insert")
