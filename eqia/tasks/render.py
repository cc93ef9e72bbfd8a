"""Rendering in the background: a final version's record, queued by the commit of the
signature (or agreement) that made it final (eqia.services.version_pdfs), and a saved
draft's PDF into the draft cache, queued by the commit of a save in the browser
(eqia.services.prerender says which saves, and why only those); each run by a worker.
A draft's render row (DraftRender) is claimed before the render and committed at once,
so a download in any web process sees a worker on it and waits for these bytes rather
than rendering them a second time."""

from __future__ import annotations

import logging

from flask import Flask

from eqia.extensions import db
from eqia.services import prerender, version_pdfs
from eqia.tasks.queue import enqueue, task

log = logging.getLogger(__name__)

RENDER_DRAFT = "render_draft"


# A render that failed is rendered again by the download that needs it: the queue retries nothing.
@task(retries=0)
def render_draft(assessment_id: int) -> None:
    claimed = prerender.claim(assessment_id)
    if claimed is None:
        return  # taken by another worker, or dropped by the queue's bound
    # The claim's own commit, ahead of the task's: while the PDF renders, every process sees it running.
    db.session.commit()
    try:
        rendered = version_pdfs.prerender(assessment_id)
    except Exception:  # noqa: BLE001 - a failed pre-render costs a render on download, nothing more
        log.exception("pre-rendering the PDF of assessment %s failed", assessment_id)
        db.session.rollback()
        prerender.finish(assessment_id, claimed, rendered=False, failed=True)
        return
    prerender.finish(assessment_id, claimed, rendered=rendered)


def queue_render(app: Flask, assessment_id: int) -> None:
    """Given to eqia.services.prerender, which queues a render once a save is committed."""
    enqueue(app, RENDER_DRAFT, assessment_id)


RENDER_RECORD = "render_record"


# A record this task failed to make (or never got to) is made by the first download that needs it,
# through the same function, and kept from then on.
@task(retries=1)
def render_record(assessment_id: int) -> None:
    version_pdfs.store_record(assessment_id)


def queue_record(app: Flask, assessment_id: int) -> None:
    """Given to eqia.services.version_pdfs, which queues a final version's record once its signature is committed."""
    enqueue(app, RENDER_RECORD, assessment_id)
