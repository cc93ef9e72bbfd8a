"""The workflow engine moves any subject, not only an EqIA: here a leave request
kept in a dict, under a workflow written below and loaded by the loader the app
uses for workflows/*.yaml. Nothing of the EqIA is involved: no database, no
model, no access rule, no audit trail, and a bare Flask app (the engine caches
its machines in the app, and the app is the sender of its signal).

That the engine's modules import nothing of the EqIA is tests/test_layers.py's
test_the_engine_imports_nothing_of_the_eqia; this file shows it works without it.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from eqia.config import PROJECT_ROOT
from eqia.roles import AUTHOR, DECISION_MAKER
from eqia.workflow import hooks
from eqia.workflow.definition import SCHEMA_FILE, Transition, WorkflowDefinition, load_definitions
from eqia.workflow.engine import (
    COMMENT_REQUIRED,
    PASSWORD_MISSING,
    PASSWORD_WRONG,
    allowed_transitions,
    check_permission,
    done_message,
    perform_system_transition,
    perform_transition,
    right_role,
    take_timed_transitions,
)
from eqia.workflow.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible
from eqia.workflow.hooks import Effect, Problem, TransitionContext
from eqia.workflow.signals import transition_applied
from eqia.workflow import subject as subject_module
from eqia.workflow.subject import (
    Participants,
    Subject,
    Wording,
    acting_on,
    current_subject,
    register_subject,
)

# Definitions may name only the roles eqia.roles knows, so an employee acts as an
# author and a line manager as a decision-maker.
EMPLOYEE, MANAGER = AUTHOR, DECISION_MAKER

LEAVE_WORKFLOW = """
name: leave
version: 1
title: Leave request
initial: draft
create_roles: [author]
states:
  draft:
    label: Draft
    phrase: a draft
    description: The employee writes the request.
    editable_by: [author]
  requested:
    label: Requested
    phrase: waiting for a manager
    description: A manager approves or refuses it.
  approved:
    label: Approved
    phrase: approved
    description: The leave is booked.
    frozen: true
    final: true
  lapsed:
    label: Lapsed
    phrase: lapsed
    description: Nobody decided before the leave began.
    final: true
transitions:
  - trigger: submit
    label: Ask for leave
    done: Leave asked for
    source: draft
    dest: requested
    roles: [author]
  - trigger: approve
    label: Approve leave
    done: Leave approved
    source: requested
    dest: approved
    roles: [decision_maker]
    guards: [test_leave_within_allowance]
    effects: [test_leave_booked]
    reauthenticate: true
  - trigger: refuse
    label: Refuse leave
    done: Leave refused
    source: requested
    dest: draft
    roles: [decision_maker]
    comment: required
    comment_label: Why is the leave refused?
  - trigger: lapse
    label: Lapse
    done: Lapsed
    source: requested
    dest: lapsed
    roles: []
    system: true
    after: first_day
rights:
  note_days_taken:
    label: Note the days taken
    roles: [author]
    states: [approved]
  note_handover:
    label: Note a handover done
    roles: [decision_maker]
    states: [approved]
    relations: [covering]
segregation_of_duties:
  - trigger: approve
    excluded: [submit]
    message: You cannot approve leave you asked for. Another manager must approve it.
"""

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
PASSWORD = "leave me be"


@dataclass
class LeaveRequest:
    id: int
    employee_id: int
    days: int
    state: str = "draft"
    lock_version: int = 1
    updated_at: datetime | None = None
    first_day: date | None = None


@dataclass(frozen=True)
class Handover:
    """A piece of work someone covers while the employee is away: a part of the request."""
    request_id: int
    covered_by: int


@dataclass(frozen=True)
class Person:
    id: int
    roles: frozenset[str]

    def check_password(self, password: str) -> bool:
        return password == PASSWORD


@dataclass(frozen=True)
class Event:
    record_id: int
    action: str
    actor_id: int | None
    role: str
    from_state: str
    to_state: str
    comment: str
    kind: str
    details: dict


class LostRace(Exception):
    """What this store's flush would raise if someone else saved first."""


