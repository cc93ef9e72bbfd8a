"""Load and validate workflow definitions from `workflows/*.yaml`.

A definition is data: states, transitions, roles, guards, required fields,
editing rights and segregation-of-duties rules. It is checked against a JSON
Schema and then for meaning (every name it uses must exist), and any mistake
stops start-up with the file and the path of the bad entry, so a council can
never run on a workflow that silently ignores a rule it thinks it has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from eqia.roles import ROLES
from eqia.workflow import hooks
from eqia.workflow.shown import Shown, shown

SCHEMA_FILE = "workflow.schema.json"

# The kinds of participant a segregation-of-duties rule can exclude, besides the
# performers of a trigger (named by the trigger). Each is a way of contributing to
# one version; the services say who contributed each way from stored rows and codes.
SOD_PARTIES = {
    "creator": "made this version (started it, started its review, or imported it)",
    "editors": "saved any of its content, marked a section completed or in progress, or changed its "
               "action plan",
    "challengers": "recorded a challenge point on it",
    "responders": "answered a challenge point on it",
    "importers": "imported it, through the API or the command line",
    "restorers": "restored it from a file",
}

# Trigger names become methods on the token the state machine moves; these would
# clash with the machine's own attributes.
# The one name an attestation may leave for the caller to fill in; any other brace is a typo.
ATTESTATION_PLACEHOLDER = "{duty}"
RESERVED_TRIGGERS = frozenset({"state", "trigger", "machine", "to_state"})


class WorkflowDefinitionError(Exception):
    """A workflow file is malformed or names something that does not exist."""

    def __init__(self, file: str | Path, path: str, message: str) -> None:
        self.file = str(file)
        self.path = path
        self.message = message
        where = f"{self.file}: {path}" if path else self.file
        super().__init__(f"{where}: {message}")


# The words a person reads in a definition (labels, phrases, descriptions, button texts, what a
# comment box asks, the attestation, segregation messages, the title) are `Shown`: English as
# data (the API, the audit trail, the record), in the reader's language when shown
# (eqia/workflow/shown.py). Translated at display, so the cached definitions serve every language.
@dataclass(frozen=True)
class State:
    key: str
    label: str
    description: str
    tag: str
    editable_by: frozenset[str]
    frozen: bool
    final: bool
    public: bool  # shown on the public register
    # Nothing is waiting to be done: its actions are offered on the page but it
    # sits in nobody's queue and entering it calls nobody to act (published, screened out).
    settled: bool = False
    # Completes "The assessment is now ..." (and "still ...", "while it is ..."): "in full assessment".
    phrase: str = ""


@dataclass(frozen=True)
class Transition:
    trigger: str
    label: str
    sources: tuple[str, ...]
    dest: str | None  # None: the state stays (the transition only has effects)
    roles: frozenset[str]
    required_fields: tuple[str, ...]
    guards: tuple[str, ...]
    effects: tuple[str, ...]
    comment: str  # "required", "optional" or "none"
    comment_label: str
    style: str
    system: bool  # taken only by the engine itself (an effect), never offered to a user
    reauthenticate: bool = False  # the user's password again, at the moment of acting
    # Words the user must confirm, recorded with the action. "{duty}" in them stands for
    # what the user pays regard to, which the caller supplies (attestation_for).
    attestation: str = ""
    # How many different people must take it on the same content before the
    # state moves (a Head of Service and a Director, say). Needs the record_sign_off effect.
    signatures: int = 1
    # Said once it is done, in the past tense: "Submitted for challenge review".
    done: str = ""
    # A timed transition (a system one): the name of the record's date on or after which
    # the engine takes it (eqia.workflow.engine.take_timed_transitions), "" for any other.
    after: str = ""
    # The kind of notice the application sends of it (a code it registered: hooks.NOTICES),
    # "" for its default.
    notice: str = ""

    @property
    def comment_required(self) -> bool:
        return self.comment == "required"

    def attestation_for(self, duty: str) -> Shown:
        """The attestation with `duty` in it: recorded in English, shown in the reader's
        language (the Welsh keeps {duty} and the duty's own Welsh stands in it)."""
        return shown(self.attestation).substitute(ATTESTATION_PLACEHOLDER, duty)

    @property
    def timed(self) -> bool:
        return bool(self.after)

    def dest_from(self, source: str) -> str:
        return self.dest if self.dest is not None else source


@dataclass(frozen=True)
class SegregationRule:
    trigger: str
    excluded: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Right:
    """Something a user may do to a record without moving it (updating progress on
    a signed record, say): who, and in which states. The application names the rights
    it asks about; the engine knows no more of them than their name.

    `relations` gives the right to people by how they stand to the part of the record
    it is asked about (the owner of one of its actions, say), whatever their roles:
    the application says who stands so (Subject.relations), and only for that part."""
    name: str
    label: str
    roles: frozenset[str]
    states: frozenset[str]
    relations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WorkflowDefinition:
    name: str
    version: int
    title: str
    initial: str
    create_roles: frozenset[str]
    states: dict[str, State]
    transitions: dict[str, Transition]
    segregation: dict[str, SegregationRule]
    source_file: str = ""
    rights: dict[str, Right] = field(default_factory=dict)
    _by_source: dict[str, tuple[Transition, ...]] = field(default_factory=dict, repr=False, compare=False)

    def transitions_from(self, state: str) -> tuple[Transition, ...]:
        return self._by_source.get(state, ())

    def editable_by(self, state: str) -> frozenset[str]:
        return self.states[state].editable_by

    def is_frozen(self, state: str) -> bool:
        return self.states[state].frozen

    def moves_on(self, transition: Transition) -> bool:
        """A user's transition that carries the work forward or back, as opposed
        to ending it (withdraw). Queues, and who is told work awaits them, are about these: an
        assessment is not waiting for everyone who could withdraw it."""
        return not transition.system and not (transition.dest and self.states[transition.dest].final)

    def waiting_in(self, state: str) -> bool:
        """Whether an assessment in `state` is waiting for someone to act."""
        return not (self.states[state].settled or self.states[state].final)

    def states_where_role_acts(self, role: str) -> tuple[str, ...]:
        """States in which a holder of `role` has work that moves an assessment on."""
        return tuple(s for s in self.states if self.waiting_in(s)
                     and any(role in t.roles and self.moves_on(t) for t in self.transitions_from(s)))

    def timed_transitions(self) -> tuple[Transition, ...]:
        """The transitions the engine takes itself when a record's date arrives."""
        return tuple(t for t in self.transitions.values() if t.timed)

    def dated_states(self) -> frozenset[str]:
        """The states the timed transitions lead to: where a record's date has come (a review due, say)."""
        return frozenset(t.dest for t in self.timed_transitions())

    def public_states(self) -> tuple[str, ...]:
        return tuple(k for k, s in self.states.items() if s.public)

    def review_transitions(self, state: str) -> tuple[Transition, ...]:
        """The transitions that close a challenge round from `state`: where they can
        be taken, their roles may record challenge points."""
        return tuple(t for t in self.transitions_from(state) if "close_challenge_round" in t.effects)

    def reopens(self, transition: Transition) -> bool:
        """Whether `transition` sends the work back to be edited (a returned
        challenge round, whose points the author then answers)."""
        return transition.dest is not None and bool(self.editable_by(transition.dest))

    def sign_off_transitions(self, state: str) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions_from(state) if "record_sign_off" in t.effects)

    def states_where_role_edits(self, role: str) -> tuple[str, ...]:
        return tuple(s for s, st in self.states.items() if role in st.editable_by)

    def sections_in_use(self) -> tuple[str, ...]:
        """Every section some transition requires, in the order first required."""
        seen: dict[str, None] = {}
        for t in self.transitions.values():
            seen.update(dict.fromkeys(t.required_fields))
        return tuple(seen)

    def states_leading_to(self, state: str) -> frozenset[str]:
        """The states from which `state` can be reached."""
        found: set[str] = set()
        frontier = [state]
        while frontier:
            target = frontier.pop()
            for t in self.transitions.values():
                for source in t.sources:
                    if (t.dest or source) == target and source not in found:
                        found.add(source)
                        frontier.append(source)
        return frozenset(found)

    def sections_needed(self, state: str) -> tuple[str, ...]:
        """The sections that matter in `state`: those required to leave it, and
        those required on the way to it. An EqIA still in screening does not
        need its evidence yet; a screened-out one never did."""
        before = self.states_leading_to(state) | {state}
        needed: set[str] = set()
        for t in self.transitions.values():
            for source in t.sources:
                if source == state or (source in before and (t.dest or source) in before):
                    needed.update(t.required_fields)
        return tuple(name for name in self.sections_in_use() if name in needed)


