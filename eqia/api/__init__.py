"""The JSON API under /api/v1: the same service functions and rules as the pages.

Callers authenticate with a bearer token (eqia.services.tokens); a session
cookie is never accepted here, so no page on another site can act through a
signed-in browser, and the API needs no CSRF token. Every refusal is an
`application/problem+json` document (RFC 9457) with the status the service
gave it (403 role or segregation of duties, 409 state or stale lock version,
422 what was sent) and, where they apply, the problems with a JSON path each.
"""

from __future__ import annotations

from eqia.api import action_progress, activities, assessments, challenge, spec  # noqa: F401  (their routes join the blueprint)
from eqia.api.blueprint import bp  # noqa: F401
