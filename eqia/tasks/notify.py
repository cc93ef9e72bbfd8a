"""Delivering the notification e-mails: the outbox's own sender
(eqia.notifications.sender), run by a worker as soon as a committed change
has queued messages. The outbox keeps its claims, attempts and back-off, so
two workers (or a worker and `flask eqia send-notifications`) never send a
message twice, and the queue retries nothing itself (retries=0)."""

from __future__ import annotations

import logging

from flask import current_app

from eqia.notifications.sender import Unreachable, send_due
from eqia.tasks.queue import enqueue, task

log = logging.getLogger(__name__)

DELIVER = "deliver_notifications"
BATCH = 100  # messages a task sends at most; with more due, it queues itself again


@task(retries=0)
def deliver_notifications() -> None:
    try:
        run = send_due(current_app.config, BATCH)
    except Unreachable as error:
        log.warning("%s The notifications wait for the next delivery.", error)
        return
    if run is not None and not run.connection_lost and run.sent + run.to_retry + run.set_aside >= BATCH:
        enqueue(current_app._get_current_object(), DELIVER)
