"""The PDF of a version: stored once when it becomes final, cached while it is a draft.

A final version's PDF, its record, is the version as it became final: its state then, its
trail up to the event that made it final (the last signature, or the agreement of a
screen-out) and the audit chain's head at that event (`became_final`). It is rendered once
that transaction has committed, by a task on the queue (`store_signed` marks it due;
eqia.tasks.render's `render_record` makes it), so a decision-maker's signature waits for no
render (a long assessment takes seconds); the bytes are then kept, with their SHA-256 beside
them, and every later download serves them: the document a council attaches to a committee
report is the one that was signed, whatever the templates do later. Made after the commit,
it is the same document as if made at the moment itself (tested). A download that comes
before the task (or after a task lost with a worker) makes the record itself, the same way,
and keeps it; the task then finds it kept.

A draft is cached under a fingerprint of everything it shows (content hash,
state, the audit trail so far, the templates), so an unchanged draft is served
from the cache.

A download is a GET, whose request commits nothing (eqia/unit_of_work.py):
`pdf_to_serve` serves what is kept, or renders the version as it is now and
keeps that rendering apart from the request, as a cache (`keep_apart`), so the
next download is served the same bytes. `pdf_for` keeps a rendering in the
caller's own unit of work, and so does `prerender`, the background render of a
saved draft (a task: eqia.tasks.render). A download that finds no cached PDF
while that render of the same content is queued or running, in any process
(eqia.services.prerender keeps where it stands in the database), waits for it
a bounded time, then serves its bytes or, if it has not come, renders itself.
Whatever it serves was found under the fingerprint of the draft as it is now,
so a render of older content is never served in its place.

A version is final once its state is frozen: signed off, or a screen-out an
equality lead agreed. Its PDF carries no DRAFT mark and is kept as the signed
one is (due by the `store_signed_document` effect on the transition that settles
it, kind "signed": the document kept for good, never changed in the database).

In Welsh: the English PDF stays the record. The signed bytes are English, rendered once
and never changed, and every English download (and the API's) still serves
exactly them. A Welsh PDF is the same version in the other language, rendered when first
asked for and kept apart from the English ones, under its own kinds ("draft-cy", and
"final-cy" for a final version): never "signed", never digitally signed, so no one can
take a translation made later for the record signed off. Its key includes the language,
the templates and the Welsh catalogue (`language_fingerprint`), so a better translation
or template shows in the next Welsh download, while the English record stays as signed.
The background pre-render (eqia.tasks.render) renders the English draft only: most
downloads are English, and a Welsh draft costs one render on its first download.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, current_app
from sqlalchemy import delete, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from eqia.extensions import db
from eqia.i18n import DEFAULT_LANGUAGE, catalogue_path, chosen_language, in_language
from eqia.loaded_definitions import definition_for
from eqia.models import Assessment, AssessmentDocument, AuditEvent, utcnow
from eqia.pdf.fetcher import TEMPLATES
from eqia.services import prerender as background, signing
from eqia.services.pdf_document import html_for, is_final
from eqia.services.record import canonical, content_hash, digest
from eqia.unit_of_work import keep_apart
from eqia.workflow.hooks import TransitionContext

log = logging.getLogger(__name__)

SIGNED, DRAFT = "signed", "draft"  # SIGNED: the final document, kept for good
RECORD_DUE_KEY = "eqia_record_due"  # in the session's info: versions this transaction made final
RECORD_QUEUE_KEY = "eqia_record_queue"  # in the session's info: (app, assessment ids) to queue once committed
RECORD_EXTENSION = "eqia_signed_record"  # the app's way to queue a record's rendering (eqia.tasks.render)
DRAFTS_KEPT = 3  # per assessment: the newest few, so going back to one is free too
PRERENDER_WAIT = 30  # seconds a download waits for its background render before rendering itself
PRERENDER_POLL = 0.1  # seconds between two looks at that render while waiting


@dataclass(frozen=True)
class Document:
    data: bytes
    sha256: str
    signed: bool
    filename: str


@lru_cache(maxsize=1)
def templates_fingerprint() -> str:
    """A change to the PDF's templates or print CSS makes every cached draft stale."""
    h = hashlib.sha256()
    for path in sorted(TEMPLATES.glob("*")):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=None)
