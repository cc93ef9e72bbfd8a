"""The engine's hooks: what a transition is given (its context), what stops
it (a Problem), and the registries an application fills by name with its
guards, requirement checks and effects. The engine knows no rule of its own;
the EqIA registers its rules here (eqia.assessments.rules), and a definition
that names a hook nobody registered does not load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

from eqia.local_time import local_date


@dataclass(frozen=True)
class Problem:
    """Something that stops a transition, with where on which page to fix it."""

    message: str
    page: str = ""  # the page to fix it on, by its key (the web layer knows its view), "" if none
    field: str = ""  # the id of the field on that page
    args: tuple[tuple[str, Any], ...] = ()  # more of the page's URL, e.g. (("characteristic", "age"),)


@dataclass
class TransitionContext:
    """One transition being taken: on what (the application's record), by whom,
    under which definition, and when. The engine reads only the record's id, state
    and lock version (eqia.workflow.subject); the rules read what they need."""

    record: Any
    user: Any  # None for a system transition
    definition: Any  # eqia.workflow.definition.WorkflowDefinition
    transition: Any  # eqia.workflow.definition.Transition
    extras: Any  # what the application's rules need beside the record (Subject.extras)
    now: datetime
    comment: str = ""
    role: str = ""  # the role the user acts in, set when the transition is applied

    # The EqIA's names for them, which its rules read: the record is an assessment, and
    # what they are given beside it is the characteristic set it was written under.
    @property
    def assessment(self) -> Any:
        return self.record

    @property
    def characteristics(self) -> Any:
        return self.extras

    @property
    def local_today(self) -> date:
        return local_date(self.now)


@dataclass(frozen=True)
class Effect:
    run: Callable[[TransitionContext], None]
    needs_triggers: tuple[str, ...] = ()
    # The facts the effect adds to the transition's own audit event, so that the
    # hash chain carries them too: the event's kind and its details (a signature's
    # content hash, say), put into words only when read.
    kind: str = ""
    details: Callable[[TransitionContext], dict] | None = None


GUARDS: dict[str, Callable[[TransitionContext], list[Problem]]] = {}
# The dates of a record a timed transition may wait for (`after:` in a definition), by name.
# The value is the application's own handle on the date, which only its subject reads
# (Subject.due); the engine only checks the name exists.
DATES: dict[str, Any] = {}
# The kinds of notice the application sends when a transition is taken (`notice:` in a
# definition), by code, with its words. The engine only checks the code exists and carries it
# on the transition for whoever listens to what it announces.
NOTICES: dict[str, str] = {}
REQUIREMENTS: dict[str, Callable[[Any, Any], list[Problem]]] = {}
EFFECTS: dict[str, Effect] = {}


def guard(name: str):
    def register(fn):
        GUARDS[name] = fn
        return fn
    return register


def requirement(name: str):
    def register(fn):
        REQUIREMENTS[name] = fn
        return fn
    return register


def effect(name: str, needs_triggers: tuple[str, ...] = (), kind: str = "", details=None):
    def register(fn):
        EFFECTS[name] = Effect(run=fn, needs_triggers=needs_triggers, kind=kind, details=details)
        return fn
    return register


def record_date(name: str, handle: Any) -> None:
    """Name a date the application's records hold, for timed transitions to wait for."""
    DATES[name] = handle


def notice(code: str, label: str) -> None:
    """Name a kind of notice a transition may be announced as."""
    NOTICES[code] = label
