"""A draft's PDF rendered in the background as soon as a save is committed.

A service manager saves a section, lands on the task list and clicks "Download
PDF": by then the draft has usually been rendered already, because every
committed change that the PDF shows (each one writes an audit event) queues its
assessment here, and a background thread renders it in a PDF worker process
(eqia.pdf.worker) and keeps it in the draft cache (eqia.services.documents).
A download that arrives while its assessment is still being rendered waits for
that render instead of starting a second one.

Only changes made in a web request are queued (a command loading the demo
council has no one waiting on a PDF), and only for versions that are not
signed, whose PDF is stored at sign-off. Several saves in a row queue the
assessment once; the render reads whatever is committed when it starts.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from eqia.models import AuditEvent

log = logging.getLogger(__name__)
PENDING_KEY = "eqia_prerender"


class Scheduler:
    """One background thread per process, rendering one queued assessment at a time."""

    def __init__(self) -> None:
        self._queue: OrderedDict[int, object] = OrderedDict()  # assessment id -> its app
        self._running: int | None = None
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self.rendered = 0  # how many drafts the background has kept (read by the tests)

    def queue(self, app, assessment_ids) -> None:
        with self._changed:
            for assessment_id in assessment_ids:
                self._queue[assessment_id] = app
                self._queue.move_to_end(assessment_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="eqia-pdf-prerender", daemon=True)
                self._thread.start()
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
                if not self._changed.wait_for(lambda: bool(self._queue), timeout=60):
                    self._thread = None  # idle for a minute: the next save starts a new thread
                    return
                assessment_id, app = self._queue.popitem(last=False)
                self._running = assessment_id
            try:
                with app.app_context():
                    from eqia.services.documents import prerender

                    if prerender(assessment_id):
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


def _queue_committed(session: Session) -> None:
    ids = session.info.pop(PENDING_KEY, None)
    if ids and has_request_context() and current_app.config.get("EQIA_PDF_PRERENDER"):
        scheduler.queue(current_app._get_current_object(), sorted(ids))


def _forget(session: Session, previous_transaction) -> None:
    session.info.pop(PENDING_KEY, None)  # what was rolled back changed nothing


def init_app(app) -> None:
    # On the Session class, once: every session of every app gets them.
    for name, fn in (("after_flush", _collect), ("after_commit", _queue_committed), ("after_soft_rollback", _forget)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
