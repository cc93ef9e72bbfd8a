"""What a service refuses with: the engine's refusals (eqia.workflow.errors),
which every service shares, and the wording the services add."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eqia.workflow.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible, ServiceError

__all__ = ["NUL_REFUSED", "NUL_REFUSED_SAID", "Conflict", "Forbidden", "Invalid", "NotFound", "NotPossible", "ServiceError"]

# PostgreSQL cannot store NUL in text: the forms and the services refuse it in these words.
NUL_REFUSED = "Remove the null character (\\0) from this answer: it cannot be stored"
# The same words in the language of the request, for a page: lazy, so `str()` it where a Problem is made (a
# Problem's message is text, joined by ServiceError and the API). NUL_REFUSED stays for the services' and the
# API's own refusals.
NUL_REFUSED_SAID = _l("Remove the null character (\\0) from this answer: it cannot be stored")
