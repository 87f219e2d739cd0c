"""The store's one SQLite connection: its lock, transactions, SQLite errors as sentences, meta, audit rows.

The connection runs in autocommit mode; :meth:`Connection._tx` opens one ``BEGIN IMMEDIATE``
transaction and commits it whole or rolls it back. One re-entrant lock guards the connection,
so GUI worker threads may share a project.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mgstudio.core.errors import ProjectError
from mgstudio.core.project.damage import damaged, lenient_text
from mgstudio.core.project.rows import DB_NAME

READ_ONLY_MESSAGE = "This project is open read-only."  # what every refused edit says


def sqlite_error(exc: sqlite3.Error) -> ProjectError:
    """One sentence for what a failed SQLite call means to the user (the SQLite text as detail)."""
    msg = str(exc).lower()
    if "full" in msg:
        return ProjectError("The disk is full, so this change was not saved (everything saved before it "
                            "is safe); free some space and try again.", str(exc))
    if "readonly" in msg or "read-only" in msg:
        return ProjectError("The project is read-only, so this change was not saved.", str(exc))
    if "locked" in msg or "busy" in msg:
        return ProjectError("The project is busy in another program; try again in a moment.", str(exc))
    if "malformed" in msg or "not a database" in msg:
        return ProjectError("The project database is damaged.", str(exc))
    if "closed" in msg:
        return ProjectError("The project is closed.", str(exc))
    return ProjectError("The project database refused this operation.", str(exc))


class Connection:
    """Holds ``path``, ``read_only`` and the connection; every read and write goes through here."""

    path: Path
    read_only: bool
    annotator: str

    def _connect(self, folder: Path, conn: sqlite3.Connection, read_only: bool) -> None:
        self.path = folder
        self.read_only = read_only
        self._db = conn
        self._lock = threading.RLock()
        self._closed = False

    def close(self) -> None:
        """Close the database (all edits are already committed)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                if not self.read_only:
                    self._db.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db_path(self) -> Path:
        return self.path / DB_NAME

    def _error(self, exc: sqlite3.Error) -> ProjectError:
        msg = str(exc).lower()
        if "malformed" in msg or "not a database" in msg:
            return damaged(self.path, "SQLite cannot read part of it", str(exc))
        return sqlite_error(exc)

    def _check_writable(self) -> None:
        if self.read_only:
            raise ProjectError(READ_ONLY_MESSAGE)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on any error."""
        self._check_writable()
        with self._lock:
            if self._closed:
                raise ProjectError("The project is closed.")
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(exc) from exc
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                try:
                    self._db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    raise self._error(exc) from exc
                if isinstance(exc, UnicodeDecodeError):
                    raise damaged(self.path, "a text it holds is not readable", str(exc)) from exc
                raise

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            if self._closed:
                raise ProjectError("The project is closed.")
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self._error(exc) from exc
            except UnicodeDecodeError:  # invalid UTF-8 (a flipped byte): shown with �, not a crash
                self._db.text_factory = lenient_text
                try:
                    return self._db.execute(sql, params).fetchall()
                except sqlite3.Error as exc:
                    raise self._error(exc) from exc
                except UnicodeDecodeError as exc:  # SQLite's own message quotes the damaged bytes
                    raise damaged(self.path, "SQLite cannot read part of it", repr(exc)) from exc
                finally:
                    self._db.text_factory = str

    def read_sql(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """The rows of one SQL read on the store's own connection (diagnostics, benchmarks).

        It runs with ``PRAGMA query_only`` on, so it cannot change the project; edits go through
        the public edit methods.
        """
        with self._lock:
            if self._closed:
                raise ProjectError("The project is closed.")
            self._db.execute("PRAGMA query_only = ON")
            try:
                return self._q(sql, params)
            finally:
                if not self.read_only:
                    self._db.execute("PRAGMA query_only = OFF")

    def trace_sql(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback`` with each SQL statement the store runs from now on; ``None`` stops it."""
        with self._lock:
            self._db.set_trace_callback(callback)

    def _meta(self, key: str, default: Any = None) -> Any:
        rows = self._q("SELECT value FROM meta WHERE key = ?", (key,))
        if not rows:
            return default
        try:
            return json.loads(rows[0][0])
        except (TypeError, ValueError, RecursionError):  # name and label set are checked on open
            return default

    def _set_meta(self, key: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def _audit_rows(self, db: sqlite3.Connection, rows: list[tuple]) -> None:
        db.executemany('INSERT INTO audit ("when", who, action, description, item_id, segment_id, before, after) '
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
