"""Working out the lead's figures in the background (eqia.services.figure_refresh):
queued by the commit of any change they count, and by each sweep tick for figures
more than a day old. Several queued while one runs cost one working out more, not
one each: a task whose change an earlier working out already covered does nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

from eqia.extensions import db
from eqia.models import utcnow
from eqia.services import figure_refresh
from eqia.tasks.queue import enqueue, periodic_task, task

WORK_OUT_FIGURES = "work_out_figures"
AT_LEAST_EVERY = timedelta(days=1)


# One that fails is followed by the next change's, or the next day's at the latest.
@task(retries=0)
def work_out_figures(committed_at: datetime) -> None:
    _work_out(committed_at)


def _work_out(since: datetime) -> None:
    if figure_refresh.work_out(since=since):
        db.session.commit()  # the task's unit of work, committed here so that the tidying follows it
        figure_refresh.tidy()


def queue_working_out(app: Flask, committed_at: datetime) -> None:
    """Given to eqia.services.figure_refresh, which queues a working out once a change has committed."""
    enqueue(app, WORK_OUT_FIGURES, committed_at)


@periodic_task(minute="*/10")
def figures_of_the_day() -> None:
    """Figures not worked out for a day are worked out now (a change made around the service's
    listeners, such as a restore from a backup, shows by the next day at the latest)."""
    _work_out(utcnow() - AT_LEAST_EVERY)