def catalogue_fingerprint(language: str) -> str:
    """A change to a language's catalogue makes every PDF kept in that language stale."""
    path = catalogue_path(language)
    return hashlib.sha256(path.read_bytes() if path.exists() else b"").hexdigest()


def language_fingerprint(language: str) -> dict:
    """What a PDF in a language other than English is also kept under (nothing for English,
    whose keys stay as they always were)."""
    if language == DEFAULT_LANGUAGE:
        return {}
    return {"language": language, "catalogue": catalogue_fingerprint(language)}


def _language(language: str | None) -> str:
    return chosen_language(language) or DEFAULT_LANGUAGE


def kind_in(kind: str, language: str) -> str:
    """Where a version's PDF in `language` is kept: English under SIGNED or DRAFT, Welsh beside them."""
    if language == DEFAULT_LANGUAGE:
        return kind
    return f"{'final' if kind == SIGNED else kind}-{language}"


def last_event_of(assessment_id: int) -> int | None:
    return db.session.execute(
        select(func.max(AuditEvent.seq)).where(AuditEvent.assessment_id == assessment_id)
    ).scalar_one()


def fingerprint(assessment: Assessment, last_event: int | None = None, language: str = DEFAULT_LANGUAGE) -> str:
    if last_event is None:
        last_event = last_event_of(assessment.id)
    return digest(canonical({"content": content_hash(assessment), "state": assessment.state,
                             "last_event": last_event, "templates": templates_fingerprint(),
                             **language_fingerprint(language)}))


def filename_for(assessment: Assessment, signed: bool, language: str = DEFAULT_LANGUAGE) -> str:
    suffix = "" if language == DEFAULT_LANGUAGE else f"-{language}"
    return f"{assessment.reference}-v{assessment.version_number}{'' if signed else '-DRAFT'}{suffix}.pdf"


def became_final(assessment: Assessment) -> AuditEvent | None:
    """The event that made the version final here (signed off, or its screen-out agreed): its
    record shows the version as it was then. None for one that came final from another system."""
    definition = definition_for(assessment)
    frozen = [name for name in definition.states if definition.is_frozen(name)]
    return db.session.execute(select(AuditEvent).where(AuditEvent.assessment_id == assessment.id,
                                                       AuditEvent.to_state.in_(frozen))
                              .order_by(AuditEvent.seq).limit(1)).scalar_one_or_none()


def render(assessment: Assessment, language: str = DEFAULT_LANGUAGE) -> bytes:
    """The assessment in `language` (English unless asked: whoever's request it runs in), rendered
    in a PDF worker process (or in this one when EQIA_PDF_WORKERS is 0): a draft as it is now, a
    final version as it became final (the same document whenever it is made)."""
    as_of = became_final(assessment) if is_final(assessment) else None
    with in_language(language):
        page, extra = html_for(assessment, as_of=as_of)
    workers = current_app.config["EQIA_PDF_WORKERS"]
    if workers:
        from eqia.pdf.worker import pool

        return pool(workers).render_document(page, extra)
    from eqia.pdf.render import document_from_html

    return document_from_html(page, extra)


def prerender(assessment_id: int) -> bool:
    """Render and keep a draft's PDF unless it is signed or already kept (flushed:
    the background's task commits it, eqia.tasks.render). True if it rendered one."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or is_final(assessment):
        return False
    place = _place(assessment)
    if _kept(assessment, place) is not None:
        return False
    _keep(db.session, assessment.id, place.kind, place.key(assessment), render(assessment))
    return True


def _stored(assessment_id: int, kind: str, fp: str | None = None, *,
            session: Session | None = None) -> AssessmentDocument | None:
    query = select(AssessmentDocument).where(AssessmentDocument.assessment_id == assessment_id,
                                             AssessmentDocument.kind == kind)
    if fp is not None:
        query = query.where(AssessmentDocument.fingerprint == fp)
    return (session or db.session).execute(query.order_by(AssessmentDocument.id.desc()).limit(1)).scalar_one_or_none()


def store_signed(ctx: TransitionContext) -> None:
    """The effect: once the version is final (the last signature needed given, or a screen-out
    agreed), its record is due. It is rendered once this transaction has committed, by a task
    (`store_record`, eqia.tasks.render), so the person signing does not wait for a render; it
    shows the version as it became final whenever it is made (`became_final`)."""
    if is_final(ctx.assessment):
        db.session.info.setdefault(RECORD_DUE_KEY, set()).add(ctx.assessment.id)


def record_bytes(assessment: Assessment) -> bytes:
    """A final version's record: English whatever the language of the person signing (a Welsh copy
    is made from the version when asked for, `pdf_to_serve`, never kept as the record), digitally
    signed when the council has a certificate."""
    data = render(assessment, DEFAULT_LANGUAGE)
    from eqia.pdf import signature

    if signature.configured() and signing.is_signed(assessment):
        data = signature.sign(data, name=current_app.config["EQIA_COUNCIL_NAME"],
                              reason=f"Signed off: {assessment.display_reference}, content SHA-256 "
                                     f"{content_hash(assessment)}")
    return data


def store_record(assessment_id: int) -> bool:
    """Render and keep a final version's record unless it is kept already (flushed: the task
    commits it). True if it rendered one."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not is_final(assessment) or _stored(assessment.id, SIGNED) is not None:
        return False
    _keep(db.session, assessment.id, SIGNED, content_hash(assessment), record_bytes(assessment))
    return True