# The engine says what it says about a record in the subject's words, not the EqIA's.
NOT_POSSIBLE_NOW = "You cannot do that while the leave request is {state}."
NOT_YOUR_ROLE = "Only someone who may \u201c{action}\u201d can do that to a leave request."
STALE = "Someone else changed this leave request since you opened it."
LEAVE_WORDING = Wording(not_found="No such leave request", not_possible_now=NOT_POSSIBLE_NOW,
                        not_your_role=NOT_YOUR_ROLE, done_now="{done}. The request is now {state}.",
                        done_still="{done}. The request is still {state}.", stale=STALE)


@dataclass
class LeaveSubject:
    """The engine's Subject, in memory. A step is undone by putting back the
    snapshot taken when it began (in place, so the test's own references see it)."""

    definition: WorkflowDefinition
    records: dict[int, LeaveRequest] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    allowance: int = 10
    booked: list[tuple[int, int]] = field(default_factory=list)
    # (user id, record id, trigger, lock version): proofs of identity other than a password, each good once.
    confirmations: set[tuple[int, int, str, int]] = field(default_factory=set)
    _steps: list[tuple[dict[int, dict], int, int]] = field(default_factory=list)

    stale_errors = (LostRace,)
    wording = LEAVE_WORDING

    def add(self, request: LeaveRequest) -> LeaveRequest:
        self.records[request.id] = request
        return request

    def lock(self, record_id: int) -> LeaveRequest | None:
        return self.records.get(record_id)

    def can_view(self, user: Person, record: LeaveRequest) -> bool:
        return user.id == record.employee_id or MANAGER in user.roles

    def held_role(self, user: Person, roles: Collection[str]) -> str | None:
        return next((role for role in sorted(roles) if role in user.roles), None)

    def relations(self, user: Person, record: LeaveRequest, part: Handover) -> Collection[str]:
        return {"covering"} if part.request_id == record.id and part.covered_by == user.id else set()

    def definition_for(self, record: LeaveRequest) -> WorkflowDefinition:
        return self.definition

    def participants(self, records: list[LeaveRequest]) -> dict[int, Participants]:
        found: dict[int, dict[str, set[int]]] = {r.id: {"creator": {r.employee_id}} for r in records}
        for e in self.events:
            if e.record_id in found and e.actor_id is not None:
                found[e.record_id].setdefault(e.action, set()).add(e.actor_id)
        return {rid: Participants(by_kind={k: frozenset(v) for k, v in kinds.items()})
                for rid, kinds in found.items()}

    def extras(self, record: LeaveRequest) -> Any:
        return {"allowance": self.allowance}

    def now(self) -> datetime:
        return NOW

    def identity_confirmed(self, user, record: LeaveRequest, transition) -> bool:
        key = (user.id, record.id, transition.trigger, record.lock_version)
        if key in self.confirmations:
            self.confirmations.discard(key)
            return True
        return False

    def move(self, record: LeaveRequest, state: str, now: datetime) -> None:
        record.state = state
        record.updated_at = now
        # As a version column does when the row is written.
        record.lock_version += 1

    def signature_count(self, record: LeaveRequest) -> int:
        return 0

    def append_event(self, record: LeaveRequest, *, action: str, actor: Person | None, role: str,
                     from_state: str, to_state: str, comment: str, kind: str, details: dict) -> Event:
        event = Event(record.id, action, actor.id if actor else None, role, from_state, to_state, comment,
                      kind, details)
        self.events.append(event)
        return event

    def flush(self) -> None:
        pass

    def as_step(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._steps.append(({rid: dict(vars(r)) for rid, r in self.records.items()}, len(self.events),
                            len(self.booked)))
        try:
            return fn(*args, **kwargs)
        except BaseException:
            self.undo_step()
            raise
        finally:
            self._steps.pop()

    def due(self, definition: WorkflowDefinition, transition: Transition, today: date) -> list[tuple[int, date]]:
        held = hooks.DATES[transition.after]  # the name of the request's own attribute
        return [(r.id, getattr(r, held)) for r in sorted(self.records.values(), key=lambda r: r.id)
                if r.state in transition.sources and getattr(r, held) is not None and getattr(r, held) <= today]

    def undo_step(self) -> None:
        if not self._steps:
            return
        saved, event_count, booked_count = self._steps[-1]
        for rid, values in saved.items():
            vars(self.records[rid]).update(values)
        del self.events[event_count:]
        del self.booked[booked_count:]


def within_allowance(ctx: TransitionContext) -> list[Problem]:
    if ctx.record.days > ctx.extras["allowance"]:
        return [Problem(f"Only {ctx.characteristics['allowance']} days are left to take")]
    return []


def book_leave(ctx: TransitionContext) -> None:
    current_subject().booked.append((ctx.record.id, ctx.record.days))


@contextmanager
def registered(subject: Subject) -> Iterator[Subject]:
    """`subject` is what the engine moves inside the block; whatever was registered before is again after."""
    before = current_subject()
    register_subject(subject)
    try:
        yield subject
    finally:
        register_subject(before)


@pytest.fixture
def definition(tmp_path: Path, monkeypatch) -> WorkflowDefinition:
    # The hooks the definition names exist only for this test (monkeypatch takes them out again).
    monkeypatch.setitem(hooks.GUARDS, "test_leave_within_allowance", within_allowance)
    monkeypatch.setitem(hooks.DATES, "first_day", "first_day")
    monkeypatch.setitem(hooks.EFFECTS, "test_leave_booked",
                        Effect(run=book_leave, kind="leave_booked",
                               details=lambda ctx: {"days": ctx.record.days}))
    (tmp_path / "leave.yaml").write_text(LEAVE_WORKFLOW, encoding="utf-8")
    shutil.copyfile(PROJECT_ROOT / "workflows" / SCHEMA_FILE, tmp_path / SCHEMA_FILE)
    return load_definitions(tmp_path).current("leave")


@pytest.fixture
def bare_app() -> Iterator[Flask]:
    app = Flask(__name__)
    with app.app_context():
        yield app


@pytest.fixture
def subject(definition, bare_app) -> Iterator[LeaveSubject]:
    with registered(LeaveSubject(definition)) as subject:
        yield subject


ALICE = Person(1, frozenset({EMPLOYEE}))
BOB = Person(2, frozenset({MANAGER}))
# A manager who asks for leave of her own.
CAROL = Person(3, frozenset({EMPLOYEE, MANAGER}))
DAN = Person(4, frozenset({EMPLOYEE}))


def test_registering_a_subject_for_a_block_puts_the_previous_one_back(definition):
    before = current_subject()
    other = LeaveSubject(definition)
    with pytest.raises(RuntimeError), registered(other):
        assert current_subject() is other
        raise RuntimeError
    assert current_subject() is before


def test_a_permitted_transition_moves_the_state_and_records_one_event(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3))
    done = perform_transition(7, "submit", ALICE, comment="  Half term  ", expected_lock_version=1)
    assert done is request
    assert (request.state, request.lock_version, request.updated_at) == ("requested", 2, NOW)
    assert subject.events == [Event(7, "submit", ALICE.id, EMPLOYEE, "draft", "requested", "Half term", "",
                                    {})]
    # What the user is told is in the subject's words, with the definition's phrases.
    definition = subject.definition
    assert done_message(definition, definition.transitions["submit"], "draft", "requested") == \
        f"{definition.transitions['submit'].done}. The request is now {definition.states['requested'].phrase}."


