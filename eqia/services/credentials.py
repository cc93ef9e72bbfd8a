"""A user's credentials, and what ends them: browser sessions (kept on the
server, so that ending one ends every copy of its cookie) and API tokens.

- Signing out ends that session only.
- A password change ends every session the user has and revokes every API
  token they made: whoever knew the old password may have made a token or kept
  a cookie with it, and a token is a standing password.
- Deactivation ends every session and revokes every API token, so reactivating
  an account brings none of them back.
- Both also void any password link (reset or invitation) e-mailed to the user:
  a link made before the change must not undo it.

A session lasts PERMANENT_SESSION_LIFETIME from sign-in, however busy: the
cookie alone would slide forward on every request for as long as anyone used it.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, select, update

from eqia.extensions import db
from eqia.models import ApiToken, PasswordLink, User, UserSession, utcnow
from eqia.services import password_policy
from eqia.services.errors import Invalid
from eqia.workflow.hooks import Problem

# Where the session's key is kept in Flask's signed cookie.
SESSION_KEY = "_sid"

PASSWORD_MIN = password_policy.PASSWORD_MIN
PASSWORD_CURRENT_WRONG = "The current password is not correct. Enter the password you sign in with"
PASSWORD_TOO_SHORT = password_policy.TOO_SHORT
PASSWORD_MISMATCH = "Enter the same new password twice"
PASSWORD_UNCHANGED = "Enter a new password that is different from your current one"
PASSWORD_CHANGED = ("Your password has been changed. You have been signed out everywhere else, and {tokens} "
                    "revoked: make a new token for any system that still needs one.")


def _sha256(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _started_after():
    return utcnow() - current_app.permanent_session_lifetime


def start_session(user: User) -> str:
    """A new session for `user`: the key for the cookie (only its hash is kept)."""
    # Sessions of this user that have run their time are of no further use.
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.created_at <= _started_after()))
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_sha256=_sha256(key), created_at=utcnow()))
    db.session.flush()
    return key


def session_user(key: object) -> User | None:
    """The active user whose live session this key is, or None."""
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    row = db.session.execute(select(UserSession)
                             .where(UserSession.key_sha256 == _sha256(key))).scalar_one_or_none()
    if row is None or row.created_at <= _started_after() or not row.user.is_active:
        return None
    return row.user


def end_session(key: object) -> None:
    if isinstance(key, str) and key:
        db.session.execute(delete(UserSession).where(UserSession.key_sha256 == _sha256(key)))


def end_credentials(user: User) -> int:
    """End every session of `user` and revoke every live API token of theirs;
    how many tokens were revoked. The one place a user's credentials all end."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    revoked = db.session.execute(update(ApiToken)
                                 .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                 .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    db.session.flush()
    return revoked.rowcount


def change_password(user: User, password: str) -> int:
    """Set a new password and end everything the old one opened; how many API tokens were revoked."""
    user.set_password(password)
    return end_credentials(user)


def change_own_password(user: User, current: str, new: str, confirm: str) -> int:
    """A user changing their own password, knowing the current one; how many API tokens were revoked."""
    if not user.check_password(current or ""):
        raise Invalid(Problem(PASSWORD_CURRENT_WRONG, field="current_password"))
    problems = password_policy.problems(new, email=user.email, name=user.name, field="new_password")
    if not problems and new == current:
        problems.append(Problem(PASSWORD_UNCHANGED, field="new_password"))
    if new != confirm:
        problems.append(Problem(PASSWORD_MISMATCH, field="confirm_password"))
    if problems:
        raise Invalid(*problems)
    return change_password(user, new)


def deactivate(user: User) -> int:
    """The user can no longer sign in or use the API; how many API tokens were revoked."""
    user.active = False
    return end_credentials(user)
