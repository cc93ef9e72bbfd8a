"""A cumulative judgement as a subject of the workflow engine (eqia.workflow.subject),
registered as CUMULATIVE_SUBJECT: the judgement's services act on it by that name.

Who may see a judgement: equality leads and administrators (who write and
challenge them) and decision-makers (who sign them). Who took part in one, for
segregation of duties, is read from its audit trail (its events carry the
judgement's reference, CUMUL-<id>): who created that version, who wrote it, and
who took each trigger.
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
from eqia.models import AuditEvent, CumulativeJudgement, User, utcnow
from eqia.roles import ADMIN, DECISION_MAKER, EQUALITY_LEAD
from eqia.services import access
from eqia.services.audit import append_event
from eqia.services.programme_participants import participants_from_trail
from eqia.unit_of_work import service_step, undo_step
from eqia.workflow.definition import Transition, WorkflowDefinition, WorkflowRegistry
from eqia.workflow.errors import N_
from eqia.workflow.subject import Participants, Wording, register_subject

R = TypeVar("R")

CUMULATIVE_SUBJECT = "cumulative_judgement"
CUMULATIVE_WORKFLOW = "cumulative_judgement"
READERS = frozenset({EQUALITY_LEAD, ADMIN, DECISION_MAKER})
# The audit codes of a judgement's changes (eqia.audit_words): what its services record, and what
# segregation of duties reads as having written it.
CREATED, CHANGED, MOVED = "cumulative_created", "cumulative_changed", "cumulative_moved"
WRITES = frozenset({CREATED, CHANGED})

WORDING = Wording(
    not_found=N_("Cumulative judgement not found"),
    not_possible_now=N_("This cannot be done while the judgement is {state}."),
    not_your_role=N_("You cannot {action} on this judgement."),
    done_now=N_("{done}. The judgement is now {state}."),
    done_still=N_("{done}. The judgement is still {state}."),
    stale=N_("Someone else changed this judgement while you were working on it. Check what changed, then try "
             "again."),
)

PREFIX = "CUMUL-"


def cumulative_workflows() -> WorkflowRegistry:
    return current_app.extensions["eqia"]["cumulative_workflows"]


def reference(judgement: CumulativeJudgement) -> str:
    """How the trail names one version of a judgement (its events are found by it)."""
    return f"{PREFIX}{judgement.id}"


def can_view(user: User, judgement: CumulativeJudgement) -> bool:
    return bool(user.is_active and user.roles & READERS)


def participants_for(judgements: list[CumulativeJudgement]) -> dict[int, Participants]:
    return participants_from_trail(judgements, reference, moved=MOVED, writes=WRITES)


class CumulativeSubject:
    wording = WORDING
    stale_errors = (StaleDataError,)

    def lock(self, record_id: int) -> CumulativeJudgement | None:
        return db.session.execute(select(CumulativeJudgement).where(CumulativeJudgement.id == record_id)
                                  .with_for_update().execution_options(populate_existing=True)
                                  ).scalar_one_or_none()

    def can_view(self, user: User, record: CumulativeJudgement) -> bool:
        return can_view(user, record)

    def held_role(self, user: User, roles: Collection[str]) -> str | None:
        return access.held_role(user, roles)

    def relations(self, user: User, record: CumulativeJudgement, part: Any) -> Collection[str]:
        return frozenset()

    def definition_for(self, record: CumulativeJudgement) -> WorkflowDefinition:
        return cumulative_workflows().get(record.workflow_name, record.workflow_version)

    def participants(self, records: list[CumulativeJudgement]) -> dict[int, Participants]:
        return participants_for(records)

    def extras(self, record: CumulativeJudgement) -> Any:
        return None

    def now(self) -> datetime:
        return utcnow()

    def identity_confirmed(self, user: User, record: CumulativeJudgement, transition: Transition) -> bool:
        # A fresh sign-in at the single sign-on provider, made for this transition on this version, stands
        # in for the password (read inside: the service reads the app's settings, the engine's tests need not).
        from eqia.services.single_sign_on import use_confirmation

        return use_confirmation(user, record, transition.trigger, subject=CUMULATIVE_SUBJECT)

    def move(self, record: CumulativeJudgement, state: str, now: datetime) -> None:
        record.state = state
        record.updated_at = now
        db.session.flush()

    def signature_count(self, record: CumulativeJudgement) -> int:
        return 1 if record.content_hash else 0

    def append_event(self, record: CumulativeJudgement, *, action: str, actor: User | None, role: str,
                     from_state: str, to_state: str, comment: str, kind: str, details: dict) -> AuditEvent:
        return append_event(action=f"programme:{action}", actor=actor, role=role, about=reference(record),
                            from_state=from_state, to_state=to_state, comment=comment, kind=PROGRAMME,
                            details={"change": MOVED, "judgement": record.id, "programme": record.programme,
                                     "version": record.version_number, "trigger": action,
                                     "workflow_version": record.workflow_version, **details})

    def flush(self) -> None:
        db.session.flush()

    def as_step(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        return service_step(fn)(*args, **kwargs)

    def undo_step(self) -> None:
        undo_step()

    def due(self, definition: WorkflowDefinition, transition: Transition, today: date) -> list[tuple[int, date]]:
        return []  # a judgement's workflow has no timed transition


register_subject(CumulativeSubject(), CUMULATIVE_SUBJECT)