def test_an_effect_runs_and_its_facts_go_into_the_transitions_event(subject):
    subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3))
    perform_transition(7, "submit", ALICE)
    perform_transition(7, "approve", BOB, password=PASSWORD)
    assert subject.records[7].state == "approved"
    assert subject.events[-1] == Event(7, "approve", BOB.id, MANAGER, "requested", "approved", "",
                                       "leave_booked", {"days": 3})
    assert subject.booked == [(7, 3)]


def test_the_signal_is_sent_by_the_app_with_the_context_and_the_event(subject, bare_app):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3))
    heard = []

    def listener(sender, *, context, event, **announced):
        # Announced after the move and the event, before the effects run.
        heard.append((sender, context.record, context.user, context.role, context.transition.trigger,
                      context.comment, context.now, context.characteristics, event, request.state,
                      list(subject.booked), announced))

    perform_transition(7, "submit", ALICE)
    with transition_applied.connected_to(listener, sender=bare_app):
        perform_transition(7, "approve", BOB, comment="Enjoy it", password=PASSWORD)
    assert heard == [(bare_app, request, BOB, MANAGER, "approve", "Enjoy it", NOW, {"allowance": 10},
                      subject.events[-1], "approved", [], {"subject": "default"})]


def test_allowed_transitions_are_the_users_own_from_the_definition(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=CAROL.id, days=3))
    assert [t.trigger for t in allowed_transitions(CAROL, request)] == ["submit"]
    assert allowed_transitions(BOB, request) == []
    perform_transition(7, "submit", CAROL)
    # Carol asked for it, so she may not approve it (segregation), but may refuse it;
    # lapse is the engine's own.
    assert [t.trigger for t in allowed_transitions(CAROL, request)] == ["refuse"]
    assert [t.trigger for t in allowed_transitions(BOB, request)] == ["approve", "refuse"]
    assert allowed_transitions(DAN, request) == []


