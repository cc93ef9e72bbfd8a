"""Every state change goes through `perform_transition`.

It checks, in order: the assessment exists and the user may see it; the trigger
is possible from the current state; the user holds a role the definition
allows; segregation of duties; the lock version the user saw; the comment; the
required fields; the guards. Only then does it move the state, write the audit
event, announce the transition (eqia.workflow.signals), run the effects, and
flush: the request, command or task that called it commits (eqia/unit_of_work.py).
Any failure rolls everything back. Callbacks never commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from eqia.audit_words import EDIT
from eqia.extensions import db
from eqia.models import (
    Assessment,
    AuditEvent,
    ChallengeComment,
    ChallengeRound,
    RestoredAuditEvent,
    SectionCompletion,
    User,
    utcnow,
)
from eqia.registry import characteristics, definition_for, machine_for
from eqia.services import access
from eqia.services.audit import IMPORT_ACTION, RESTORE_ACTION, append_event
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible, ServiceError
from eqia.assessments import rules
from eqia.workflow.definition import Transition, WorkflowDefinition
from eqia.workflow.hooks import Problem, TransitionContext
from eqia.workflow.signals import transition_applied
from eqia.unit_of_work import service_step, undo_step

log = logging.getLogger(__name__)

# Audit actions that are not triggers, each a way of taking part in a version
# (see ACTION_KINDS below): recording and answering challenge points
# (eqia.services.challenge), starting a version (eqia.services.assessments and
# versions), importing one (eqia.interchange.importer) and restoring one.
CHALLENGE_POINTS_ACTION = "challenge_points"
ANSWERS_ACTION = "challenge_answers"
CREATE_ACTION = "create"
CREATE_VERSION_ACTION = "create_version"

COMMENT_MAX = 10_000
# An edit's action code names its section ("edit:evidence"), as the trail has always
# recorded it; the section itself is a detail of the event (kind EDIT), which is what is read.
EDIT_ACTION_PREFIX = "edit:"

# {state} is a state's phrase ("in full assessment"), {action} a transition's label, {done} its done
# message: each is written once, in the workflow definition.
NOT_POSSIBLE_NOW = "This action is not possible while the assessment is {state}."
NOT_YOUR_ROLE = "You do not have a role that can take the action \u201c{action}\u201d on this assessment."
DONE_NOW = "{done}. The assessment is now {state}."
DONE_STILL = "{done}. The assessment is still {state}."
STALE = ("Someone else changed this assessment since you opened it. Check the latest version below, "
         "then try again.")
COMMENT_REQUIRED = "Enter a comment: {label}"
COMMENT_TOO_LONG = f"Comment must be {COMMENT_MAX:,} characters or fewer"
ATTESTATION_MISSING = "Confirm the statement to sign: tick the box if it is true"
PASSWORD_MISSING = "Enter your password to confirm it is you"
PASSWORD_WRONG = "The password is not correct. Enter the password you sign in with"


@dataclass(frozen=True)
class Participants:
    """Who has done what to one version: the facts segregation of duties needs.
    `by_kind` maps each kind of participant (SOD_PARTIES) and each trigger name
    to the ids of the users who took part that way."""

    by_kind: dict[str, frozenset[int]]

    def excluded(self, parties: tuple[str, ...]) -> frozenset[int]:
        return frozenset().union(*(self.by_kind.get(party, frozenset()) for party in parties))


def kind_of_action(action: str, kind: str = "") -> str:
    """What an audit event says its actor did to the version: a kind of
    participant, or the trigger taken (the action code is the trigger's name)."""
    if kind == EDIT:
        return "editors"
    return ACTION_KINDS.get(action, action)


# The audit actions that are a kind of participation rather than a trigger.
ACTION_KINDS = {
    CREATE_ACTION: "creator", CREATE_VERSION_ACTION: "creator", IMPORT_ACTION: "importers",
    CHALLENGE_POINTS_ACTION: "challengers", ANSWERS_ACTION: "responders", RESTORE_ACTION: "restorers",
}


def participants_for(assessments: list[Assessment]) -> dict[int, Participants]:
    """Who took part in each version, from stored rows and codes: this system's
    audit events (their action codes), the rows of the ledger and the completion
    marks (their user ids), the restore of a version and the trail it came with
    (its people are matched to accounts here by e-mail address, as the restore
    matched them). A few queries for any number of versions: list pages must not
    query per row."""
    ids = [a.id for a in assessments]
    found: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for a in assessments:
        if a.created_by_id is not None:
            found[a.id]["creator"].add(a.created_by_id)
    if not ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.assessment_id, AuditEvent.actor_id, AuditEvent.action, AuditEvent.kind)
        .where(AuditEvent.assessment_id.in_(ids), AuditEvent.actor_id.is_not(None)).distinct()
    )
    for assessment_id, actor_id, action, kind in rows:
        found[assessment_id][kind_of_action(action, kind)].add(actor_id)
    # A restore is this system's event about the version (it has no assessment id).
    by_reference = {a.display_reference: a.id for a in assessments}
    rows = db.session.execute(
        select(AuditEvent.assessment_reference, AuditEvent.actor_id)
        .where(AuditEvent.assessment_id.is_(None), AuditEvent.action == RESTORE_ACTION,
               AuditEvent.assessment_reference.in_(list(by_reference)),
               AuditEvent.actor_id.is_not(None)).distinct()
    )
    for reference, actor_id in rows:
        found[by_reference[reference]]["restorers"].add(actor_id)
    rows = db.session.execute(
        select(SectionCompletion.assessment_id, SectionCompletion.completed_by_id)
        .where(SectionCompletion.assessment_id.in_(ids)).distinct()
    )
    for assessment_id, user_id in rows:
        found[assessment_id]["editors"].add(user_id)
    rows = db.session.execute(
        select(ChallengeRound.assessment_id, ChallengeRound.decision, ChallengeRound.challenger_id,
               ChallengeComment.reviewed_by_id, ChallengeComment.responded_by_id)
        .outerjoin(ChallengeComment, ChallengeComment.round_id == ChallengeRound.id)
        .where(ChallengeRound.assessment_id.in_(ids)).distinct()
    )
    for assessment_id, decision, closer_id, reviewer_id, responder_id in rows:
        if decision and closer_id is not None:
            found[assessment_id][decision].add(closer_id)
        if reviewer_id is not None:
            found[assessment_id]["challengers"].add(reviewer_id)
        if responder_id is not None:
            found[assessment_id]["responders"].add(responder_id)
    restored = db.session.execute(
        select(RestoredAuditEvent.assessment_id, RestoredAuditEvent.actor_email, RestoredAuditEvent.action,
               RestoredAuditEvent.kind)
        .where(RestoredAuditEvent.assessment_id.in_(ids), RestoredAuditEvent.actor_email != "").distinct()
    ).all()
    if restored:
        emails = {User.normalise_email(email) for _, email, _, _ in restored}
        accounts = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
        for assessment_id, email, action, kind in restored:
            user_id = accounts.get(User.normalise_email(email))
            if user_id is not None:
                found[assessment_id][kind_of_action(action, kind)].add(user_id)
    return {a.id: Participants(by_kind={kind: frozenset(ids) for kind, ids in found[a.id].items()})
            for a in assessments}


