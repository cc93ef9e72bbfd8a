"""The API's blueprint, its bearer-token authentication and how a service's refusal is answered;
the route modules (assessments, challenge, spec) add their routes to it."""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from eqia.extensions import csrf
from eqia.responses import PROBLEM, is_api_request, problem  # noqa: F401  (the API modules' too)
from eqia.services import tokens
from eqia.services.errors import Invalid, ServiceError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
PUBLIC_ENDPOINTS = {"api.register", "api.openapi", "api.assessment_schema"}


def service_problem(error: ServiceError, path_of) -> Response:
    """A service's refusal: its status, and each problem with where it is (`path_of` the problem)."""
    errors = [{"path": path_of(p), "message": p.message} for p in error.problems]
    return problem(error.status, "; ".join(p.message for p in error.problems), errors)


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
    from eqia.interchange.exporter import path_of
    from eqia.models import Assessment

    assessment_id = (request.view_args or {}).get("assessment_id")
    if not problem.page or assessment_id is None:
        return "$"
    # Only a refusal of what the caller may see names a field to fix: the assessment is theirs to read.
    assessment = db.session.get(Assessment, assessment_id)
    return path_of(assessment, problem) if assessment is not None else "$"

