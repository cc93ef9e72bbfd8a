"""Who is told: of a transition, the people who can act next, as the workflow
definition says, and the author when work comes back to them or is signed or
published; of a reminder, those who can move the work on."""

from __future__ import annotations

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Action, ActionPlan, Assessment, PlanRow, User, UserRole
from eqia.notifications.kinds import TELLS_THE_AUTHOR
from eqia.roles import EQUALITY_LEAD
from eqia.services import access, coverage
from eqia.workflow.definition import WorkflowDefinition


def who_acts_next(assessment: Assessment, definition: WorkflowDefinition, actor: User | None) -> list[str]:
    """The e-mail addresses, sorted, of `people_acting_next`."""
    return [u.email for u in people_acting_next(assessment, definition, actor)]


def people_acting_next(assessment: Assessment, definition: WorkflowDefinition, actor: User | None) -> list[User]:
    """The active users, sorted by e-mail address, who hold a role with a
    transition moving the work on from the assessment's new state, or a role
    that may edit in it, and can see the assessment; of the equality leads, only
    those the assessment is for (eqia.services.coverage); never the person who acted.
    Nobody, once the work is settled (published, screened out, withdrawn)."""
    if not definition.waiting_in(assessment.state):
        return []
    acting_roles = {r for t in definition.transitions_from(assessment.state) if definition.moves_on(t)
                    for r in t.roles}
    acting_roles |= definition.editable_by(assessment.state)
    if not acting_roles:
        return []
    candidates = [u for u in db.session.execute(
        select(User).join(UserRole).where(User.active.is_(True), UserRole.role.in_(acting_roles)).distinct()
    ).scalars() if u.roles & acting_roles and access.can_view(u, assessment)]
    if EQUALITY_LEAD in acting_roles:
        # Of the leads, those the assessment is for (eqia.services.coverage: those covering its directorate or
        # the whole council, else every lead); chosen with the actor among them, so that the lead who took the
        # step and acts next too does not pass the work to every other lead. Another role acting here keeps
        # its holder told.
        leads = {u.id for u in coverage.leads_for([u for u in candidates if EQUALITY_LEAD in u.roles],
                                                  assessment.directorate_id)}
        candidates = [u for u in candidates if u.id in leads or u.roles & (acting_roles - {EQUALITY_LEAD})]
    actor_id = actor.id if actor else None
    return sorted((u for u in candidates if u.id != actor_id), key=lambda u: u.email)


def _author(assessment: Assessment, actor: User | None = None) -> list[User]:
    author = assessment.created_by
    if author is None or not author.active or (actor is not None and author.id == actor.id):
        return []
    return [author]


def _together(*groups: list[User]) -> list[User]:
    return sorted({u.id: u for group in groups for u in group}.values(), key=lambda u: u.email)


def transition_recipients(assessment: Assessment, definition: WorkflowDefinition, actor: User | None,
                          kind: str) -> list[User]:
    """Who is told of a transition of `kind`: the people who act next, and the
    author too when the kind is one the author hears of (signed, published)."""
    told = people_acting_next(assessment, definition, actor)
    if kind in TELLS_THE_AUTHOR:
        told = _together(told, _author(assessment, actor))
    return told


def action_reminder_recipients(assessment: Assessment, action: Action) -> list[User]:
    """Who is reminded of an action falling due or overdue: its owner, when the
    owner is an account (and active), and the assessment's author."""
    owner = action.owner_account
    return _together([owner] if owner is not None and owner.active else [], _author(assessment))


def plan_row_reminder_recipients(plan: ActionPlan, row: PlanRow) -> list[User]:
    """Who is reminded of a plan's row falling due or overdue: its owner, when the owner is an account (and
    active), and whoever made the plan (the lead who tracks it), when still active."""
    return _together(*([u] for u in (row.owner_account, plan.created_by) if u is not None and u.active))


def waiting_reminder_recipients(assessment: Assessment, definition: WorkflowDefinition) -> list[User]:
    """Who is reminded of work waiting (in challenge, or for sign-off before the
    decision date): the people who can move it on, and its author."""
    return _together(people_acting_next(assessment, definition, None), _author(assessment))


def people_acting_next_on_record(record, definition: WorkflowDefinition, actor: User | None) -> list[User]:
    """Of a programme record's transition (a cumulative judgement's, an action plan's), announced while the
    engine acts on its subject: the active users, sorted by e-mail address, who may now take a transition
    that moves it on, by the definition's roles and its segregation of duties (so not the lead who wrote
    a judgement, of its challenge); never the person who acted. Nobody, once it is settled."""
    from eqia.workflow.engine import allowed_transitions, participants_for

    if not definition.waiting_in(record.state):
        return []
    moving = {t.trigger for t in definition.transitions_from(record.state) if definition.moves_on(t)}
    roles = {r for t in definition.transitions_from(record.state) if t.trigger in moving for r in t.roles}
    if not roles:
        return []
    who = participants_for([record])[record.id]
    actor_id = actor.id if actor else None
    candidates = db.session.execute(select(User).join(UserRole).where(
        User.active.is_(True), UserRole.role.in_(roles)).distinct()).scalars()
    return sorted((u for u in candidates if u.id != actor_id and any(
        t.trigger in moving for t in allowed_transitions(u, record, who, definition))), key=lambda u: u.email)