def test_check_permission_returns_the_role_the_user_acts_in(subject, definition):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3, state="requested"))
    assert check_permission(BOB, request, definition.transitions["refuse"], definition) == MANAGER


def test_a_user_without_an_allowed_role_is_forbidden_and_nothing_changes(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3, state="requested"))
    with pytest.raises(Forbidden) as refused:
        perform_transition(7, "approve", ALICE, password=PASSWORD)
    assert refused.value.problems == [Problem(NOT_YOUR_ROLE.format(action="Approve leave"))]
    assert (request.state, request.lock_version, subject.events) == ("requested", 1, [])


def test_a_trigger_not_possible_from_the_state_is_refused(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3))
    with pytest.raises(NotPossible) as refused:
        perform_transition(7, "approve", BOB, password=PASSWORD)
    # The state's phrase comes from the definition.
    assert refused.value.problems == [Problem(NOT_POSSIBLE_NOW.format(state="a draft"))]
    assert (request.state, subject.events) == ("draft", [])


def test_a_request_the_user_may_not_see_and_a_trigger_nobody_may_take_are_not_found(subject):
    subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3, state="requested"))
    with pytest.raises(NotFound) as refused:
        perform_transition(7, "submit", DAN)
    assert refused.value.problems == [Problem("No such leave request")]
    with pytest.raises(NotFound):
        perform_transition(8, "submit", ALICE)
    with pytest.raises(NotFound):
        # A system transition is the engine's own.
        perform_transition(7, "lapse", BOB)
    assert subject.events == []


def test_acting_on_a_stale_lock_version_is_a_conflict(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3))
    perform_transition(7, "submit", ALICE, expected_lock_version=1)
    # Bob opened the request before Alice submitted it.
    with pytest.raises(Conflict) as refused:
        perform_transition(7, "refuse", BOB, comment="Busy week", expected_lock_version=1)
    assert refused.value.problems == [Problem(STALE)]
    assert refused.value.current_lock_version == 2
    assert (request.state, len(subject.events)) == ("requested", 1)


def test_a_required_comment_missing_is_invalid(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3, state="requested"))
    with pytest.raises(Invalid) as refused:
        perform_transition(7, "refuse", BOB, comment="   ")
    assert refused.value.problems == [Problem(COMMENT_REQUIRED.format(label="Why is the leave refused?"),
                                              field="comment")]
    assert refused.value.status == 422
    assert (request.state, subject.events) == ("requested", [])


