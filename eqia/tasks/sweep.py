"""The sweep (eqia.services.sweep) as a periodic task: every consumer fires it
every few minutes, and the period's claim in the database lets one of them do
the day's work. A tick that fails is logged by the queue and rolled back (its
claim too): the next tick does the work."""

from __future__ import annotations

import logging

from eqia.models import utcnow
from eqia.services.sweep import run_sweep
from eqia.tasks.queue import periodic_task

log = logging.getLogger(__name__)

SWEEP = "sweep"
EVERY = "*/10"  # minutes: the first tick after midnight in London does the day's work


@periodic_task(minute=EVERY)
def sweep() -> None:
    report = run_sweep(utcnow())
    log.info("sweep: %s", " ".join(report.lines))
