"""Who may see and edit which assessment. Object-level: applied on every
assessment URL and every service call, not only in menus."""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from eqia.models import Action, Assessment, AssessmentViewer, User
from eqia.roles import ADMIN, AUTHOR, DECISION_MAKER, EQUALITY_LEAD
from eqia.workflow.definition import WorkflowDefinition

# Roles that work across the whole council, not one directorate.
COUNCIL_WIDE_ROLES = frozenset({EQUALITY_LEAD, DECISION_MAKER, ADMIN})

# How a user may stand to a part of an assessment (a right's `relations` in the definition).
OWNER = "owner"  # the account an action's owner has


def can_view(user: User, assessment: Assessment) -> bool:
    if not user.is_active:
        return False
    if assessment.created_by_id == user.id:
        return True
    if assessment.restricted:
        # Restricted (for example an employment restructure): only its named people.
        return any(v.user_id == user.id for v in assessment.viewers)
    if user.roles & COUNCIL_WIDE_ROLES:
        return True
    if AUTHOR in user.roles and user.directorate_id is not None \
            and user.directorate_id == assessment.directorate_id:
        return True
    # The owner of one of its actions sees the assessment the action is part of, from any directorate.
    return any(a.owner_user_id == user.id for a in assessment.actions)


def visible_assessments(user: User) -> Select:
    """The same rule as can_view, as a query, for lists."""
    named = select(AssessmentViewer.assessment_id).where(AssessmentViewer.user_id == user.id)
    if user.roles & COUNCIL_WIDE_ROLES:
        unrestricted = Assessment.restricted.is_(False)
    elif AUTHOR in user.roles and user.directorate_id is not None:
        unrestricted = Assessment.restricted.is_(False) & (Assessment.directorate_id == user.directorate_id)
    else:
        unrestricted = false()
    owned = select(Action.assessment_id).where(Action.owner_user_id == user.id)
    return select(Assessment).where(
        or_(Assessment.created_by_id == user.id, Assessment.id.in_(named), unrestricted,
            Assessment.restricted.is_(False) & Assessment.id.in_(owned))
    )


def held_role(user: User, roles) -> str | None:
    """The role, of `roles`, in which `user` acts (the same one every time)."""
    return next((r for r in sorted(roles) if r in user.roles), None)


def editing_role(user: User, assessment: Assessment, definition: WorkflowDefinition) -> str | None:
    """The role under which `user` may edit the content now, or None."""
    if not can_view(user, assessment):
        return None
    return held_role(user, definition.editable_by(assessment.state))


def can_edit(user: User, assessment: Assessment, definition: WorkflowDefinition) -> bool:
    return editing_role(user, assessment, definition) is not None


def relations(user: User, assessment: Assessment, part) -> frozenset[str]:
    """How `user` stands to `part` of `assessment`: the owner of one of its actions, or not at all."""
    if isinstance(part, Action) and part.assessment_id == assessment.id and part.owner_user_id is not None \
            and part.owner_user_id == user.id:
        return frozenset({OWNER})
    return frozenset()
