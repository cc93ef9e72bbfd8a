"""One unit of work per request, command or task; a GET never writes.

Services change rows and flush (so a constraint or a stale lock version is met
inside the service, which turns it into a refusal); they never commit. The
code that speaks for the user commits, once:

- **A request** (pages and API): `init_app` commits after the view of a POST,
  PUT, PATCH or DELETE has answered with anything below 500, and rolls back
  when it raised or answered 500. A GET, HEAD or OPTIONS request is never
  committed: whatever it touched is discarded when the request ends. A service
  that refuses rolls back what it had done before raising, so a refusal the
  page shows (a form with its errors, a 409) commits nothing of that service,
  while anything recorded after the refusal is kept with the request.
- **A command** (`flask eqia ...`): `with unit_of_work():` around the service
  call, before it says what it did.
- **A task**: each task of the task queue (eqia.tasks: one unit of work per
  task) and each notification the sender delivers (eqia.notifications.sender)
  is a unit of work of its own. The background render of a draft
  (eqia.tasks.render) commits its claim on the render first, so every process
  sees it running, and the PDF it kept last.

What must follow the commit runs after it, never before: the background render
of a saved draft is queued by an `after_commit` listener
(eqia.services.prerender), and so is the task that delivers the notification
e-mails (eqia.notifications.listeners), which leave the outbox only from rows
already committed. Both ignore the release of a service step's savepoint,
which SQLAlchemy announces as a commit too.

One GET commits as a request that changes things does: the return from the single
sign-on provider (`returns_from_provider`), which OpenID Connect sends as a GET
redirect. What makes it safe is what makes a POST safe: the `state` it carries
is single use and bound to this browser's session, so no other site can forge it.

Two things a GET may keep, each apart from the request's unit of work (`apart()`:
a session and connection of its own, committed at once, marked so): a rendered
PDF, kept as the cache it is (eqia.services.version_pdfs), and the time an API
token was last used, at most every few minutes (eqia.services.tokens). Neither is
anything the user said or did to an assessment; the request's own session never
commits on a GET, and tests/test_unit_of_work.py holds both rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from flask import Flask, Response, current_app, request
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from eqia.extensions import db

if TYPE_CHECKING:
    from eqia.workflow.errors import ServiceError

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Methods that only read: nothing they do is ever committed (RFC 9110's safe methods).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit once what the block did, or roll all of it back if it raised."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


APART_LOCK_WAIT_MS = 1000


def keep_apart(work: Callable[[Session], R]) -> R | None:
    """`work` in a session apart, committed; None, having kept nothing, when it
    cannot be done without waiting on this unit of work or on a lock (a cache
    not kept is rendered again next time; a time stamp not kept is kept next time)."""
    if not can_keep_apart():
        return None
    try:
        with apart() as side:
            return work(side)
    except OperationalError:  # PostgreSQL's lock timeout, or SQLite's "database is locked"
        log.warning("a write kept apart from the request was given up: it would have waited on a lock")
        return None


def keep_time_apart(row, attribute: str, now) -> None:
    """Record the time `row` was used (an API token, a browser session) apart from this
    unit of work, and tell the row in this session the same; if that cannot be done
    without waiting, the time goes with this unit of work, kept only if it commits."""
    model = type(row)
    kept = keep_apart(lambda side: side.execute(
        update(model).where(model.id == row.id).values({attribute: now})).rowcount)
    if kept:
        set_committed_value(row, attribute, now)
    else:
        setattr(row, attribute, now)


@contextmanager
def apart() -> Iterator[Session]:
    """A unit of work of its own beside the request's (its own session and
    connection), committed when the block ends: for a cache or the reader's own
    bookkeeping, never for content. Its session carries `info["apart"]`."""
    session = Session(db.engine, info={"apart": True})
    try:
        if session.get_bind().dialect.name == "postgresql":
            # Never wait on a lock for a cache or a time stamp: the lock may be this very
            # request's own, uncommitted, which no database can see as a deadlock.
            session.execute(text(f"SET LOCAL lock_timeout = '{APART_LOCK_WAIT_MS}ms'"))
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def can_keep_apart() -> bool:
    """Whether a session apart can write now. Not on SQLite while this unit of work
    holds the database's write lock (it has written and not yet committed): the
    session apart would wait on the very request that opened it."""
    return not _sqlite_write_open()


def service_step(fn: Callable[P, R]) -> Callable[P, R]:
    """A service call as one step of the caller's unit of work: if it refuses
    (raises), only what it changed is undone, and whatever the unit did before it
    stays for the caller to commit or not. A savepoint marks where the step
    began; on SQLite, where the transaction opens at the first write and a
    savepoint taken before it would commit when released, a step that starts
    before anything was written is undone by rolling back the (empty) session."""

    @wraps(fn)
    def step(*args: P.args, **kwargs: P.kwargs) -> R:
        steps = db.session.info.setdefault("service_steps", [])
        steps.append(db.session.begin_nested() if _savepoint_is_safe() else None)
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            undo_step()
            steps.pop()
            raise
        savepoint = steps.pop()
        if savepoint is not None and savepoint.is_active:
            savepoint.commit()  # releases the savepoint: nothing reaches the database until the unit commits
        if not steps:
            # What the caller reads next is what the step left in the database (a relationship loaded
            # before it, say), as it was when each service committed for itself.
            db.session.flush()
            db.session.expire_all()
        return result

    return step


def undo_step() -> None:
    """Undo what the current service step changed (a service calls it before it
    reads the database again to explain a refusal, a stale lock version say)."""
    steps = db.session.info.get("service_steps") or [None]
    savepoint = steps[-1]
    if savepoint is None:
        db.session.rollback()
    elif savepoint.is_active or savepoint is db.session().get_nested_transaction():
        # A flush refused inside the step (a unique index, say) has already taken the database back to the
        # savepoint and left it deactivated; rolling it back closes it, so the session works again.
        savepoint.rollback()


@contextmanager
def refusing_clashes(refusal: Callable[[], ServiceError]) -> Iterator[None]:
    """Around the flush that writes a name or address the service has just found free:
    another request may commit the same one between that check and this write (two
    admins adding the same directorate at once), and the database's unique index,
    the only judge that sees both, refuses the second. That refusal becomes the
    service's own (`refusal()`, made after the step is undone, so it may read the
    row that won), never a 500, with nothing of the step left half-saved."""
    try:
        yield
    except IntegrityError as clash:
        undo_step()
        raise refusal() from clash


def _savepoint_is_safe() -> bool:
    return db.session.connection().dialect.name != "sqlite" or _sqlite_write_open()


def _sqlite_write_open() -> bool:
    """On SQLite: this session has written and holds the write lock (the driver
    opens the transaction at the first write, never at a read)."""
    connection = db.session.connection()
    return connection.dialect.name == "sqlite" and bool(connection.connection.dbapi_connection.in_transaction)


def returns_from_provider(view: Callable[P, R]) -> Callable[P, R]:
    """Mark the view the sign-on provider redirects back to (a GET by the protocol)
    as one unit of work that commits, like a POST."""
    view.returns_from_provider = True  # type: ignore[attr-defined]
    return view


def _is_provider_return() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "returns_from_provider", False))


def _end_request(response: Response) -> Response:
    # The provider's return commits only when it signed someone in (a redirect on): a refusal keeps nothing.
    if request.method in SAFE_METHODS and not (response.status_code < 400 and _is_provider_return()):
        return response
    if response.status_code >= 500:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return response


def init_app(app: Flask) -> None:
    # Registered first, so it runs after every other after_request function (Flask runs them in
    # reverse): whatever they add to the session is committed with the request.
    app.after_request_funcs.setdefault(None, []).insert(0, _end_request)
