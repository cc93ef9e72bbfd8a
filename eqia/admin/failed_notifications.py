"""The notification e-mails set aside after their last attempt failed, as an
admin sees them in the browser, and "Try again": back in the queue with their
attempts counted afresh, and a delivery queued for when the request commits."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from eqia.admin import trail
from eqia.admin.listing import Page, clamp
from eqia.extensions import db
from eqia.models import OutboxMessage, User
from eqia.notifications import outbox
from eqia.services.errors import NotFound
from eqia.unit_of_work import service_step
from eqia.workflow.errors import N_


PAGE_SIZE = 25

NOT_FAILED = N_("That notification is not waiting to be tried again: it may have been sent since")


def page_of_failed(number: int) -> Page[OutboxMessage]:
    """Newest set aside first: two queries a page."""
    total = outbox.failed_count()
    number = clamp(number, total, PAGE_SIZE)
    messages = list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None))
        .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
        .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars())
    return Page(messages, number, total, PAGE_SIZE)


@service_step
def try_again(admin: User, message_ids: list[int] | None) -> int:
    """Put these failed messages (or, given None, all of them) back for delivery; how many."""
    try:
        count = outbox.put_back(message_ids)
    except outbox.NotFailed:
        raise NotFound(NOT_FAILED) from None
    if count:
        trail.record(admin, trail.NOTIFICATIONS_RETRIED, count=count, messages=message_ids or [])
        outbox.deliver_after_commit(current_app._get_current_object())
    return count
