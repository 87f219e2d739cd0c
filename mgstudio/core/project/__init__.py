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

One :class:`Project` is composed of one mixin per concern:

============== ===================================================================
``store``      create/open, name, taxonomy, UI state, the public edit methods
``connection`` the connection, its lock, transactions, SQLite errors as sentences
``schema``     tables, migrations, connection settings (``core.store_schema`` is this)
``rows``       Item, Tier, AuditEntry, ChangeSet; row ↔ object mapping; constants
``catalog``    annotators, tiers, items, attributes, media, skeleton files
``queries``    segment reads and counts
``rules``      what the store refuses (outside the item, bad values, overlaps)
``history``    running a command (history + audit), nudge merging, undo/redo
``changes``    change counter, changes_since, audit log, integrity check
============== ===================================================================

The edits themselves are built, without SQL, by :mod:`mgstudio.core.edits`.
"""

from __future__ import annotations

from mgstudio.core.project.rows import DB_NAME, PROPOSALS_TIER, SUFFIX, AuditEntry, ChangeSet, Item, Tier
from mgstudio.core.project.store import Project

__all__ = ["Project", "Item", "Tier", "AuditEntry", "ChangeSet", "PROPOSALS_TIER", "SUFFIX"]
