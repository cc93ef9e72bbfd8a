"""Whether the parts the service stands on answer: the database and the task
queue's storage. Each check reads one trivial thing and writes nothing; what it
reports is a code ("up" or "down"), never an error text, which may name a host
or a user (eqia.views.health serves it to anyone): the reason goes to the log."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text

from eqia import logs
from eqia.extensions import db
from eqia.tasks.queue import pending_for_probe

log = logging.getLogger(__name__)

UP = "up"
DOWN = "down"

# The longest the queue's check waits to connect to Redis, and then for its answer: a probe that hangs
# tells the load balancer nothing, where one that says "down" within its interval tells it to stop sending.
QUEUE_PROBE_SECONDS = 2.0


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]  # name -> UP or DOWN

    @property
    def ready(self) -> bool:
        return all(state == UP for state in self.checks.values())

    @property
    def down(self) -> list[str]:
        return [name for name, state in self.checks.items() if state != UP]


def _database() -> None:
    # A connection of its own, not the request's session: the check is no unit of work.
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()


def _queue() -> None:
    # Counting what waits reads the storage (a SELECT on SQLite, LLEN on Redis), as a worker's poll does.
    pending_for_probe(current_app, QUEUE_PROBE_SECONDS)


CHECKS = {"database": _database, "queue": _queue}


def readiness() -> Readiness:
    checks = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure of a probe means the part is not there to use
            log.warning("readiness: %s is down: %s", name, logs.reason(error))
            checks[name] = DOWN
        else:
            checks[name] = UP
    return Readiness(checks)
