"""The engine: every state change goes through `perform_transition`, and the
state machine it asks is built with `transitions` from the definition.

One machine per definition, built once and never changed after. It holds no
model at all: asking where a trigger leads from a state is a lookup in the
machine's table of events, so no row, token or lock is involved, and the known
pitfalls (a trigger named like a column overwriting it, rows loaded without
`__init__` lacking a machine, a shared machine keeping every model alive, the
`to_<state>()` shortcuts) cannot arise. What `transitions` adds to the
definition: building the machine checks the graph again, independently of our
loader (every source and destination a declared state, every trigger an event),
and it is the last word on whether a trigger exists from a state. Rules (roles,
guards, segregation) are checked by `perform_transition` before the machine
is asked.

`perform_transition` checks, in order: the record exists and the user may see
it; the trigger is possible from the current state; the user holds a role the
definition allows; segregation of duties; the lock version the user saw; the
comment; the required fields; the guards. Only then does it move the state,
write the audit event, announce the transition (eqia.workflow.signals), run the
effects, and flush: the request, command or task that called it commits. Any
failure rolls everything back. Callbacks never commit. What it moves, and how
that is stored, locked and recorded, the application says through its
registered subject (eqia.workflow.subject).

A system transition is taken by the engine itself (`perform_system_transition`):
by an effect of another transition, or, for a timed one (`after:` in the
definition), when the record's date arrives (`take_timed_transitions`, which the
application calls from its daily sweep). Nobody is offered either.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel.speaklater import LazyString
from transitions import Machine

from eqia.workflow import hooks
from eqia.workflow.definition import Transition, WorkflowDefinition
from eqia.workflow.errors import N_, Conflict, Forbidden, Invalid, NotFound, NotPossible, ServiceError, said
from eqia.workflow.hooks import Problem, TransitionContext
from eqia.workflow.signals import transition_applied
from eqia.workflow.subject import Participants, current_subject, current_subject_name

log = logging.getLogger(__name__)

COMMENT_MAX = 10_000

# What the engine says about the record itself comes from the subject (its `wording`);
# these are said the same way whatever the record is. Each is English, marked for the catalogue,
# and said in the language of the request that is refused (eqia.workflow.errors).
COMMENT_REQUIRED = N_("Enter a comment: {label}")
# The length written out, so that the catalogue holds the whole sentence.
COMMENT_TOO_LONG = N_("Comment must be 10,000 characters or fewer")
assert f"{COMMENT_MAX:,}" in COMMENT_TOO_LONG
ATTESTATION_MISSING = N_("Confirm the statement to sign: tick the box if it is true")
PASSWORD_MISSING = N_("Enter your password to confirm it is you")
PASSWORD_WRONG = N_("The password is not correct. Enter the password you sign in with")
NO_SUCH_ACTION = N_("There is no such action")


def _filled(template, **values) -> LazyString:
    """A message with its {placeholders} filled in, said in the language it is shown in (the
    template English marked for the catalogue, or lazy; the values may show themselves translated)."""
    return LazyString(lambda: said(template).format(**values))


class InvalidTransition(Exception):
    pass


class WorkflowMachine:
    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            transitions=[
                {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
                for t in definition.transitions.values()
            ],
            initial=definition.initial,
            # The default creates to_<state>() shortcuts that bypass every rule.
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )

    def fire(self, state: str, trigger: str) -> str:
        """Return the state `trigger` leads to from `state`, or raise InvalidTransition."""
        found = self._machine.get_transitions(trigger=trigger, source=state)
        if not found:
            raise InvalidTransition(f"{trigger!r} is not possible from {state!r}")
        # A transition without a destination (dest: null) leaves the state as it is.
        return found[0].dest or state


def machine_for(definition: WorkflowDefinition) -> WorkflowMachine:
    """The definition's machine, built once per app: each app loads its own definitions."""
    machines: dict = current_app.extensions.setdefault("workflow_machines", {})
    key = (definition.name, definition.version)
    if key not in machines:
        machines[key] = WorkflowMachine(definition)
    return machines[key]


def participants_for(records: list) -> dict[int, Participants]:
    """Who took part in each record, by id (the subject's own few queries)."""
    return current_subject().participants(records)


def acting_role(user, transition: Transition) -> str | None:
    return current_subject().held_role(user, transition.roles)


def sod_problem(user, transition: Transition, definition: WorkflowDefinition,
                who: Participants) -> Problem | None:
    rule = definition.segregation.get(transition.trigger)
    if rule and user.id in who.excluded(rule.excluded):
        return Problem(rule.message)
    return None


