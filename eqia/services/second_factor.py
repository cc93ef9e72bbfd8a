"""The second factor: a time-based one-time password (TOTP, RFC 6238) from an
authenticator app, with single-use recovery codes for a lost phone.

- Set up in two steps: a secret is offered (kept as pending), and becomes the
  user's only once they enter a code it produced, so nobody is locked out by a
  secret their app never took.
- A code is accepted for the 30-second step it belongs to or either neighbour
  (clocks drift), and never twice: the last step accepted is kept, and a code of
  that step or an earlier one is refused. The check and the record are one
  conditional UPDATE, so two requests racing with the same code cannot both win.
- Recovery codes (10, each 80 random bits) are shown once, kept as SHA-256, and
  each is used once (a conditional UPDATE again). A new set, asked for with a
  current code from the app, replaces the old one at once and goes on the audit
  trail as something done to the account.
- The set-up page shows the otpauth:// address as a QR code too: an SVG drawn
  here, inline in the page (no request, nothing stored), with presentation
  attributes only, as the Content-Security-Policy forbids inline styles.
- Turning it off needs a current code or the password.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, select, update

from eqia.audit_words import ACCOUNT
from eqia.extensions import db
from eqia.models import RecoveryCode, User, utcnow
from eqia.roles import ADMIN
from eqia.services.audit import append_event
from eqia.services.errors import Invalid, NotPossible
from eqia.workflow.hooks import Problem
from eqia.workflow.errors import N_


STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code of the step before or after the current one is accepted too
RECOVERY_CODES = 10
# Between a correct password and the code: how long the half-done sign-in waits.
PENDING_SIGN_IN = timedelta(minutes=5)

CODE_MISSING = N_("Enter the 6-digit code from your authenticator app")
CODE_WRONG = N_("Enter a correct code: the 6 digits your authenticator app shows now, or one of your "
                 "recovery codes")
SETUP_CODE_WRONG = N_("Enter the 6-digit code your authenticator app shows now for this account")
SETUP_NOT_STARTED = N_("Start setting up two-factor authentication again")
TURN_OFF_WRONG = N_("Enter a current code from your authenticator app, or your password")
TURN_OFF_REQUIRED = N_("Administrators must keep two-factor authentication on")
ALREADY_ON = N_("Two-factor authentication is already on")
NOT_ON = N_("Two-factor authentication is off: set it up to get recovery codes")

# On the audit trail (kind ACCOUNT, as the password links' events): the second factor turned on and off
# (how, in TURNED_OFF_WITH: a code from the app or the password), and a new set of recovery codes.
TURNED_ON_ACTION = "second_factor_turned_on"
TURNED_OFF_ACTION = "second_factor_turned_off"
RECOVERY_CODES_REPLACED_ACTION = "recovery_codes_replaced"

# The QR code: dark modules on white, a quiet zone of 4 modules (the minimum ISO/IEC 18004 asks), and
# about QR_PIXELS wide, which a phone's camera reads from a screen at arm's length. Whole pixels per
# module keep the edges sharp. Error correction M (15%) leaves room for glare on a screen.
QR_PIXELS = 200
QR_QUIET_ZONE = 4
QR_DARK, QR_LIGHT = "#0b0c0c", "#fff"

_DIGITS = re.compile(r"[0-9]{6}")  # not \d, which matches any script's digits
_RECOVERY = re.compile(r"[a-z2-7]{16}")


def _normalised(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()[:100]


def _sha256(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def enabled(user: User) -> bool:
    return user.totp_secret is not None


def required_for(user: User) -> bool:
    """Whether the user must set up a second factor before anything else: an admin
    signed in with a password. Signed in through the council's identity provider,
    the provider's own authentication (and its multi-factor rules) stands instead."""
    from eqia.services.single_sign_on import signed_in_with_provider

    return (current_app.config["EQIA_ADMIN_TOTP_REQUIRED"] and user.has_role(ADMIN) and not enabled(user)
            and not signed_in_with_provider())


