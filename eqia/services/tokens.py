"""API tokens: made for a user, shown once, kept as a hash, revocable.

A token is "eqia_" and 43 URL-safe characters (256 random bits). Only its
SHA-256 is stored, so a copy of the database holds no usable token; looking one
up is an indexed equality on that hash. A revoked token, or one whose user is
no longer active, authenticates no one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import ApiToken, User, utcnow
from eqia.services.errors import NUL_REFUSED, Invalid, NotFound
from eqia.unit_of_work import keep_time_apart
from eqia.workflow.hooks import Problem
from eqia.workflow.errors import N_


PREFIX = "eqia_"
LABEL_MAX = 100
TOUCH_EVERY = timedelta(minutes=5)  # how stale "last used" may be: not a write on every request
LABEL_MISSING = N_("Give the token a name, such as the system that will use it")
LABEL_TOO_LONG = N_("The token's name must be 100 characters or fewer")  # LABEL_MAX

TOKEN_NOT_FOUND = N_("Token not found")
assert str(LABEL_MAX) in LABEL_TOO_LONG


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, label: str) -> tuple[ApiToken, str]:
    """A new token for `user`: the stored row, and the token itself (shown once, never kept)."""
    label = (label or "").strip()
    if not label:
        raise Invalid(Problem(LABEL_MISSING, field="label"))
    if len(label) > LABEL_MAX:
        raise Invalid(Problem(LABEL_TOO_LONG, field="label"))
    if "\x00" in label:
        raise Invalid(Problem(NUL_REFUSED, field="label"))
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, label=label, token_sha256=_sha256(token), prefix=token[:12], created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row, token


def user_for(token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.execute(select(ApiToken).where(ApiToken.token_sha256 == _sha256(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        # The reader's own bookkeeping, kept apart from the request's unit of work (a GET
        # commits nothing of its own); the row in this session is told the same time.
        keep_time_apart(row, "last_used_at", now)
    return row.user


def tokens_of(user: User) -> list[ApiToken]:
    return db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).scalars().all()


def revoke(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (revoking twice changes nothing)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(TOKEN_NOT_FOUND)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()
    return row
