"""Progress on a signed version's actions, recorded beside the plan.

The action plan in the signed version is what was promised: it is part of the
signed content and never changes. Progress lives beside it as append-only
updates (ActionUpdate: a status, a note, optional evidence of completion and
the date it is true of), each on the audit trail. An action's status now is
its latest update's, else the plan's own. "Dropped" needs a reason (the note);
"done" and "dropped" close the action, and no update follows them.

Who may record an update, and in which states, is the definition's right
UPDATE_ACTION (eqia/workflow/definition.py `rights`), asked of the engine like
any other right. The service flushes and never commits: the request does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from eqia.audit_words import ACTION_UPDATE, lend_names
from eqia.extensions import db
from eqia.local_time import local_date
from eqia.models import (
    ACTION_CLOSED,
    ACTION_DROPPED,
    ACTION_EVIDENCE_MAX,
    ACTION_NOTE_MAX,
    ACTION_PROGRESS_STATUSES,
    Action,
    ActionUpdate,
    Assessment,
    User,
    utcnow,
)
from eqia.loaded_definitions import definition_for
from eqia.services import access
from eqia.services.audit import append_event
from eqia.services.errors import NUL_REFUSED, Forbidden, Invalid, NotFound, NotPossible
from eqia.workflow.errors import N_, said
from eqia.services.workflow import NOT_FOUND, lock_assessment
from eqia.unit_of_work import service_step
from eqia.workflow.engine import right_role
from eqia.workflow.hooks import Problem

# The definition's right, and the audit action an update is recorded under.
UPDATE_ACTION = "update_action"

lend_names(action_status=ACTION_PROGRESS_STATUSES.__getitem__)

NOTE_MAX, EVIDENCE_MAX = ACTION_NOTE_MAX, ACTION_EVIDENCE_MAX

ACTION_NOT_FOUND = N_("Action not found")
NOT_YOURS = N_("You cannot update progress on this action.")
NOT_NOW = N_("Progress on actions cannot be recorded while the assessment is {state}.")
CLOSED = N_("This action is {status}: no more progress can be recorded on it.")
STATUS_MISSING = N_("Select the action\u2019s status")
REASON_MISSING = N_("Say why the action was dropped")
_NOTE_MAX_TEXT, _EVIDENCE_MAX_TEXT = f"{NOTE_MAX:,}", f"{EVIDENCE_MAX:,}"
NOTE_TOO_LONG = _l("Progress note must be %(max)s characters or fewer", max=_NOTE_MAX_TEXT)
EVIDENCE_TOO_LONG = _l("Evidence of completion must be %(max)s characters or fewer", max=_EVIDENCE_MAX_TEXT)
DATE_MISSING = N_("Enter the date of this update")
DATE_IN_FUTURE = N_("The date of this update must be today or in the past")


def not_now(state) -> LazyString:
    """{state} is the state's phrase, in the language the refusal is shown in."""
    return LazyString(lambda: said(NOT_NOW).format(state=state))


def closed(status) -> LazyString:
    """{status} is the action's status (its label, lower case), in the language it is shown in."""
    return LazyString(lambda: said(CLOSED).format(status=str(status).lower()))


@dataclass(frozen=True)
class ProgressInput:
    status: str | None
    note: str
    evidence: str
    dated: date | None


class StatusNow:
    """What an action's status now says (an EqIA action's, or an action plan's row)."""
    status: str

    @property
    def closed(self) -> bool:
        return self.status in ACTION_CLOSED

    @property
    def status_label(self) -> str:
        return ACTION_PROGRESS_STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class ActionProgress(StatusNow):
    """One action of the plan as it stands now, for the page."""
    action: Action
    status: str
    latest: ActionUpdate | None
    overdue: bool


def today() -> date:
    """Today in London: an action due "on the 5th" is overdue from the 6th there."""
    return local_date(utcnow())


def is_overdue(action: Action, status: str, on: date) -> bool:
    return overdue(action.due_date, status, on)


def overdue(due: date | None, status: str, on: date) -> bool:
    """The overdue rule, for an EqIA action and an action plan's row alike: its date has passed and it is
    neither done nor dropped."""
    return due is not None and due < on and status not in ACTION_CLOSED


def updates_of(assessment: Assessment) -> list[ActionUpdate]:
    """Every update on the version's actions, oldest first."""
    return list(db.session.execute(select(ActionUpdate).where(ActionUpdate.assessment_id == assessment.id)
                                   .order_by(ActionUpdate.id)).scalars())


