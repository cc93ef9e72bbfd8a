"""What the engine moves, as the application describes it: its subject.

The engine knows no model, database or access rule. The application registers
a `Subject` for each kind of record it moves (the EqIA registers the default
one, in eqia.assessments.subject, when the package is imported; an action plan
registers its own under a name, and its services act on it by that name) that tells it how to find and lock a record, who may see it, which
role a user acts in, which definition the record follows, who has taken part in
it (for segregation of duties), what the rules are given beside the record, how
a transition is recorded (the audit trail), how a step of the caller's unit
of work begins and is undone, and which records a timed transition is due on.

A record has an `id`, a `state` (a state of its definition) and a
`lock_version` (for optimistic locking); a user, an `id` and
`check_password(password)` (or the subject's `identity_confirmed`). The engine reads nothing else of either: the rest
goes through the subject.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from eqia.workflow.definition import Transition, WorkflowDefinition

R = TypeVar("R")


@dataclass(frozen=True)
class Participants:
    """Who has done what to one record: the facts segregation of duties needs.
    `by_kind` maps each kind of participant (SOD_PARTIES) and each trigger name
    to the ids of the users who took part that way."""

    by_kind: dict[str, frozenset[int]]

    def excluded(self, parties: tuple[str, ...]) -> frozenset[int]:
        return frozenset().union(*(self.by_kind.get(party, frozenset()) for party in parties))


@dataclass(frozen=True)
class Wording:
    """What the engine tells a user about a record, in the application's words for
    what it moves. {state} is a state's phrase, {action} a transition's label and
    {done} its done message, each written in the workflow definition."""

    not_found: str  # the record does not exist, or the user may not see it
    not_possible_now: str  # {state}
    not_your_role: str  # {action}
    done_now: str  # {done}, {state}: the state moved
    done_still: str  # {done}, {state}: it did not (a signature of several)
    stale: str  # someone else changed the record since the user read it


class Subject(Protocol):
    # Raised by flush when someone else changed the record first (a stale lock version).
    stale_errors: tuple[type[Exception], ...]
    wording: Wording

    def lock(self, record_id: int) -> Any | None:
        """The record, loaded afresh and locked for update until the unit of work ends; None if there is none."""

    def can_view(self, user: Any, record: Any) -> bool:
        """Whether `user` may see `record` at all (one who may not is told it does not exist)."""

    def held_role(self, user: Any, roles: Collection[str]) -> str | None:
        """The role, of `roles`, in which `user` acts (the same one every time), or None."""

    def relations(self, user: Any, record: Any, part: Any) -> Collection[str]:
        """How `user` stands to `part` of `record` (a right's `relations`: "owner", say); empty if not at all."""

    def definition_for(self, record: Any) -> WorkflowDefinition:
        """The definition `record` follows."""

    def participants(self, records: list[Any]) -> dict[int, Participants]:
        """Who took part in each of `records`, by record id (in a few queries, however many)."""

    def extras(self, record: Any) -> Any:
        """What the rules are given beside the record (TransitionContext.extras)."""

    def now(self) -> datetime:
        """The time a transition is taken at."""

    def identity_confirmed(self, user: Any, record: Any, transition: Transition) -> bool:
        """Whether `user`, giving no password to a transition that asks for one, has proved who they
        are another way for `transition` on `record` as it stands now; a proof counts once."""

    def move(self, record: Any, state: str, now: datetime) -> None:
        """Set the record's state (and whatever marks it changed), and flush."""

    def signature_count(self, record: Any) -> int:
        """How many valid signatures the record holds now, for a transition that needs several."""

    def append_event(self, record: Any, *, action: str, actor: Any, role: str, from_state: str, to_state: str,
                     comment: str, kind: str, details: dict) -> Any:
        """Record the transition (the audit event), inside the caller's transaction; returns the event."""

    def flush(self) -> None:
        """Send what the transition changed to the database, without committing."""

    def as_step(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Call `fn` as one step of the caller's unit of work: if it raises, what it changed is undone."""

    def undo_step(self) -> None:
        """Undo what the current step changed (before a refusal is explained and raised)."""

    def due(self, definition: WorkflowDefinition, transition: Transition, today: date) -> list[tuple[int, date]]:
        """The records following `definition` that are in one of the timed `transition`'s
        sources and whose date (`transition.after`) is on or before `today`: (id, that
        date) for each, in order of id."""


# The subject each kind of record registers under, and the one the engine moves now.
# One application may move several kinds of record (assessments, action plans): each
# registers its subject under its own name, and the code that moves one says which
# (`acting_on`) around its calls to the engine. Without a word, the engine moves
# DEFAULT's. A context variable, so each request, task and thread keeps its own.
DEFAULT = "default"
_registered: dict[str, Subject] = {}
_acting_on: ContextVar[str] = ContextVar("workflow_subject", default=DEFAULT)


def register_subject(subject: Subject, name: str = DEFAULT) -> None:
    """Make `subject` what the engine moves under `name` (the last one registered under it wins)."""
    _registered[name] = subject


def subject_named(name: str) -> Subject | None:
    return _registered.get(name)


@contextmanager
def acting_on(name: str) -> Iterator[Subject]:
    """Within the block, the engine moves the subject registered under `name`."""
    if name not in _registered:
        raise LookupError(f"No workflow subject is registered as {name!r}")
    token = _acting_on.set(name)
    try:
        yield _registered[name]
    finally:
        _acting_on.reset(token)


def current_subject_name() -> str:
    """The name of the subject the engine moves now (what a listener to its signals is told)."""
    return _acting_on.get()


def current_subject() -> Subject:
    name = _acting_on.get()
    if name not in _registered:
        raise LookupError(f"No workflow subject is registered as {name!r}: the application registers "
                          "its subjects when it is imported")
    return _registered[name]
