"""A draft's PDF rendered in the background as soon as a save is committed.

A service manager saves a section, lands on the task list and clicks "Download
PDF": by then the draft has usually been rendered already, because every
committed change that the PDF shows (each one writes an audit event) queues its
assessment here, and a background thread renders it in a PDF worker process
(eqia.pdf.worker) and keeps it in the draft cache (eqia.services.version_pdfs).
A download that arrives while its assessment is still being rendered waits for
that render instead of starting a second one.

Only saves made in a browser are queued: the pages that save say so
(`after_browser_saves`), and nothing else does. A program writing through the
API, or a command loading the demo council, has no one about to click
"Download PDF": 2,000 creates through the API once left 923 renders nobody
asked for, and the service's throughput fell from 130 requests a second to 11.
Only versions that are not signed are rendered (a signed one's PDF is stored
at sign-off). Several saves of one assessment queue it once (a pending render
is replaced, not added to); the render reads whatever is committed when it
starts. The queue holds at most EQIA_PDF_PRERENDER_QUEUE assessments: beyond
that the one waiting longest is dropped (its PDF is rendered when it is
downloaded, as without this queue), so a burst of saves cannot build a backlog.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from contextlib import contextmanager

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from eqia.models import AuditEvent
from eqia.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
PENDING_KEY = "eqia_prerender"
BROWSER_SAVE_KEY = "eqia.prerender"  # in the request's WSGI environ: set by the pages that save
EXTENSION = "eqia_prerender"  # the app's render: given to init_app (eqia.services.version_pdfs.prerender)


class Scheduler:
    """One background thread per process, rendering one queued assessment at a time."""

    def __init__(self) -> None:
        self._queue: OrderedDict[int, object] = OrderedDict()  # assessment id -> its app
        self._running: int | None = None
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._held = 0
        self.rendered = 0  # how many drafts the background has kept (read by the tests)
        self.dropped = 0  # how many queued renders the bound has dropped

    def queue(self, app, assessment_ids, limit: int) -> None:
        """Queue each assessment (again at the back if already waiting), keeping at most `limit` waiting."""
        with self._changed:
            for assessment_id in assessment_ids:
                self._queue[assessment_id] = app
                self._queue.move_to_end(assessment_id)
            while len(self._queue) > limit:
                dropped, _ = self._queue.popitem(last=False)
                self.dropped += 1
                log.info("PDF pre-render queue full (%s): dropped assessment %s", limit, dropped)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="eqia-pdf-prerender", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def pending(self) -> list[int]:
        """The assessments waiting, first to be rendered first."""
        with self._changed:
            return list(self._queue)

    @contextmanager
    def hold(self):
        """Nothing starts rendering inside this block (the tests look at what is queued)."""
        with self._changed:
            self._held += 1
        try:
            yield self
        finally:
            with self._changed:
                self._held -= 1
                self._changed.notify_all()

    def busy_with(self, assessment_id: int) -> bool:
        with self._changed:
            return assessment_id == self._running or assessment_id in self._queue

    def wait_for(self, assessment_id: int, timeout: float) -> None:
        """Until the assessment is neither queued nor being rendered (or the timeout)."""
        with self._changed:
            self._changed.wait_for(lambda: assessment_id != self._running and assessment_id not in self._queue,
                                   timeout=timeout)

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._running is None and not self._queue, timeout=timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                if not self._changed.wait_for(lambda: bool(self._queue) and not self._held, timeout=60):
                    self._thread = None  # idle for a minute: the next save starts a new thread
                    return
                assessment_id, app = self._queue.popitem(last=False)
                self._running = assessment_id
            try:
                # Each render is a task: its own unit of work, committed when the PDF is kept.
                with app.app_context(), unit_of_work():
                    if app.extensions[EXTENSION](assessment_id):
                        self.rendered += 1
            except Exception:  # noqa: BLE001 - a failed pre-render costs a render on download, nothing more
                log.exception("pre-rendering the PDF of assessment %s failed", assessment_id)
            finally:
                with self._changed:
                    self._running = None
                    self._changed.notify_all()


scheduler = Scheduler()


def _collect(session: Session, flush_context) -> None:
    ids = {obj.assessment_id for obj in session.new if isinstance(obj, AuditEvent) and obj.assessment_id}
    if ids:
        session.info.setdefault(PENDING_KEY, set()).update(ids)


def after_browser_saves(blueprint) -> None:
    """What the blueprint's pages commit is rendered in the background."""
    @blueprint.before_request
    def wanted() -> None:
        request.environ[BROWSER_SAVE_KEY] = True


def _queue_committed(session: Session) -> None:
    ids = session.info.pop(PENDING_KEY, None)
    if ids and has_request_context() and request.environ.get(BROWSER_SAVE_KEY) \
            and current_app.config.get("EQIA_PDF_PRERENDER"):
        scheduler.queue(current_app._get_current_object(), sorted(ids), current_app.config["EQIA_PDF_PRERENDER_QUEUE"])


def _forget(session: Session, previous_transaction) -> None:
    session.info.pop(PENDING_KEY, None)  # what was rolled back changed nothing


def init_app(app, render) -> None:
    """`render(assessment_id)` renders and keeps one draft's PDF, True if it kept one."""
    app.extensions[EXTENSION] = render
    # On the Session class, once: every session of every app gets them.
    for name, fn in (("after_flush", _collect), ("after_commit", _queue_committed), ("after_soft_rollback", _forget)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