def recovery_codes_left(user: User) -> int:
    return db.session.execute(select(func.count()).select_from(RecoveryCode)
                              .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar_one()


def start_setup(user: User) -> str:
    """Offer a new secret (160 random bits); it is the user's once a code confirms it."""
    if enabled(user):
        raise NotPossible(ALREADY_ON)
    user.totp_pending_secret = pyotp.random_base32()
    db.session.flush()
    return user.totp_pending_secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (from a QR code, or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["EQIA_COUNCIL_NAME"])


def qr_code_svg(uri: str) -> str:
    """`uri` as a QR code: an SVG element to put inline in a page (no XML declaration)."""
    qr = segno.make(uri, error="m", micro=False, boost_error=False)
    width = qr.symbol_size(scale=1, border=QR_QUIET_ZONE)[0]
    return qr.svg_inline(scale=max(1, round(QR_PIXELS / width)), border=QR_QUIET_ZONE, dark=QR_DARK,
                         light=QR_LIGHT, svgclass="app-qr__code", lineclass=None)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    if not _DIGITS.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _spend_step(user: User, step: int) -> bool:
    """Record `step` as used, unless it (or a later one) already was: whether it was accepted."""
    spent = db.session.execute(update(User).where(
        User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if spent.rowcount == 1:
        user.totp_last_step = step
        return True
    return False


def _spend_recovery_code(user: User, code: str) -> bool:
    if not _RECOVERY.fullmatch(code):
        return False
    spent = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_sha256 == _sha256(code), RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return spent.rowcount == 1


def check_code(user: User, code: str | None, *, recovery: bool = True) -> bool:
    """Whether `code` is a current, unused TOTP code of the user's (or, with
    `recovery`, an unused recovery code); a code accepted here is spent."""
    if not enabled(user):
        return False
    code = _normalised(code)
    step = _matching_step(user.totp_secret, code, utcnow())
    if step is not None:
        return _spend_step(user, step)
    return recovery and _spend_recovery_code(user, code)


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    codes = ["".join(secrets.choice(alphabet) for _ in range(16)) for _ in range(RECOVERY_CODES)]
    now = utcnow()
    db.session.add_all(RecoveryCode(user_id=user.id, code_sha256=_sha256(c), created_at=now) for c in codes)
    return ["-".join(c[i:i + 4] for i in range(0, 16, 4)) for c in codes]


def confirm_setup(user: User, code: str | None) -> list[str]:
    """Make the offered secret the user's, proven by a code it produced; the recovery codes (shown once)."""
    if enabled(user):
        raise NotPossible(ALREADY_ON)
    if user.totp_pending_secret is None:
        raise Invalid(Problem(SETUP_NOT_STARTED, field="code"))
    step = _matching_step(user.totp_pending_secret, _normalised(code), utcnow())
    if step is None:
        raise Invalid(Problem(SETUP_CODE_WRONG, field="code"))
    user.totp_secret, user.totp_pending_secret = user.totp_pending_secret, None
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step  # the code that confirmed it cannot sign anyone in
    codes = _new_recovery_codes(user)
    append_event(action=TURNED_ON_ACTION, actor=user, kind=ACCOUNT, details={"user_id": user.id, "email": user.email})
    db.session.flush()
    return codes


def replace_recovery_codes(user: User, code: str | None) -> list[str]:
    """A new set of recovery codes (shown once) in place of the old ones, which stop
    working now, given a current code from the authenticator app. A recovery code
    will not do: someone who has only those could otherwise make themselves a set."""
    if not enabled(user):
        raise NotPossible(NOT_ON)
    if not check_code(user, code, recovery=False):
        raise Invalid(Problem(SETUP_CODE_WRONG, field="code"))
    codes = _new_recovery_codes(user)
    append_event(action=RECOVERY_CODES_REPLACED_ACTION, actor=user, kind=ACCOUNT,
                 details={"user_id": user.id, "email": user.email})
    db.session.flush()
    return codes


def turn_off(user: User, code_or_password: str | None) -> None:
    """Turn the second factor off, given a current code or the password."""
    if current_app.config["EQIA_ADMIN_TOTP_REQUIRED"] and user.has_role(ADMIN):
        raise NotPossible(TURN_OFF_REQUIRED)
    given = (code_or_password or "")[:1000]
    with_code = check_code(user, given, recovery=False)
    if not (with_code or user.check_password(given)):
        raise Invalid(Problem(TURN_OFF_WRONG, field="code_or_password"))
    append_event(action=TURNED_OFF_ACTION, actor=user, kind=ACCOUNT,
                 details={"user_id": user.id, "email": user.email, "with": "code" if with_code else "password"})
    user.totp_secret = user.totp_pending_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def pending_sign_in_expired(started: float, now: datetime | None = None) -> bool:
    """Whether a sign-in that passed its password at `started` (a POSIX time) waited too long for its code."""
    now = now or utcnow()
    return not isinstance(started, (int, float)) or \
        not 0 <= now.timestamp() - started <= PENDING_SIGN_IN.total_seconds()
