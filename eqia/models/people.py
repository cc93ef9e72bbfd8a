"""Users, their roles and the directorates they work in."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db
from eqia.models.types import UTCDateTime, utcnow
from eqia.roles import ROLES

# Argon2id with the library's defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths cost the same and
# the response time does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def use_cheap_password_hashing() -> None:
    """For the test suite only (PASSWORD_HASHING=cheap): the same algorithm at
    its minimum cost, so hundreds of test users do not take minutes."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


_LIVE = text("retired_at IS NULL")


class Directorate(db.Model):
    """Retired, never deleted: the assessments made under it keep naming it. Its
    name is unique among the live ones only, whatever its case (migrations 0027, 0031)."""

    __tablename__ = "directorate"
    __table_args__ = (Index("uq_directorate_live_name", func.lower(text("name")), unique=True,
                            sqlite_where=_LIVE, postgresql_where=_LIVE),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    services: Mapped[list[ServiceArea]] = relationship(back_populates="directorate", order_by="ServiceArea.name",
                                                       lazy="raise")

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Directorate {self.name!r}>"


class ServiceArea(db.Model):
    """A service of a directorate (the register's "directorate and service").
    Retired like a directorate; its name is unique among its directorate's live services."""

    __tablename__ = "service_area"
    __table_args__ = (Index("uq_service_area_live_name", "directorate_id", func.lower(text("name")), unique=True,
                            sqlite_where=_LIVE, postgresql_where=_LIVE),)

    id: Mapped[int] = mapped_column(primary_key=True)
    directorate_id: Mapped[int] = mapped_column(ForeignKey("directorate.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    directorate: Mapped[Directorate] = relationship(back_populates="services")

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class LeadDirectorate(db.Model):
    """A directorate an equality lead covers. A lead who covers none works across
    the whole council, as every lead did before these rows existed."""

    __tablename__ = "lead_directorate"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    directorate_id: Mapped[int] = mapped_column(ForeignKey("directorate.id"), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_user_account_oidc_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    directorate_id: Mapped[int | None] = mapped_column(ForeignKey("directorate.id"))
    # Flask-Login identifies a session by this, not the primary key: changing it
    # (new password, deactivation) ends every session the user has.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_urlsafe(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The second factor (eqia/services/second_factor.py): the TOTP secret once confirmed with a
    # code, the one offered while it is being set up, and the last time step a code was accepted
    # for, so that no code is accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Who the account is at the single sign-on provider (eqia/services/single_sign_on.py): the
    # issuer and the subject it never reassigns. Empty for an account that signs in with a password.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # The language the person chose for pages and e-mails ("en" or "cy", eqia/i18n.py); empty
    # until they choose, when pages follow what the browser asks for.
    language: Mapped[str | None] = mapped_column(String(2))

    directorate: Mapped[Directorate | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                     order_by="UserRole.role")

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def set_roles(self, roles: list[str] | tuple[str, ...] | set[str]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
        wanted = set(roles)
        self.role_rows = [r for r in self.role_rows if r.role in wanted]
        for role in sorted(wanted - self.roles):
            self.role_rows.append(UserRole(role=role))

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)
        self.session_token = secrets.token_urlsafe(32)

    @property
    def has_password(self) -> bool:
        """False for an invited person who has not yet set one: they cannot sign in."""
        return bool(self.password_hash)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            # As long as a wrong password takes, so the time does not tell that the account is only invited.
            self.spend_equal_time(password)
            return False
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @staticmethod
    def spend_equal_time(password: str) -> None:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass

    # Flask-Login
    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))


class ApiToken(db.Model):
    """A bearer token for the API. Only its SHA-256 is kept: the token itself is
    shown once, when it is made (a random 256-bit value needs no slow hash)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to tell tokens apart on the page
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """A signed-in browser session, kept on the server so that it can be ended:
    signing out deletes its row, and a password change or deactivation deletes
    all of the user's rows, whatever copies of the cookie are still about. The
    cookie holds a random key; only its SHA-256 is stored."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Kept at most once a minute (eqia/services/credentials.py), for the idle time-out.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A code for the browser's family, read coarsely from its User-Agent when the session began.
    browser: Mapped[str] = mapped_column(String(20), default="other", server_default="other")

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use code that stands in for the second factor when the phone is lost.
    Only its SHA-256 is kept: each code is 80 random bits, far beyond guessing
    offline, so a slow hash would add nothing but time."""

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "code_sha256", name="uq_recovery_code_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordLink(db.Model):
    """A link e-mailed to a person to set their password: a reset they asked
    for, or an invitation an admin sent (`purpose`). Only the SHA-256 of its
    random token is kept. A person has at most one: a newer link, a password
    set by any path, or the link's use deletes it (eqia.services.password_links)."""

    __tablename__ = "password_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class IdentityConfirmation(db.Model):
    """A fresh sign-in at the single sign-on provider, made to take one transition
    on one version of one signed record (an assessment, a cumulative judgement, an
    action plan): what stands in for the password a signature asks for. Used once,
    and only soon after it was made."""

    __tablename__ = "identity_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # The kind of record (a workflow subject's key) and which one; an assessment's also by its foreign key,
    # so that it goes with the assessment.
    subject: Mapped[str] = mapped_column(String(40), default="assessment", server_default="assessment")
    record_id: Mapped[int] = mapped_column()
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    lock_version: Mapped[int] = mapped_column()
    trigger: Mapped[str] = mapped_column(String(100))
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
