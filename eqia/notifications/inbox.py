"""The notifications each person sees in the service, and the e-mail each
one is queued for: made in the transaction of what they report.

A notification is made for every person told, whatever they chose; only
those who chose "straight away" for its kind get an outbox message at once
(the same facts, for the sender to write). A digest notification waits for
the day's digest (eqia.notifications.reminders.queue_digests); an in-app one
is never e-mailed. Functions here flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from eqia.extensions import db
from eqia.models import ActionPlan, Assessment, Notification, OutboxMessage, User, utcnow
from eqia.notifications import kinds
from eqia.notifications.kinds import IMMEDIATELY
from eqia.notifications.preferences import channels_for

PAGE_SIZE = 20


def notify(users: Sequence[User], kind: str, details: dict, *, assessment_id: int | None,
           audit_event_id: int | None = None, once_key: str | None = None,
           at: datetime | None = None) -> list[Notification]:
    """Tell each of `users` (each once) of `kind` with its facts; those who
    want it straight away get an e-mail queued in the same transaction.
    With `once_key`, a person who was already told the same is skipped. `at`:
    when (the daily step's clock), else now."""
    people = list({u.id: u for u in users}.values())
    if once_key is not None and people:
        told = set(db.session.execute(select(Notification.user_id).where(
            Notification.once_key == once_key, Notification.user_id.in_([u.id for u in people]))).scalars())
        people = [u for u in people if u.id not in told]
    channels = channels_for([u.id for u in people], kind)
    made = []
    for user in people:
        channel = channels[user.id]
        notification = Notification(user_id=user.id, kind=kind, details=details, assessment_id=assessment_id,
                                    delivery=channel, once_key=once_key, created_at=at or utcnow())
        if channel == IMMEDIATELY:
            message = OutboxMessage(audit_event_id=audit_event_id, assessment_id=assessment_id,
                                    recipient=user.email, kind=kind, details=details, created_at=at or utcnow())
            db.session.add(message)
            db.session.flush()
            notification.outbox_message_id = message.id
        db.session.add(notification)
        made.append(notification)
    db.session.flush()
    return made


def unread_count(user: User) -> int:
    return db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).scalar_one()


@dataclass(frozen=True)
class Page:
    notifications: list[Notification]
    assessments: dict[int, Assessment]  # those the notifications link to, loaded together
    plans: dict[int, ActionPlan]  # likewise the action plans a plan row's reminder links to
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.total


def page_of(user: User, number: int) -> Page:
    """One page of the person's notifications, newest first (at most three queries and a count)."""
    total = db.session.execute(select(func.count()).select_from(Notification)
                               .where(Notification.user_id == user.id)).scalar_one()
    number = max(1, min(number, 1 + max(total - 1, 0) // PAGE_SIZE))
    rows = list(db.session.execute(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).scalars())
    ids = {n.assessment_id for n in rows if n.assessment_id is not None}
    found = {a.id: a for a in db.session.execute(select(Assessment).where(Assessment.id.in_(ids))).scalars()} \
        if ids else {}
    plan_ids = {n.details.get("plan_id") for n in rows if n.kind in kinds.PLAN_KINDS} - {None}
    plans = {p.id: p for p in db.session.execute(select(ActionPlan).where(ActionPlan.id.in_(plan_ids))).scalars()} \
        if plan_ids else {}
    return Page(rows, found, plans, total, number)


def mark_read(user: User, notification_id: int, now: datetime | None = None) -> bool:
    """Mark one of the person's own notifications read; False if there is no such one of theirs."""
    result = db.session.execute(
        update(Notification).where(Notification.id == notification_id, Notification.user_id == user.id,
                                   Notification.read_at.is_(None))
        .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    exists = result.rowcount == 1 or db.session.execute(select(Notification.id).where(
        Notification.id == notification_id, Notification.user_id == user.id)).first() is not None
    return exists


def mark_all_read(user: User, now: datetime | None = None) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount
