"""A person's choice of language (English or Welsh), remembered on their account."""

from __future__ import annotations

from eqia.i18n import chosen_language
from eqia.models import User
from eqia.services.errors import NotFound


def choose(user: User, language: str) -> None:
    code = chosen_language(language)
    if code is None:
        raise NotFound("No such language")
    user.language = code
