"""Taxonomies: the label sets annotators code with (ELAN's controlled vocabularies, BORIS's ethograms).

A taxonomy is JSON::

    {"name": "imigue", "description": "...",
     "labels": [{"name": "turtle neck", "code": 1, "color": "#4477AA", "shortcut": "1",
                 "description": ""}, ...]}

Built-ins live in ``resources/taxonomies/NAME.json``; :func:`load_taxonomy` also reads any JSON
path. Every label has a colour; labels without one get the next colour of :data:`PALETTE`.

Colours (colour-blind safe): the default :data:`PALETTE` is Paul Tol's *bright* (7 colours),
then his *muted* set (9 colours, without its pale grey) then Okabe & Ito's 8-colour set
(without black): 7 + 9 + 7 = 23 distinct colours, each set safe for the common colour-vision
deficiencies on its own. Taxonomies with more labels than that repeat colours (iMiGUE's 33 do):
colours help, but names on the timeline are what distinguish labels.
References: Paul Tol, "Colour Schemes" (SRON/EPS/TN/09-002, 2021); Okabe & Ito, "Color
Universal Design" (2008).

Shortcuts are single keys. The review keys (:data:`RESERVED_KEYS`: Space J K L I O A R N P U,
in either case) are refused; digits and the other letters are free.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgstudio.core.errors import FormatError
from mgstudio.resources import resource_path

__all__ = [
    "Label", "Taxonomy", "load_taxonomy", "builtin_taxonomies", "PALETTE", "TOL_BRIGHT",
    "TOL_MUTED", "OKABE_ITO", "RESERVED_KEYS", "TAXONOMY_DIR",
]

TOL_BRIGHT = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")
TOL_MUTED = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677",
             "#882255", "#AA4499")
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
PALETTE: tuple[str, ...] = TOL_BRIGHT + TOL_MUTED + OKABE_ITO

RESERVED_KEYS = frozenset(" JKLIOARNPU")

TAXONOMY_DIR = resource_path("taxonomies")  # also inside the packaged app

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Label:
    """One label of a taxonomy."""

    name: str
    color: str
    shortcut: str | None = None
    code: int | None = None
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "color": self.color}
        if self.shortcut:
            d["shortcut"] = self.shortcut
        if self.code is not None:
            d["code"] = self.code
        if self.description:
            d["description"] = self.description
        return d


@dataclass
class Taxonomy:
    """A named, ordered set of labels with unique names, codes and shortcuts."""

    name: str
    labels: list[Label]
    description: str = ""
    _by_name: dict[str, Label] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.labels = list(self.labels)
        where = f"Taxonomy '{self.name}'"
        if not self.name or not str(self.name).strip():
            raise FormatError("A taxonomy needs a name.")
        self._by_name = {}
        shortcuts: dict[str, str] = {}
        codes: dict[int, str] = {}
        for lab in self.labels:
            if not lab.name or not lab.name.strip():
                raise FormatError(f"{where} has a label without a name.")
            if lab.name in self._by_name:
                raise FormatError(f"{where} lists the label '{lab.name}' twice.")
            if not _COLOR.match(lab.color or ""):
                raise FormatError(f"{where}: label '{lab.name}' has colour {lab.color!r}; use #RRGGBB.")
            if lab.shortcut is not None:
                key = lab.shortcut
                if len(key) != 1 or not key.isprintable():
                    raise FormatError(f"{where}: label '{lab.name}' has shortcut {key!r}; use one key.")
                if key.upper() in RESERVED_KEYS:
                    raise FormatError(
                        f"{where}: label '{lab.name}' uses the key '{key}', which is a review key "
                        "(Space J K L I O A R N P U); pick a digit or another letter.")
                if key.upper() in shortcuts:
                    raise FormatError(
                        f"{where}: labels '{shortcuts[key.upper()]}' and '{lab.name}' share the key '{key}'.")
                shortcuts[key.upper()] = lab.name
            if lab.code is not None:
                if lab.code in codes:
                    raise FormatError(f"{where}: labels '{codes[lab.code]}' and '{lab.name}' share code {lab.code}.")
                codes[lab.code] = lab.name
            self._by_name[lab.name] = lab

    # ------------------------------------------------------------------ look-ups
    @property
    def names(self) -> list[str]:
        return [lab.name for lab in self.labels]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self):
        return iter(self.labels)

    def label(self, name: str) -> Label:
        """The label called ``name``; ``KeyError`` when the taxonomy has none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"'{name}' is not a label of taxonomy '{self.name}'") from None

    def get(self, name: str) -> Label | None:
        return self._by_name.get(name)

    def by_shortcut(self, key: str) -> Label | None:
        """The label whose shortcut is ``key`` (letters match in either case), else None."""
        for lab in self.labels:
            if lab.shortcut is not None and lab.shortcut.upper() == key.upper():
                return lab
        return None

    def by_code(self, code: int) -> Label | None:
        for lab in self.labels:
            if lab.code == code:
                return lab
        return None

    def color_for(self, name: str) -> str:
        """The label's colour, or a stable palette colour for a name not in the taxonomy."""
        lab = self._by_name.get(name)
        if lab is not None:
            return lab.color
        return PALETTE[sum(name.encode("utf-8")) % len(PALETTE)]

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name}
        if self.description:
            d["description"] = self.description
        d["labels"] = [lab.to_dict() for lab in self.labels]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: Any, source: str = "taxonomy") -> "Taxonomy":
        if not isinstance(d, dict) or not isinstance(d.get("labels"), list):
            raise FormatError(f"{source} is not a taxonomy: it needs a 'labels' list.")
        labels = []
        for i, raw in enumerate(d["labels"]):
            if isinstance(raw, str):
                raw = {"name": raw}
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                raise FormatError(f"{source}: label {i + 1} needs a 'name'.")
            code = raw.get("code")
            if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
                raise FormatError(f"{source}: label '{raw['name']}' has a code that is not a whole number.")
            shortcut = raw.get("shortcut") or None
            if shortcut is not None and not isinstance(shortcut, str):
                raise FormatError(f"{source}: label '{raw['name']}' has a shortcut that is not a key.")
            labels.append(Label(
                name=raw["name"].strip(),
                color=str(raw.get("color") or PALETTE[i % len(PALETTE)]).upper(),
                shortcut=shortcut,
                code=code,
                description=str(raw.get("description") or ""),
            ))
        name = d.get("name")
        if not isinstance(name, str) or not name.strip():
            raise FormatError(f"{source} is not a taxonomy: it needs a 'name'.")
        return cls(name=name.strip(), labels=labels, description=str(d.get("description") or ""))

    @classmethod
    def from_json(cls, text: str, source: str = "taxonomy") -> "Taxonomy":
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, TypeError) as exc:
            raise FormatError(f"{source} is not valid JSON.", str(exc)) from exc
        return cls.from_dict(data, source)


def builtin_taxonomies() -> list[str]:
    """Names of the taxonomies shipped in ``resources/taxonomies``."""
    return sorted(p.stem for p in TAXONOMY_DIR.glob("*.json"))


def load_taxonomy(name_or_path: str | Path) -> Taxonomy:
    """A built-in taxonomy by name (``"imigue"``) or a user's taxonomy from a JSON file."""
    text_name = str(name_or_path)
    builtin = TAXONOMY_DIR / f"{text_name}.json"
    if re.fullmatch(r"[A-Za-z0-9_\-]+", text_name) and builtin.exists():
        path = builtin
    else:
        path = Path(name_or_path).expanduser()
        if not path.exists():
            raise FormatError(
                f"No taxonomy called '{text_name}': use one of {', '.join(builtin_taxonomies())} "
                "or the path of a taxonomy JSON file.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"The taxonomy file {path.name} could not be read.", str(exc)) from exc
    return Taxonomy.from_json(text, source=f"The taxonomy file {path.name}")
