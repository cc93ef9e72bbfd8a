"""An admin inviting a person: their account is made with no password, so it
cannot sign in, and they are e-mailed a link to choose one
(eqia.services.password_links). Inviting again, before they have chosen it,
updates what the admin gave and replaces the link.

When passwords are off for the person (single sign-on on, EQIA_PASSWORD_SIGN_IN
off, and they are no break-glass admin) the e-mail has no password link: its
link leads to the provider, and their first sign-in there through it claims
the account, as a first sign-in with that address, verified, does too
(eqia.services.single_sign_on.sign_in_user). Such an invitation can also be
sent to an account made before passwords were turned off, while it is tied to
no identity at the provider: it is how its owner moves to single sign-on.

Roles: eqia.roles declares no combination of roles one person may not hold.
Segregation of duties is kept per assessment instead (the workflow's
`segregation_of_duties`: a person who wrote a version cannot sign it off,
whatever roles they hold), so any combination may be invited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext, ngettext
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Directorate, User
from eqia.roles import ROLES
from eqia.services import credentials, password_links, single_sign_on
from eqia.services.errors import Invalid
from eqia.unit_of_work import refusing_clashes, service_step
from eqia.workflow.hooks import Problem
from eqia.workflow.errors import N_


NAME_MAX = 200
EMAIL_MAX = 320
NAME_MISSING = N_("Enter the person\u2019s full name")
NAME_TOO_LONG = N_("Full name must be 200 characters or fewer")  # NAME_MAX
EMAIL_MISSING = N_("Enter the person\u2019s email address")
EMAIL_INVALID = N_("Enter an email address in the correct format, like name@example.gov.uk")
ROLES_MISSING = N_("Select at least one role")
ROLE_UNKNOWN = N_("Select roles from the list")
DIRECTORATE_UNKNOWN = N_("Select a directorate from the list")
ACCOUNT_EXISTS = N_("{email} already has an account with a password: change its roles on its user page, or ask "
                    "them to reset their password from the sign-in page")
ACCOUNT_JUST_MADE = N_("{email} was given an account by someone else a moment ago: check it on the users page "
                      "before inviting them again")
NO_DIRECTORATE = N_("No directorate")
assert str(NAME_MAX) in NAME_TOO_LONG

# One address: something, an @, a domain with a dot; no spaces, controls or second @.
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Invitation:
    name: str
    email: str
    roles: tuple[str, ...]
    directorate_id: int | None


@service_step
def invite(admin: User, invitation: Invitation) -> User:
    """Make (or, if invited before, update) the invited person's account and
    e-mail them a link; raises Invalid, having changed nothing."""
    name, email = (invitation.name or "").strip(), User.normalise_email(invitation.email or "")
    problems = []
    if not name:
        problems.append(Problem(NAME_MISSING, field="name"))
    elif len(name) > NAME_MAX:
        problems.append(Problem(NAME_TOO_LONG, field="name"))
    if not email:
        problems.append(Problem(EMAIL_MISSING, field="email"))
    elif len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        problems.append(Problem(EMAIL_INVALID, field="email"))
    if not invitation.roles:
        problems.append(Problem(ROLES_MISSING, field="roles"))
    elif not set(invitation.roles) <= set(ROLES):
        problems.append(Problem(ROLE_UNKNOWN, field="roles"))
    directorate = None
    if invitation.directorate_id is not None:
        directorate = db.session.get(Directorate, invitation.directorate_id) if invitation.directorate_id > 0 else None
        if directorate is None or directorate.retired:
            problems.append(Problem(DIRECTORATE_UNKNOWN, field="directorate"))
    user = None
    if not problems:
        user = _account(email)
        if user is not None and user.has_password and not (
                signs_in_with_provider(user) and user.oidc_subject is None and user.oidc_issuer is None):
            problems.append(_account_exists(email))
    if problems:
        raise Invalid(*problems)
    if user is None:
        user = User(email=email, name=name, password_hash="", active=True)
        db.session.add(user)
    user.name, user.directorate, user.active = name, directorate, True
    user.set_roles(tuple(invitation.roles))
    with refusing_clashes(lambda: _made_meanwhile(email)):
        db.session.flush()
    if signs_in_with_provider(user):
        password_links.issue_sign_in_invitation(user, actor=admin)
    else:
        password_links.issue(user, password_links.INVITATION, actor=admin)
    return user


def _account(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def _account_exists(email: str) -> Problem:
    return Problem(gettext(ACCOUNT_EXISTS).format(email=email), field="email")


def _made_meanwhile(email: str) -> Invalid:
    """Another admin (or the command line, or a first single sign-on) made an account for this address
    between our look and our write: refused as the look would have refused it, had it come later."""
    found = _account(email)
    if found is not None and found.has_password:
        return Invalid(_account_exists(email))
    return Invalid(Problem(gettext(ACCOUNT_JUST_MADE).format(email=email), field="email"))


def signs_in_with_provider(user: User) -> bool:
    """Whether this person is to sign in through the single sign-on provider, with no password: single
    sign-on is on and passwords are off for them (they are not a break-glass admin)."""
    return single_sign_on.enabled() and not credentials.password_allowed(user.email)


def invited_message(user: User) -> str:
    """Said to the admin, in the language of the page."""
    if signs_in_with_provider(user):
        return gettext("Invitation sent to %(email)s. They sign in with their council account, with no "
                       "password; inviting them again sends the email again.", email=user.email)
    return ngettext("Invitation sent to %(email)s. The link works for %(num)d day; "
                    "inviting them again sends a new one.",
                    "Invitation sent to %(email)s. The link works for %(num)d days; "
                    "inviting them again sends a new one.",
                    password_links.lifetime(password_links.INVITATION).days, email=user.email)