def _records_in_transaction(session: Session) -> None:
    """before_commit: the records this transaction made due, to queue once it has committed."""
    if session.in_nested_transaction():
        return  # a savepoint released (PostgreSQL's service steps): not the commit yet
    due = session.info.pop(RECORD_DUE_KEY, None)
    if due:
        session.info[RECORD_QUEUE_KEY] = (current_app._get_current_object(), sorted(due))


def _records_committed(session: Session) -> None:
    """after_commit: each record due goes into the task queue."""
    if session.in_nested_transaction():
        return
    pending = session.info.pop(RECORD_QUEUE_KEY, None)
    if pending is None:
        return
    app, assessment_ids = pending
    for assessment_id in assessment_ids:
        try:
            app.extensions[RECORD_EXTENSION](app, assessment_id)
        except Exception:  # noqa: BLE001 - the signature is committed; the record is made on first download
            log.exception("could not queue the rendering of the record of assessment %s", assessment_id)


def _records_forgotten(session: Session, previous_transaction: SessionTransaction) -> None:
    # A refused step's version did not become final; a record due from an earlier step of the same
    # transaction is then made on its first download (or the task finds it kept, or not final: nothing).
    session.info.pop(RECORD_DUE_KEY, None)
    if previous_transaction.parent is None:
        session.info.pop(RECORD_QUEUE_KEY, None)


