"""What a service refuses with: the engine's refusals (eqia.workflow.errors),
which every service shares, and the wording the services add."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eqia.workflow.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible, ServiceError
from eqia.workflow.hooks import Problem

__all__ = ["NUL_REFUSED", "NUL_REFUSED_SAID", "Conflict", "Forbidden", "Invalid", "NotFound", "NotPossible", "ServiceError",
           "checked_text"]

# PostgreSQL cannot store NUL in text: the forms and the services refuse it in these words.
NUL_REFUSED = "Remove the null character (\\0) from this answer: it cannot be stored"
# The same words in the language of the request, for a page: lazy, so `str()` it where a Problem is made (a
# Problem's message is text, joined by ServiceError and the API). NUL_REFUSED stays for the services' and the
# API's own refusals.
NUL_REFUSED_SAID = _l("Remove the null character (\\0) from this answer: it cannot be stored")


def checked_text(value: object, limit: int, too_long: str, field: str, problems: list[Problem]) -> str:
    """Free text as a service keeps it: trimmed (anything not text is none), and a problem added on `field`
    when it is longer than `limit` (in the words `too_long`) or holds NUL."""
    value = value.strip() if isinstance(value, str) else ""
    if len(value) > limit:
        problems.append(Problem(too_long, field=field))
    elif "\x00" in value:
        problems.append(Problem(NUL_REFUSED, field=field))
    return value
