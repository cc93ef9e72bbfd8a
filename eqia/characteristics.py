"""The jurisdiction profile: the groups an EqIA considers, the duty's aims and
which groups each applies to, the rating scales, the kinds of activity, and the
duty's name and citation.

Loaded once at start-up: England (`eqia/data/characteristics.yaml`, the
default), Wales or Northern Ireland (`eqia/data/profiles/`), chosen by
EQIA_PROFILE (a name, or the path of a deployment's own file; the older
EQIA_CHARACTERISTICS names a path too), and validated against a JSON Schema; a
bad file stops start-up naming the file and the path of the problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from eqia.workflow.shown import Shown, shown

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_FILE = DATA_DIR / "characteristics.yaml"
# The profiles shipped with the service, by the name EQIA_PROFILE takes.
PROFILES: dict[str, Path] = {
    "england": DEFAULT_FILE,
    "wales": DATA_DIR / "profiles" / "wales.yaml",
    "northern_ireland": DATA_DIR / "profiles" / "northern_ireland.yaml",
}


def profile_path(setting: str | None) -> Path:
    """The file EQIA_PROFILE names: a shipped profile by name, or a path."""
    if not setting:
        return DEFAULT_FILE
    if setting in PROFILES:
        return PROFILES[setting]
    if "/" not in setting and not setting.endswith((".yaml", ".yml")):
        raise CharacteristicConfigError(f"EQIA_PROFILE: there is no profile called {setting!r} (choose one "
                                        f"of {', '.join(PROFILES)}, or give the path of a profile file)")
    return Path(setting)


class CharacteristicConfigError(Exception):
    pass


# Every word of a profile a person reads (names, hints, aims, scale labels, kinds of activity, the
# duty's name, citation and regard, questions, section titles) is `Shown`: its English is the data
# (keys decide, documents and the API stay English), its Welsh is looked up when it is shown
# (eqia/workflow/shown.py), so a profile loaded once serves either language.


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
class Duty:
    name: str  # "Public Sector Equality Duty"
    citation: str  # "Equality Act 2010, section 149"
    short: str = ""  # for the PDF's footer: "Equality Act 2010, s.149"
    # What a decision-maker pays due regard to, in the words of this jurisdiction's
    # law; it stands for {duty} in the sign-off's attestation.
    regard: str = ""

    @property
    def footer(self) -> str:
        return self.short or self.citation

    @property
    def regard_text(self) -> str:
        if self.regard:
            return self.regard
        return Shown("the aims of the {name} ({citation})").format(name=self.name, citation=self.citation)


# The three aims of section 149(1), stored under "a", "b" and "c" since before aims were
# the profile's, go by these names in interchange documents (the names their columns had);
# every other aim goes by its own key.
PSED_AIM_NAMES = {"a": "eliminate_discrimination", "b": "advance_equality", "c": "foster_good_relations"}

QUESTIONS = {
    "screening": Shown("{group}: could the activity affect people in this group differently?"),
    "advances": Shown("{group}: could it advance equality of opportunity for this group?"),
}

ENGLAND_DUTY = Duty(Shown("Public Sector Equality Duty"), Shown("Equality Act 2010, section 149"),
                    Shown("Equality Act 2010, s.149"),
                    Shown("the aims of the Public Sector Equality Duty (section 149 of the Equality Act 2010)"))


@dataclass(frozen=True)
class OutcomeRule:
    """What one outcome cannot stand beside: other outcomes, and negative impacts of some severities."""

    key: str
    excludes: frozenset[str] = frozenset()
    not_beside_adverse: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CharacteristicSet:
    """A jurisdiction profile (the name is older than the profiles: a set of
    characteristics was all it once held)."""

    name: str
    characteristics: tuple[Characteristic, ...]
    aims: dict[str, str]
    scales: dict[str, tuple[ScaleItem, ...]]
    source_file: str
    # The kinds of activity an EqIA can assess, key -> label, in the order offered.
    activity_kinds: dict[str, str] = field(default_factory=dict)
    key: str = "england"
    version: int = 1
    duty: Duty = ENGLAND_DUTY
    # This jurisdiction's own name for a section ("Multiple identity" in Northern Ireland).
    section_titles: dict[str, str] = field(default_factory=dict)
    # This jurisdiction's wording of the screening questions ("{group}: ...").
    questions: dict[str, str] = field(default_factory=dict)

    def section_title(self, section: str, default: str) -> str:
        return self.section_titles.get(section, default)

    def question(self, name: str, group: str) -> str:
        return shown(self.questions.get(name, QUESTIONS[name])).substitute("{group}", self.group_name(group))

    def group_name(self, label: str) -> str:
        """A group's name as an assessment stored it (in English), shown in the reader's language
        when it is one of this profile's characteristics; a group the author named stays as written."""
        return next((c.name for c in self.characteristics if c.name == label), label)
    outcome_rules: dict[str, OutcomeRule] = field(default_factory=dict)

    def outcomes_exclude(self, first: str, second: str) -> bool:
        """Whether two outcomes contradict each other (either one says so)."""
        return any(b in self.outcome_rules[a].excludes for a, b in ((first, second), (second, first))
                   if a in self.outcome_rules)

    def outcome_ruled_out_by(self, outcome: str, severity: str | None) -> bool:
        """Whether a negative impact of `severity` on some group rules `outcome` out."""
        rule = self.outcome_rules.get(outcome)
        return rule is not None and severity in rule.not_beside_adverse

    def aim_name(self, key: str) -> str:
        """The aim's name in an interchange document."""
        return aim_name(key)

    def aim_labels(self, keys) -> list[str]:
        """The wording of these aims, in the profile's order; an aim this profile
        does not have (written under another) by its key."""
        order = list(self.aims)
        ordered = sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k))
        return [self.aims.get(k) or Shown("Aim ({key}) of another profile").format(key=k) for k in ordered]

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
            choices.append((current, Shown("{answer} (from another scale: choose one of the above)").format(
                answer=current)))
        return choices

    def label(self, scale: str, key: str | None) -> str:
        if key is None:
            return ""
        return next((i.label for i in self.scales[scale] if i.key == key), key)

    def keys_meaning(self, scale: str, meaning: str) -> frozenset[str]:
        return frozenset(i.key for i in self.scales[scale] if i.meaning == meaning)


