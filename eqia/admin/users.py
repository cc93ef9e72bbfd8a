"""User accounts as an admin keeps them: make one, or give an existing one
new roles and a new password. Ending a user's sessions and tokens is
eqia.services.credentials' business; this module calls it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import select

from eqia.admin import directorates
from eqia.extensions import db
from eqia.models import Directorate, User
from eqia.services import credentials, password_policy
from eqia.services.errors import Invalid
from eqia.unit_of_work import refusing_clashes, service_step

EMAIL_MAX = 320
EMAIL_INVALID = "Give a valid email address."
SAVED_MEANWHILE = ("{email} (or the directorate named) was saved by someone else a moment ago, so nothing was "
                   "saved: run the command again to update it.")
CREATED = "Created {email} ({roles})."
UPDATED = ("Updated {email} ({roles}): new password set, so they are signed out everywhere; "
           "{revoked} API token{s} revoked.")


@dataclass(frozen=True)
class SavedUser:
    user: User
    roles: tuple[str, ...]  # as the admin gave them
    created: bool
    tokens_revoked: int = 0

    def summary(self) -> str:
        """What became of the account, in a line for the admin."""
        roles = ", ".join(sorted(self.roles))
        if self.created:
            return CREATED.format(email=self.user.email, roles=roles)
        return UPDATED.format(email=self.user.email, roles=roles, revoked=self.tokens_revoked,
                              s="" if self.tokens_revoked == 1 else "s")


def find_user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == User.normalise_email(email))).scalar_one_or_none()


@service_step
def save_user(email: str, name: str, roles: Iterable[str], password: str, directorate: str = "") -> SavedUser:
    """Create the user with this e-mail address, or update the one there is:
    name, roles (exactly these) and password, which for an existing user ends
    every session and revokes every API token. A directorate named is found, or
    made if new. Raises Invalid, having changed nothing, for a password the
    policy refuses (eqia.services.password_policy) or an address that is not one."""
    roles = tuple(roles)
    refused = password_policy.problems(password, email=email, name=name)
    if refused:
        raise Invalid(refused[0].message)
    email = User.normalise_email(email)
    if "@" not in email or len(email) > EMAIL_MAX:
        raise Invalid(EMAIL_INVALID)
    user = find_user(email)
    created = user is None
    if created:
        user = User(email=email, name=name)
        db.session.add(user)
    user.name = name
    user.set_roles(roles)
    revoked = 0
    if created:
        user.set_password(password)
    else:
        revoked = credentials.change_password(user, password)
    if directorate:
        found = directorates.by_name(directorate)
        user.directorate = found or Directorate(name=directorate)
    with refusing_clashes(lambda: Invalid(SAVED_MEANWHILE.format(email=email))):
        db.session.flush()
    return SavedUser(user, roles, created, revoked)