def acting_role(user: User, transition: Transition) -> str | None:
    return access.held_role(user, transition.roles)


def sod_problem(user: User, transition: Transition, definition: WorkflowDefinition,
                who: Participants) -> Problem | None:
    rule = definition.segregation.get(transition.trigger)
    if rule and user.id in who.excluded(rule.excluded):
        return Problem(rule.message)
    return None


def allowed_transitions(user: User, assessment: Assessment, who: Participants | None = None,
                        definition: WorkflowDefinition | None = None) -> list[Transition]:
    """The actions `user` may take on `assessment` now, derived from the definition.
    Content checks (required fields, guards) are not applied: the page shows the
    button and explains what is missing when it is pressed."""
    definition = definition or definition_for(assessment)
    if not access.can_view(user, assessment):
        return []
    if who is None:
        who = participants_for([assessment])[assessment.id]
    return [
        t for t in definition.transitions_from(assessment.state)
        if not t.system and acting_role(user, t) and sod_problem(user, t, definition, who) is None
    ]


def done_message(definition: WorkflowDefinition, transition: Transition, before: str, after: str) -> str:
    """What a user is told once `transition` has moved an assessment from `before` to `after`."""
    return (DONE_NOW if after != before else DONE_STILL).format(done=transition.done,
                                                                  state=definition.states[after].phrase)


