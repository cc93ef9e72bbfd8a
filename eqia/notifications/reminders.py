"""The daily reminders and digests: steps of the daily sweep, each a plain
function of (today, now) that flushes and leaves the commit to the sweep.

Each step is idempotent: a reminder carries a key naming what it is about
and the threshold it crossed (Notification.once_key), so a person is told of
the same thing once however often a step runs, on the same day or later; a
digest's outbox message carries "digest:<user>:<day>" (OutboxMessage.once_key),
so a person gets at most one a day. `today` is the London date the sweep runs
for; `now` the moment, which the notifications are dated with.

- `remind_challenge_waiting`: an assessment in challenge longer than
  EQIA_CHALLENGE_WAITING_DAYS, once a round.
- `remind_actions`: an open action of a signed plan due within
  EQIA_ACTION_DUE_SOON_DAYS, then once more when it is overdue; again only if
  its due date changes.
- `remind_plan_rows`: the same for each open row of an adopted equality
  action plan (its owner's account and the plan's maker are told).
- `remind_decisions`: the planned decision date within
  EQIA_DECISION_APPROACHING_DAYS and the assessment not signed off, once a date.
- `queue_digests`: each person's digest notifications not yet e-mailed, in
  one message (run it after the reminders, so today's are in it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from eqia.extensions import db
from eqia.loaded_definitions import definition_for, workflows
from eqia.local_time import local_date
from eqia.models import Assessment, ChallengeRound, Notification, OutboxMessage, User
from eqia.notifications import kinds, outbox
from eqia.notifications.inbox import notify
from eqia.notifications.recipients import (
    action_reminder_recipients,
    plan_row_reminder_recipients,
    waiting_reminder_recipients,
)
from eqia.services.action_progress import UPDATE_ACTION, progress, tracks_progress
from eqia.services import plans
from eqia.services.challenge import current_round


def _facts(assessment: Assessment, **more) -> dict:
    return {"assessment_id": assessment.id, "reference": assessment.display_reference, "title": assessment.title,
            **more}


def _deliver_after_commit(made: list[Notification]) -> None:
    if any(n.outbox_message_id is not None for n in made):
        outbox.deliver_after_commit(current_app._get_current_object())


def remind_challenge_waiting(today: date, now: datetime) -> int:
    """Tell the equality leads (and the author) of each assessment whose open
    challenge round was opened more than the configured days ago. How many were told."""
    longest = current_app.config["EQIA_CHALLENGE_WAITING_DAYS"]
    rounds = db.session.execute(select(ChallengeRound).where(ChallengeRound.decision.is_(None))
                                .order_by(ChallengeRound.id)).scalars()
    made = []
    for round_ in rounds:
        since = local_date(round_.opened_at)
        days = (today - since).days
        assessment = db.session.get(Assessment, round_.assessment_id)
        definition = definition_for(assessment)
        if days <= longest or not definition.waiting_in(assessment.state) or current_round(assessment) is not round_:
            continue
        made += notify(waiting_reminder_recipients(assessment, definition), kinds.CHALLENGE_WAITING,
                       _facts(assessment, since=since.isoformat(), days=days), assessment_id=assessment.id,
                       once_key=f"{kinds.CHALLENGE_WAITING}:round:{round_.id}", at=now)
    _deliver_after_commit(made)
    return len(made)


def _tracking_states() -> set[str]:
    return {state for d in workflows() for state in getattr(d.rights.get(UPDATE_ACTION), "states", ())}


def remind_actions(today: date, now: datetime) -> int:
    """Tell whoever is reminded of an action (action_reminder_recipients) when
    an open action falls due within the configured days, and when it is overdue."""
    assessments = db.session.execute(select(Assessment).where(Assessment.state.in_(_tracking_states()))
                                     .order_by(Assessment.id)).scalars()
    made = []
    for assessment in assessments:
        if not tracks_progress(assessment):
            continue
        for shown in progress(assessment, on=today):
            due = shown.action.due_date
            if due is None or shown.closed:
                continue
            kind = _due_kind(due, shown.overdue, today)
            if kind is None:
                continue
            made += notify(action_reminder_recipients(assessment, shown.action), kind,
                           _facts(assessment, action_id=shown.action.id, description=shown.action.description,
                                  due_date=due.isoformat()),
                           assessment_id=assessment.id, once_key=f"{kind}:action:{shown.action.id}:{due.isoformat()}",
                           at=now)
    _deliver_after_commit(made)
    return len(made)


def _due_kind(due: date, overdue_now: bool, today: date) -> str | None:
    """The reminder a thing due on `due` earns today: overdue, due soon (within the configured days), or none."""
    if overdue_now:
        return kinds.ACTION_OVERDUE
    if (due - today).days <= current_app.config["EQIA_ACTION_DUE_SOON_DAYS"]:
        return kinds.ACTION_DUE_SOON
    return None


def remind_plan_rows(today: date, now: datetime) -> int:
    """Tell a row's owner (an account) and the plan's maker when an open row of a plan being tracked (the
    plan definition's right to record progress holds in its state: adopted) falls due within the configured
    days, and again when it is overdue, by the same rule as an assessment's actions. A row due on a condition
    ("after the Census release") has no date to remind of. How many were told."""
    made = []
    for plan in plans.tracked_plans():
        for shown in plans.progress(plan, on=today):
            due = shown.row.due_on
            if due is None or shown.closed:
                continue
            kind = {kinds.ACTION_OVERDUE: kinds.PLAN_ROW_OVERDUE, kinds.ACTION_DUE_SOON: kinds.PLAN_ROW_DUE_SOON,
                    None: None}[_due_kind(due, shown.overdue, today)]
            if kind is None:
                continue
            made += notify(plan_row_reminder_recipients(plan, shown.row), kind,
                           {"plan_id": plan.id, "reference": plans.reference(plan), "title": plan.title,
                            "row_id": shown.row.id, "number": shown.label,
                            "recommendation": shown.row.recommendation, "due_date": due.isoformat()},
                           assessment_id=None, once_key=f"{kind}:plan_row:{shown.row.id}:{due.isoformat()}",
                           at=now)
    _deliver_after_commit(made)
    return len(made)


def remind_decisions(today: date, now: datetime) -> int:
    """Tell the people who can move it on (and the author) when an assessment's
    planned decision date is within the configured days and it is not signed off."""
    near = current_app.config["EQIA_DECISION_APPROACHING_DAYS"]
    assessments = db.session.execute(
        select(Assessment).where(Assessment.planned_decision_date.is_not(None),
                                 Assessment.planned_decision_date >= today,
                                 Assessment.planned_decision_date <= today + timedelta(days=near))
        .order_by(Assessment.id)).scalars()
    made = []
    for assessment in assessments:
        definition = definition_for(assessment)
        if assessment.sign_offs or not definition.waiting_in(assessment.state):
            continue
        decision = assessment.planned_decision_date
        made += notify(waiting_reminder_recipients(assessment, definition), kinds.DECISION_APPROACHING,
                       _facts(assessment, decision_date=decision.isoformat(), state=assessment.state),
                       assessment_id=assessment.id,
                       once_key=f"{kinds.DECISION_APPROACHING}:assessment:{assessment.id}:{decision.isoformat()}",
                       at=now)
    _deliver_after_commit(made)
    return len(made)


def queue_digests(today: date, now: datetime) -> int:
    """One e-mail to each active person with digest notifications not yet
    e-mailed (made up to `now`), at most one a person a day. How many were queued."""
    waiting = db.session.execute(
        select(Notification).where(Notification.delivery == kinds.DIGEST, Notification.outbox_message_id.is_(None),
                                   Notification.created_at <= now)
        .order_by(Notification.user_id, Notification.created_at, Notification.id)).scalars()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in waiting:
        by_user[n.user_id].append(n)
    if not by_user:
        return 0
    keys = {user_id: f"digest:{user_id}:{today.isoformat()}" for user_id in by_user}
    sent_today = set(db.session.execute(select(OutboxMessage.once_key)
                                        .where(OutboxMessage.once_key.in_(keys.values()))).scalars())
    people = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(by_user))).scalars()}
    queued = 0
    for user_id, notifications in by_user.items():
        user = people[user_id]
        if keys[user_id] in sent_today or not user.active:
            continue  # the rest wait for tomorrow's; an inactive account's stay in the service
        message = OutboxMessage(recipient=user.email, kind=kinds.DAILY_DIGEST, once_key=keys[user_id],
                                details={"user_id": user_id, "day": today.isoformat(),
                                         "notification_ids": [n.id for n in notifications]},
                                created_at=now)  # due at once, whatever the step's clock says
        db.session.add(message)
        db.session.flush()
        for n in notifications:
            n.outbox_message_id = message.id
        queued += 1
    db.session.flush()
    if queued:
        outbox.deliver_after_commit(current_app._get_current_object())
    return queued