def allowed_transitions(user, record, who: Participants | None = None,
                        definition: WorkflowDefinition | None = None) -> list[Transition]:
    """The actions `user` may take on `record` now, derived from the definition.
    Content checks (required fields, guards) are not applied: the page shows the
    button and explains what is missing when it is pressed."""
    subject = current_subject()
    definition = definition or subject.definition_for(record)
    if not subject.can_view(user, record):
        return []
    if who is None:
        who = subject.participants([record])[record.id]
    return [
        t for t in definition.transitions_from(record.state)
        if not t.system and acting_role(user, t) and sod_problem(user, t, definition, who) is None
    ]


def right_role(user, record, right: str, definition: WorkflowDefinition | None = None,
               part: Any = None) -> str | None:
    """The role in which `user` holds the definition's `right` on `record` (or on `part` of it)
    now, or None: the record is in one of the right's states, the user may see it and holds
    one of its roles, or else stands to `part` in one of its relations (then the relation is
    the role they act in). A right the definition does not declare is held by nobody."""
    subject = current_subject()
    definition = definition or subject.definition_for(record)
    declared = definition.rights.get(right)
    if declared is None or record.state not in declared.states or not subject.can_view(user, record):
        return None
    role = subject.held_role(user, declared.roles)
    if role is None and part is not None and declared.relations:
        held = subject.relations(user, record, part)
        role = next((r for r in sorted(declared.relations) if r in held), None)
    return role


def done_message(definition: WorkflowDefinition, transition: Transition, before: str, after: str) -> str:
    """What a user is told once `transition` has moved a record from `before` to `after`."""
    wording = current_subject().wording
    return said(wording.done_now if after != before else wording.done_still).format(
        done=transition.done, state=definition.states[after].phrase)


def _refuse(error: ServiceError, user, record_id: int, trigger: str) -> ServiceError:
    current_subject().undo_step()
    log.warning("refused %s on record %s by user %s: %s (%s)", trigger, record_id,
                user.id if user else "system", type(error).__name__, error)
    return error


def check_permission(user, record, transition: Transition, definition: WorkflowDefinition) -> str:
    """Refuse (409) a trigger not possible from this state, then (403) a user
    without an allowed role or excluded by segregation of duties. Returns the
    role the user acts in. Content checks come later, in perform_transition."""
    wording = current_subject().wording
    if record.state not in transition.sources:
        raise NotPossible(_filled(wording.not_possible_now, state=definition.states[record.state].phrase))
    role = acting_role(user, transition)
    if role is None:
        raise Forbidden(_filled(wording.not_your_role, action=transition.label))
    problem = sod_problem(user, transition, definition, participants_for([record])[record.id])
    if problem:
        raise Forbidden(problem)
    return role


def missing_requirements(record, transition: Transition) -> list[Problem]:
    """What must be filled in before `transition`, from its required_fields."""
    extras = current_subject().extras(record)
    return [p for name in transition.required_fields for p in hooks.REQUIREMENTS[name](record, extras)]


def guard_problems(user, record, transition: Transition) -> list[Problem]:
    """What the transition's guards would refuse now (shown before the user acts,
    so nobody types a password to learn the decision date has passed)."""
    subject = current_subject()
    # The page asks for the comment, so judge as if it will be given: a guard the
    # comment can satisfy is not reported as a block.
    ctx = TransitionContext(record=record, user=user, definition=subject.definition_for(record),
                            transition=transition, extras=subject.extras(record), now=subject.now(),
                            comment="(to be written)" if transition.comment != "none" else "")
    return [p for name in transition.guards for p in hooks.GUARDS[name](ctx)]


def lock(record_id: int):
    """Load the record for update: concurrent writers queue here on PostgreSQL
    (SQLite serialises writers itself) and then see the committed state."""
    return current_subject().lock(record_id)


def perform_transition(record_id: int, trigger: str, user, *, comment: str = "",
                       expected_lock_version: int | None = None, attested: bool = False,
                       password: str | None = None):
    """Take `trigger` on the record as `user`, or raise a ServiceError having changed nothing."""
    return current_subject().as_step(_perform_transition, record_id, trigger, user, comment=comment,
                                     expected_lock_version=expected_lock_version, attested=attested,
                                     password=password)


