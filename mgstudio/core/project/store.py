"""``Project``: opening and creating a project, its name, taxonomy and saved UI state, and the
thin public edit methods (read the rows an edit needs → :mod:`mgstudio.core.edits` → ``_run``)."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mgstudio.core import edits
from mgstudio.core.errors import ProjectError
from mgstudio.core.project import schema as store_schema
from mgstudio.core.project.catalog import Catalog
from mgstudio.core.project.changes import Changes
from mgstudio.core.project.connection import Connection
from mgstudio.core.project.damage import check_rows, damaged
from mgstudio.core.project.history import History
from mgstudio.core.project.item_edits import ItemEdits
from mgstudio.core.project.queries import Queries
from mgstudio.core.project.rows import (DB_NAME, PROPOSALS_TIER, SEG_COLS, SUFFIX, default_user, new_row_ok,
                                        segment_from_db, segment_of_row, short_repr)
from mgstudio.core.project.rules import Rules
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.taxonomy import Taxonomy, load_taxonomy

_READ_ONLY_FOLDER = ("The project folder {folder} is read-only; copy it somewhere you can write, "
                     "or open it read-only to look without editing.")


class Project(ItemEdits, Catalog, Queries, Rules, History, Changes, Connection):
    """An open project. Use :meth:`create` or :meth:`open` (a context manager closes it)."""

    # ------------------------------------------------------------------ opening
    def __init__(self, folder: Path, conn: sqlite3.Connection, annotator: str | None, read_only: bool) -> None:
        self._connect(folder, conn, read_only)
        self._mem_state: dict[str, Any] = {}
        self._taxonomy: Taxonomy | None = None
        self.annotator = ""
        if annotator is not None:
            annotator = annotator.strip()
            if not annotator:
                raise ProjectError("The annotator's name cannot be empty.")
        if annotator is None:
            last = self._meta("last_annotator")
            annotator = (last if isinstance(last, str) and last.strip() else None) or \
                (self.annotators() or [default_user()])[0]
        if read_only:
            self.annotator = annotator
        else:
            self.add_annotator(annotator)
            self.annotator = annotator
            self._set_meta("last_annotator", annotator)

    @staticmethod
    def _folder(path: str | Path) -> Path:
        path = Path(path).expanduser()
        if path.name == DB_NAME:
            path = path.parent
        return path

    @classmethod
    def create(cls, path: str | Path, name: str | None = None, taxonomy: str | Path | Taxonomy = "imigue",
               annotator: str | None = None) -> "Project":
        """Make a new project folder (``.mgproj`` is appended when missing) and open it."""
        folder = cls._folder(path)
        if folder.suffix != SUFFIX:
            folder = folder.with_name(folder.name + SUFFIX)
        tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise ProjectError(f"{folder} already exists; choose another name or open it instead.")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "skeletons").mkdir(exist_ok=True)
            (folder / "models").mkdir(exist_ok=True)
        except OSError as exc:
            raise ProjectError(f"The project folder {folder} could not be created.", str(exc)) from exc
        db_path = folder / DB_NAME
        try:
            conn = store_schema.connect(db_path)
            store_schema.migrate(conn, db_path)
        except sqlite3.Error as exc:
            raise ProjectError(f"The project could not be created in {folder}.", str(exc)) from exc
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
            ("name", json.dumps(name or folder.stem)), ("created", json.dumps(now)),
            ("taxonomy", json.dumps(tax.to_dict())),
        ])
        conn.execute("INSERT INTO tiers (name, annotator, kind) VALUES (?, NULL, 'model')", (PROPOSALS_TIER,))
        conn.execute("COMMIT")
        return cls(folder, conn, annotator or default_user(), read_only=False)

    @classmethod
    def can_write(cls, path: str | Path) -> bool:
        """Whether this user may write the project at ``path`` (``True`` when there is none there:
        :meth:`open` says what is wrong). A folder that cannot be written opens only read-only."""
        folder = cls._folder(path)
        db_path = folder / DB_NAME
        if not db_path.is_file():
            return True
        return os.access(folder, os.W_OK) and os.access(db_path, os.W_OK)

    @classmethod
    def open(cls, path: str | Path, annotator: str | None = None, read_only: bool = False) -> "Project":
        """Open an existing project; ``read_only=True`` for a folder that cannot be written."""
        folder = cls._folder(path)
        db_path = folder / DB_NAME
        if not db_path.is_file():
            if not folder.exists():
                raise ProjectError(f"There is no project at {folder}.")
            raise ProjectError(f"{folder} is not an MG Studio project (it has no {DB_NAME}).")
        if not read_only and not (os.access(folder, os.W_OK) and os.access(db_path, os.W_OK)):
            raise ProjectError(_READ_ONLY_FOLDER.format(folder=folder))
        conn: sqlite3.Connection | None = None
        try:
            conn = store_schema.connect(db_path, read_only=read_only)
            if read_only:
                store_schema.check_openable(conn, db_path)
                if store_schema.schema_version(conn) < store_schema.READABLE_FROM:
                    raise ProjectError(f"{folder} uses an older format and must be opened for writing once to upgrade it.")
            else:
                store_schema.migrate(conn, db_path)
            check_rows(conn, folder)
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, UnicodeDecodeError):  # SQLite's own message quotes the damaged bytes
                raise damaged(folder, "SQLite cannot read it", repr(exc)) from exc
            if not isinstance(exc, sqlite3.Error):
                raise
            msg = str(exc).lower()
            if "readonly" in msg or "read-only" in msg:
                raise ProjectError(_READ_ONLY_FOLDER.format(folder=folder), str(exc)) from exc
            raise ProjectError(f"The project at {folder} could not be opened.", str(exc)) from exc
        try:
            project = cls(folder, conn, annotator, read_only=read_only)
        except BaseException:
            conn.close()
            raise
        if not read_only:
            try:
                project._recover()
            except BaseException:
                project.close()
                raise
        return project

    def __repr__(self) -> str:
        return f"<Project {self.path} annotator={self.annotator!r}{' read-only' if self.read_only else ''}>"

    # ------------------------------------------------------------------ project properties
    @property
    def name(self) -> str:
        return self._meta("name", self.path.stem)

    @property
    def taxonomy(self) -> Taxonomy:
        if self._taxonomy is None:
            self._taxonomy = Taxonomy.from_dict(self._meta("taxonomy"), "The project's taxonomy")
        return self._taxonomy

    def set_taxonomy(self, taxonomy: Taxonomy | str | Path) -> None:
        """Replace the project's taxonomy (segments keep their labels; audited)."""
        tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
        before = self._meta("taxonomy")
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('taxonomy', ?)", (json.dumps(tax.to_dict()),))
            self._audit_rows(db, [(time.time(), self.annotator, "set taxonomy", tax.name, None, None,
                                   json.dumps(before), json.dumps(tax.to_dict()))])
        self._taxonomy = tax

    def edit_labels(self, taxonomy: Taxonomy, renames: dict[str, str] | None = None,
                    description: str = "Edit the labels") -> int:
        """Replace the label set and rename the labels of existing segments (``renames``: old name
        -> new name) as one undoable step; returns how many segments were relabelled."""
        renames = edits.check_label_edit(self.taxonomy, taxonomy, renames or {}, self.label_counts())
        rows = {old: [segment_from_db(r).to_dict()
                      for r in self._q(f"SELECT {SEG_COLS} FROM segments WHERE label = ?", (old,))]
                for old in renames}
        cmd = edits.edit_labels(self.taxonomy, taxonomy, renames, rows, time.time(), description)
        self._run(cmd)
        self._taxonomy = None
        return sum(len(r) for r in rows.values())

    # ------------------------------------------------------------------ state
    def get_state(self, key: str, default: Any = None) -> Any:
        """A saved UI value (e.g. where the user was), or ``default``."""
        if key in self._mem_state:
            return self._mem_state[key]
        rows = self._q("SELECT value FROM state WHERE key = ?", (key,))
        if not rows:
            return default
        try:
            return json.loads(rows[0][0])
        except (TypeError, ValueError, RecursionError):  # a damaged saved value: as if never saved
            return default

    def set_state(self, key: str, value: Any) -> None:
        """Save a JSON value (kept in memory only when the project is read-only)."""
        text = json.dumps(value)
        if self.read_only:
            self._mem_state[key] = json.loads(text)
            return
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, text))

    # ------------------------------------------------------------------ edits (undoable)
    def _new_row(self, seg: Segment, now: float) -> dict[str, Any]:
        return edits.new_row(seg, self.annotator, now)

    def create_segment(self, seg: Segment) -> Segment:
        """Add one segment (one undo step); returns it with its id."""
        row = self._new_row(seg, time.time())
        self._run(edits.create(row, self._rate(row["item_id"])))
        return self.segment(row["id"])

    def delete_segment(self, segment_id: int) -> None:
        before = self.segment(segment_id).to_dict()
        self._run(edits.delete(before, self._rate(before["item_id"])))

    def update_segment(self, segment_id: int, merge_within: float = 0.0, **fields: Any) -> Segment:
        """Change start/end/label/status/note/confidence/tier_id (one undo step).

        A human change of a model proposal's range or label marks it ``edited``. With
        ``merge_within`` (seconds), a change of the same edge(s) of the same segment made that
        soon after the previous one joins its undo step (a key held down to nudge an edge frame by
        frame is undone at once); the audit log still records every change.
        """
        edits.check_updatable(fields)
        old = self.segment(segment_id)
        cmd = edits.update(old, fields, self._rate(old.item_id), time.time())
        if cmd is None:
            return old
        self._run(cmd, merge_within=merge_within)
        return self.segment(segment_id)

    def accept(self, segment_id: int) -> Segment:
        return self.update_segment(segment_id, status=Status.ACCEPTED)

    def reject(self, segment_id: int) -> Segment:
        return self.update_segment(segment_id, status=Status.REJECTED)

    def split_segment(self, segment_id: int, frame: int) -> tuple[Segment, Segment]:
        """Cut a segment at ``frame`` into [start, frame) and [frame, end) (one undo step)."""
        old = self.segment(segment_id)
        cmd, right = edits.split(old, frame, self._rate(old.item_id), time.time())
        self._run(cmd)
        return self.segment(segment_id), self.segment(right["id"])

    def merge_segments(self, ids: Sequence[int]) -> Segment:
        """Join segments of one item and tier into the first one (one undo step)."""
        segs = [self.segment(i) for i in dict.fromkeys(ids)]
        cmd = edits.merge(segs, self._rate(segs[0].item_id) if segs else self._rate(0), time.time())
        self._run(cmd)
        return self.segment(min(segs, key=lambda s: (s.start, s.end)).id)

    def add_segments(self, segs: Iterable[Segment], description: str = "") -> list[Segment]:
        """Add many segments as one undo step (e.g. an import); returns them with ids."""
        now = time.time()
        rows = [self._new_row(s, now) for s in segs]
        if not rows:
            return []
        self._run(edits.bulk_add(rows, description))
        return [segment_of_row(r) for r in rows]

    def add_rows(self, rows: Iterable[dict[str, Any]], description: str = "") -> int:
        """Add many new segments given as rows as one undo step (an import of thousands, without
        a :class:`Segment` per row); returns how many were added.

        A row is what ``Segment.to_dict()`` gives for a new segment: its fields in that order,
        ``id`` ``None``, ``source`` and ``status`` as their text values, whole-number frames, a
        a human segment without ``annotator`` gets this project's. The store's checks (bounds, tiers, labels,
        overlaps) apply as to :meth:`add_segments`."""
        rows = rows if isinstance(rows, list) else list(rows)
        for r in rows:
            if not new_row_ok(r):
                raise ProjectError("A segment row to add is not a new segment's row.", short_repr(r))
            if not r["annotator"] and r["source"] == "human":
                r["annotator"] = self.annotator
        if rows:
            self._run(edits.bulk_add(rows, description))
        return len(rows)

    def replace_proposals(self, item_id: int, segs: Iterable[Segment], description: str = "") -> list[Segment]:
        """Replace the item's un-reviewed model proposals by ``segs`` (one undo step).

        Reviewed proposals (accepted, rejected, edited) are kept. Segments get this ``item_id``;
        those without a valid tier go to the ``proposals`` tier.
        """
        item = self.item(item_id)
        tier_ids = {t.id for t in self.tiers()}
        default_tier = self.proposals_tier.id
        now = time.time()
        rows = []
        for s in segs:
            r = self._new_row(s, now)
            r["item_id"] = item.id
            if r["tier_id"] not in tier_ids:
                r["tier_id"] = default_tier
            rows.append(r)
        old = self.segments(item.id, statuses=[Status.PROPOSED], source=Source.MODEL)
        self._run(edits.replace_proposals(item.name, old, rows, description))
        return [Segment.from_dict(r) for r in rows]