def _refuse(error: ServiceError, user: User | None, assessment_id: int, trigger: str) -> ServiceError:
    undo_step()
    log.warning("refused %s on assessment %s by user %s: %s (%s)", trigger, assessment_id,
                user.id if user else "system", type(error).__name__, error)
    return error


def check_permission(user: User, assessment: Assessment, transition: Transition,
                     definition: WorkflowDefinition) -> str:
    """Refuse (409) a trigger not possible from this state, then (403) a user
    without an allowed role or excluded by segregation of duties. Returns the
    role the user acts in. Content checks come later, in perform_transition."""
    if assessment.state not in transition.sources:
        raise NotPossible(NOT_POSSIBLE_NOW.format(state=definition.states[assessment.state].phrase))
    role = acting_role(user, transition)
    if role is None:
        raise Forbidden(NOT_YOUR_ROLE.format(action=transition.label))
    problem = sod_problem(user, transition, definition, participants_for([assessment])[assessment.id])
    if problem:
        raise Forbidden(problem)
    return role


def missing_requirements(assessment: Assessment, transition: Transition) -> list[Problem]:
    """What must be filled in before `transition`, from its required_fields."""
    return [p for name in transition.required_fields for p in rules.REQUIREMENTS[name](assessment, characteristics())]


def guard_problems(user: User, assessment: Assessment, transition: Transition) -> list[Problem]:
    """What the transition's guards would refuse now (shown before the user acts,
    so nobody types a password to learn the decision date has passed)."""
    # The page asks for the comment, so judge as if it will be given: a guard the
    # comment can satisfy is not reported as a block.
    ctx = TransitionContext(assessment=assessment, user=user, definition=definition_for(assessment),
                            transition=transition, characteristics=characteristics(), now=utcnow(),
                            comment="(to be written)" if transition.comment != "none" else "")
    return [p for name in transition.guards for p in rules.GUARDS[name](ctx)]


def late_decision_warning(assessment: Assessment) -> str | None:
    """A warning for the author while a sign-off is still ahead of this assessment and
    could no longer come before its planned decision date (they may be recording a
    date that is about to move, so it warns rather than refuses)."""
    decision_date = assessment.planned_decision_date
    if decision_date is None or not rules.too_late_to_sign(decision_date, rules.local_date(utcnow())):
        return None
    definition = definition_for(assessment)
    signing_states = [s for s in definition.states if definition.sign_off_transitions(s)]
    if not any(assessment.state == s or assessment.state in definition.states_leading_to(s) for s in signing_states):
        return None
    return rules.late_decision_warning(decision_date)


