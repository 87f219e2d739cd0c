"""What a project holds besides segments: annotators, tiers, items, their attributes, their
videos (check, relink, find a moved one) and their stored skeleton files."""

from __future__ import annotations

import contextlib
import json
import operator
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mgstudio.core.atomic import clean_temp_files
from mgstudio.core.commands import Command
from mgstudio.core.errors import ProjectError
from mgstudio.core.fingerprint import find_by_fingerprint, fingerprint, media_status
from mgstudio.core.project.damage import parse_rate
from mgstudio.core.project.item_edits import check_fps
from mgstudio.core.project.rows import ITEM_COLS, KIND_RE, PROPOSALS_TIER, Item, Tier, info_get, item_from_row
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.core.timebase import as_fraction

_SKELETON_FILE = re.compile(r"^item(\d+)_[a-z0-9_]+\.npz$")


class Catalog:
    """Annotators, tiers, items and their files (a mixin of :class:`~mgstudio.core.project.Project`)."""

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
            new_annotator = annotator is not None and not db.execute(
                "SELECT 1 FROM annotators WHERE name = ?", (annotator,)).fetchone()
            if new_annotator:
                db.execute("INSERT INTO annotators (name, created) VALUES (?, ?)", (annotator, time.time()))
            cur = db.execute("INSERT INTO tiers (name, annotator, kind) VALUES (?, ?, ?)", (name, annotator, kind))
            self._audit_rows(db, [(time.time(), self.annotator or (annotator or ""), "add tier", name,
                                   None, None, None, json.dumps({"name": name, "annotator": annotator, "kind": kind}))])
            self._in_step_too({"op": "tier", "before": None, "after": {  # undone with an import's step
                "id": cur.lastrowid, "name": name, "annotator": annotator, "kind": kind, "new_annotator": new_annotator}})
        return Tier(cur.lastrowid, name, annotator, kind)

    # ------------------------------------------------------------------ items
    _ITEM_COLS = ITEM_COLS

    def _item_from_row(self, r: tuple) -> Item:
        return item_from_row(r, self._q("SELECT key, value FROM attributes WHERE item_id = ? ORDER BY key", (r[0],)))

    def items(self) -> list[Item]:
        return [self._item_from_row(r) for r in self._q(f"SELECT {ITEM_COLS} FROM items ORDER BY id")]

    def item(self, item_id: int) -> Item:
        rows = self._q(f"SELECT {ITEM_COLS} FROM items WHERE id = ?", (int(item_id),))
        if not rows:
            raise ProjectError(f"The project has no item {item_id}.")
        return self._item_from_row(rows[0])

    def item_by_name(self, name: str) -> Item:
        rows = self._q(f"SELECT {ITEM_COLS} FROM items WHERE name = ?", (name,))
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
                     attributes: dict[str, Any] | None,
                     then: Callable[[int], None] | None = None) -> int:
        """Insert an item row; ``then(item_id)`` runs inside the same transaction (its files are
        written before the row commits, so a kill leaves the item whole or absent)."""
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
            self._drop_orphan_skeletons(item_id)  # files a killed add left under this (new) id
            for k, v in (attributes or {}).items():
                db.execute("INSERT INTO attributes (item_id, key, value) VALUES (?, ?, ?)", (item_id, str(k), json.dumps(v)))
            self._audit_rows(db, [(now, self.annotator, "add item", name, item_id, None, None,
                                   json.dumps({"name": name, "kind": kind, "video_path": video_path,
                                               "fps": str(rate), "frame_count": frame_count,
                                               "attributes": attributes or {}}))])
            if then is not None:
                then(item_id)
        return item_id

    def add_video(self, path: str | Path, name: str | None = None, attributes: dict[str, Any] | None = None,
                  info: Any = None) -> Item:
        """Reference a video (not copied). ``info`` (e.g. ``media.video.probe(path)``) gives
        ``fps``, ``frame_count``, ``width``, ``height``."""
        p = Path(path).expanduser()
        if not p.is_file():
            raise ProjectError(f"The video {p} does not exist.")
        if info is None or info_get(info, "fps") is None:
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
        item_id = self._insert_item(name or p.stem, "video", str(p), fp, info_get(info, "fps"),
                                    info_get(info, "frame_count"), info_get(info, "width"),
                                    info_get(info, "height"), attributes)
        return self.item(item_id)

    def add_skeleton_item(self, name: str, seq: SkeletonSequence, attributes: dict[str, Any] | None = None) -> Item:
        """An item with skeletons and no video (e.g. iMiGUE, SMG or Kinect files)."""
        w, h = seq.image_size if seq.image_size else (None, None)
        skeletons = self._own_folder("skeletons")

        def write(item_id: int) -> None:  # inside the row's transaction: no row without its file
            try:
                seq.save_npz(skeletons / self._skeleton_path(item_id, "raw").name)
            except OSError as exc:
                raise ProjectError(f"The skeleton could not be saved in {skeletons}, so '{name}' was not added.",
                                   str(exc)) from exc

        item_id = self._insert_item(name, "skeleton", None, None, seq.fps, seq.start_frame + len(seq.xy), w, h,
                                    attributes, then=write)
        return self.item(item_id)

    def add_label_item(self, name: str, fps: Any, frame_count: int,
                       attributes: dict[str, Any] | None = None) -> Item:
        """Add a label-only recording: a name, a frame rate and a length in frames, with no video
        and no skeleton (a study known only from its coding file; see
        :mod:`mgstudio.workflows.coding`). Its kind is ``skeleton``, with no skeleton stored.

        One undoable step ("Add recording 'NAME'"): undo removes it, redo brings it back under its
        id. Inside :meth:`one_step` it is part of that step, so an import that creates its
        recordings is undone whole. The name is kept exactly (a coding file refers to it) and must
        be free; a bad name, rate or length is refused with one sentence and adds nothing."""
        self._check_writable()
        name = str(name or "").strip()
        if not name:
            raise ProjectError("A recording needs a name.")
        rate = check_fps(fps, name)
        try:
            frame_count = -1 if isinstance(frame_count, bool) else operator.index(frame_count)
        except TypeError:
            frame_count = -1
        if not 0 <= frame_count < 2**53:
            raise ProjectError(f"'{name}' needs its length as a whole number of frames.")
        description = f"Add recording '{name}'"
        with self.one_step("add item", description):
            with self._tx() as db:  # inside the step's transaction: no other program takes the id now
                if db.execute("SELECT 1 FROM items WHERE name = ?", (name,)).fetchone():
                    raise ProjectError(f"The project already has a recording called '{name}'.")
                seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'items'").fetchone()
                top = db.execute("SELECT max(id) FROM items").fetchone()[0]
                item_id = max(seq[0] if seq else 0, top or 0) + 1  # ids are never reused
                self._drop_orphan_skeletons(item_id)  # files a killed add left under this (new) id
            row = {"id": item_id, "name": name, "kind": "skeleton", "video_path": None, "fingerprint": None,
                   "fps": str(rate), "frame_count": frame_count, "width": None, "height": None,
                   "created": time.time(), "attributes": {str(k): v for k, v in (attributes or {}).items()}}
            cmd = Command("add item", description)
            cmd.ops.append({"op": "item", "before": None, "after": row})
            self._run(cmd)
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

    # ------------------------------------------------------------------ media
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

    # ------------------------------------------------------------------ the project's own folders
    def _own_folder(self, name: str, create: bool = True) -> Path:
        """``PROJECT/name`` for writing: refused when it (or a link in its place) leads outside the
        project, so a planted link never makes MG Studio write elsewhere."""
        d = self.path / name
        try:
            real, root = d.resolve(), self.path.resolve()
        except (OSError, RuntimeError) as exc:  # a link loop
            raise ProjectError(f"The folder {name}/ of {self.path.name} cannot be used ({exc}).") from exc
        if real != root and root not in real.parents:
            raise ProjectError(f"The folder {name}/ of {self.path.name} leads outside the project (to {real}), "
                               "so MG Studio will not write there; replace that link with a real folder.")
        if create:
            try:
                d.mkdir(exist_ok=True)
            except OSError as exc:
                raise ProjectError(f"The folder {name}/ of {self.path.name} could not be made.", str(exc)) from exc
        return d

    def _drop_orphan_skeletons(self, above: int) -> int:
        """Remove skeleton files of item ids from ``above`` on that no committed item ever had.

        Call it holding the write lock: an add writes its skeleton inside its row's transaction, so
        a file for an id beyond the committed sequence is what a killed add left behind (removed
        items keep their ids below it, so undoing a removal finds their files)."""
        removed = 0
        try:
            entries = list(os.scandir(self.skeletons_dir))
        except OSError:
            return 0
        for entry in entries:
            m = _SKELETON_FILE.match(entry.name)
            if m and int(m.group(1)) >= above:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
        return removed

    def _recover(self) -> None:
        """After a kill: drop skeleton files of adds that never committed, then leftover temp files."""
        try:
            self._own_folder("skeletons", create=False)
            skeletons_ok = True
        except ProjectError:  # a folder leading outside the project: nothing there is ours to delete
            skeletons_ok = False
        if skeletons_ok:
            with self._tx() as db:  # the write lock: no add is half-way in another process now
                row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'items'").fetchone()
                top = db.execute("SELECT max(id) FROM items").fetchone()[0]
                self._drop_orphan_skeletons(max(row[0] if row else 0, top or 0) + 1)
        self._clean_temp_files()

    def _clean_temp_files(self) -> int:
        """Remove what killed writers left (``*.tmp`` in the project folder, skeletons/, models/
        and cache/); folders that lead outside the project are not touched."""
        removed = clean_temp_files(self.path)
        for name, recursive in (("skeletons", False), ("models", False), ("cache", True)):
            try:
                folder = self._own_folder(name, create=False)
            except ProjectError:
                continue
            removed += clean_temp_files(folder, recursive=recursive)
        return removed

    @property
    def skeletons_dir(self) -> Path:
        return self.path / "skeletons"

    @property
    def models_dir(self) -> Path:
        """``PROJECT/models`` (made when missing; refused when it leads outside the project)."""
        if self.read_only:
            return self.path / "models"
        return self._own_folder("models")

    @property
    def cache_dir(self) -> Path:
        """``PROJECT/cache`` for resumable work such as pose checkpoints (``cache/pose``)."""
        if self.read_only:
            return self.path / "cache"
        return self._own_folder("cache")

    # ------------------------------------------------------------------ skeleton files

    def _skeleton_path(self, item_id: int, kind: str) -> Path:
        if not KIND_RE.match(kind):
            raise ProjectError(f"Skeleton kind {kind!r} must be lower-case letters, digits or '_'.")
        return self.skeletons_dir / f"item{int(item_id)}_{kind}.npz"

    def save_skeleton(self, item_id: int, seq: SkeletonSequence, kind: str = "raw") -> Path:
        """Store a skeleton for an item (atomic write; replaces the previous one of that kind)."""
        self.item(item_id)
        self._check_writable()
        path = self._own_folder("skeletons") / self._skeleton_path(item_id, kind).name
        try:
            seq.save_npz(path)
        except OSError as exc:
            raise ProjectError(f"The skeleton could not be saved in {self.skeletons_dir}.", str(exc)) from exc
        return path

    def load_skeleton(self, item_id: int, kind: str = "raw") -> SkeletonSequence | None:
        """The stored skeleton, at the item's frame rate (which may have been corrected since the
        file was written: the frames stay, their times follow the item's rate)."""
        path = self.skeleton_file(item_id, kind)
        if path is None:
            return None
        seq = SkeletonSequence.load_npz(path)
        rows = self._q("SELECT fps FROM items WHERE id = ?", (int(item_id),))
        rate = parse_rate(rows[0][0]) if rows else None
        if rate is not None and abs(float(rate) - seq.fps) > 1e-9:
            seq.fps = float(rate)
        return seq

    def skeleton_file(self, item_id: int, kind: str = "raw") -> Path | None:
        """The file holding an item's stored skeleton (``None`` if it has none); read-only use."""
        path = self._skeleton_path(item_id, kind)
        return path if path.exists() else None

    def has_skeleton(self, item_id: int, kind: str = "raw") -> bool:
        return self.skeleton_file(item_id, kind) is not None
