"""The outbox: messages queued in the transaction of the change they report,
which of them are due, who is sending each, and what became of each attempt.

A message is pending until it is sent (sent_at) or set aside (failed_at). A
sender claims a pending message before offering it to the mail server, so two
senders never send the same one: on PostgreSQL the candidate row is read with
FOR UPDATE SKIP LOCKED, so a second sender passes over it rather than waiting;
on every database the claim itself is one UPDATE that succeeds only while the
message is still unclaimed (SQLite has no row locks, and serialises the
UPDATEs). A claim runs out after CLAIM_DURATION, so the message of a sender
that crashed is tried again by a later run.

These functions flush; the sender commits after each step, because each step
must be visible to other senders at once. A queued message is committed, or
not, with the change it reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, or_, select, update

from eqia.extensions import db
from eqia.models import OutboxMessage, utcnow

# Far longer than one message can take (smtplib waits at most 30 s for each reply).
CLAIM_DURATION = timedelta(minutes=10)
# However many attempts are allowed, never wait longer than this between two.
LONGEST_WAIT = timedelta(days=1)

# What a failed attempt met, as stored in OutboxMessage.failure.
REFUSED = "refused"
DISCONNECTED = "disconnected"
UNCONFIRMED = "unconfirmed"
INTERRUPTED = "interrupted"
# In words for the admin's page (in the page's language) and the command line (English).
FAILURES = {
    REFUSED: _l("the mail server refused it"),
    DISCONNECTED: _l("the connection to the mail server was lost before the message was sent"),
    UNCONFIRMED: _l("the connection was lost after the message was sent, before the mail server confirmed it, so "
                    "it may have been delivered: ask the recipient before sending it again"),
    INTERRUPTED: _l("the sender stopped during its last attempt, so it may have been delivered: ask the recipient "
                    "before sending it again"),
}


# The fact of a queued message that is a secret (a password link's token): kept only until
# the message is sent, then dropped, so the outbox does not hold a working link.
SECRET_FACT = "token"

# In the session's info: the app whose queue delivers, once the unit of work commits
# (eqia.notifications.listeners queues the delivery then).
DELIVER_KEY = "eqia_deliver_notifications"


def deliver_after_commit(app) -> None:
    """Queue a delivery in `app`'s task queue once this unit of work commits."""
    db.session.info[DELIVER_KEY] = app


def _pending() -> ColumnElement[bool]:
    return and_(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    return or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)


def due_count(started: datetime) -> int:
    return db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        _pending(), _unclaimed(utcnow()), OutboxMessage.next_attempt_at <= started)).scalar_one()


def set_aside_interrupted(max_attempts: int) -> int:
    """Set aside the messages whose sender stopped during their last attempt:
    the claim has run out, so no sender is at work on them, and trying once
    more would go beyond the limit."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(_pending(), OutboxMessage.claimed_until < now, OutboxMessage.attempts >= max_attempts)
        .values(failed_at=now, failure=INTERRUPTED, smtp_code=None, last_error="", claimed_by="",
                claimed_until=None)
        .execution_options(synchronize_session=False))
    return result.rowcount


def claim_next(sender: str, started: datetime) -> OutboxMessage | None:
    """Claim the pending message that has waited longest among those due when
    this run started (so a message tried and refused in this run waits for the
    next), counting the attempt; None when there is none left."""
    while True:
        now = utcnow()
        candidate = db.session.execute(
            select(OutboxMessage.id)
            .where(_pending(), _unclaimed(now), OutboxMessage.next_attempt_at <= started)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if candidate is None:
            return None
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == candidate, _pending(), _unclaimed(now))
            .values(claimed_by=sender, claimed_until=now + CLAIM_DURATION, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False))
        db.session.flush()
        if claimed.rowcount == 1:
            return db.session.get(OutboxMessage, candidate, populate_existing=True)
        # Another sender claimed it between the read and the update: look again.
        db.session.rollback()


def mark_sent(message: OutboxMessage) -> None:
    if SECRET_FACT in (message.details or {}):
        message.details = {k: v for k, v in message.details.items() if k != SECRET_FACT}
    message.sent_at = utcnow()
    message.claimed_by, message.claimed_until = "", None
    db.session.flush()


def retry_delay(attempts: int, first: timedelta) -> timedelta:
    """How long to wait after the given number of failed attempts: `first`,
    then twice as long each time."""
    return min(first * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def mark_failed(message: OutboxMessage, failure: str, smtp_code: int | None, error: str, *, max_attempts: int,
                first_wait: timedelta) -> bool:
    """Record a failed attempt; set the message aside after the last attempt,
    or at once when it may have been delivered. True if it was set aside."""
    now = utcnow()
    message.failure, message.smtp_code, message.last_error = failure, smtp_code, error[:2000]
    message.claimed_by, message.claimed_until = "", None
    if failure == UNCONFIRMED or message.attempts >= max_attempts:
        message.failed_at = now
    else:
        message.next_attempt_at = now + retry_delay(message.attempts, first_wait)
    db.session.flush()
    return message.failed_at is not None


def failed_messages() -> list[OutboxMessage]:
    return list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None)).order_by(OutboxMessage.id)).scalars())


def failed_count() -> int:
    return db.session.execute(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.failed_at.is_not(None))).scalar_one()


@dataclass
class NotFailed(Exception):
    message_id: int

    def __str__(self) -> str:
        return (f"Notification {self.message_id} has not failed: list those that have with "
                "`flask eqia list-failed-notifications`.")


def put_back(message_ids: list[int] | None) -> int:
    """Put failed messages (the given ones, or all) back in the queue, due now,
    with their attempts counted afresh. The last failure stays on record until
    the next attempt replaces it."""
    query = select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None))
    if message_ids is not None:
        found = {m.id: m for m in db.session.execute(query.where(OutboxMessage.id.in_(message_ids))).scalars()}
        for message_id in message_ids:
            if message_id not in found:
                raise NotFailed(message_id)
        messages = list(found.values())
    else:
        messages = list(db.session.execute(query).scalars())
    now = utcnow()
    for message in messages:
        message.failed_at, message.attempts, message.next_attempt_at = None, 0, now
        message.claimed_by, message.claimed_until = "", None
    db.session.flush()
    return len(messages)
