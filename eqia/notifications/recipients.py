"""Who is told of a transition: the people who can act next, as the workflow
definition says, and the author when work comes back to them."""

from __future__ import annotations

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Assessment, User, UserRole
from eqia.services import access
from eqia.workflow.definition import WorkflowDefinition


def who_acts_next(assessment: Assessment, definition: WorkflowDefinition, actor: User | None) -> list[str]:
    """The e-mail addresses, sorted, of the active users who hold a role with a
    transition moving the work on from the assessment's new state, or a role
    that may edit in it, and can see the assessment; never the person who acted.
    Nobody, once the work is settled (published, screened out, withdrawn)."""
    if not definition.waiting_in(assessment.state):
        return []
    acting_roles = {r for t in definition.transitions_from(assessment.state) if definition.moves_on(t)
                    for r in t.roles}
    acting_roles |= definition.editable_by(assessment.state)
    if not acting_roles:
        return []
    candidates = db.session.execute(
        select(User).join(UserRole).where(User.active.is_(True), UserRole.role.in_(acting_roles)).distinct()
    ).scalars()
    actor_id = actor.id if actor else None
    return sorted({u.email for u in candidates
                   if u.id != actor_id and u.roles & acting_roles and access.can_view(u, assessment)})
