"""An action plan as a subject of the workflow engine (eqia.workflow.subject),
registered as PLAN_SUBJECT: the plan's services act on it by that name.

Who may see a plan: equality leads, administrators and decision-makers (who
adopt plans), and anyone who owns one of its rows. Who took part in a plan, for
segregation of duties, is read from its audit trail (its events carry the plan's
reference): who created it, who changed its rows, and who took each trigger.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from eqia.audit_words import PROGRAMME
from eqia.extensions import db
from eqia.models import ActionPlan, AuditEvent, PlanRow, User, utcnow
from eqia.roles import ADMIN, DECISION_MAKER, EQUALITY_LEAD
from eqia.services import access
from eqia.services.audit import append_event
from eqia.services.programme_participants import participants_from_trail
from eqia.unit_of_work import service_step, undo_step
from eqia.workflow.definition import Transition, WorkflowDefinition, WorkflowRegistry
from eqia.workflow.errors import N_
from eqia.workflow.subject import Participants, Wording, register_subject

R = TypeVar("R")

PLAN_SUBJECT = "action_plan"
PLAN_WORKFLOW = "action_plan"
# Those who see every plan; anyone else sees the plans they own a row of.
PLAN_READERS = frozenset({EQUALITY_LEAD, ADMIN, DECISION_MAKER})
OWNER = "owner"
# The audit codes of a plan's own changes: the action a user's part is recorded under (the engine's
# transitions under their triggers), and the facts' change codes (eqia.audit_words).
CREATED, EDITED = "plan_created", "plan_edited"
MOVED = "plan_moved"
EDITS = frozenset({"plan_row_added", "plan_row_changed", "plan_row_removed", "plan_rows_imported"})

WORDING = Wording(
    not_found=N_("Action plan not found"),
    not_possible_now=N_("This cannot be done while the plan is {state}."),
    not_your_role=N_("You cannot {action} on this plan."),
    done_now=N_("{done}. The plan is now {state}."),
    done_still=N_("{done}. The plan is still {state}."),
    stale=N_("Someone else changed this plan while you were working on it. Check what changed, then try again."),
)


def plan_workflows() -> WorkflowRegistry:
    return current_app.extensions["eqia"]["plan_workflows"]


PLAN_PREFIX = "PLAN-"


def reference(plan: ActionPlan) -> str:
    """How the trail names a plan (its events are found by it), and how people type it (PLAN-7)."""
    return f"{PLAN_PREFIX}{plan.id}"


def can_view(user: User, plan: ActionPlan) -> bool:
    if not user.is_active:
        return False
    if user.roles & PLAN_READERS:
        return True
    return db.session.scalar(select(PlanRow.id).where(PlanRow.plan_id == plan.id,
                                                      PlanRow.owner_user_id == user.id).limit(1)) is not None


def participants_for(plans: list[ActionPlan]) -> dict[int, Participants]:
    return participants_from_trail(plans, reference, moved=MOVED, writes=EDITS)


class PlanSubject:
    wording = WORDING
    stale_errors = (StaleDataError,)

    def lock(self, record_id: int) -> ActionPlan | None:
        return db.session.execute(select(ActionPlan).where(ActionPlan.id == record_id).with_for_update()
                                  .execution_options(populate_existing=True)).scalar_one_or_none()

    def can_view(self, user: User, record: ActionPlan) -> bool:
        return can_view(user, record)

    def held_role(self, user: User, roles: Collection[str]) -> str | None:
        return access.held_role(user, roles)

    def relations(self, user: User, record: ActionPlan, part: Any) -> Collection[str]:
        if isinstance(part, PlanRow) and part.plan_id == record.id and part.owner_user_id is not None \
                and part.owner_user_id == user.id:
            return frozenset({OWNER})
        return frozenset()

    def definition_for(self, record: ActionPlan) -> WorkflowDefinition:
        return plan_workflows().get(record.workflow_name, record.workflow_version)

    def participants(self, records: list[ActionPlan]) -> dict[int, Participants]:
        return participants_for(records)

    def extras(self, record: ActionPlan) -> Any:
        return None

    def now(self) -> datetime:
        return utcnow()

    def identity_confirmed(self, user: User, record: ActionPlan, transition: Transition) -> bool:
        # A fresh sign-in at the single sign-on provider, made for this transition on this version, stands
        # in for the password (read inside: the service reads the app's settings, the engine's tests need not).
        from eqia.services.single_sign_on import use_confirmation

        return use_confirmation(user, record, transition.trigger, subject=PLAN_SUBJECT)

    def move(self, record: ActionPlan, state: str, now: datetime) -> None:
        record.state = state
        record.updated_at = now
        db.session.flush()

    def signature_count(self, record: ActionPlan) -> int:
        return 0

    def append_event(self, record: ActionPlan, *, action: str, actor: User | None, role: str, from_state: str,
                     to_state: str, comment: str, kind: str, details: dict) -> AuditEvent:
        return append_event(action=f"programme:{action}", actor=actor, role=role, about=reference(record),
                            from_state=from_state, to_state=to_state, comment=comment, kind=PROGRAMME,
                            details={"change": MOVED, "plan": record.id, "title": record.title,
                                     "trigger": action, "workflow_version": record.workflow_version, **details})

    def flush(self) -> None:
        db.session.flush()

    def as_step(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        return service_step(fn)(*args, **kwargs)

    def undo_step(self) -> None:
        undo_step()

    def due(self, definition: WorkflowDefinition, transition: Transition, today: date) -> list[tuple[int, date]]:
        return []  # a plan's workflow has no timed transition


register_subject(PlanSubject(), PLAN_SUBJECT)
