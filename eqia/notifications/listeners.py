"""What the notifications do when the engine announces something: connected
to the engine's signals for each app in `init_app`."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from eqia.extensions import db
from eqia.models import AuditEvent
from eqia.notifications import outbox
from eqia.notifications.messages import TRANSITION, transition_facts
from eqia.notifications.recipients import who_acts_next
from eqia.workflow.hooks import TransitionContext
from eqia.workflow.signals import transition_applied

log = logging.getLogger(__name__)
DELIVER_KEY = outbox.DELIVER_KEY  # the app whose queue delivers, after the commit


def queue_transition_messages(app: Flask, *, context: TransitionContext, event: AuditEvent) -> None:
    """Queue the message of a transition to each person who can act next, in
    the transition's own transaction: the message is sent only if the change it
    reports is committed (the outbox pattern). Once it is committed, a task
    delivers it (eqia.tasks.notify)."""
    recipients = who_acts_next(context.assessment, context.definition, context.user)
    if recipients:
        outbox.queue(event, context.assessment, recipients, TRANSITION, transition_facts(context))
        outbox.deliver_after_commit(app)


def _deliver_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released (a service step on PostgreSQL): nothing is committed yet
    app = session.info.pop(DELIVER_KEY, None)
    if app is None:
        return
    from eqia.tasks import enqueue
    from eqia.tasks.notify import DELIVER

    try:
        enqueue(app, DELIVER)
    except Exception:  # noqa: BLE001 - the messages are committed: the next delivery sends them
        log.exception("could not queue the delivery of notifications: "
                      "they wait in the outbox for the next one")


def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    # Only when the whole transaction is rolled back: a savepoint undone may leave messages
    # queued before it (a delivery that finds nothing due sends nothing).
    if previous_transaction.parent is None:
        session.info.pop(DELIVER_KEY, None)


def init_app(app: Flask) -> None:
    # For this app only: several apps in one process (the tests) each queue once.
    transition_applied.connect(queue_transition_messages, sender=app)
    # On the Session class, once: every session of every app gets them.
    for name, fn in (("after_commit", _deliver_committed), ("after_soft_rollback", _forget)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
