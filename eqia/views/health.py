"""/healthz and /readyz, for the load balancer and the monitoring. No sign-in,
no CSRF, no rate limit; neither writes, and /healthz touches nothing at all
(docs/operating.md says which to point what at)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from eqia.extensions import csrf, limiter
from eqia.services.health import readiness
from eqia.views.errors import RETRY_AFTER_SECONDS

bp = Blueprint("health", __name__)
csrf.exempt(bp)
limiter.exempt(bp)


@bp.get("/healthz")
def healthz():
    """The process answers: a restart is what helps when it does not."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database and the queue answer: traffic is worth sending here."""
    result = readiness()
    if result.ready:
        return jsonify(status="ready", checks=result.checks)
    response = jsonify(status="unavailable", checks=result.checks, down=result.down)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
