"""What the notifications do when the engine announces something: connected
to the engine's signals for each app in `init_app`."""

from __future__ import annotations

from flask import Flask

from eqia.models import AuditEvent
from eqia.notifications import outbox
from eqia.notifications.messages import TRANSITION, transition_facts
from eqia.notifications.recipients import who_acts_next
from eqia.workflow.hooks import TransitionContext
from eqia.workflow.signals import transition_applied


def queue_transition_messages(app: Flask, *, context: TransitionContext, event: AuditEvent) -> None:
    """Queue the message of a transition to each person who can act next, in
    the transition's own transaction: the message is sent only if the change it
    reports is committed (the outbox pattern)."""
    recipients = who_acts_next(context.assessment, context.definition, context.user)
    if recipients:
        outbox.queue(event, context.assessment, recipients, TRANSITION, transition_facts(context))


def init_app(app: Flask) -> None:
    # For this app only: several apps in one process (the tests) each queue once.
    transition_applied.connect(queue_transition_messages, sender=app)