# libyaml's parser where PyYAML has it: the same safe subset, much faster (read at every start-up).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_characteristics(path: Path | None = None) -> CharacteristicSet:
    path = Path(path) if path else DEFAULT_FILE
    schema = json.loads((DATA_DIR / "characteristics.schema.json").read_text(encoding="utf-8"))
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
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
    for key in raw["aims"]:
        if key in AIM_KEYS_BY_NAME:
            raise CharacteristicConfigError(f"{path}: aims.{key}: the name of aim ({AIM_KEYS_BY_NAME[key]}) of "
                                            f"section 149(1) in documents: give this aim a key of its own")
    for n, c in enumerate(raw["characteristics"]):
        for m, aim in enumerate(c["aims"]):
            if aim not in raw["aims"]:
                raise CharacteristicConfigError(f"{path}: characteristics[{n}].aims[{m}]: {aim!r} is not "
                                                f"one of this profile's aims ({', '.join(raw['aims'])})")
    for scale_name, items in raw["scales"].items():
        scale_keys = [i["key"] for i in items]
        if len(set(scale_keys)) != len(scale_keys):
            raise CharacteristicConfigError(f"{path}: scales.{scale_name}: a key is used twice")
    if "outcomes" in raw or path == DEFAULT_FILE:
        outcome_rules = _outcome_rules(path, raw.get("outcomes", []), {i["key"] for i in raw["scales"]["severity"]})
    else:
        # A profile that states no rules of its own keeps the default's: which
        # outcomes contradict each other does not change with the jurisdiction.
        outcome_rules = load_characteristics(DEFAULT_FILE).outcome_rules
    return CharacteristicSet(
        name=shown(raw["name"]),
        characteristics=tuple(
            Characteristic(key=c["key"], name=shown(c["name"]), hint=shown(" ".join(c["hint"].split())),
                           aims=tuple(c["aims"]), statutory=bool(c.get("statutory", False)))
            for c in raw["characteristics"]
        ),
        aims={key: shown(" ".join(text.split())) for key, text in raw["aims"].items()},
        scales=_scales(raw["scales"]),
        source_file=str(path),
        activity_kinds=_activity_kinds(raw, path),
        key=raw.get("key", path.stem),
        version=raw.get("version", 1),
        duty=_duty(raw),
        section_titles={key: shown(text) for key, text in raw.get("section_titles", {}).items()},
        questions={key: shown(text) for key, text in raw.get("questions", {}).items()},
        outcome_rules=outcome_rules,
    )


AIM_KEYS_BY_NAME = {name: key for key, name in PSED_AIM_NAMES.items()}


def aim_name(key: str) -> str:
    return PSED_AIM_NAMES.get(key, key)


def aim_key(name: str) -> str:
    """The key an aim named in an interchange document is stored under."""
    return AIM_KEYS_BY_NAME.get(name, name)


def _duty(raw: dict) -> Duty:
    if "duty" not in raw:
        return ENGLAND_DUTY
    spec = raw["duty"]
    return Duty(shown(spec["name"]), shown(" ".join(spec["citation"].split())), shown(spec.get("short", "")),
                shown(" ".join(spec.get("regard", "").split())))


def _scales(raw: dict) -> dict[str, tuple[ScaleItem, ...]]:
    scales = {name: tuple(ScaleItem(key=i["key"], label=shown(i["label"]), meaning=i.get("meaning", ""))
                          for i in items) for name, items in raw.items()}
    # "Could it advance equality of opportunity?" is answered on the screening scale unless
    # the profile says otherwise (Section 75 screening asks it yes or no, its impact major, minor or none).
    scales.setdefault("advances_answer", scales["screening_answer"])
    return scales


def _activity_kinds(raw: dict, path: Path) -> dict[str, str]:
    """The file's own kinds of activity; a file that names none (one written
    before they were configuration) offers the default list."""
    if "activity_kinds" not in raw:
        if path == DEFAULT_FILE:
            raise CharacteristicConfigError(f"{path}: activity_kinds: the default file must list them")
        return load_characteristics(DEFAULT_FILE).activity_kinds
    kinds = {k["key"]: shown(k["label"]) for k in raw["activity_kinds"]}
    if len(kinds) != len(raw["activity_kinds"]):
        raise CharacteristicConfigError(f"{path}: activity_kinds: a key is used twice")
    return kinds


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