def _perform_transition(record_id: int, trigger: str, user, *, comment: str,
                        expected_lock_version: int | None, attested: bool, password: str | None):
    subject = current_subject()
    try:
        record = subject.lock(record_id)
        if record is None or not subject.can_view(user, record):
            raise NotFound(subject.wording.not_found)
        definition = subject.definition_for(record)
        transition = definition.transitions.get(trigger)
        if transition is None or transition.system:
            raise NotFound(NO_SUCH_ACTION)
        role = check_permission(user, record, transition, definition)
        if expected_lock_version is not None and expected_lock_version != record.lock_version:
            raise Conflict(record, subject.wording.stale)
        comment = (comment or "").strip()
        if transition.comment_required and not comment:
            raise Invalid(Problem(_filled(COMMENT_REQUIRED, label=transition.comment_label), field="comment"))
        if len(comment) > COMMENT_MAX:
            raise Invalid(Problem(COMMENT_TOO_LONG, field="comment"))
        if transition.attestation and not attested:
            raise Invalid(Problem(ATTESTATION_MISSING, field="attest"))
        if transition.reauthenticate:
            # Asked again at the moment of acting: a signature must be the signer's own,
            # not whoever found a session left open.
            # Without a password, the subject says whether the user proved who they are some
            # other way, for this very transition on this version (and that proof is spent).
            if password:
                if not user.check_password(password):
                    raise Invalid(Problem(PASSWORD_WRONG, field="password"))
            elif not subject.identity_confirmed(user, record, transition):
                raise Invalid(Problem(PASSWORD_MISSING, field="password"))
        ctx = TransitionContext(record=record, user=user, definition=definition, transition=transition,
                                extras=subject.extras(record), now=subject.now(), comment=comment)
        problems = missing_requirements(record, transition)
        problems += [p for name in transition.guards for p in hooks.GUARDS[name](ctx)]
        if problems:
            # A section's check and a guard may find the same fault (a "Don't know"
            # under a proposed screen-out): say it once.
            raise NotPossible(*dict.fromkeys(problems))
        apply_transition(ctx, role=role)
        subject.flush()
    except ServiceError as error:
        raise _refuse(error, user, record_id, trigger) from None
    except subject.stale_errors:
        raise _refuse(Conflict(None, current_subject().wording.stale), user, record_id, trigger) from None
    except Exception:
        subject.undo_step()
        raise
    return record


def apply_transition(ctx: TransitionContext, *, role: str, kind: str = "", details: dict | None = None) -> None:
    """Move the state and record it; part of the caller's transaction. `kind` and
    `details` are facts the caller adds to the event (a system transition's reason)."""
    subject = current_subject()
    record, transition = ctx.record, ctx.transition
    ctx.role = role
    source = record.state
    dest = machine_for(ctx.definition).fire(source, transition.trigger)
    # Each signatory is a different person (a guard of the application's says so); the
    # state moves with the last signature needed on this exact content.
    if transition.signatures > 1 and subject.signature_count(record) + 1 < transition.signatures:
        dest = source
    subject.move(record, dest, ctx.now)
    effects = [hooks.EFFECTS[name] for name in transition.effects]
    details = {**(details or {}),
               **{key: value for e in effects if e.details for key, value in e.details(ctx).items()}}
    kind = next((e.kind for e in effects if e.kind), kind)
    event = subject.append_event(record, action=transition.trigger, actor=ctx.user, role=role,
                                 from_state=source, to_state=dest, comment=ctx.comment, kind=kind, details=details)
    transition_applied.send(current_app._get_current_object(), context=ctx, event=event,
                            subject=current_subject_name())
    for name in transition.effects:
        hooks.EFFECTS[name].run(ctx)


def perform_system_transition(record, trigger: str, *, now, comment: str = "", kind: str = "",
                              details: dict | None = None) -> bool:
    """A transition the engine takes itself (an effect, or a date arriving), inside the
    current transaction; why it was taken is recorded as facts (`kind`, `details`) on its
    event. Whether it was taken: not when the record has already left its sources."""
    subject = current_subject()
    locked = subject.lock(record.id)
    definition = subject.definition_for(locked)
    transition = definition.transitions[trigger]
    if not transition.system or locked.state not in transition.sources:
        return False
    ctx = TransitionContext(record=locked, user=None, definition=definition, transition=transition,
                            extras=subject.extras(locked), now=now, comment=comment)
    apply_transition(ctx, role="system", kind=kind, details=details)
    return True


def take_timed_transitions(definitions, today: date, now: datetime, *, kind: str = "") -> list[tuple[int, str]]:
    """Take every timed transition that is due on `today` (a local date): for each of
    `definitions` (every one loaded: a record keeps the version it began under), each
    record the subject finds in the transition's sources with its date on or before
    `today`. Each is checked, audited and announced like any system transition, in the
    caller's transaction; its event records `kind` with the facts {"date": the name of the
    date, "on": the ISO date the record held}. A record already moved on is left alone,
    so taking them again the same day does nothing. Returns (record id, trigger) for
    each taken, in order."""
    subject = current_subject()
    taken: list[tuple[int, str]] = []
    for definition in sorted(definitions, key=lambda d: (d.name, d.version)):
        for transition in definition.timed_transitions():
            for record_id, held in subject.due(definition, transition, today):
                record = subject.lock(record_id)
                if record is not None and perform_system_transition(
                        record, transition.trigger, now=now, kind=kind,
                        details={"date": transition.after, "on": held.isoformat()}):
                    taken.append((record_id, transition.trigger))
    if taken:
        subject.flush()
    return taken
