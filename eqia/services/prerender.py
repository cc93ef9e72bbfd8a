"""A draft's PDF rendered in the background as soon as a save is committed.

A service manager saves a section, lands on the task list and clicks "Download
PDF": by then the draft has usually been rendered already, because every
committed change that the PDF shows (each one writes an audit event) queues a
render of its assessment: a task on the task queue (`render_draft`,
eqia.tasks.render) that a worker (`flask eqia worker`) runs, rendering in a PDF
worker process (eqia.pdf.worker) and keeping the PDF in the draft cache
(eqia.services.version_pdfs).

Where each assessment's render stands is a row in the database (DraftRender):
queued by the save's own transaction, running once a worker has claimed it,
then done. Every web process and every worker sees it, so a download on one
gunicorn worker that arrives while another process's render is queued or
running waits for that render instead of starting a second one (a bounded
wait: the web process never needs a worker to serve a download).

Only saves made in a browser are queued: the pages that save say so
(`after_browser_saves`), and nothing else does. A program writing through the
API, or a command loading the demo council, has no one about to click
"Download PDF": 2,000 creates through the API once left 923 renders nobody
asked for, and the service's throughput fell from 130 requests a second to 11.
Only versions that are not signed are rendered here (a signed one's record has a
task of its own, queued by the signature: eqia.services.version_pdfs).

Several saves of one assessment before a worker takes it queue one render: a
save that finds its assessment's render still queued puts no second task in
the queue, and the one waiting renders whatever is committed when it starts.
At most EQIA_PDF_PRERENDER_QUEUE assessments wait: beyond that the one waiting
longest is dropped (its task, when a worker takes it, does nothing, and its
PDF is rendered when it is downloaded, as without the background), so a burst
of saves cannot build a backlog of renders.

The row is written in the save's own transaction, just before it commits, and
the task is put in the queue only once the transaction has committed: a worker
never renders content that is not there yet, and a save rolled back queues
nothing. A service step on PostgreSQL runs inside a savepoint, and SQLAlchemy
announces the release of a savepoint as a commit (before_commit and
after_commit fire for it too): those are not the save's commit and are ignored
here, as the notifications ignore them (eqia.notifications.listeners).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from eqia.extensions import db
from eqia.models import AuditEvent, DraftRender, utcnow

log = logging.getLogger(__name__)
PENDING_KEY = "eqia_prerender"  # in the session's info: assessments whose changes this transaction flushed
QUEUE_KEY = "eqia_prerender_queue"  # in the session's info: (app, assessment ids) to queue once committed
BROWSER_SAVE_KEY = "eqia.prerender"  # in the request's WSGI environ: set by the pages that save
EXTENSION = "eqia_prerender"  # the app's way to queue a render task: given to init_app (eqia.tasks.render)

QUEUED, RUNNING, DONE, FAILED, DROPPED = "queued", "running", "done", "failed", "dropped"
# A render queued or running longer than this is taken to be lost (its task never reached a
# worker, or the worker died): a download no longer waits for it, and the next save queues it again.
STALE_AFTER = timedelta(minutes=10)


def after_browser_saves(blueprint) -> None:
    """What the blueprint's pages commit is rendered in the background."""
    @blueprint.before_request
    def wanted() -> None:
        request.environ[BROWSER_SAVE_KEY] = True


def _collect(session: Session, flush_context) -> None:
    ids = {obj.assessment_id for obj in session.new if isinstance(obj, AuditEvent) and obj.assessment_id}
    if ids:
        session.info.setdefault(PENDING_KEY, set()).update(ids)


def _browser_save() -> bool:
    return (has_request_context() and bool(request.environ.get(BROWSER_SAVE_KEY))
            and bool(current_app.config.get("EQIA_PDF_PRERENDER"))
            and current_app.config["EQIA_PDF_PRERENDER_QUEUE"] > 0)


def _queue_in_transaction(session: Session) -> None:
    """before_commit: the save's renders marked queued, in its own transaction."""
    if session.in_nested_transaction():
        return  # a savepoint released: the save is not committing yet
    if not _browser_save():
        session.info.pop(PENDING_KEY, None)
        return
    session.flush()  # whatever is still unflushed: its audit events are collected too
    ids = session.info.pop(PENDING_KEY, None)
    if not ids:
        return
    to_queue = mark_queued(session, sorted(ids), current_app.config["EQIA_PDF_PRERENDER_QUEUE"])
    if to_queue:
        session.info[QUEUE_KEY] = (current_app._get_current_object(), to_queue)


