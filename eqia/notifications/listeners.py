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
from eqia.notifications.inbox import notify
from eqia.notifications.kinds import PROGRAMME_HANDED_OVER, kind_of_transition
from eqia.notifications.messages import transition_facts
from eqia.notifications.recipients import people_acting_next_on_record, transition_recipients
from eqia.workflow.hooks import TransitionContext
from eqia.workflow.signals import transition_applied
from eqia.workflow.subject import DEFAULT

log = logging.getLogger(__name__)
DELIVER_KEY = outbox.DELIVER_KEY  # the app whose queue delivers, after the commit


def queue_transition_messages(app: Flask, *, context: TransitionContext, event: AuditEvent,
                              subject: str = DEFAULT) -> None:
    """Tell each person who can act next (and the author, of a sign-off or a
    publication) of a transition, in the transition's own transaction: the
    notification, and the e-mail of those who want it straight away, exist only
    if the change they report is committed (the outbox pattern). Once it is
    committed, a task delivers the e-mails (eqia.tasks.notify). Only an assessment's
    transitions (the engine's default subject) are told in their kinds; a cumulative judgement's or an action
    plan's tells those who may move it on next that it waits for them (`_programme_handed_over`)."""
    if subject != DEFAULT:
        _programme_handed_over(app, context, event, subject)
        return
    kind = kind_of_transition(context.transition)
    people = transition_recipients(context.assessment, context.definition, context.user, kind)
    if not people:
        return
    made = notify(people, kind, transition_facts(context), assessment_id=context.assessment.id,
                  audit_event_id=event.id)
    if any(n.outbox_message_id is not None for n in made):
        outbox.deliver_after_commit(app)


def _programme_handed_over(app: Flask, context: TransitionContext, event: AuditEvent, subject: str) -> None:
    record = context.record
    people = people_acting_next_on_record(record, context.definition, context.user)
    if not people:
        return
    facts = {"subject": subject, "record_id": record.id, "reference": event.assessment_reference,
             "title": getattr(record, "title", None) or getattr(record, "programme", ""),
             "actor": context.user.name if context.user else None, "workflow": context.definition.name,
             "workflow_version": context.definition.version, "trigger": context.transition.trigger,
             "state": record.state, "comment": context.comment or ""}
    made = notify(people, PROGRAMME_HANDED_OVER, facts, assessment_id=None, audit_event_id=event.id)
    if any(n.outbox_message_id is not None for n in made):
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
