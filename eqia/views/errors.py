"""Generic error pages: they say what happened and what to do, never how the
service is built."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from eqia.extensions import db
from eqia.responses import is_api_request, problem
from eqia.services.errors import ServiceError

log = logging.getLogger(__name__)

PAGES = {
    400: ("There is a problem with your request", "Go back, refresh the page and try again."),
    403: ("You cannot do that", "You do not have permission to do this. If you think you should, ask your equality "
                                "lead or administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you copied "
                            "the entire address."),
    405: ("There is a problem with your request", "Go back and use the buttons on the page."),
    409: ("This cannot be done now", "The assessment is not in a state that allows this. Go back to the assessment "
                                     "to see what you can do."),
    413: ("What you sent is too large", "Shorten your answers and try again."),
    422: ("There is a problem with your request", "Go back and check your answers."),
    429: ("Too many attempts", "You have tried too many times. Wait a few minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Your saved answers are safe."),
}


def render_error(status: int, problems: list[str] | None = None):
    if is_api_request():  # the API answers every error as a problem document, never a page
        return problem(status, "; ".join(problems or []))
    title, advice = PAGES.get(status, PAGES[500])
    return render_template("error.html", title=title, advice=advice, problems=problems or [], status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        log.warning("CSRF failure on %s: %s", request.path, error.description)
        return render_error(400, ["Your session may have expired, or the form was sent from another site. "
                                  "Refresh the page and try again."])

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        return render_error(error.status, [p.message for p in error.problems])

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
