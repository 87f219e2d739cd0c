"""The project store: a folder ``NAME.mgproj/`` that never loses an accepted edit.

Layout::

    NAME.mgproj/
        project.sqlite   items, tiers, segments, annotators, attributes, audit log, undo history
        skeletons/       one .npz per item and kind (SkeletonSequence.save_npz, atomic)
        models/          per-project model versions

``project.sqlite`` runs in WAL mode with ``synchronous=FULL`` and foreign keys on. Every edit is
one :class:`~mgstudio.core.commands.Command` committed at once in one transaction together with
its audit rows and its undo-history row, so after a crash (even SIGKILL or power loss) every
edit that returned is there, and undo/redo continue where they were after a reopen. A new edit
clears the redo branch. Undo stacks are per annotator.

Rules the store enforces: a segment lies inside its item (``0 <= start < end <= frame_count``);
segments on a *human* tier never overlap (the error names both); the ``proposals`` model tier
may overlap. Videos are referenced, not copied, with a fingerprint (see
:mod:`mgstudio.core.fingerprint`) so a moved video can be found and relinked. The store is
thread-safe (one lock around the connection), so GUI workers may use it.
"""

from __future__ import annotations

import getpass
import json
import operator
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from mgstudio.core import store_schema
from mgstudio.core.commands import Command, StaleEditError, apply_ops, invert, ops_from_json, ops_to_json, segment_ops
from mgstudio.core.errors import ProjectError
from mgstudio.core.fingerprint import find_by_fingerprint, fingerprint, media_status
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.core.taxonomy import Taxonomy, load_taxonomy
from mgstudio.core.timebase import as_fraction, timecode

__all__ = ["Project", "Item", "Tier", "AuditEntry", "ChangeSet", "PROPOSALS_TIER", "SUFFIX"]

SUFFIX = ".mgproj"
DB_NAME = "project.sqlite"
PROPOSALS_TIER = "proposals"
_UPDATABLE = ("start", "end", "label", "status", "note", "confidence", "tier_id")
_KIND_RE = re.compile(r"^[a-z0-9_]+$")
_I32 = 2**31 - 1
# Audit actions that never touch a segment (so they carry no segment id); any other audit row
# without a segment id makes changes_since() answer "everything may have changed".
_SEGMENT_FREE_ACTIONS = frozenset({"add annotator", "add tier", "add item", "set attribute", "relink"})


@dataclass
class Item:
    """A video (referenced by path) or a skeleton-only recording."""

    id: int
    name: str
    kind: str  # "video" | "skeleton"
    video_path: str | None
    fingerprint: str | None
    fps: float
    frame_count: int | None
    width: int | None = None
    height: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    rate: Fraction = Fraction(0)  # the exact frame rate (fps is its float)

    @property
    def duration(self) -> float | None:
        return None if self.frame_count is None else float(self.frame_count / self.rate)


@dataclass(frozen=True)
class Tier:
    """A track of segments: one per annotator (kind ``human``) and the model's ``proposals``."""

    id: int
    name: str
    annotator: str | None
    kind: str  # "human" | "model"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log (newest first from :meth:`Project.audit`)."""

    when: float
    who: str
    action: str
    segment_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    item_id: int | None = None
    description: str = ""


@dataclass(frozen=True)
class ChangeSet:
    """The segments changed after a change counter (see :meth:`Project.changes_since`).

    ``counter`` is the counter to ask from next time; ``segment_ids`` the segments created,
    changed or deleted; ``item_ids`` the items they belong (or belonged) to.
    """

    counter: int
    segment_ids: frozenset[int]
    item_ids: frozenset[int]

    def __bool__(self) -> bool:
        return bool(self.segment_ids)


def _info_get(info: Any, key: str) -> Any:
    if info is None:
        return None
    if isinstance(info, dict):
        return info.get(key)
    return getattr(info, key, None)


