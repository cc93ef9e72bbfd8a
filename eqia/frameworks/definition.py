"""A framework a council rates itself against, loaded from YAML (eqia/data/frameworks/):
its modules (EFLG) or domains (NHS EDS), their criteria, and the rating scale in
order from weakest to strongest, with the rating a criterion must reach to be no gap
(`meets`).

Keys are codes, stored on every self-assessment and rating; the words under `title`,
`label` and `description` are `Shown`, so they are read in the reader's language
(eqia/catalogue.py extracts them). A malformed file is refused when loaded, naming the
file and the key that is wrong, as the workflow definitions and profiles are."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from eqia.workflow.shown import Shown

FRAMEWORKS_DIR = Path(__file__).resolve().parent.parent / "data" / "frameworks"
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NUMBER_MAX = 10


class FrameworkConfigError(Exception):
    """A framework file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True)
class Rating:
    key: str
    label: Shown


@dataclass(frozen=True)
class Criterion:
    key: str
    number: str
    label: Shown
    description: Shown
    module: str  # its module's key


@dataclass(frozen=True)
class Module:
    key: str
    title: Shown
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Framework:
    key: str
    version: int
    title: Shown
    ratings: tuple[Rating, ...]
    meets: str
    modules: tuple[Module, ...]
    source_file: str

    @property
    def criteria(self) -> dict[str, Criterion]:
        return {c.key: c for m in self.modules for c in m.criteria}

    @property
    def rating_labels(self) -> dict[str, Shown]:
        return {r.key: r.label for r in self.ratings}

    def module(self, key: str) -> Module:
        return next(m for m in self.modules if m.key == key)

    def is_gap(self, rating: str | None) -> bool:
        """Below the rating that meets the framework, or not rated at all."""
        order = [r.key for r in self.ratings]
        return rating not in order or order.index(rating) < order.index(self.meets)


def _text(path: Path, where: str, value: object) -> Shown:
    if not isinstance(value, str) or not value.strip():
        raise FrameworkConfigError(f"{path}: {where}: must be words (a non-empty string)")
    words = " ".join(value.split())
    return Shown(words)


def _key(path: Path, where: str, value: object) -> str:
    if not isinstance(value, str) or not KEY.match(value):
        raise FrameworkConfigError(f"{path}: {where}: must be a code of lower-case letters, digits and "
                                   f"underscores, starting with a letter (at most 40), not {value!r}")
    return value


def _mapping(path: Path, where: str, value: object, known: set[str], needed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise FrameworkConfigError(f"{path}: {where}: must be a mapping")
    for key in sorted(map(str, value)):
        if key not in known:
            raise FrameworkConfigError(f"{path}: {where}.{key}: is not a key a framework has "
                                       f"({', '.join(sorted(known))})")
    for key in sorted(needed):
        if key not in value:
            raise FrameworkConfigError(f"{path}: {where}.{key}: is missing")
    return value


def _list(path: Path, where: str, value: object) -> list:
    if not isinstance(value, list) or not value:
        raise FrameworkConfigError(f"{path}: {where}: must be a list of at least one")
    return value


def _unique(path: Path, where: str, keys: list[str]) -> None:
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise FrameworkConfigError(f"{path}: {where}: key {twice[0]!r} is used twice")


def load_framework(path: Path) -> Framework:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FrameworkConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise FrameworkConfigError(f"{path}: not valid YAML: {exc}") from None
    top = _mapping(path, "(top)", raw, {"key", "version", "title", "ratings", "meets", "modules"},
                   {"key", "version", "title", "ratings", "meets", "modules"})
    key = _key(path, "key", top["key"])
    if key != path.stem:
        raise FrameworkConfigError(f"{path}: key: must be the file's name ({path.stem!r}), not {key!r}")
    if not isinstance(top["version"], int) or isinstance(top["version"], bool) or top["version"] < 1:
        raise FrameworkConfigError(f"{path}: version: must be a whole number from 1")
    ratings = []
    for n, item in enumerate(_list(path, "ratings", top["ratings"])):
        where = f"ratings[{n}]"
        item = _mapping(path, where, item, {"key", "label"}, {"key", "label"})
        ratings.append(Rating(_key(path, f"{where}.key", item["key"]), _text(path, f"{where}.label", item["label"])))
    _unique(path, "ratings", [r.key for r in ratings])
    if top["meets"] not in {r.key for r in ratings}:
        raise FrameworkConfigError(f"{path}: meets: {top['meets']!r} is not one of the ratings "
                                   f"({', '.join(r.key for r in ratings)})")
    modules = []
    for n, item in enumerate(_list(path, "modules", top["modules"])):
        where = f"modules[{n}]"
        item = _mapping(path, where, item, {"key", "title", "criteria"}, {"key", "title", "criteria"})
        module_key = _key(path, f"{where}.key", item["key"])
        criteria = []
        for m, entry in enumerate(_list(path, f"{where}.criteria", item["criteria"])):
            at = f"{where}.criteria[{m}]"
            entry = _mapping(path, at, entry, {"key", "number", "label", "description"}, {"key", "label"})
            number = entry.get("number", "")
            if not isinstance(number, str) or len(number) > NUMBER_MAX:
                raise FrameworkConfigError(f"{path}: {at}.number: must be text of {NUMBER_MAX} characters or fewer "
                                           f"(quote it: \"1.1\")")
            description = _text(path, f"{at}.description", entry["description"]) if "description" in entry \
                else ""
            criteria.append(Criterion(_key(path, f"{at}.key", entry["key"]), number,
                                      _text(path, f"{at}.label", entry["label"]), description, module_key))
        modules.append(Module(module_key, _text(path, f"{where}.title", item["title"]), tuple(criteria)))
    _unique(path, "modules", [m.key for m in modules])
    _unique(path, "criteria", [c.key for m in modules for c in m.criteria])
    return Framework(key=key, version=top["version"], title=_text(path, "title", top["title"]),
                     ratings=tuple(ratings), meets=top["meets"], modules=tuple(modules), source_file=str(path))


@cache
def frameworks(directory: Path = FRAMEWORKS_DIR) -> dict[str, Framework]:
    """Every framework of the directory, by key, in the order of their file names: loaded once."""
    found = [load_framework(p) for p in sorted(Path(directory).glob("*.yaml"))]
    if not found:
        raise FrameworkConfigError(f"{directory}: holds no framework (*.yaml)")
    return {f.key: f for f in found}
