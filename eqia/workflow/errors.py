"""What the engine, and every service beside it, refuses with. Views and the API
turn these into responses: each carries the HTTP status it means and the
problems to show."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext
from flask_babel.speaklater import LazyString

from eqia.workflow.hooks import Problem


def N_(message: str) -> str:
    """Marks an English message for the Welsh catalogue (python -m eqia.catalogue). It stays English
    where it is kept (constants that tests and the API compare and search); a refusal carrying it
    says it in the language of the request refused (ServiceError)."""
    return message


def _catalogue_ready() -> bool:
    # The engine runs in apps without Flask-Babel too (tests/test_engine_alone.py): English there.
    return has_app_context() and "babel" in current_app.extensions


def said(message):
    """A refusal's message in the language of the moment: a lazy one rendered, an English one marked
    with N_ looked up in the catalogue (anything else, already in words, as it is)."""
    if isinstance(message, LazyString):
        return str(message)
    if type(message) is str and message and _catalogue_ready():
        return gettext(message)
    return message


def _english(message) -> str:
    """A message as the logs keep it: English, whatever language the request is in."""
    if isinstance(message, LazyString) and _catalogue_ready():
        with force_locale("en"):
            return str(message)
    # A str subclass that shows itself translated holds its English as its value.
    return str.__str__(message) if isinstance(message, str) else str(message)


class ServiceError(Exception):
    """A refusal. Its problems' messages are put into the language of the request that refused,
    which is the one that shows them, as plain text (an English one marked with N_ is looked up in
    the catalogue, a lazy one rendered); the exception's own text, what the logs record, stays English."""

    status = 400

    def __init__(self, *problems: Problem | str) -> None:
        given = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        self.problems = []
        for p in given:
            message = said(p.message)
            self.problems.append(p if message is p.message else replace(p, message=message))
        super().__init__("; ".join(_english(p.message) for p in given))


class NotFound(ServiceError):
    """Missing, or not visible to this user (the two look the same from outside)."""

    status = 404


class Forbidden(ServiceError):
    """This user may not do this (role, segregation of duties)."""

    status = 403


class NotPossible(ServiceError):
    """Not possible in the record's current state or content."""

    status = 409


class Conflict(ServiceError):
    """Someone else saved first: the caller's lock version is stale."""

    status = 409

    def __init__(self, current, *problems: Problem | str) -> None:
        self.current = current
        # Read now, while the row is loaded: the caller's transaction is rolled back next.
        self.current_lock_version = current.lock_version if current is not None else None
        super().__init__(*problems)


class Invalid(ServiceError):
    status = 422
