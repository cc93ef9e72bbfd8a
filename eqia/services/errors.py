"""What a service refuses with: the engine's refusals (eqia.workflow.errors),
which every service shares, and the wording the services add."""

from __future__ import annotations

from eqia.workflow.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible, ServiceError

__all__ = ["NUL_REFUSED", "Conflict", "Forbidden", "Invalid", "NotFound", "NotPossible", "ServiceError"]

# PostgreSQL cannot store NUL in text: the forms and the services refuse it in these words.
NUL_REFUSED = "Remove the null character (\\0) from this answer: it cannot be stored"