def test_a_wrong_password_is_invalid(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3, state="requested"))
    with pytest.raises(Invalid) as refused:
        perform_transition(7, "approve", BOB, password="guess")
    assert refused.value.problems == [Problem(PASSWORD_WRONG, field="password")]
    assert (request.state, subject.events) == ("requested", [])


def test_a_proof_of_identity_the_subject_holds_stands_in_for_the_password_once(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3, state="requested"))
    subject.confirmations.add((BOB.id, 7, "approve", request.lock_version + 1))  # for another version: no use
    with pytest.raises(Invalid) as refused:
        perform_transition(7, "approve", BOB)
    assert refused.value.problems == [Problem(PASSWORD_MISSING, field="password")]
    subject.confirmations.add((BOB.id, 7, "approve", request.lock_version))
    perform_transition(7, "approve", BOB)
    assert request.state == "approved" and subject.confirmations == {(BOB.id, 7, "approve", 2)}


def test_whoever_asked_for_leave_cannot_approve_it(subject, definition):
    request = subject.add(LeaveRequest(id=7, employee_id=CAROL.id, days=3))
    perform_transition(7, "submit", CAROL)
    with pytest.raises(Forbidden) as refused:
        perform_transition(7, "approve", CAROL, password=PASSWORD)
    assert refused.value.problems == [Problem(definition.segregation["approve"].message)]
    assert (request.state, len(subject.events), subject.booked) == ("requested", 1, [])
    perform_transition(7, "approve", BOB, password=PASSWORD)
    assert request.state == "approved"


def test_a_failing_guard_refuses_and_changes_nothing(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=12))
    perform_transition(7, "submit", ALICE)
    with pytest.raises(NotPossible) as refused:
        perform_transition(7, "approve", BOB, password=PASSWORD)
    # The guard reads what the subject gives beside the record.
    assert refused.value.problems == [Problem("Only 10 days are left to take")]
    assert (request.state, request.lock_version, len(subject.events), subject.booked) == \
        ("requested", 2, 1, [])
    subject.allowance = 12
    perform_transition(7, "approve", BOB, password=PASSWORD)
    assert request.state == "approved"


def test_a_listener_that_fails_after_the_move_undoes_the_step(subject, bare_app):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3))
    perform_transition(7, "submit", ALICE)

    class CalendarDown(Exception):
        pass

    def listener(sender, *, context, event, **announced):
        # The state has moved and the event is written when this fails.
        assert (request.state, subject.events[-1]) == ("approved", event)
        raise CalendarDown

    with transition_applied.connected_to(listener, sender=bare_app), pytest.raises(CalendarDown):
        perform_transition(7, "approve", BOB, password=PASSWORD)
    assert (request.state, request.lock_version, request.updated_at) == ("requested", 2, NOW)
    assert [e.action for e in subject.events] == ["submit"]
    assert subject.booked == []


def test_a_write_that_loses_a_race_is_a_conflict_and_undone(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3))

    def lost():
        raise LostRace

    subject.flush = lost
    with pytest.raises(Conflict) as refused:
        perform_transition(7, "submit", ALICE)
    assert refused.value.problems == [Problem(STALE)]
    assert (request.state, request.lock_version, subject.events) == ("draft", 1, [])


def test_the_engine_takes_a_system_transition_only_from_its_sources(subject):
    draft = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3))
    asked = subject.add(LeaveRequest(id=8, employee_id=ALICE.id, days=3, state="requested"))
    perform_system_transition(draft, "lapse", now=NOW)
    perform_system_transition(asked, "lapse", now=NOW, comment="Nobody decided")
    assert (draft.state, asked.state) == ("draft", "lapsed")
    assert subject.events == [Event(8, "lapse", None, "system", "requested", "lapsed", "Nobody decided", "",
                                    {})]


