"""Taxonomies: built-ins load, labels have safe colours and free shortcuts, user files validate."""

from __future__ import annotations

import json

import pytest

from mgstudio.core.errors import FormatError
from mgstudio.core.taxonomy import (OKABE_ITO, PALETTE, RESERVED_KEYS, Label, Taxonomy, builtin_taxonomies,
                                    load_taxonomy)


def test_builtins_are_all_there() -> None:
    assert {"imigue", "movement", "utkinect", "msr_action3d", "gesture_phases"} <= set(builtin_taxonomies())


def test_imigue_has_32_classes_plus_non_mg_with_ids() -> None:
    t = load_taxonomy("imigue")
    assert len(t) == 33
    assert t.by_code(1).name == "turtle neck"
    assert t.by_code(17).name == "folding arms"
    assert t.by_code(32).name == "illustrative hand gestures"
    assert t.by_code(99).name == "non-MG"
    assert t.label("touching jaw").code == 11


@pytest.mark.parametrize("name, n, first, last", [
    ("movement", 1, "movement event", "movement event"),
    ("utkinect", 10, "walk", "clapHands"),
    ("msr_action3d", 20, "high arm wave", "pick up & throw"),
    ("gesture_phases", 5, "Rest", "Retraction"),
])
def test_other_builtins(name, n, first, last) -> None:
    t = load_taxonomy(name)
    assert (len(t), t.names[0], t.names[-1]) == (n, first, last)


@pytest.mark.parametrize("name", ["imigue", "movement", "utkinect", "msr_action3d", "gesture_phases"])
def test_builtin_colours_and_shortcuts_are_safe(name) -> None:
    t = load_taxonomy(name)
    safe = {c.upper() for c in PALETTE} | {"#BBBBBB"}
    keys = [lab.shortcut.upper() for lab in t if lab.shortcut]
    assert len(keys) == len(set(keys))
    assert not set(keys) & RESERVED_KEYS
    assert all(lab.color.upper() in safe for lab in t)


def test_shortcut_lookup_ignores_case() -> None:
    t = load_taxonomy("imigue")
    lab = t.by_shortcut("b")
    assert lab is not None and lab is t.by_shortcut("B")
    assert t.by_shortcut("j") is None


def test_review_keys_cannot_be_shortcuts() -> None:
    with pytest.raises(FormatError, match="review key"):
        Taxonomy("x", [Label("a", "#112233", shortcut="j")])
    with pytest.raises(FormatError, match="share the key"):
        Taxonomy("x", [Label("a", "#112233", shortcut="1"), Label("b", "#112233", shortcut="1")])
    with pytest.raises(FormatError, match="twice"):
        Taxonomy("x", [Label("a", "#112233"), Label("a", "#112233")])
    with pytest.raises(FormatError, match="#RRGGBB"):
        Taxonomy("x", [Label("a", "red")])


def test_user_taxonomy_from_file_round_trips(tmp_path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "mine", "labels": ["fidget", {"name": "sigh", "shortcut": "s", "code": 7}]}))
    t = load_taxonomy(path)
    assert t.names == ["fidget", "sigh"]
    assert t.label("fidget").color == PALETTE[0]  # colour assigned from the palette
    assert Taxonomy.from_json(t.to_json()) == t
    assert "fidget" in t and "nope" not in t
    assert t.color_for("nope") in PALETTE and t.color_for("nope") == t.color_for("nope")


@pytest.mark.parametrize("text", ["", "{", "[]", '{"name": "x"}', '{"labels": []}',
                                  '{"name": "x", "labels": [{"code": 1}]}',
                                  '{"name": "x", "labels": [{"name": "a", "code": "one"}]}'])
def test_bad_taxonomy_files_give_clear_errors(tmp_path, text) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(FormatError):
        load_taxonomy(path)


def test_unknown_taxonomy_names_the_builtins() -> None:
    with pytest.raises(FormatError, match="imigue"):
        load_taxonomy("no_such_taxonomy")


def test_palette_contains_okabe_ito() -> None:
    assert set(OKABE_ITO) <= set(PALETTE) and len(set(PALETTE)) == len(PALETTE)