def latest_updates(assessment: Assessment) -> dict[int, ActionUpdate]:
    return {u.action_id: u for u in updates_of(assessment)}


def progress(assessment: Assessment, on: date | None = None) -> list[ActionProgress]:
    """Each action of the signed plan with its status now and whether it is overdue on `on` (today)."""
    on = on or today()
    latest = latest_updates(assessment)
    out = []
    for action in sorted(assessment.actions, key=lambda a: (a.position, a.id)):
        update = latest.get(action.id)
        status = update.status if update is not None else action.status
        out.append(ActionProgress(action=action, status=status, latest=update,
                                  overdue=is_overdue(action, status, on)))
    return out


def tracks_progress(assessment: Assessment) -> bool:
    """Whether the assessment is in a state where its actions' progress is recorded (by anyone)."""
    right = definition_for(assessment).rights.get(UPDATE_ACTION)
    return right is not None and assessment.state in right.states


def may_update(user: User, assessment: Assessment, action: Action | None = None) -> bool:
    """Whether `user` may record progress on `action` (or, with none, on every action of the assessment:
    a holder of the right's roles; an action's owner holds it on their own action only)."""
    return right_role(user, assessment, UPDATE_ACTION, definition_for(assessment), part=action) is not None


def updatable(user: User, assessment: Assessment) -> frozenset[int]:
    """The ids of the assessment's actions `user` may record progress on now."""
    definition = definition_for(assessment)
    return frozenset(a.id for a in assessment.actions
                     if right_role(user, assessment, UPDATE_ACTION, definition, part=a) is not None)


def _check(data: ProgressInput, on: date) -> None:
    problems = problems_in(data, on)
    if problems:
        raise Invalid(*problems)


def problems_in(data: ProgressInput, on: date) -> list[Problem]:
    """Everything wrong with an update, at once (a page whose form found one problem asks for the rest)."""
    problems = []
    for name, text in (("note", data.note), ("evidence", data.evidence)):
        if "\x00" in text:
            problems.append(Problem(NUL_REFUSED, field=name))
    if data.status not in ACTION_PROGRESS_STATUSES:
        problems.append(Problem(STATUS_MISSING, field="status"))
    if data.status == ACTION_DROPPED and not data.note.strip():
        problems.append(Problem(REASON_MISSING, field="note"))
    if len(data.note) > NOTE_MAX:
        problems.append(Problem(NOTE_TOO_LONG, field="note"))
    if len(data.evidence) > EVIDENCE_MAX:
        problems.append(Problem(EVIDENCE_TOO_LONG, field="evidence"))
    if data.dated is None:
        problems.append(Problem(DATE_MISSING, field="dated"))
    elif data.dated > on:
        problems.append(Problem(DATE_IN_FUTURE, field="dated"))
    return problems


@service_step
def record_update(assessment_id: int, action_id: int, user: User, data: ProgressInput) -> ActionUpdate:
    """Append an update to an action of a signed version, and its audit event; flushes, never commits.
    The note and evidence are stored as written (verbatim), the note as the actor's comment on the trail."""
    assessment = lock_assessment(assessment_id)
    if assessment is None:
        raise NotFound(NOT_FOUND)
    definition = definition_for(assessment)
    if not access.can_view(user, assessment):
        raise NotFound(NOT_FOUND)
    action = next((a for a in assessment.actions if a.id == action_id), None)
    if action is None:
        raise NotFound(ACTION_NOT_FOUND)
    if not tracks_progress(assessment):
        raise NotPossible(not_now(definition.states[assessment.state].phrase))
    role = right_role(user, assessment, UPDATE_ACTION, definition, part=action)
    if role is None:
        raise Forbidden(NOT_YOURS)
    latest = latest_updates(assessment).get(action.id)
    status_now = latest.status if latest is not None else action.status
    if status_now in ACTION_CLOSED:
        raise NotPossible(closed(ACTION_PROGRESS_STATUSES[status_now]))
    on = today()
    _check(data, on)
    update = ActionUpdate(action_id=action.id, assessment_id=assessment.id, status=data.status, note=data.note,
                          evidence=data.evidence, dated=data.dated, recorded_by_id=user.id, recorded_at=utcnow())
    db.session.add(update)
    db.session.flush()
    append_event(action=UPDATE_ACTION, actor=user, role=role, assessment=assessment, from_state=assessment.state,
                 to_state=assessment.state, comment=data.note, kind=ACTION_UPDATE,
                 details={"action": action.position + 1, "status": data.status, "dated": data.dated.isoformat(),
                          **({"evidence": data.evidence} if data.evidence else {})})
    return update
