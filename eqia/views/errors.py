"""Generic error pages: they say what happened and what to do, never how the
service is built."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
from flask import Flask, g, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from eqia import logs
from eqia.i18n import in_language
from eqia.extensions import db, login_manager
from eqia.responses import is_api_request, problem
from eqia.services.errors import ServiceError

log = logging.getLogger(__name__)


def put_on(form, error: ServiceError) -> list[dict]:
    """A service's refusal shown on a form's page: each problem on the field it names, the rest for the
    error summary (as its items)."""
    rest = []
    for problem in error.problems:
        if problem.field and problem.field in form:
            form[problem.field].errors = [*form[problem.field].errors, _(problem.message)]
        else:
            rest.append({"text": _(problem.message)})
    return rest

PAGES = {
    400: (_l("There is a problem with your request"), _l("Go back, refresh the page and try again.")),
    403: (_l("You cannot do that"),
          _l("You do not have permission to do this. If you think you should, ask your equality lead or "
             "administrator.")),
    404: (_l("Page not found"),
          _l("If you typed the web address, check it is correct. If you pasted it, check you copied the entire "
             "address.")),
    405: (_l("There is a problem with your request"), _l("Go back and use the buttons on the page.")),
    409: (_l("This cannot be done now"),
          _l("The assessment is not in a state that allows this. Go back to the assessment to see what you can "
             "do.")),
    413: (_l("What you sent is too large"), _l("Shorten your answers and try again.")),
    422: (_l("There is a problem with your request"), _l("Go back and check your answers.")),
    429: (_l("Too many attempts"), _l("You have tried too many times. Wait a few minutes, then try again.")),
    500: (_l("Sorry, there is a problem with the service"), _l("Try again later. Your saved answers are safe.")),
    503: (_l("Sorry, the service is unavailable"),
          _l("You will be able to use the service again soon. Try again in a few minutes. Your saved answers are "
             "safe.")),
}

# What a client is told to wait before it tries again while the database is unreachable (and /readyz says so).
RETRY_AFTER_SECONDS = 120

# The DBAPI's OperationalError is "an error of the database's operation, not under the programmer's control":
# the server refused or dropped the connection, the file cannot be opened, a lock could not be had. SQLAlchemy
# wraps it in its own; the drivers' own reach us from code that uses a raw connection (Huey's SQLite storage).
OUTAGE_ERRORS = (sa_exc.OperationalError, sqlite3.OperationalError, psycopg.OperationalError)


def is_outage(error: BaseException | None) -> bool:
    if isinstance(error, OUTAGE_ERRORS):
        return True
    # A connection that died under a statement, whatever the driver called it.
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


def render_error(status: int, problems: list[str] | None = None):
    if is_api_request():  # the API answers every error as a problem document, never a page, and in English
        with in_language("en"):
            return problem(status, "; ".join(str(p) for p in problems or []))
    title, advice = PAGES.get(status, PAGES[500])
    return render_template("error.html", title=title, advice=advice, problems=problems or [], status=status), status


def render_unavailable(error: BaseException):
    """The 503 while the database cannot be reached: the page or problem says to come back, and nothing
    of the request is kept. The page is drawn for nobody signed in, as the header would ask the database
    who is."""
    log.error("database unavailable on %s %s: %s", request.method, request.path, logs.reason(error))
    try:
        db.session.rollback()
    except Exception:  # the connection is gone already: there is nothing left to undo on it
        pass
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_api_request():
        with in_language("en"):
            return problem(503, str(PAGES[503][1]), headers=headers)
    g._login_user = login_manager.anonymous_user()  # Flask-Login's per-request user: no lookup
    title, advice = PAGES[503]
    return render_template("error.html", title=title, advice=advice, problems=[], status=503), 503, headers


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        log.warning("CSRF failure on %s: %s", request.path, error.description)
        return render_error(400, [_("Your session may have expired, or the form was sent from another site. "
                                    "Refresh the page and try again.")])

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        return render_error(error.status, [p.message for p in error.problems])

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError) and is_outage(error.original_exception):
            # Raised after the view (the request's commit): Flask hands it over as a 500.
            return render_unavailable(error.original_exception)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if is_outage(error):
            return render_unavailable(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
