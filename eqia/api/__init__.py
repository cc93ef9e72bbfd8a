"""The JSON API under /api/v1: the same service functions and rules as the pages.

Callers authenticate with a bearer token (eqia.services.tokens); a session
cookie is never accepted here, so no page on another site can act through a
signed-in browser, and the API needs no CSRF token. Every refusal is an
`application/problem+json` document (RFC 9457) with the status the service
gave it (403 role or segregation of duties, 409 state or stale lock version,
422 what was sent) and, where they apply, the problems with a JSON path each.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from eqia.extensions import csrf, db
from eqia.models import ApiToken
from eqia.services import tokens
from eqia.services.errors import Invalid, ServiceError
from eqia.unit_of_work import SAFE_METHODS

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
PROBLEM = "application/problem+json"
PUBLIC_ENDPOINTS = {"api.register", "api.openapi", "api.assessment_schema"}

TITLES = {
    400: "The request is malformed",
    401: "A valid API token is needed",
    403: "You may not do this",
    404: "Not found",
    405: "This method is not allowed here",
    409: "This cannot be done now",
    413: "What was sent is too large",
    415: "Send JSON",
    422: "What was sent is not valid",
    428: "Say which version you are changing",
    429: "Too many requests",
    500: "The service failed",
}


def problem(status: int, detail: str = "", errors: list[dict] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status, TITLES[500]), "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def service_problem(error: ServiceError, path_of) -> Response:
    """A service's refusal: its status, and each problem with where it is (`path_of` the problem)."""
    errors = [{"path": path_of(p), "message": p.message} for p in error.problems]
    return problem(error.status, "; ".join(p.message for p in error.problems), errors)


def is_api_request() -> bool:
    return request.path == "/api/v1" or request.path.startswith("/api/v1/")


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_api_user():
    return g.api_user


@bp.before_request
def authenticate():
    token = _bearer()
    g.api_user = tokens.user_for(token) if token else None
    if request.method in SAFE_METHODS and any(isinstance(row, ApiToken) for row in db.session.dirty):
        # The one write a GET makes (see eqia/unit_of_work.py): a token's "last used" time, at most every
        # few minutes, kept because a token's first GET is expected to record it.
        db.session.commit()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.api_user is None:
        detail = ("Send an API token as 'Authorization: Bearer <token>'. Make one on your account page or with "
                  "`flask eqia create-token`." if token is None else "That token is unknown, revoked, or its "
                  "user can no longer sign in.")
        return problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="eqia"'})
    return None


# The services name the fields of the pages; these are the API's names for them.
API_FIELDS = {"attest": "attested"}


@bp.errorhandler(ServiceError)
def refused(error: ServiceError):
    if isinstance(error, Invalid):  # what was sent
        return service_problem(error, lambda p: f"$.{API_FIELDS.get(p.field, p.field)}" if p.field else "$")
    return service_problem(error, _in_document)


def _in_document(problem) -> str:
    """Where a refusal's problem is fixed: the place in the assessment's document (as GET gives it and PUT
    takes it) of the field the pages link to, or "$" for one no field fixes (the state, a role, the date)."""
    from eqia.extensions import db
    from eqia.interchange.document import path_of
    from eqia.models import Assessment

    assessment_id = (request.view_args or {}).get("assessment_id")
    if not problem.endpoint or assessment_id is None:
        return "$"
    # Only a refusal of what the caller may see names a field to fix: the assessment is theirs to read.
    assessment = db.session.get(Assessment, assessment_id)
    return path_of(assessment, problem) if assessment is not None else "$"


from eqia.api import assessments, challenge, spec  # noqa: E402,F401  (their routes join the blueprint)
