"""The configured characteristic set and rating scales.

Loaded once at start-up from `eqia/data/characteristics.yaml`, or from the file
named by EQIA_CHARACTERISTICS, and validated against a JSON Schema; a bad file
stops start-up naming the file and the path of the problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_FILE = DATA_DIR / "characteristics.yaml"


class CharacteristicConfigError(Exception):
    pass


@dataclass(frozen=True)
class Characteristic:
    key: str
    name: str
    hint: str
    aims: tuple[str, ...]
    statutory: bool


@dataclass(frozen=True)
class ScaleItem:
    key: str
    label: str
    meaning: str


@dataclass(frozen=True)
class OutcomeRule:
    """What one outcome cannot stand beside: other outcomes, and negative impacts of some severities."""

    key: str
    excludes: frozenset[str] = frozenset()
    not_beside_adverse: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CharacteristicSet:
    name: str
    characteristics: tuple[Characteristic, ...]
    aims: dict[str, str]
    scales: dict[str, tuple[ScaleItem, ...]]
    source_file: str
    outcome_rules: dict[str, OutcomeRule] = field(default_factory=dict)

    def outcomes_exclude(self, first: str, second: str) -> bool:
        """Whether two outcomes contradict each other (either one says so)."""
        return any(b in self.outcome_rules[a].excludes for a, b in ((first, second), (second, first))
                   if a in self.outcome_rules)

    def outcome_ruled_out_by(self, outcome: str, severity: str | None) -> bool:
        """Whether a negative impact of `severity` on some group rules `outcome` out."""
        rule = self.outcome_rules.get(outcome)
        return rule is not None and severity in rule.not_beside_adverse

    def get(self, key: str) -> Characteristic | None:
        return next((c for c in self.characteristics if c.key == key), None)

    def scale(self, name: str) -> tuple[ScaleItem, ...]:
        return self.scales[name]

    def choices(self, name: str) -> list[tuple[str, str]]:
        return [(i.key, i.label) for i in self.scales[name]]

    def choices_keeping(self, name: str, current: str | None) -> list[tuple[str, str]]:
        """The scale's choices, and an answer already given that is not one of
        them (written under another deployment's set, or a scale since changed),
        so a page shows it rather than dropping it unseen; saving it again gets
        the service's message to choose from the scale."""
        choices = self.choices(name)
        if current and current not in {key for key, _ in choices}:
            choices.append((current, f"{current} (from another scale: choose one of the above)"))
        return choices

    def label(self, scale: str, key: str | None) -> str:
        if key is None:
            return ""
        return next((i.label for i in self.scales[scale] if i.key == key), key)

    def keys_meaning(self, scale: str, meaning: str) -> frozenset[str]:
        return frozenset(i.key for i in self.scales[scale] if i.meaning == meaning)


def load_characteristics(path: Path | None = None) -> CharacteristicSet:
    path = Path(path) if path else DEFAULT_FILE
    schema = json.loads((DATA_DIR / "characteristics.schema.json").read_text(encoding="utf-8"))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CharacteristicConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CharacteristicConfigError(f"{path}: not valid YAML: {exc}") from None
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(raw), key=lambda e: list(map(str, e.path)))
    if errors:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in errors[0].absolute_path).lstrip(".")
        raise CharacteristicConfigError(f"{path}: {where}: {errors[0].message}")
    keys = [c["key"] for c in raw["characteristics"]]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise CharacteristicConfigError(f"{path}: characteristics: key {duplicates[0]!r} is used twice")
    for scale_name, items in raw["scales"].items():
        scale_keys = [i["key"] for i in items]
        if len(set(scale_keys)) != len(scale_keys):
            raise CharacteristicConfigError(f"{path}: scales.{scale_name}: a key is used twice")
    outcome_rules = _outcome_rules(path, raw.get("outcomes", []), {i["key"] for i in raw["scales"]["severity"]})
    return CharacteristicSet(
        name=raw["name"],
        characteristics=tuple(
            Characteristic(key=c["key"], name=c["name"], hint=" ".join(c["hint"].split()),
                           aims=tuple(c["aims"]), statutory=bool(c.get("statutory", False)))
            for c in raw["characteristics"]
        ),
        aims=dict(raw["aims"]),
        scales={name: tuple(ScaleItem(key=i["key"], label=i["label"], meaning=i.get("meaning", ""))
                            for i in items) for name, items in raw["scales"].items()},
        source_file=str(path),
        outcome_rules=outcome_rules,
    )


def _outcome_rules(path: Path, entries: list[dict], severities: set[str]) -> dict[str, OutcomeRule]:
    from eqia.models import OUTCOMES

    rules: dict[str, OutcomeRule] = {}
    for i, entry in enumerate(entries):
        where = f"{path}: outcomes[{i}]"
        if entry["key"] not in OUTCOMES:
            raise CharacteristicConfigError(f"{where}.key: unknown outcome {entry['key']!r} "
                                            f"(known: {', '.join(OUTCOMES)})")
        if entry["key"] in rules:
            raise CharacteristicConfigError(f"{where}.key: outcome {entry['key']!r} is listed twice")
        for j, other in enumerate(entry.get("excludes", [])):
            if other not in OUTCOMES or other == entry["key"]:
                raise CharacteristicConfigError(f"{where}.excludes[{j}]: {other!r} is not another outcome "
                                                f"(known: {', '.join(OUTCOMES)})")
        for j, severity in enumerate(entry.get("not_beside_adverse", [])):
            if severity not in severities:
                raise CharacteristicConfigError(f"{where}.not_beside_adverse[{j}]: {severity!r} is not on the "
                                                f"severity scale ({', '.join(sorted(severities))})")
        rules[entry["key"]] = OutcomeRule(key=entry["key"], excludes=frozenset(entry.get("excludes", [])),
                                          not_beside_adverse=frozenset(entry.get("not_beside_adverse", [])))
    return rules
