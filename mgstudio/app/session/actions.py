"""The one edit path of the window: every change a view makes to segments goes through here.

Each method is one :class:`~mgstudio.core.project.Project` call (undoable, saved at once), then
``notify()`` (every view catches up through the change log), then at most one sentence for the
status bar. A refused edit (:class:`~mgstudio.core.errors.MGStudioError`) becomes that sentence,
never a crash, and the views are refreshed anyway so nothing shows a change that did not happen.

The timeline's mouse edits and right-click menu, the review keys (I/O, A/R, label keys, Delete,
edge keys, undo/redo) and the inspector's note all call these, so the rules (a rejected proposal is
not revived by a label key; a "movement event" is accepted only with an MG label) hold whichever
way the user edits. Dialogs (which label?) stay with the caller: this module asks nothing.

Pure Python: no widgets, no signals (``notify`` and ``message`` are plain callables), so it is
tested with a bare project.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mgstudio.core.errors import MGStudioError
from mgstudio.core.segments import Segment, Source, Status

REJECTED_NEEDS_ACCEPT = "This proposal was rejected: press A to accept it first, then choose its label."
PICK_LABEL_FIRST = "Pick a label first (click one in the label palette or press its key)."


class EditActions:
    """Segment edits for whoever holds the project (see the module docstring).

    ``project_of()`` returns the open project (or ``None``); ``notify()`` tells the views that
    segments changed; ``message(text)`` shows one sentence.
    """

    def __init__(self, project_of: Callable[[], Any], notify: Callable[[], None],
                 message: Callable[[str], None]) -> None:
        self.project_of, self.notify, self.message = project_of, notify, message

    # ------------------------------------------------------------------ the one wrapper
    def run(self, fn: Callable[[Any], Any], done: str | Callable[[Any], str] | None = None) -> Any:
        """``fn(project)``; then notify and say ``done`` (a sentence or ``done(result)``).
        A refusal is said instead; returns ``None`` then (and when no project is open)."""
        project = self.project_of()
        if project is None:
            return None
        try:
            out = fn(project)
        except MGStudioError as exc:
            self.notify()
            self.message(str(exc))
            return None
        self.notify()
        if done is not None:
            self.message(done(out) if callable(done) else done)
        return out

    # ------------------------------------------------------------------ creating
    def create_segment(self, item_id: int, tier_id: int, start: int, end: int, label: str | None,
                       say: bool = True) -> Segment | None:
        """A person's segment ``[start, end)`` with ``label`` on their tier (accepted: it is coding)."""
        if not label:
            self.message(PICK_LABEL_FIRST)
            return None

        def make(p: Any) -> Segment:
            return p.create_segment(Segment(item_id, tier_id, int(start), int(end), label, source=Source.HUMAN,
                                            status=Status.ACCEPTED, annotator=getattr(p, "annotator", "") or ""))
        return self.run(make, (lambda s: f"Added “{s.label}”, frames {s.start}–{s.end - 1}.") if say else None)

    # ------------------------------------------------------------------ reviewing
    def review(self, ids: Sequence[int], decision: str, label: str | None = None) -> Segment | None:
        """Accept (``decision="accept"``, with ``label`` = the MG label for a segment whose label is
        not in the taxonomy) or reject the segments ``ids``; the last segment, or ``None``."""
        names = set(self._label_names())

        def apply(p: Any) -> Segment | None:
            last = None
            for sid in ids:
                if decision == "reject":
                    last = p.reject(sid)
                    continue
                seg = p.segment(sid)
                if names and seg.label not in names:
                    if not label:  # a "movement event": never accepted as a class by accident
                        raise MGStudioError(f"“{seg.label}” is not one of this project's labels: choose its "
                                            "MG label to accept it (A, or right-click ▸ Accept as…).")
                    last = p.update_segment(sid, label=label)  # one step: labelled and so reviewed
                else:
                    last = p.accept(sid)
            return last
        word = "Rejected" if decision == "reject" else (f"Accepted as “{label}”" if label else "Accepted")
        return self.run(apply, f"{word}.")

    def relabel(self, ids: Sequence[int], label: str) -> bool:
        """Give the segments ``ids`` the label ``label``; refused for a rejected proposal (a label
        key must not silently revive a false positive as "edited")."""
        project = self.project_of()
        if project is None or not ids:
            return False
        segs = project.segments_by_id(list(ids))
        if any(s is not None and s.status == Status.REJECTED for s in segs.values()):
            self.message(REJECTED_NEEDS_ACCEPT)
            return False

        def apply(p: Any) -> bool:
            for sid in ids:
                p.update_segment(sid, label=label)
            return True
        return bool(self.run(apply, f"Relabelled as “{label}”."))

    # ------------------------------------------------------------------ changing and removing
    def set_bounds(self, seg_id: int, start: int, end: int, merge_within: float = 0.0,
                   say: bool = True) -> Segment | None:
        """Move / resize a segment to ``[start, end)`` (nudges within ``merge_within`` s: one undo step)."""
        def said(s: Segment) -> str:
            return (f"“{s.label}” now runs from frame {s.start} to frame {s.end - 1} "
                    f"({s.length} frame{'s' * (s.length != 1)}).")
        return self.run(lambda p: p.update_segment(seg_id, start=int(start), end=int(end), merge_within=merge_within),
                        said if say else None)

    def split(self, seg_id: int, frame: int) -> Any:
        return self.run(lambda p: p.split_segment(seg_id, int(frame)), f"Split at frame {int(frame)}.")

    def merge(self, ids: Sequence[int]) -> Any:
        return self.run(lambda p: p.merge_segments(list(ids)), "Merged.")

    def delete(self, ids: Sequence[int]) -> bool:
        def apply(p: Any) -> bool:
            for sid in ids:
                p.delete_segment(sid)
            return True
        return bool(self.run(apply, "Deleted. Ctrl+Z brings it back."))

    def set_note(self, seg_id: int, text: str) -> Segment | None:
        return self.run(lambda p: p.update_segment(seg_id, note=text))

    # ------------------------------------------------------------------ history
    def step_history(self, undo: bool) -> str | None:
        """Undo (or redo) the last edit; what it was (``None``: nothing to undo / redo, said)."""
        what = self.run(lambda p: p.undo() if undo else p.redo())
        if not what and self.project_of() is not None:
            self.message("Nothing to undo." if undo else "Nothing to redo.")
        return what or None

    # ------------------------------------------------------------------ helpers
    def _label_names(self) -> list[str]:
        project = self.project_of()
        return list(getattr(getattr(project, "taxonomy", None), "names", []) or [])