def lock_assessment(assessment_id: int) -> Assessment | None:
    """Load the row for update: concurrent writers queue here on PostgreSQL
    (SQLite serialises writers itself) and then see the committed state."""
    return db.session.execute(
        select(Assessment).where(Assessment.id == assessment_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


@service_step
def perform_transition(assessment_id: int, trigger: str, user: User, *, comment: str = "",
                       expected_lock_version: int | None = None, attested: bool = False,
                       password: str | None = None) -> Assessment:
    """Take `trigger` on the assessment as `user`, or raise a ServiceError having changed nothing."""
    try:
        assessment = lock_assessment(assessment_id)
        if assessment is None or not access.can_view(user, assessment):
            raise NotFound("Assessment not found")
        definition = definition_for(assessment)
        transition = definition.transitions.get(trigger)
        if transition is None or transition.system:
            raise NotFound("There is no such action")
        role = check_permission(user, assessment, transition, definition)
        if expected_lock_version is not None and expected_lock_version != assessment.lock_version:
            raise Conflict(assessment, STALE)
        comment = (comment or "").strip()
        if transition.comment_required and not comment:
            raise Invalid(Problem(COMMENT_REQUIRED.format(label=transition.comment_label), field="comment"))
        if len(comment) > COMMENT_MAX:
            raise Invalid(Problem(COMMENT_TOO_LONG, field="comment"))
        if transition.attestation and not attested:
            raise Invalid(Problem(ATTESTATION_MISSING, field="attest"))
        if transition.reauthenticate:
            # Asked again at the moment of acting: a signature must be the signer's own,
            # not whoever found a session left open.
            if not password:
                raise Invalid(Problem(PASSWORD_MISSING, field="password"))
            if not user.check_password(password):
                raise Invalid(Problem(PASSWORD_WRONG, field="password"))
        ctx = TransitionContext(assessment=assessment, user=user, definition=definition, transition=transition,
                                characteristics=characteristics(), now=utcnow(), comment=comment)
        problems = missing_requirements(assessment, transition)
        problems += [p for name in transition.guards for p in rules.GUARDS[name](ctx)]
        if problems:
            # A section's check and a guard may find the same fault (a "Don't know"
            # under a proposed screen-out): say it once.
            raise NotPossible(*dict.fromkeys(problems))
        apply_transition(ctx, role=role)
        db.session.flush()
    except ServiceError as error:
        raise _refuse(error, user, assessment_id, trigger) from None
    except StaleDataError:
        raise _refuse(Conflict(None, STALE), user, assessment_id, trigger) from None
    except Exception:
        undo_step()
        raise
    return assessment


def apply_transition(ctx: TransitionContext, *, role: str) -> None:
    """Move the state and record it; part of the caller's transaction."""
    assessment, transition = ctx.assessment, ctx.transition
    ctx.role = role
    source = assessment.state
    dest = machine_for(ctx.definition).fire(source, transition.trigger)
    if transition.signatures > 1:
        # Each signatory is a different person (the not_already_signed guard); the
        # state moves with the last signature needed on this exact content.
        from eqia.services.signing import valid_signatures

        if len(valid_signatures(assessment)) + 1 < transition.signatures:
            dest = source
    assessment.state = dest
    assessment.updated_at = ctx.now
    db.session.flush()
    effects = [rules.EFFECTS[name] for name in transition.effects]
    details = {key: value for e in effects if e.details for key, value in e.details(ctx).items()}
    kind = next((e.kind for e in effects if e.kind), "")
    event = append_event(action=transition.trigger, actor=ctx.user, role=role, assessment=assessment,
                         from_state=source, to_state=dest, comment=ctx.comment, kind=kind, details=details)
    transition_applied.send(current_app._get_current_object(), context=ctx, event=event)
    for name in transition.effects:
        rules.EFFECTS[name].run(ctx)


def perform_system_transition(assessment: Assessment, trigger: str, *, now, comment: str = "") -> None:
    """A transition the engine takes itself (an effect), inside the current transaction."""
    locked = lock_assessment(assessment.id)
    definition = definition_for(locked)
    transition = definition.transitions[trigger]
    if not transition.system or locked.state not in transition.sources:
        return
    ctx = TransitionContext(assessment=locked, user=None, definition=definition, transition=transition,
                            characteristics=characteristics(), now=now, comment=comment)
    apply_transition(ctx, role="system")