def _can_precede(first: Transition, then: Transition, transitions: dict[str, Transition]) -> bool:
    """Whether `first` can have been taken on a version before `then` is possible on it."""
    reached = {first.dest_from(s) for s in first.sources}
    frontier = list(reached)
    while frontier:
        state = frontier.pop()
        for t in transitions.values():
            if state in t.sources and t.dest and t.dest not in reached:
                reached.add(t.dest)
                frontier.append(t.dest)
    return bool(reached & set(then.sources))


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _schema_path(error: jsonschema.ValidationError) -> str:
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _load_schema(directory: Path) -> dict:
    schema_file = directory / SCHEMA_FILE
    with schema_file.open(encoding="utf-8") as fh:
        return json.load(fh)


def parse_definition(raw: Any, source_file: str | Path, schema: dict) -> WorkflowDefinition:
    """Validate `raw` (the parsed YAML) and build a definition, or raise WorkflowDefinitionError."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        raise WorkflowDefinitionError(source_file, _schema_path(first), first.message)

    def fail(path: str, message: str) -> None:
        raise WorkflowDefinitionError(source_file, path, message)

    def check_roles(roles: Iterable[str], path: str) -> None:
        for i, role in enumerate(roles):
            if role not in ROLES:
                fail(f"{path}[{i}]", f"unknown role {role!r} (known roles: {', '.join(ROLES)})")

    states: dict[str, State] = {}
    for key, spec in raw["states"].items():
        check_roles(spec.get("editable_by", []), f"states.{key}.editable_by")
        if spec.get("frozen") and spec.get("editable_by"):
            fail(f"states.{key}.editable_by", "a frozen state cannot be editable")
        if spec.get("public") and not spec.get("frozen"):
            fail(f"states.{key}.public", "only a frozen state can be public: the register shows what was signed")
        states[key] = State(
            key=key,
            label=shown(spec["label"]),
            description=shown(" ".join(spec["description"].split())),
            tag=spec.get("tag", "grey"),
            editable_by=frozenset(spec.get("editable_by", [])),
            frozen=bool(spec.get("frozen", False)),
            final=bool(spec.get("final", False)),
            public=bool(spec.get("public", False)),
            settled=bool(spec.get("settled", False)),
            phrase=shown(" ".join(spec["phrase"].split())),
        )

    if raw["initial"] not in states:
        fail("initial", f"unknown state {raw['initial']!r}")
    check_roles(raw["create_roles"], "create_roles")

    transitions: dict[str, Transition] = {}
    for i, spec in enumerate(raw["transitions"]):
        path = f"transitions[{i}]"
        trigger = spec["trigger"]
        # A trigger named like a kind of participant would be read as that kind.
        reserved = trigger in RESERVED_TRIGGERS or trigger in SOD_PARTIES
        if reserved or trigger.startswith(("is_", "may_", "to_")):
            fail(f"{path}.trigger", f"{trigger!r} is reserved by the state machine; choose another name")
        if trigger in transitions:
            fail(f"{path}.trigger", f"trigger {trigger!r} is defined twice")
        sources = _as_list(spec["source"])
        for j, source in enumerate(sources):
            if source not in states:
                fail(f"{path}.source" + (f"[{j}]" if isinstance(spec["source"], list) else ""),
                     f"unknown state {source!r}")
            if states[source].final:
                fail(f"{path}.source", f"state {source!r} is final: nothing may leave it")
        dest = spec["dest"]
        if dest is not None and dest not in states:
            fail(f"{path}.dest", f"unknown state {dest!r}")
        check_roles(spec["roles"], f"{path}.roles")
        system = bool(spec.get("system", False))
        if system and spec["roles"]:
            fail(f"{path}.roles", "a system transition is taken by the engine only: give it no roles")
        if not system and not spec["roles"]:
            fail(f"{path}.roles", "name at least one role (or mark the transition system: true)")
        after = spec.get("after", "")
        if after:
            # Taken by the engine when the date arrives, so nobody is offered it and no one's
            # role, comment, password or signature can be asked for.
            if not system:
                fail(f"{path}.after", "only a system transition can be timed: mark it system: true")
            if after not in hooks.DATES:
                fail(f"{path}.after", f"unknown date {after!r} (known: {', '.join(sorted(hooks.DATES)) or 'none'})")
            if dest is None:
                fail(f"{path}.dest", "a timed transition must lead to a state: taken again every day, one that "
                     "stays would never be done")
            if spec.get("comment", "none") == "required" or spec.get("reauthenticate") or "attestation" in spec:
                fail(f"{path}.after", "a timed transition is taken by nobody: it cannot ask for a comment, a "
                     "password or an attestation")
        notice = spec.get("notice", "")
        if notice and notice not in hooks.NOTICES:
            fail(f"{path}.notice",
                 f"unknown notice {notice!r} (known: {', '.join(sorted(hooks.NOTICES)) or 'none'})")
        for kind, registry in (("required_fields", hooks.REQUIREMENTS), ("guards", hooks.GUARDS),
                               ("effects", hooks.EFFECTS)):
            for j, name in enumerate(spec.get(kind, [])):
                if name not in registry:
                    fail(f"{path}.{kind}[{j}]",
                         f"unknown {kind.rstrip('s').replace('_', ' ')} {name!r} (known: {', '.join(sorted(registry))})")
        comment = spec.get("comment", "none")
        if "{" in spec.get("attestation", "").replace(ATTESTATION_PLACEHOLDER, "") or \
                "}" in spec.get("attestation", "").replace(ATTESTATION_PLACEHOLDER, ""):
            fail(f"{path}.attestation", f"the only name that may stand in braces is {ATTESTATION_PLACEHOLDER}")
        if comment == "required" and "comment_label" not in spec:
            fail(f"{path}.comment_label", "a transition that requires a comment must say what to ask for")
        transitions[trigger] = Transition(
            trigger=trigger,
            label=shown(spec["label"]),
            sources=tuple(sources),
            dest=dest,
            roles=frozenset(spec["roles"]),
            required_fields=tuple(spec.get("required_fields", [])),
            guards=tuple(spec.get("guards", [])),
            effects=tuple(spec.get("effects", [])),
            comment=comment,
            comment_label=shown(spec["comment_label"]) if "comment_label" in spec else Shown("Comment (optional)"),
            style=spec.get("style", "primary"),
            system=system,
            reauthenticate=bool(spec.get("reauthenticate", False)),
            attestation=shown(" ".join(spec.get("attestation", "").split())),
            signatures=spec.get("signatures", 1),
            done=shown(" ".join(spec["done"].split())),
            after=after,
            notice=notice,
        )
        if transitions[trigger].signatures > 1 and "record_sign_off" not in transitions[trigger].effects:
            fail(f"{path}.signatures", "counting signatures needs the effect 'record_sign_off'")

    rights: dict[str, Right] = {}
    for name, spec in raw.get("rights", {}).items():
        path = f"rights.{name}"
        if name in transitions:
            fail(path, f"{name!r} is also a trigger: a right is not a transition, so name it differently")
        check_roles(spec["roles"], f"{path}.roles")
        for j, state in enumerate(spec["states"]):
            if state not in states:
                fail(f"{path}.states[{j}]", f"unknown state {state!r}")
        rights[name] = Right(name=name, label=shown(spec["label"]), roles=frozenset(spec["roles"]),
                             states=frozenset(spec["states"]), relations=frozenset(spec.get("relations", ())))

    segregation: dict[str, SegregationRule] = {}
    for i, spec in enumerate(raw.get("segregation_of_duties", [])):
        path = f"segregation_of_duties[{i}]"
        if spec["trigger"] not in transitions:
            fail(f"{path}.trigger", f"unknown trigger {spec['trigger']!r}")
        if spec["trigger"] in segregation:
            fail(f"{path}.trigger", f"trigger {spec['trigger']!r} already has a rule")
        for j, party in enumerate(spec["excluded"]):
            if party not in SOD_PARTIES and party not in transitions:
                fail(f"{path}.excluded[{j}]",
                     f"unknown party {party!r} (use {', '.join(SOD_PARTIES)} or a trigger name)")
            if party in transitions and not _can_precede(transitions[party], transitions[spec["trigger"]],
                                                         transitions):
                fail(f"{path}.excluded[{j}]", f"{party!r} is never taken before {spec['trigger']!r} on the "
                     "same version, so excluding its performers would do nothing")
        segregation[spec["trigger"]] = SegregationRule(
            trigger=spec["trigger"], excluded=tuple(spec["excluded"]),
            message=shown(" ".join(spec["message"].split()))
        )

    for i, t in enumerate(transitions.values()):
        for name in t.effects:
            for needed in hooks.EFFECTS[name].needs_triggers:
                if needed not in transitions:
                    fail(f"transitions[{i}].effects", f"effect {name!r} needs a transition {needed!r}")

    by_source: dict[str, list[Transition]] = {}
    for t in transitions.values():
        for s in t.sources:
            by_source.setdefault(s, []).append(t)

    # Every state must be reachable, or the definition describes something that cannot happen.
    reachable, frontier = {raw["initial"]}, [raw["initial"]]
    while frontier:
        for t in by_source.get(frontier.pop(), []):
            if t.dest and t.dest not in reachable:
                reachable.add(t.dest)
                frontier.append(t.dest)
    for key in states:
        if key not in reachable:
            fail(f"states.{key}", "no transition leads to this state")

    return WorkflowDefinition(
        name=raw["name"],
        version=raw["version"],
        title=shown(raw["title"]),
        initial=raw["initial"],
        create_roles=frozenset(raw["create_roles"]),
        states=states,
        transitions=transitions,
        segregation=segregation,
        source_file=str(source_file),
        rights=rights,
        _by_source={k: tuple(v) for k, v in by_source.items()},
    )


# libyaml's parser where PyYAML was built with it (the same safe subset, ten times faster: a definition
# is read at every start-up, and the test suite starts an app per test).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_definition_file(path: Path, schema: dict | None = None) -> WorkflowDefinition:
    if schema is None:
        schema = _load_schema(path.parent)
    try:
        with path.open(encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise WorkflowDefinitionError(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    except OSError as exc:
        raise WorkflowDefinitionError(path, "", f"cannot be read: {exc.strerror}") from None
    return parse_definition(raw, path, schema)


class WorkflowRegistry:
    """Every loaded definition, by (name, version). New assessments use the newest
    version of a workflow; existing ones keep the version they were started under
    for as long as its file is kept."""

    def __init__(self, definitions: Iterable[WorkflowDefinition]) -> None:
        self._all: dict[tuple[str, int], WorkflowDefinition] = {}
        for d in definitions:
            key = (d.name, d.version)
            if key in self._all:
                raise WorkflowDefinitionError(d.source_file, "version", f"workflow {d.name!r} version {d.version} "
                                              f"is also defined in {self._all[key].source_file}")
            self._all[key] = d

    def get(self, name: str, version: int) -> WorkflowDefinition:
        try:
            return self._all[(name, version)]
        except KeyError:
            raise LookupError(f"workflow {name!r} version {version} is not loaded; keep its definition file "
                              f"while assessments use it") from None

    def current(self, name: str) -> WorkflowDefinition:
        versions = [d for (n, _), d in self._all.items() if n == name]
        if not versions:
            raise LookupError(f"no workflow named {name!r} is loaded")
        return max(versions, key=lambda d: d.version)

    def __iter__(self):
        return iter(self._all.values())

    def states(self) -> dict[str, State]:
        """Every state key of every loaded definition (for filters and the API's document)."""
        return {key: state for d in self._all.values() for key, state in d.states.items()}

    def user_triggers(self) -> list[str]:
        """Every action a person can take, in any loaded definition, in name order."""
        return sorted({t.trigger for d in self._all.values() for t in d.transitions.values() if not t.system})


def load_definitions(directory: Path, schema_directory: Path | None = None) -> WorkflowRegistry:
    """Load and check every `*.yaml` in `directory`, against the schema beside them (or in
    `schema_directory`: a folder of one kind of record's workflows shares its parent's)."""
    schema = _load_schema(schema_directory or directory)
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise WorkflowDefinitionError(directory, "", "no workflow definitions (*.yaml) found")
    return WorkflowRegistry(load_definition_file(path, schema) for path in files)