def init_app(app: Flask, enqueue: Callable[[Flask, int], None]) -> None:
    """`enqueue(app, assessment_id)` puts the rendering of one final version's record in the app's task queue."""
    app.extensions[RECORD_EXTENSION] = enqueue
    for name, fn in (("before_commit", _records_in_transaction), ("after_commit", _records_committed),
                     ("after_soft_rollback", _records_forgotten)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


def _keep(session: Session, assessment_id: int, kind: str, fp: str, data: bytes) -> AssessmentDocument:
    """Keep a rendering in `session` (flushed: whoever owns the session commits);
    if another process kept the same one meanwhile, use theirs. The session does
    nothing else (a task's, or one apart from a request), so rolling it back on a
    clash loses nothing."""
    row = AssessmentDocument(assessment_id=assessment_id, kind=kind, fingerprint=fp,
                             sha256=hashlib.sha256(data).hexdigest(), data=data, created_at=utcnow())
    try:
        session.add(row)
        session.flush()
        if kind != SIGNED:  # a draft, or a Welsh copy: a cache, the newest few kept
            drafts = session.execute(
                select(AssessmentDocument.id).where(AssessmentDocument.assessment_id == assessment_id,
                                                    AssessmentDocument.kind == kind)
                .order_by(AssessmentDocument.id.desc())).scalars().all()
            if len(drafts) > DRAFTS_KEPT:
                session.execute(delete(AssessmentDocument).where(AssessmentDocument.id.in_(drafts[DRAFTS_KEPT:])))
        session.flush()
        return row
    except IntegrityError:
        session.rollback()
        return _stored(assessment_id, kind, fp, session=session)


@dataclass(frozen=True)
class _Place:
    """Where a version's PDF is kept. A final version has one PDF, found by its kind
    alone and kept under its content hash; a draft is found and kept under the
    fingerprint of everything it shows. Worked out once per call: the fingerprint
    hashes the whole content."""

    final: bool
    kind: str
    fingerprint: str | None
    last_event: int | None = None  # a draft's newest audit event, part of its fingerprint
    language: str = DEFAULT_LANGUAGE

    def key(self, assessment: Assessment) -> str:
        return self.fingerprint if self.fingerprint is not None else content_hash(assessment)


def _place(assessment: Assessment, language: str = DEFAULT_LANGUAGE) -> _Place:
    if is_final(assessment):
        if language == DEFAULT_LANGUAGE:
            return _Place(True, SIGNED, None)
        # The final version in another language: a copy of the record, not the record, kept
        # under its content, the templates and the catalogue (none of which the signed bytes follow).
        key = digest(canonical({"content": content_hash(assessment), "templates": templates_fingerprint(),
                                **language_fingerprint(language)}))
        return _Place(True, kind_in(SIGNED, language), key, language=language)
    last_event = last_event_of(assessment.id)
    return _Place(False, kind_in(DRAFT, language), fingerprint(assessment, last_event, language), last_event,
                  language)


def pdf_for(assessment: Assessment) -> Document:
    """The PDF as kept, rendering and keeping it first if it is not (flushed: the
    caller commits). Never called by a GET. A final version kept no PDF if it became
    final before PDFs were stored (or was restored): rendered once, kept from then on."""
    place = _place(assessment)
    document = _kept(assessment, place)
    if document is not None:
        return document
    data = record_bytes(assessment) if place.kind == SIGNED else render(assessment)
    row = _keep(db.session, assessment.id, place.kind, place.key(assessment), data)
    return Document(row.data, row.sha256, place.final, filename_for(assessment, place.final))


def pdf_to_serve(assessment: Assessment, language: str | None = DEFAULT_LANGUAGE) -> Document:
    """The bytes a download serves, in `language` (English: the signed record itself): the PDF
    as kept, or the version as it is now, rendered and kept apart from the request (whose own
    session writes nothing)."""
    language = _language(language)
    place = _place(assessment, language)
    document = _kept(assessment, place)
    if document is None and not place.final and language == DEFAULT_LANGUAGE:
        # Saved a moment ago and queued or being rendered now: wait for that render, not a second one.
        document = _background_render(assessment, place)
    if document is not None:
        return document
    # A final version whose record is not kept yet (its task still to run, or it came final from
    # another system): the record itself, made now and kept from then on.
    data = record_bytes(assessment) if place.kind == SIGNED else render(assessment, language)
    key = place.key(assessment)
    # Kept as a cache, apart from the request's unit of work: the next download (or the
    # task that would have rendered it) is served these same bytes.
    kept = keep_apart(lambda side: _kept_bytes(_keep(side, assessment.id, place.kind, key, data)))
    data, sha256 = kept or (data, hashlib.sha256(data).hexdigest())
    return Document(data, sha256, place.final, filename_for(assessment, place.final, language))


def _background_render(assessment: Assessment, place: _Place) -> Document | None:
    """The PDF the background renders of this very draft, once kept, if a render of
    it is under way and comes within PRERENDER_WAIT; None otherwise."""
    deadline = time.monotonic() + PRERENDER_WAIT
    while True:
        # Where the render stands first, then the cache: a render that ends between the two
        # looks has kept its PDF (in the same commit) before it stopped being under way.
        waiting = background.under_way(assessment.id, place.last_event)
        document = _kept(assessment, place)
        if document is not None or not waiting or time.monotonic() >= deadline:
            return document
        time.sleep(PRERENDER_POLL)


def _kept_bytes(row: AssessmentDocument | None) -> tuple[bytes, str] | None:
    return (row.data, row.sha256) if row is not None else None


def _kept(assessment: Assessment, place: _Place) -> Document | None:
    row = _stored(assessment.id, place.kind, place.fingerprint)
    if row is None:
        return None
    return Document(row.data, row.sha256, place.final, filename_for(assessment, place.final, place.language))


def docx_for(assessment: Assessment, language: str | None = DEFAULT_LANGUAGE) -> Document:
    """The same content as the PDF, as Word, made from the PDF's own HTML, in `language`."""
    from eqia.word import docx_for as build

    language = _language(language)
    signed = is_final(assessment)
    with in_language(language):
        page, _ = html_for(assessment, as_of=became_final(assessment) if signed else None)
        data = build(assessment, page, draft=not signed)
    name = filename_for(assessment, signed, language).removesuffix(".pdf") + ".docx"
    return Document(data, hashlib.sha256(data).hexdigest(), signed, name)
