"""Who owns an action: an account here, or a named officer or body without one.

The plan's `owner` is the name it shows (and the signed record keeps); an owner
with an account is also linked by `owner_user_id`, so they see the action in
"My actions" and may record its progress (the definition's right says so: the
`owner` relation, eqia.assessments.subject). Only an active account may be
chosen; an account made inactive later stays linked, and a save of the action
then asks for another.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from eqia.extensions import db
from eqia.models import Action, User
from eqia.models.types import DATABASE_INT_MAX
from eqia.workflow.hooks import Problem

OWNER_ACCOUNT_UNKNOWN = _l("Select the owner from the list, or choose \u2018Someone without an account\u2019")


def active_accounts() -> list[User]:
    """The accounts an owner may be chosen from, by name."""
    return list(db.session.execute(select(User).where(User.active.is_(True)).order_by(User.name, User.id))
                .scalars())


def account_by_email(email: str | None) -> User | None:
    """The active account with this address (as another system wrote it), or None."""
    if not email or not email.strip():
        return None
    return db.session.execute(select(User).where(func.lower(User.email) == User.normalise_email(email),
                                                 User.active.is_(True))).scalar_one_or_none()


def _active_account(wanted) -> User | None:
    account = db.session.get(User, wanted) if isinstance(wanted, int) and 0 < wanted <= DATABASE_INT_MAX else None
    return account if account is not None and account.active else None


def owner_problems(action: Action) -> list[Problem]:
    """An action's owner account, if it names one, must be an active account."""
    if action.owner_user_id is None:
        return []
    if _active_account(action.owner_user_id) is None:
        return [Problem(str(OWNER_ACCOUNT_UNKNOWN), field="owner_user_id")]
    return []


def with_owner_name(values: dict, action: Action | None) -> dict:
    """The values of a save of `action` (None: a new one), with the owner's name taken from the chosen account
    when none is given. The plan, and the signed record, show only the name: an owner picked from the list and
    left unnamed would otherwise leave the plan incomplete. A name the author typed is theirs to keep, even when
    it differs from the account's (a post, say, rather than the person holding it)."""
    wanted = values.get("owner_user_id", action.owner_user_id if action is not None else None)
    named = values.get("owner", action.owner if action is not None else None)
    if wanted is None or (named is not None and named.strip()):
        return values
    account = _active_account(wanted)
    return values if account is None else {**values, "owner": account.name}
