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
It also ends when unused for SESSION_IDLE_SECONDS (the idle time-out).

"Last used" without a write on every GET: the time a session was last seen is
kept at most once a minute (TOUCH_EVERY), in a unit of work apart from the
request's (eqia.unit_of_work.keep_apart, as an API token's last use is), so a
GET's own transaction still never commits and a busy reader costs one small
UPDATE a minute, not one a page. The price is precision: a session seen at
12:00:30 may be recorded as last seen at 12:00:00, so it ends up to a minute
before the idle time-out runs from its true last use, never after it. If the
write apart cannot be made without waiting on a lock, the time goes with the
request's own unit of work (kept if it is a POST that commits, dropped on a GET,
and tried again at the next request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from eqia.extensions import db
from eqia.models import ApiToken, PasswordLink, User, UserSession, utcnow
from eqia.services import password_policy
from eqia.services.errors import Invalid, NotFound
from eqia.unit_of_work import keep_time_apart
from eqia.workflow.hooks import Problem
from eqia.workflow.errors import N_


# Where the session's key is kept in Flask's signed cookie.
SESSION_KEY = "_sid"
TOUCH_EVERY = timedelta(minutes=1)
SESSIONS_PAGE_SIZE = 20
SESSION_NOT_FOUND = N_("Session not found")

PASSWORD_MIN = password_policy.PASSWORD_MIN
PASSWORD_CURRENT_WRONG = N_("The current password is not correct. Enter the password you sign in with")
PASSWORD_TOO_SHORT = password_policy.TOO_SHORT
PASSWORD_MISMATCH = N_("Enter the same new password twice")
PASSWORD_UNCHANGED = N_("Enter a new password that is different from your current one")
PASSWORD_CHANGED = N_("Your password has been changed. You have been signed out everywhere else, and {tokens} "
                       "revoked: make a new token for any system that still needs one.")

# A browser family, read coarsely from the User-Agent (the order matters: Edge's names
# Chrome and Safari too, and Chrome's names Safari). Stored as a code; the page names it.
BROWSER_MARKERS = (("Edg/", "edge"), ("Firefox/", "firefox"), ("Chrome/", "chrome"),
                   ("Chromium/", "chrome"), ("Safari/", "safari"))


def browser_family(user_agent: str | None) -> str:
    ua = (user_agent or "")[:1000]
    return next((code for marker, code in BROWSER_MARKERS if marker in ua), "other")


def _sha256(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _cutoffs(now: datetime) -> tuple[datetime, datetime]:
    """A live session began after the first time and was last seen after the second."""
    return (now - current_app.permanent_session_lifetime,
            now - timedelta(seconds=current_app.config["SESSION_IDLE_SECONDS"]))


def _live(now: datetime):
    """The condition a session row must meet to be live at `now`: within both time-outs."""
    started, seen = _cutoffs(now)
    return (UserSession.created_at > started) & (UserSession.last_seen_at > seen)


def start_session(user: User, user_agent: str | None = None) -> str:
    """A new session for `user`: the key for the cookie (only its hash is kept)."""
    now = utcnow()
    # Sessions of this user that have run their time are of no further use.
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id, ~_live(now)))
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_sha256=_sha256(key), created_at=now, last_seen_at=now,
                               browser=browser_family(user_agent)))
    db.session.flush()
    return key


def _row_for(key: object) -> UserSession | None:
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    return db.session.execute(select(UserSession)
                              .where(UserSession.key_sha256 == _sha256(key))).scalar_one_or_none()


def session_user(key: object) -> User | None:
    """The active user whose live session this key is, or None; records that the session was used."""
    row = _row_for(key)
    now = utcnow()
    started, seen = _cutoffs(now)
    if row is None or row.created_at <= started or row.last_seen_at <= seen or not row.user.is_active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        keep_time_apart(row, "last_seen_at", now)
    return row.user


def current_session_id(key: object) -> int | None:
    row = _row_for(key)
    return row.id if row is not None else None


@dataclass(frozen=True)
class SessionPage:
    sessions: list[UserSession]
    page: int
    pages: int
    total: int


def live_sessions(user: User, page: int = 1, page_size: int = SESSIONS_PAGE_SIZE) -> SessionPage:
    """The user's live sessions, the most recently used first, one page of them."""
    live = (UserSession.user_id == user.id) & _live(utcnow())
    total = db.session.execute(select(func.count()).select_from(UserSession).where(live)).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = db.session.execute(select(UserSession).where(live)
                              .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
                              .limit(page_size).offset((page - 1) * page_size)).scalars().all()
    return SessionPage(rows, page, pages, total)


def end_session(key: object) -> None:
    if isinstance(key, str) and key:
        db.session.execute(delete(UserSession).where(UserSession.key_sha256 == _sha256(key)))


def end_own_session(user: User, session_id: int) -> UserSession:
    """End one of the user's own sessions (any of theirs, live or not); someone else's is not found."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound(SESSION_NOT_FOUND)
    db.session.delete(row)
    db.session.flush()
    return row


def end_other_sessions(user: User, keep_key: object) -> int:
    """End every session of the user but the one this key names; how many ended."""
    keep = _sha256(keep_key) if isinstance(keep_key, str) and keep_key else ""
    ended = db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                         UserSession.key_sha256 != keep))
    db.session.flush()
    return ended.rowcount


def end_all_sessions(user: User) -> int:
    ended = db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.flush()
    return ended.rowcount


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


def password_allowed(email: str) -> bool:
    """Whether this address may sign in with a password: everyone, unless passwords are off,
    when only the listed break-glass admins may."""
    config = current_app.config
    return config["EQIA_PASSWORD_SIGN_IN"] or User.normalise_email(email) in config["EQIA_BREAK_GLASS_ADMINS"]
