"""The review keyboard map: action names, default keys, descriptions; stored in ``QSettings``.

Users coming from ELAN and BORIS expect Space, the arrows and J/K/L, and to correct a segment's
edges frame by frame from the keyboard (Alt+arrows, Alt+Shift+arrows, [ and ]); everything can be
rebound in the keyboard dialog (Help ▸ Keyboard shortcuts…), and F1 shows the cheat sheet.
Label keys come from the project's taxonomy, not from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence

SETTINGS_GROUP = "review/keymap"


@dataclass(frozen=True)
class KeyAction:
    name: str
    default: str  # QKeySequence portable text
    text: str  # what it does, for the cheat sheet
    group: str


ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("play_pause", "Space", "Play / pause", "Playing"),
    KeyAction("prev_frame", "Left", "Back one frame", "Playing"),
    KeyAction("next_frame", "Right", "Forward one frame", "Playing"),
    KeyAction("back_second", "Shift+Left", "Back one second", "Playing"),
    KeyAction("forward_second", "Shift+Right", "Forward one second", "Playing"),
    KeyAction("shuttle_back", "J", "Play backwards (press again: faster)", "Playing"),
    KeyAction("shuttle_stop", "K", "Stop", "Playing"),
    KeyAction("shuttle_forward", "L", "Play forwards (press again: faster)", "Playing"),
    KeyAction("mark_in", "I", "Mark the start of a new segment here", "Coding"),
    KeyAction("mark_out", "O", "Mark the end here and create the segment with the chosen label", "Coding"),
    KeyAction("accept", "A", "Accept the selected proposal", "Reviewing"),
    KeyAction("reject", "R", "Reject the selected proposal", "Reviewing"),
    KeyAction("relabel", "Return", "Change the label of the selected segment", "Reviewing"),
    KeyAction("delete", "Delete", "Delete the selected segment", "Reviewing"),
    KeyAction("deselect", "Escape", "Deselect (label keys then choose the label for new segments)", "Reviewing"),
    KeyAction("next_segment", "N", "Next segment", "Reviewing"),
    KeyAction("prev_segment", "P", "Previous segment", "Reviewing"),
    KeyAction("next_uncertain", "U", "Next proposal to review (most informative first)", "Reviewing"),
    KeyAction("start_earlier", "Alt+Left", "Move the start of the selected segment one frame earlier", "Segment edges"),
    KeyAction("start_later", "Alt+Right", "Move the start of the selected segment one frame later", "Segment edges"),
    KeyAction("end_earlier", "Alt+Shift+Left", "Move the end of the selected segment one frame earlier",
              "Segment edges"),
    KeyAction("end_later", "Alt+Shift+Right", "Move the end of the selected segment one frame later", "Segment edges"),
    KeyAction("start_at_playhead", "[", "Start the selected segment at the frame shown", "Segment edges"),
    KeyAction("end_at_playhead", "]", "End the selected segment with the frame shown (included)", "Segment edges"),
    KeyAction("undo", "Ctrl+Z", "Undo", "Editing"),
    KeyAction("redo", "Ctrl+Shift+Z", "Redo", "Editing"),
    KeyAction("zoom_in", "Ctrl+=", "Zoom the timeline in", "Timeline"),
    KeyAction("zoom_out", "Ctrl+-", "Zoom the timeline out", "Timeline"),
    KeyAction("zoom_fit", "Ctrl+0", "Show the whole video on the timeline", "Timeline"),
    KeyAction("cheat_sheet", "F1", "Show this list of keys", "Help"),
)
BY_NAME = {a.name: a for a in ACTIONS}


def default_keymap() -> dict[str, str]:
    return {a.name: a.default for a in ACTIONS}


def load_keymap(settings: QSettings | None = None) -> dict[str, str]:
    """The user's keymap: defaults overridden by what ``QSettings`` holds."""
    s = settings or QSettings()
    km = default_keymap()
    s.beginGroup(SETTINGS_GROUP)
    try:
        for name in km:
            val = s.value(name)
            if isinstance(val, str):
                km[name] = val
    finally:
        s.endGroup()
    return km


def save_keymap(keymap: dict[str, str], settings: QSettings | None = None) -> None:
    s = settings or QSettings()
    s.beginGroup(SETTINGS_GROUP)
    try:
        for name in BY_NAME:
            if name in keymap:
                s.setValue(name, keymap[name])
    finally:
        s.endGroup()
    s.sync()


def normalise(key: str) -> str:
    """A key sequence in Qt's portable spelling (``"ctrl+z"`` -> ``"Ctrl+Z"``)."""
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText)


def conflicts(keymap: dict[str, str], label_keys: dict[str, str] | None = None) -> list[str]:
    """Sentences describing keys used twice (between actions, or with a label key)."""
    seen: dict[str, str] = {}
    out: list[str] = []
    for name, key in keymap.items():
        k = normalise(key)
        if not k:
            continue
        what = BY_NAME[name].text if name in BY_NAME else name
        if k in seen:
            out.append(f"“{k}” is used for both “{seen[k]}” and “{what}”.")
        else:
            seen[k] = what
    for label, key in (label_keys or {}).items():
        k = normalise(key)
        if k in seen:
            out.append(f"“{k}” is used for both “{seen[k]}” and the label “{label}”.")
    return out