def mark_queued(session: Session, assessment_ids: list[int], limit: int) -> list[int]:
    """Mark each assessment's render queued (in `session`, for its caller to
    commit), keeping at most `limit` waiting. The assessments whose task must be
    put in the queue: not those already waiting, whose task renders this save too."""
    now = utcnow()
    rows = {row.assessment_id: row for row in session.execute(
        select(DraftRender.assessment_id, DraftRender.state, DraftRender.queued_at)
        .where(DraftRender.assessment_id.in_(assessment_ids)))}
    fresh = []
    for assessment_id in assessment_ids:
        row = rows.get(assessment_id)
        if row is not None and row.state == QUEUED and now - row.queued_at < STALE_AFTER:
            continue
        values = {"state": QUEUED, "queued_at": now, "started_at": None, "finished_at": None, "last_event": None}
        if row is None:
            # Inserted by saves only, which the audit chain's head row already puts one after another.
            session.execute(insert(DraftRender).values(assessment_id=assessment_id, requests=1, renders=0, **values))
        else:
            # A render running now shows what was there before this save: this request replaces its
            # claim, so it finishes without marking this one done, and a worker renders this one after.
            session.execute(update(DraftRender).where(DraftRender.assessment_id == assessment_id)
                            .values(requests=DraftRender.requests + 1, **values))
        fresh.append(assessment_id)
    waiting = session.execute(select(DraftRender.assessment_id).where(DraftRender.state == QUEUED)
                              .order_by(DraftRender.queued_at.desc(), DraftRender.assessment_id.desc())).scalars().all()
    dropped = waiting[limit:]
    if dropped:
        session.execute(update(DraftRender).where(DraftRender.assessment_id.in_(dropped)).values(state=DROPPED))
        log.info("PDF pre-render queue full (%s): dropped assessments %s", limit, dropped)
    return [assessment_id for assessment_id in fresh if assessment_id not in dropped]


def _queue_committed(session: Session) -> None:
    """after_commit: each render marked queued goes into the task queue."""
    if session.in_nested_transaction():
        return
    pending = session.info.pop(QUEUE_KEY, None)
    if pending is None:
        return
    app, assessment_ids = pending
    for assessment_id in assessment_ids:
        try:
            app.extensions[EXTENSION](app, assessment_id)
        except Exception:  # noqa: BLE001 - the save is committed; its PDF is rendered when downloaded
            log.exception("could not queue the background render of assessment %s", assessment_id)


def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    # What a refused step flushed changed nothing: at worst an earlier step's save is rendered on download.
    session.info.pop(PENDING_KEY, None)
    if previous_transaction.parent is None:
        session.info.pop(QUEUE_KEY, None)


def under_way(assessment_id: int, last_event: int | None) -> bool:
    """Whether a render of this assessment, as it is now (its newest audit event
    `last_event`), is queued or running in any process."""
    row = db.session.execute(select(DraftRender.state, DraftRender.queued_at, DraftRender.started_at,
                                    DraftRender.last_event)
                             .where(DraftRender.assessment_id == assessment_id)).one_or_none()
    if row is None:
        return False
    now = utcnow()
    if row.state == QUEUED:
        return now - row.queued_at < STALE_AFTER  # it reads whatever is committed when it starts
    if row.state == RUNNING:
        # A save after the claim would have queued it again: running, it shows the content it claimed.
        return now - row.started_at < STALE_AFTER and (row.last_event or 0) >= (last_event or 0)
    return False


def claim(assessment_id: int) -> int | None:
    """The worker's claim on a queued render (flushed: the task commits it before
    rendering, so every process sees it running). The request claimed, or None if
    there is none to claim: already taken by another worker, dropped, or never queued."""
    requests = db.session.execute(select(DraftRender.requests).where(
        DraftRender.assessment_id == assessment_id, DraftRender.state == QUEUED)).scalar_one_or_none()
    if requests is None:
        return None
    last_event = db.session.execute(select(func.max(AuditEvent.seq))
                                    .where(AuditEvent.assessment_id == assessment_id)).scalar_one()
    claimed = db.session.execute(
        update(DraftRender).where(DraftRender.assessment_id == assessment_id, DraftRender.state == QUEUED,
                                  DraftRender.requests == requests)
        .values(state=RUNNING, started_at=utcnow(), last_event=last_event))
    return requests if claimed.rowcount == 1 else None


def finish(assessment_id: int, claimed: int, *, rendered: bool, failed: bool = False) -> None:
    """The claimed render has ended (flushed: the task commits it with the PDF
    kept). A save queued meanwhile has replaced the claim: that request stays queued."""
    db.session.execute(
        update(DraftRender).where(DraftRender.assessment_id == assessment_id, DraftRender.requests == claimed,
                                  DraftRender.state == RUNNING)
        .values(state=FAILED if failed else DONE, finished_at=utcnow(),
                renders=DraftRender.renders + (1 if rendered else 0)))


def init_app(app: Flask, enqueue: Callable[[Flask, int], None]) -> None:
    """`enqueue(app, assessment_id)` puts the render of one draft in the app's task queue."""
    app.extensions[EXTENSION] = enqueue
    # On the Session class, once: every session of every app gets them.
    for name, fn in (("after_flush", _collect), ("before_commit", _queue_in_transaction),
                     ("after_commit", _queue_committed), ("after_soft_rollback", _forget)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