class Project:
    """An open project. Use :meth:`create` or :meth:`open` (a context manager closes it)."""

    HISTORY_LIMIT = 1000  # undo steps kept per annotator

    # ------------------------------------------------------------------ opening
    def __init__(self, folder: Path, conn: sqlite3.Connection, annotator: str | None, read_only: bool) -> None:
        self.path = folder
        self.read_only = read_only
        self._db = conn
        self._lock = threading.RLock()
        self._mem_state: dict[str, Any] = {}
        self._taxonomy: Taxonomy | None = None
        self._closed = False
        self.annotator = ""
        if annotator is not None:
            annotator = annotator.strip()
            if not annotator:
                raise ProjectError("The annotator's name cannot be empty.")
        if annotator is None:
            annotator = self._meta("last_annotator") or (self.annotators() or [_default_user()])[0]
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
        return cls(folder, conn, annotator or _default_user(), read_only=False)

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
            raise ProjectError(
                f"The project folder {folder} is read-only; copy it somewhere you can write, "
                "or open it read-only to look without editing.")
        try:
            conn = store_schema.connect(db_path, read_only=read_only)
            if read_only:
                store_schema.check_openable(conn, db_path)
                if store_schema.schema_version(conn) < store_schema.SCHEMA_VERSION:
                    raise ProjectError("This project uses an older format and must be opened for writing once to upgrade it.")
            else:
                store_schema.migrate(conn, db_path)
        except sqlite3.Error as exc:
            msg = str(exc).lower()
            if "readonly" in msg or "read-only" in msg:
                raise ProjectError(
                    f"The project folder {folder} is read-only; copy it somewhere you can write, "
                    "or open it read-only to look without editing.", str(exc)) from exc
            raise ProjectError(f"The project at {folder} could not be opened.", str(exc)) from exc
        try:
            return cls(folder, conn, annotator, read_only=read_only)
        except BaseException:
            conn.close()
            raise

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

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Project {self.path} annotator={self.annotator!r}{' read-only' if self.read_only else ''}>"

    # ------------------------------------------------------------------ low level
    @property
    def db_path(self) -> Path:
        return self.path / DB_NAME

    @property
    def skeletons_dir(self) -> Path:
        return self.path / "skeletons"

    @property
    def models_dir(self) -> Path:
        d = self.path / "models"
        if not self.read_only:
            d.mkdir(exist_ok=True)
        return d

    def _error(self, exc: sqlite3.Error) -> ProjectError:
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

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on any error."""
        if self.read_only:
            raise ProjectError("This project is open read-only; reopen it for writing to make changes.")
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
                raise

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            if self._closed:
                raise ProjectError("The project is closed.")
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self._error(exc) from exc

    def _meta(self, key: str, default: Any = None) -> Any:
        rows = self._q("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def _set_meta(self, key: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def _audit_rows(self, db: sqlite3.Connection, rows: list[tuple]) -> None:
        db.executemany('INSERT INTO audit ("when", who, action, description, item_id, segment_id, before, after) '
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

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
        if not isinstance(taxonomy, Taxonomy):
            raise ProjectError("edit_labels needs a Taxonomy.")
        renames = {a: b for a, b in (renames or {}).items() if a != b}
        for old, new in renames.items():
            if new not in taxonomy:
                raise ProjectError(f"“{old}” cannot be renamed to “{new}”: the new label set has no “{new}”.")
        # A label of the set that segments use may not vanish: they would keep a label the
        # project no longer knows (imported labels that were never in the set are not checked).
        used = self.label_counts()
        lost = [name for name in self.taxonomy.names if used.get(name) and name not in taxonomy and name not in renames]
        if lost:
            n = sum(used[name] for name in lost)
            raise ProjectError(f"“{lost[0]}”{' and others' if len(lost) > 1 else ''} would be removed but "
                               f"{n} segment(s) still use {'it' if len(lost) == 1 else 'them'}: rename it to "
                               "another label instead, or relabel those segments first.")
        before, after = self.taxonomy.to_dict(), taxonomy.to_dict()
        cmd = Command("edit labels", description)
        if before != after:
            cmd.ops.append({"op": "taxonomy", "before": before, "after": after, "renames": renames})
        now = time.time()
        n = 0
        for old, new in renames.items():
            for r in self._q(f"SELECT {self._SEG_COLS} FROM segments WHERE label = ?", (old,)):
                row = self._seg(r).to_dict()
                cmd.update(row, dict(row, label=new, modified=now))
                n += 1
        self._run(cmd)
        self._taxonomy = None
        return n

    # ------------------------------------------------------------------ state
    def get_state(self, key: str, default: Any = None) -> Any:
        """A saved UI value (e.g. where the user was), or ``default``."""
        if key in self._mem_state:
            return self._mem_state[key]
        rows = self._q("SELECT value FROM state WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set_state(self, key: str, value: Any) -> None:
        """Save a JSON value (kept in memory only when the project is read-only)."""
        text = json.dumps(value)
        if self.read_only:
            self._mem_state[key] = json.loads(text)
            return
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, text))

    # ------------------------------------------------------------------ annotators and tiers
    def annotators(self) -> list[str]:
        return [r[0] for r in self._q("SELECT name FROM annotators ORDER BY created, name")]

    def add_annotator(self, name: str) -> Tier:
        """Register an annotator (idempotent) and return their human tier."""
        name = (name or "").strip()
        if not name:
            raise ProjectError("The annotator's name cannot be empty.")
        if name == PROPOSALS_TIER:
            raise ProjectError(f"'{PROPOSALS_TIER}' is reserved for model proposals; choose another annotator name.")
        if not self._q("SELECT 1 FROM annotators WHERE name = ?", (name,)):
            with self._tx() as db:
                db.execute("INSERT INTO annotators (name, created) VALUES (?, ?)", (name, time.time()))
                self._audit_rows(db, [(time.time(), self.annotator or name, "add annotator", name,
                                       None, None, None, json.dumps(name))])
        return self.ensure_tier(name, annotator=name, kind="human")

    def tiers(self) -> list[Tier]:
        return [Tier(*r) for r in self._q("SELECT id, name, annotator, kind FROM tiers ORDER BY id")]

    def tier(self, id_or_name: int | str) -> Tier:
        if isinstance(id_or_name, Tier):
            id_or_name = id_or_name.id
        col = "name" if isinstance(id_or_name, str) else "id"
        rows = self._q(f"SELECT id, name, annotator, kind FROM tiers WHERE {col} = ?", (id_or_name,))
        if not rows:
            raise ProjectError(f"The project has no tier {id_or_name!r}.")
        return Tier(*rows[0])

    @property
    def proposals_tier(self) -> Tier:
        return self.tier(PROPOSALS_TIER)

    def ensure_tier(self, name: str, annotator: str | None = None, kind: str = "human") -> Tier:
        """The tier called ``name``, created when missing."""
        if kind not in ("human", "model"):
            raise ProjectError(f"A tier is 'human' or 'model', not {kind!r}.")
        name = (name or "").strip()
        if not name:
            raise ProjectError("A tier needs a name.")
        rows = self._q("SELECT id, name, annotator, kind FROM tiers WHERE name = ?", (name,))
        if rows:
            return Tier(*rows[0])
        with self._tx() as db:
            if annotator is not None and not db.execute("SELECT 1 FROM annotators WHERE name = ?", (annotator,)).fetchone():
                db.execute("INSERT INTO annotators (name, created) VALUES (?, ?)", (annotator, time.time()))
            cur = db.execute("INSERT INTO tiers (name, annotator, kind) VALUES (?, ?, ?)", (name, annotator, kind))
            self._audit_rows(db, [(time.time(), self.annotator or (annotator or ""), "add tier", name,
                                   None, None, None, json.dumps({"name": name, "annotator": annotator, "kind": kind}))])
        return Tier(cur.lastrowid, name, annotator, kind)

    # ------------------------------------------------------------------ items
    _ITEM_COLS = "id, name, kind, video_path, fingerprint, fps, frame_count, width, height"

    def _item_from_row(self, r: tuple) -> Item:
        rate = Fraction(r[5])
        attrs = {k: json.loads(v) for k, v in self._q("SELECT key, value FROM attributes WHERE item_id = ? ORDER BY key", (r[0],))}
        return Item(r[0], r[1], r[2], r[3], r[4], float(rate), r[6], r[7], r[8], attrs, rate)

    def items(self) -> list[Item]:
        return [self._item_from_row(r) for r in self._q(f"SELECT {self._ITEM_COLS} FROM items ORDER BY id")]

    def item(self, item_id: int) -> Item:
        rows = self._q(f"SELECT {self._ITEM_COLS} FROM items WHERE id = ?", (int(item_id),))
        if not rows:
            raise ProjectError(f"The project has no item {item_id}.")
        return self._item_from_row(rows[0])

    def item_by_name(self, name: str) -> Item:
        rows = self._q(f"SELECT {self._ITEM_COLS} FROM items WHERE name = ?", (name,))
        if not rows:
            raise ProjectError(f"The project has no item called '{name}'.")
        return self._item_from_row(rows[0])

    def _unique_name(self, name: str) -> str:
        taken = {r[0] for r in self._q("SELECT name FROM items")}
        if name not in taken:
            return name
        n = 2
        while f"{name} ({n})" in taken:
            n += 1
        return f"{name} ({n})"

    def _insert_item(self, name: str, kind: str, video_path: str | None, fp: str | None, fps: Any,
                     frame_count: int | None, width: int | None, height: int | None,
                     attributes: dict[str, Any] | None) -> int:
        try:
            rate = as_fraction(fps)
        except (ValueError, TypeError, ZeroDivisionError) as exc:
            raise ProjectError(f"'{name}' has no usable frame rate ({fps!r}).", str(exc)) from exc
        if frame_count is not None and int(frame_count) < 0:
            raise ProjectError(f"'{name}' has a negative number of frames.")
        name = self._unique_name(name.strip() or "item")
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO items (name, kind, video_path, fingerprint, fps, frame_count, width, height, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, kind, video_path, fp, str(rate), None if frame_count is None else int(frame_count),
                 None if width is None else int(width), None if height is None else int(height), now))
            item_id = cur.lastrowid
            for k, v in (attributes or {}).items():
                db.execute("INSERT INTO attributes (item_id, key, value) VALUES (?, ?, ?)", (item_id, str(k), json.dumps(v)))
            self._audit_rows(db, [(now, self.annotator, "add item", name, item_id, None, None,
                                   json.dumps({"name": name, "kind": kind, "video_path": video_path,
                                               "fps": str(rate), "frame_count": frame_count,
                                               "attributes": attributes or {}}))])
        return item_id

    def add_video(self, path: str | Path, name: str | None = None, attributes: dict[str, Any] | None = None,
                  info: Any = None) -> Item:
        """Reference a video (not copied). ``info`` (e.g. ``media.video.probe(path)``) gives
        ``fps``, ``frame_count``, ``width``, ``height``."""
        p = Path(path).expanduser()
        if not p.is_file():
            raise ProjectError(f"The video {p} does not exist.")
        if info is None or _info_get(info, "fps") is None:
            raise ProjectError(f"MG Studio needs the frame rate and length of {p.name} to add it.",
                               "pass info=mgstudio.media.video.probe(path)")
        try:
            fp = fingerprint(p)
        except OSError as exc:
            raise ProjectError(f"The video {p.name} could not be read.", str(exc)) from exc
        p = p.resolve()
        for it in self.items():
            if it.kind == "video" and it.fingerprint == fp:
                raise ProjectError(f"{p.name} is already in the project as '{it.name}'.")
        item_id = self._insert_item(name or p.stem, "video", str(p), fp, _info_get(info, "fps"),
                                    _info_get(info, "frame_count"), _info_get(info, "width"),
                                    _info_get(info, "height"), attributes)
        return self.item(item_id)

    def add_skeleton_item(self, name: str, seq: SkeletonSequence, attributes: dict[str, Any] | None = None) -> Item:
        """An item with skeletons and no video (e.g. iMiGUE, SMG or Kinect files)."""
        w, h = seq.image_size if seq.image_size else (None, None)
        item_id = self._insert_item(name, "skeleton", None, None, seq.fps, seq.start_frame + len(seq.xy), w, h, attributes)
        try:
            self.save_skeleton(item_id, seq)
        except BaseException:
            with self._tx() as db:  # no half-made item without its skeleton
                db.execute("DELETE FROM items WHERE id = ?", (item_id,))
            raise
        return self.item(item_id)

    def set_item_attribute(self, item_id: int, key: str, value: Any) -> None:
        """Set (or with ``value=None`` remove) an attribute such as ``outcome=win`` (audited)."""
        item = self.item(item_id)
        key = str(key).strip()
        if not key:
            raise ProjectError("An attribute needs a name.")
        before = item.attributes.get(key)
        with self._tx() as db:
            if value is None:
                db.execute("DELETE FROM attributes WHERE item_id = ? AND key = ?", (item.id, key))
            else:
                db.execute("INSERT OR REPLACE INTO attributes (item_id, key, value) VALUES (?, ?, ?)",
                           (item.id, key, json.dumps(value)))
            self._audit_rows(db, [(time.time(), self.annotator, "set attribute", key, item.id, None,
                                   json.dumps({key: before}), json.dumps({key: value}))])

    def check_media(self, item_id: int, verify: bool = True) -> str:
        """``"ok"``, ``"missing"`` (no file at the path) or ``"changed"`` (another file there).

        ``verify=False`` compares the size only (no read: for the GUI thread); see
        :func:`~mgstudio.core.fingerprint.media_status`.
        """
        item = self.item(item_id)
        if item.kind != "video":
            return "ok"
        return media_status(item.video_path, item.fingerprint, verify)

    def relink(self, item_id: int, new_path: str | Path, force: bool = False) -> Item:
        """Point a video item at a moved file; refuses a different file unless ``force``."""
        item = self.item(item_id)
        if item.kind != "video":
            raise ProjectError(f"'{item.name}' has no video to relink.")
        p = Path(new_path).expanduser()
        if not p.is_file():
            raise ProjectError(f"The video {p} does not exist.")
        try:
            fp = fingerprint(p)
        except OSError as exc:
            raise ProjectError(f"The video {p.name} could not be read.", str(exc)) from exc
        if fp != item.fingerprint and not force:
            raise ProjectError(f"{p.name} is not the same video as '{item.name}' (its size or content differs).",
                               f"expected {item.fingerprint}, found {fp}")
        with self._tx() as db:
            db.execute("UPDATE items SET video_path = ?, fingerprint = ? WHERE id = ?", (str(p.resolve()), fp, item.id))
            self._audit_rows(db, [(time.time(), self.annotator, "relink", item.name, item.id, None,
                                   json.dumps({"video_path": item.video_path}),
                                   json.dumps({"video_path": str(p.resolve())}))])
        return self.item(item.id)

    def find_moved(self, item_id: int, search_dirs: Iterable[str | Path]) -> Path | None:
        """Look under ``search_dirs`` for the item's video by fingerprint (does not relink)."""
        item = self.item(item_id)
        if item.kind != "video" or not item.fingerprint:
            return None
        hint = Path(item.video_path).name if item.video_path else None
        return find_by_fingerprint(item.fingerprint, search_dirs, name_hint=hint)

    # ------------------------------------------------------------------ skeletons
    def _skeleton_path(self, item_id: int, kind: str) -> Path:
        if not _KIND_RE.match(kind):
            raise ProjectError(f"Skeleton kind {kind!r} must be lower-case letters, digits or '_'.")
        return self.skeletons_dir / f"item{int(item_id)}_{kind}.npz"

    def save_skeleton(self, item_id: int, seq: SkeletonSequence, kind: str = "raw") -> Path:
        """Store a skeleton for an item (atomic write; replaces the previous one of that kind)."""
        self.item(item_id)
        if self.read_only:
            raise ProjectError("This project is open read-only; reopen it for writing to make changes.")
        path = self._skeleton_path(item_id, kind)
        try:
            self.skeletons_dir.mkdir(exist_ok=True)
            seq.save_npz(path)
        except OSError as exc:
            raise ProjectError(f"The skeleton could not be saved in {self.skeletons_dir}.", str(exc)) from exc
        return path

    def load_skeleton(self, item_id: int, kind: str = "raw") -> SkeletonSequence | None:
        path = self.skeleton_file(item_id, kind)
        return None if path is None else SkeletonSequence.load_npz(path)

    def skeleton_file(self, item_id: int, kind: str = "raw") -> Path | None:
        """The file holding an item's stored skeleton (``None`` if it has none); read-only use."""
        path = self._skeleton_path(item_id, kind)
        return path if path.exists() else None

    def has_skeleton(self, item_id: int, kind: str = "raw") -> bool:
        return self.skeleton_file(item_id, kind) is not None

    # ------------------------------------------------------------------ segment reads
    _SEG_COLS = ("id, item_id, tier_id, start_frame, end_frame, label, source, status, confidence, "
                 "annotator, note, created, modified")

    @staticmethod
    def _seg(r: tuple) -> Segment:
        return Segment(item_id=r[1], tier_id=r[2], start=r[3], end=r[4], label=r[5], source=Source(r[6]),
                       status=Status(r[7]), confidence=r[8], annotator=r[9], note=r[10], created=r[11],
                       modified=r[12], id=r[0])

    def _tier_id(self, tier: int | str | Tier | None) -> int | None:
        if tier is None:
            return None
        if isinstance(tier, Tier):
            return tier.id
        if isinstance(tier, str):
            return self.tier(tier).id
        return int(tier)

    def _where(self, item_id: int | None, tier_id: Any, start: int | None, end: int | None,
               statuses: Iterable[Status | str] | None, source: Source | str | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        windowed = start is not None or end is not None
        lo = -_I32 if start is None else max(-_I32, int(start))
        hi = _I32 if end is None else min(_I32, int(end))
        if item_id is not None and windowed:
            clauses.append("id IN (SELECT id FROM segments_rtree WHERE item_lo <= ? AND item_hi >= ? "
                           "AND s_lo < ? AND s_hi > ?)")
            params += [int(item_id), int(item_id), hi, lo]
        elif windowed:
            clauses.append("start_frame < ? AND end_frame > ?")
            params += [hi, lo]
        if item_id is not None:
            # With a window, "+item_id" keeps the planner on the R*Tree: without statistics it
            # would otherwise walk the item's whole B-tree range (measured: 5x slower at 10k/item).
            clauses.append("+item_id = ?" if windowed else "item_id = ?")
            params.append(int(item_id))
        tid = self._tier_id(tier_id)
        if tid is not None:
            clauses.append("tier_id = ?")
            params.append(tid)
        if statuses is not None:
            sts = [Status(s).value for s in ([statuses] if isinstance(statuses, (str, Status)) else statuses)]
            clauses.append(f"status IN ({', '.join('?' * len(sts))})" if sts else "0")
            params += sts
        if source is not None:
            clauses.append("source = ?")
            params.append(Source(source).value)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def segments(self, item_id: int | None = None, tier_id: int | str | Tier | None = None,
                 start: int | None = None, end: int | None = None,
                 statuses: Iterable[Status | str] | None = None,
                 source: Source | str | None = None) -> list[Segment]:
        """Segments ordered by start; ``start``/``end`` select those overlapping [start, end)."""
        where, params = self._where(item_id, tier_id, start, end, statuses, source)
        rows = self._q(f"SELECT {self._SEG_COLS} FROM segments{where} ORDER BY start_frame, end_frame, id", params)
        return [self._seg(r) for r in rows]

    def count_segments(self, item_id: int | None = None, tier_id: int | str | Tier | None = None,
                       start: int | None = None, end: int | None = None,
                       statuses: Iterable[Status | str] | None = None,
                       source: Source | str | None = None) -> int:
        where, params = self._where(item_id, tier_id, start, end, statuses, source)
        return int(self._q(f"SELECT count(*) FROM segments{where}", params)[0][0])

    def label_counts(self) -> dict[str, int]:
        """How many segments carry each label, over all items and tiers (counted by SQLite)."""
        return {label: int(n) for label, n in self._q("SELECT label, count(*) FROM segments GROUP BY label")}

    def status_counts(self, item_id: int | None = None, tier_id: int | str | Tier | None = None,
                      source: Source | str | None = None) -> dict[str, int]:
        """Number of segments per status (every status present as a key)."""
        where, params = self._where(item_id, tier_id, None, None, None, source)
        counts = {s.value: 0 for s in Status}
        for status, n in self._q(f"SELECT status, count(*) FROM segments{where} GROUP BY status", params):
            counts[status] = n
        return counts

    def segment(self, segment_id: int) -> Segment:
        rows = self._q(f"SELECT {self._SEG_COLS} FROM segments WHERE id = ?", (int(segment_id),))
        if not rows:
            raise ProjectError(f"Segment {segment_id} does not exist (it may have been deleted).")
        return self._seg(rows[0])

    # ------------------------------------------------------------------ validation helpers
    def _describe(self, seg: Segment | dict[str, Any], rate: Fraction | None = None) -> str:
        d = seg if isinstance(seg, dict) else seg.to_dict()
        if rate is None:
            rate = self._rate(d["item_id"])
        return f"'{d['label']}' {timecode(d['start'], rate)}–{timecode(d['end'], rate)}"

    def _rate(self, item_id: int) -> Fraction:
        rows = self._q("SELECT fps FROM items WHERE id = ?", (int(item_id),))
        return Fraction(rows[0][0]) if rows else Fraction(25)

    def _check_rows(self, db: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
        """Refuse rows outside their item, on unknown tiers, or with bad values (before applying)."""
        items: dict[int, tuple] = {}
        tiers: dict[int, str] = {}
        for d in rows:
            iid = d["item_id"]
            if iid not in items:
                r = db.execute("SELECT name, frame_count, fps FROM items WHERE id = ?", (iid,)).fetchone()
                if r is None:
                    raise ProjectError(f"The project has no item {iid}.")
                items[iid] = r
            name, n_frames, fps = items[iid]
            tid = d["tier_id"]
            if tid not in tiers:
                r = db.execute("SELECT kind FROM tiers WHERE id = ?", (tid,)).fetchone()
                if r is None:
                    raise ProjectError(f"The project has no tier {tid}.")
                tiers[tid] = r[0]
            if not isinstance(d["label"], str) or not d["label"].strip():
                raise ProjectError("A segment needs a label.")
            if d["end"] <= d["start"]:
                raise ProjectError(f"A segment must end after it starts (frames {d['start']}–{d['end']}).")
            if d["start"] < 0 or (n_frames is not None and d["end"] > n_frames):
                rate = Fraction(fps)
                limit = f"{timecode(n_frames, rate)} ({n_frames} frames)" if n_frames is not None else "its end"
                raise ProjectError(
                    f"The segment {self._describe(d, rate)} lies outside '{name}', which runs from "
                    f"00:00:00.000 to {limit}.")
            c = d.get("confidence")
            if c is not None and not (isinstance(c, (int, float)) and 0.0 <= float(c) <= 1.0):
                raise ProjectError(f"A confidence must be between 0 and 1, got {c!r}.")

    def _check_overlaps(self, db: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
        """After applying: rows on human tiers must not overlap another segment of their tier."""
        human = {r[0] for r in db.execute("SELECT id FROM tiers WHERE kind = 'human'")}
        sql = ("SELECT s.id, s.start_frame, s.end_frame, s.label FROM segments s WHERE s.id IN "
               "(SELECT id FROM segments_rtree WHERE item_lo <= ?1 AND item_hi >= ?1 AND s_lo < ?3 AND s_hi > ?2) "
               "AND s.tier_id = ?4 AND s.id != ?5 LIMIT 1")
        for d in rows:
            if d["tier_id"] not in human:
                continue
            hit = db.execute(sql, (d["item_id"], d["start"], d["end"], d["tier_id"], d["id"])).fetchone()
            if hit:
                rate = Fraction(db.execute("SELECT fps FROM items WHERE id = ?", (d["item_id"],)).fetchone()[0])
                tier = db.execute("SELECT name FROM tiers WHERE id = ?", (d["tier_id"],)).fetchone()[0]
                other = {"label": hit[3], "start": hit[1], "end": hit[2]}
                raise ProjectError(
                    f"The segment {self._describe(d, rate)} would overlap {self._describe(other, rate)} "
                    f"on tier '{tier}'; segments on one annotator's tier cannot overlap.")

    @staticmethod
    def _bounds_changed(op: dict[str, Any]) -> frozenset[str] | None:
        """Which of start/end a single-segment update changes (``None``: it changes the label,
        tier, note or item too)."""
        b, a = op["before"], op["after"]
        if any(b.get(k) != a.get(k) for k in ("label", "tier_id", "note", "item_id")):
            return None
        return frozenset(k for k in ("start", "end") if b[k] != a[k])

    def _merge_into_last(self, db: sqlite3.Connection, cmd: Command, now: float, within: float) -> bool:
        """Join ``cmd`` (one edge change) to this annotator's newest undo step when it continues it."""
        if within <= 0 or len(cmd.ops) != 1 or cmd.ops[0]["op"] != "update":
            return False
        row = db.execute("SELECT id, action, ops, undone, created FROM history WHERE who = ? ORDER BY id DESC LIMIT 1",
                         (self.annotator,)).fetchone()
        if row is None or row[3] or row[1] != cmd.action or now - row[4] > within:
            return False
        last = ops_from_json(row[2])
        new = cmd.ops[0]
        if len(last) != 1 or last[0]["op"] != "update" or last[0]["after"] != new["before"]:
            return False
        edge, before = self._bounds_changed(new), self._bounds_changed(last[0])
        if not edge or before is None or not before <= edge:  # (a step may have come back: empty)
            return False
        merged = [{"op": "update", "before": last[0]["before"], "after": new["after"]}]
        db.execute("UPDATE history SET ops = ?, created = ? WHERE id = ?", (ops_to_json(merged), now, row[0]))
        return True

    def _run(self, cmd: Command, merge_within: float = 0.0) -> None:
        """Validate, apply and commit a command with its history and audit rows."""
        if not cmd.ops:
            return
        now = time.time()
        with self._tx() as db:
            touched = [op["after"] for op in segment_ops(cmd.ops) if op["op"] != "delete"]
            self._check_rows(db, touched)
            try:
                apply_ops(db, cmd.ops)
            except StaleEditError as exc:
                raise ProjectError("This segment was just changed in another window or program; "
                                   "nothing was saved, look again and retry.", str(exc)) from exc
            self._check_overlaps(db, touched)
            if self._merge_into_last(db, cmd, now, merge_within):
                self._audit_ops(db, now, cmd.action, cmd.description, cmd.ops)
                return
            db.execute("DELETE FROM history WHERE undone = 1 AND who = ?", (self.annotator,))
            db.execute("INSERT INTO history (action, description, ops, undone, who, created) VALUES (?, ?, ?, 0, ?, ?)",
                       (cmd.action, cmd.description, ops_to_json(cmd.ops), self.annotator, now))
            # Keep the newest HISTORY_LIMIT undo steps of this annotator (the audit log keeps all).
            db.execute("DELETE FROM history WHERE who = ?1 AND id <= (SELECT id FROM history WHERE who = ?1 "
                       "ORDER BY id DESC LIMIT 1 OFFSET ?2)", (self.annotator, self.HISTORY_LIMIT))
            self._audit_ops(db, now, cmd.action, cmd.description, cmd.ops)

    def _audit_ops(self, db: sqlite3.Connection, now: float, action: str, description: str,
                   ops: list[dict[str, Any]]) -> None:
        rows = []
        for op in ops:
            before, after = op.get("before"), op.get("after")
            if op["op"] == "taxonomy":  # no segment: views re-read everything (colours, names)
                rows.append((now, self.annotator, action, description, None, None,
                             json.dumps(before), json.dumps(after)))
                self._taxonomy = None
                continue
            ref = after or before
            rows.append((now, self.annotator, action, description, ref["item_id"], ref["id"],
                         None if before is None else json.dumps(before),
                         None if after is None else json.dumps(after)))
        self._audit_rows(db, rows)

    def _new_row(self, seg: Segment, now: float) -> dict[str, Any]:
        if not isinstance(seg, Segment):
            raise ProjectError("Only segments can be added to a project.", f"got {type(seg).__name__}")
        d = seg.to_dict()
        d["id"] = None
        try:  # numpy integers are fine; None, floats and text are not
            for k in ("item_id", "tier_id", "start", "end"):
                d[k] = operator.index(d[k])
        except TypeError as exc:
            raise ProjectError("A segment's item, tier, start and end must be whole numbers.", repr(seg)) from exc
        d["label"] = (d["label"] or "").strip() if isinstance(d["label"], str) else d["label"]
        if d["source"] == Source.HUMAN.value:
            d["annotator"] = d["annotator"] or self.annotator
        d["created"] = d["created"] or now
        d["modified"] = d["modified"] or now
        d["note"] = d["note"] or ""
        return d

    # ------------------------------------------------------------------ edits (undoable)
    def create_segment(self, seg: Segment) -> Segment:
        """Add one segment (one undo step); returns it with its id."""
        now = time.time()
        row = self._new_row(seg, now)
        cmd = Command("create", f"Create {self._describe(row)}")
        cmd.insert(row)
        self._run(cmd)
        return self.segment(row["id"])

    def delete_segment(self, segment_id: int) -> None:
        before = self.segment(segment_id).to_dict()
        cmd = Command("delete", f"Delete {self._describe(before)}")
        cmd.delete(before)
        self._run(cmd)

    def update_segment(self, segment_id: int, merge_within: float = 0.0, **fields: Any) -> Segment:
        """Change start/end/label/status/note/confidence/tier_id (one undo step).

        A human change of a model proposal's range or label marks it ``edited``. With
        ``merge_within`` (seconds), a change of the same edge(s) of the same segment made that
        soon after the previous one joins its undo step (a key held down to nudge an edge frame by
        frame is undone at once); the audit log still records every change.
        """
        unknown = set(fields) - set(_UPDATABLE)
        if unknown:
            raise ProjectError(f"A segment's {', '.join(sorted(unknown))} cannot be changed.")
        old = self.segment(segment_id)
        before = old.to_dict()
        after = dict(before)
        for k, v in fields.items():
            try:
                if k == "status":
                    v = Status(v).value
                elif k in ("start", "end", "tier_id"):
                    v = int(v)
                elif k == "label":
                    v = str(v).strip()
                elif k == "note":
                    v = "" if v is None else str(v)
                elif k == "confidence" and v is not None:
                    v = float(v)
            except (TypeError, ValueError) as exc:
                raise ProjectError(f"{v!r} is not a valid {k} for a segment.", str(exc)) from exc
            after[k] = v
        if after == before:
            return old
        changed_shape = any(after[k] != before[k] for k in ("start", "end", "label"))
        if changed_shape and old.source == Source.MODEL and "status" not in fields:
            after["status"] = Status.EDITED.value
        after["modified"] = time.time()
        action, what = _update_action(before, after)
        cmd = Command(action, f"{what} {self._describe(before)}")
        cmd.update(before, after)
        self._run(cmd, merge_within=merge_within)
        return self.segment(segment_id)

    def accept(self, segment_id: int) -> Segment:
        return self.update_segment(segment_id, status=Status.ACCEPTED)

    def reject(self, segment_id: int) -> Segment:
        return self.update_segment(segment_id, status=Status.REJECTED)

    def split_segment(self, segment_id: int, frame: int) -> tuple[Segment, Segment]:
        """Cut a segment at ``frame`` into [start, frame) and [frame, end) (one undo step)."""
        old = self.segment(segment_id)
        frame = int(frame)
        if not old.start < frame < old.end:
            raise ProjectError(f"A segment can only be split inside it (frames {old.start + 1}–{old.end - 1}), "
                               f"not at frame {frame}.")
        now = time.time()
        before = old.to_dict()
        left = dict(before, end=frame, modified=now)
        right = dict(before, id=None, start=frame, created=now, modified=now)
        cmd = Command("split", f"Split {self._describe(before)}")
        cmd.update(before, left)
        cmd.insert(right)
        self._run(cmd)
        return self.segment(segment_id), self.segment(right["id"])

    def merge_segments(self, ids: Sequence[int]) -> Segment:
        """Join segments of one item and tier into the first one (one undo step)."""
        segs = sorted((self.segment(i) for i in dict.fromkeys(ids)), key=lambda s: (s.start, s.end))
        if len(segs) < 2:
            raise ProjectError("Select at least two segments to merge.")
        if len({(s.item_id, s.tier_id) for s in segs}) != 1:
            raise ProjectError("Only segments of the same video and tier can be merged.")
        first = segs[0]
        before = first.to_dict()
        notes = [s.note for s in segs if s.note]
        after = dict(before, end=max(s.end for s in segs), note="; ".join(dict.fromkeys(notes)),
                     modified=time.time())
        if first.source == Source.MODEL and first.status == Status.PROPOSED:
            after["status"] = Status.EDITED.value
        cmd = Command("merge", f"Merge {len(segs)} segments into {self._describe(after)}")
        for s in segs[1:]:
            cmd.delete(s.to_dict())
        cmd.update(before, after)
        self._run(cmd)
        return self.segment(first.id)

    def add_segments(self, segs: Iterable[Segment], description: str = "") -> list[Segment]:
        """Add many segments as one undo step (e.g. an import); returns them with ids."""
        now = time.time()
        rows = [self._new_row(s, now) for s in segs]
        if not rows:
            return []
        cmd = Command("bulk add", description or f"Add {len(rows)} segments")
        for r in rows:
            cmd.insert(r)
        self._run(cmd)
        return [self._seg(_row_tuple(r)) for r in rows]

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
        cmd = Command("replace proposals", description or f"Propose {len(rows)} segments for '{item.name}' (replacing {len(old)})")
        for s in old:
            cmd.delete(s.to_dict())
        for r in rows:
            cmd.insert(r)
        self._run(cmd)
        return [self._seg(_row_tuple(r)) for r in rows]

    # ------------------------------------------------------------------ undo / redo
    # Each annotator has their own undo stack (history rows carry ``who``): Alice's undo never
    # takes back Bob's work. When an edit to undo was changed since by someone else, the undo is
    # refused (see commands.StaleEditError) rather than overwrite their change.
    def _last(self, undone: int) -> tuple | None:
        order = "DESC" if undone == 0 else "ASC"
        rows = self._q(f"SELECT id, action, description, ops FROM history WHERE undone = ? AND who = ? "
                       f"ORDER BY id {order} LIMIT 1", (undone, self.annotator))
        return rows[0] if rows else None

    def label_renames(self, undo: bool) -> dict[str, str]:
        """How label names map through the step :meth:`undo` (or :meth:`redo`) would take next:
        old name -> new name, for a label edit (empty for any other step). Undoing a merge maps
        nothing back: the label merged into kept its name throughout."""
        row = self._last(0 if undo else 1)
        if row is None:
            return {}
        op = next((o for o in ops_from_json(row[3]) if o["op"] == "taxonomy"), None)
        if op is None:
            return {}
        renames = dict(op.get("renames") or {})
        if not undo:
            return renames
        kept = {lab["name"] for lab in op["before"].get("labels", [])} - set(renames)
        return {new: old for old, new in renames.items() if new not in kept}

    def can_undo(self) -> bool:
        return not self.read_only and self._last(0) is not None

    def can_redo(self) -> bool:
        return not self.read_only and self._last(1) is not None

    def undo_text(self) -> str | None:
        r = self._last(0)
        return r[2] if r else None

    def redo_text(self) -> str | None:
        r = self._last(1)
        return r[2] if r else None

    def undo(self) -> str | None:
        """Undo the last edit; returns its description (None when there is nothing to undo)."""
        return self._step(undo=True)

    def redo(self) -> str | None:
        """Redo the last undone edit; returns its description (None when there is none)."""
        return self._step(undo=False)

    def _step(self, undo: bool) -> str | None:
        with self._lock:
            row = self._last(0 if undo else 1)
            if row is None:
                return None
            hid, action, description, ops_json = row
            ops = ops_from_json(ops_json)
            ops = invert(ops) if undo else ops
            now = time.time()
            with self._tx() as db:
                try:
                    apply_ops(db, ops)
                except StaleEditError as exc:
                    raise ProjectError(
                        f"'{description}' can no longer be {'undone' if undo else 'redone'}: its segments or labels "
                        "were changed in another window or program since.", str(exc)) from exc
                db.execute("UPDATE history SET undone = ? WHERE id = ?", (1 if undo else 0, hid))
                self._audit_ops(db, now, "undo" if undo else "redo", description, ops)
            return description

    # ------------------------------------------------------------------ change tracking
    # Every write to the segments table goes through _run (commands) or _step (undo/redo), which
    # write one audit row per segment touched in the same transaction. The audit ids therefore
    # count every saved change, made by this window or by any other connection or program.
    CHANGES_LIMIT = 2000  # more segments than this: re-reading everything is cheaper than patching

    def change_counter(self) -> int:
        """A number that grows with every saved change (the newest audit row).

        Read it *before* reading the segments you show; later pass it to :meth:`changes_since`."""
        return int(self._q("SELECT coalesce(max(id), 0) FROM audit")[0][0])

    def changes_since(self, counter: int | None, limit: int | None = None) -> ChangeSet | None:
        """Which segments changed after ``counter`` (from :meth:`change_counter` or an earlier
        :class:`ChangeSet`): any edit, undo, redo, import or new proposals, by anyone.

        ``None`` means "re-read everything": no counter, more than ``limit`` segments changed
        (default :attr:`CHANGES_LIMIT`), a change the log cannot attribute to segments, or a
        counter the project has never reached (the file was replaced)."""
        if counter is None:
            return None
        limit = self.CHANGES_LIMIT if limit is None else int(limit)
        rows = self._q("SELECT id, action, item_id, segment_id, CASE WHEN segment_id IS NOT NULL AND before IS NOT NULL "
                       "THEN json_extract(before, '$.item_id') END FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                       (int(counter), limit + 1))
        if not rows:
            return ChangeSet(int(counter), frozenset(), frozenset()) if self.change_counter() >= counter else None
        seg_ids: set[int] = set()
        item_ids: set[int] = set()
        for _id, action, item_id, seg_id, old_item in rows:
            if seg_id is None:
                if action in _SEGMENT_FREE_ACTIONS:
                    continue
                self._taxonomy = None  # e.g. the label set edited (or that undone) elsewhere
                return None
            seg_ids.add(int(seg_id))
            for i in (item_id, old_item):
                if i is not None:
                    item_ids.add(int(i))
        if len(rows) > limit or len(seg_ids) > limit:
            return None
        return ChangeSet(int(rows[-1][0]), frozenset(seg_ids), frozenset(item_ids))

    def segments_by_id(self, ids: Iterable[int]) -> dict[int, Segment | None]:
        """The current state of each segment id (``None``: it no longer exists), in few queries."""
        want = sorted({int(i) for i in ids})
        out: dict[int, Segment | None] = dict.fromkeys(want)
        for k in range(0, len(want), 500):
            chunk = want[k:k + 500]
            rows = self._q(f"SELECT {self._SEG_COLS} FROM segments WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
            for r in rows:
                out[r[0]] = self._seg(r)
        return out

    # ------------------------------------------------------------------ audit
    def audit(self, item_id: int | None = None, limit: int | None = None,
              segment_id: int | None = None) -> list[AuditEntry]:
        """The audit log, newest first."""
        clauses, params = [], []
        if item_id is not None:
            clauses.append("item_id = ?")
            params.append(int(item_id))
        if segment_id is not None:
            clauses.append("segment_id = ?")
            params.append(int(segment_id))
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        lim = f" LIMIT {int(limit)}" if limit is not None else ""
        rows = self._q(f'SELECT "when", who, action, segment_id, before, after, item_id, description FROM audit'
                       f"{where} ORDER BY id DESC{lim}", params)
        return [AuditEntry(r[0], r[1], r[2], r[3], None if r[4] is None else json.loads(r[4]),
                           None if r[5] is None else json.loads(r[5]), r[6], r[7]) for r in rows]

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` ("ok" when the database is sound)."""
        return "; ".join(r[0] for r in self._q("PRAGMA integrity_check"))


def _row_tuple(d: dict[str, Any]) -> tuple:
    return (d["id"], d["item_id"], d["tier_id"], d["start"], d["end"], d["label"], d["source"], d["status"],
            d["confidence"], d["annotator"], d["note"], d["created"], d["modified"])


def _update_action(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, str]:
    """Audit action and undo-menu verb for an update."""
    if after["status"] != before["status"] and all(after[k] == before[k] for k in ("start", "end", "label")):
        verb = {"accepted": "Accept", "rejected": "Reject", "proposed": "Reset", "edited": "Mark edited"}[after["status"]]
        return verb.lower().split()[0], verb
    if after["label"] != before["label"] and (after["start"], after["end"]) == (before["start"], before["end"]):
        return "relabel", f"Relabel as '{after['label']}'"
    if (after["start"], after["end"]) != (before["start"], before["end"]):
        if after["end"] - after["start"] == before["end"] - before["start"]:
            return "move", "Move"
        return "resize", "Resize"
    if after["tier_id"] != before["tier_id"]:
        return "move tier", "Move to another tier"
    if after["note"] != before["note"]:
        return "note", "Edit note of"
    return "update", "Change"


def _default_user() -> str:
    try:
        return getpass.getuser() or "annotator"
    except Exception:  # no user name in some containers
        return "annotator"