def test_a_request_nobody_decided_lapses_on_its_first_day_once(subject, definition):
    first_day = NOW.date()
    undecided = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3, state="requested",
                                         first_day=first_day))
    later = subject.add(LeaveRequest(id=8, employee_id=ALICE.id, days=3, state="requested",
                                     first_day=first_day + timedelta(days=1)))
    draft = subject.add(LeaveRequest(id=9, employee_id=ALICE.id, days=3, first_day=first_day))
    assert take_timed_transitions([definition], first_day - timedelta(days=1), NOW) == []
    assert take_timed_transitions([definition], first_day, NOW, kind="date_came") == [(7, "lapse")]
    assert (undecided.state, later.state, draft.state) == ("lapsed", "requested", "draft")
    assert subject.events == [Event(7, "lapse", None, "system", "requested", "lapsed", "", "date_came",
                                    {"date": "first_day", "on": first_day.isoformat()})]
    assert take_timed_transitions([definition], first_day, NOW) == []  # taken again: nothing more
    assert len(subject.events) == 1


def test_the_machine_is_built_in_the_app_the_engine_runs_in(subject, bare_app):
    subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3))
    perform_transition(7, "submit", ALICE)
    assert list(bare_app.extensions["workflow_machines"]) == [("leave", 1)]


def test_a_right_is_held_by_its_roles_in_its_states_by_those_who_may_see_the_record(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3, state="requested"))
    assert right_role(ALICE, request, "note_days_taken") is None  # not in its states yet
    request.state = "approved"
    assert right_role(ALICE, request, "note_days_taken") == EMPLOYEE
    assert right_role(BOB, request, "note_days_taken") is None  # not one of its roles
    assert right_role(DAN, request, "note_days_taken") is None  # may not see Alice's request
    assert right_role(ALICE, request, "no_such_right") is None  # a right not declared is nobody's


def test_a_right_is_held_on_a_part_by_whoever_stands_in_one_of_its_relations_to_that_part(subject):
    request = subject.add(LeaveRequest(id=7, employee_id=ALICE.id, days=3, state="approved"))
    covered_by_alice, covered_by_dan = Handover(7, ALICE.id), Handover(7, DAN.id)
    assert right_role(BOB, request, "note_handover") == MANAGER  # by role, on any part or none
    assert right_role(ALICE, request, "note_handover", part=covered_by_alice) == "covering"
    assert right_role(ALICE, request, "note_handover") is None  # a relation is to a part, not the whole
    assert right_role(ALICE, request, "note_handover", part=covered_by_dan) is None  # not her part
    assert right_role(DAN, request, "note_handover", part=covered_by_dan) is None  # may not see the request
    assert right_role(ALICE, request, "note_days_taken", part=covered_by_alice) == EMPLOYEE
    request.state = "requested"
    assert right_role(ALICE, request, "note_handover", part=covered_by_alice) is None  # not in its states


def test_a_subject_registered_under_its_own_name_is_moved_only_inside_acting_on(definition, bare_app, monkeypatch):
    # Two kinds of record in one application: the default subject stays what the engine
    # moves, and the named one is moved only where its code says so (and in no other thread).
    default = current_subject()
    other = LeaveSubject(definition)
    monkeypatch.setattr(subject_module, "_registered", {**subject_module._registered})
    register_subject(other, "leave")
    assert current_subject() is default
    with acting_on("leave") as acting:
        assert acting is other and current_subject() is other
        request = other.add(LeaveRequest(id=9, employee_id=ALICE.id, days=1))
        perform_transition(9, "submit", ALICE, expected_lock_version=1)
        assert request.state == "requested"
        seen = []
        worker = threading.Thread(target=lambda: seen.append(current_subject()))
        worker.start()
        worker.join()
        assert seen == [default]
    assert current_subject() is default
    with pytest.raises(LookupError, match="nothing"), acting_on("nothing"):
        pass
