"""Sign in and sign out."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from eqia.auth import begin_session
from eqia.extensions import db, limiter
from eqia.forms.auth import SignInForm
from eqia.forms.second_factor import SignInCodeForm
from eqia.models import User, utcnow
from eqia.services import credentials, second_factor
from eqia.services.password_policy import N_, PageWords
from eqia.services import single_sign_on as sso

bp = Blueprint("auth", __name__)

# The same message whether the e-mail is unknown or the password wrong, so the
# page never tells anyone which accounts exist.
BAD_CREDENTIALS = PageWords(N_("Enter a correct email address and password"))
# A sign-in that passed its password and waits for the second factor: kept in the
# signed cookie, never a session on the server, and good for PENDING_SIGN_IN only.
PENDING = "_pending_second_factor"


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["SIGN_IN_ADDRESS_RATE_LIMIT"]


def _account_key() -> str:
    # Per account as well as per address: behind a reverse proxy every user shares one
    # address, and a password is guessed from many. Hashed: the store holds no e-mail addresses.
    email = User.normalise_email(request.form.get("email", ""))
    return "sign-in-account:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()


def _failed(response) -> bool:
    # Only failed attempts count, so a busy office signing in at nine locks nobody out.
    return response.status_code != 302


def passwords_off() -> str:
    from eqia.views.single_sign_on_words import words

    return words("passwords_off")


def _break_glass_only(user: User) -> bool:
    # Listed, but no longer an admin: the list alone lets no one past single sign-on.
    return not current_app.config["EQIA_PASSWORD_SIGN_IN"] and not sso.is_break_glass(user)


def sign_in_choices() -> dict:
    """What the sign-in page offers: the provider's button when single sign-on is set up, and the
    password form (folded away when passwords are only for break-glass admins)."""
    if not sso.enabled():
        return {"sso_button": None, "passwords_on": True}
    from eqia.views.single_sign_on_words import words

    return {"sso_button": {"text": words("sign_in_with"),
                           "href": url_for("sso.start", next=safe_next(request.args.get("next")))},
            "passwords_on": current_app.config["EQIA_PASSWORD_SIGN_IN"]}


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_sign_in_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.my_work"))
    form = SignInForm()
    if form.validate_on_submit():
        email = User.normalise_email(form.email.data)
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if not credentials.password_allowed(email):
            # Passwords are off and this is no break-glass admin: the same answer whoever it is.
            User.spend_equal_time(form.password.data)
            form.email.errors = [passwords_off()]
        elif user is None or not user.active:
            User.spend_equal_time(form.password.data)
            form.email.errors = [BAD_CREDENTIALS]
        elif not user.check_password(form.password.data):
            form.email.errors = [BAD_CREDENTIALS]
        elif _break_glass_only(user):
            form.email.errors = [passwords_off()]
        else:
            next_url = safe_next(request.args.get("next"))
            if second_factor.enabled(user):
                session.clear()
                session[PENDING] = {"user": user.id, "token": user.session_token,
                                    "at": utcnow().timestamp(), "next": next_url}
                return redirect(url_for("auth.sign_in_code"))
            begin_session(user)
            return redirect(next_url or url_for("main.my_work"))
        form.password.data = ""
    return render_template("auth/sign_in.html", form=form, **sign_in_choices())


def _pending_user() -> User | None:
    """The user whose password was right a moment ago, if the half-done sign-in still holds."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or second_factor.pending_sign_in_expired(pending.get("at")):
        return None
    user = db.session.get(User, pending.get("user")) if isinstance(pending.get("user"), int) else None
    # A password change (or deactivation) since ends the half-done sign-in too.
    if user is None or not user.is_active or user.session_token != pending.get("token") \
            or not second_factor.enabled(user):
        return None
    return user


def _code_key() -> str:
    pending = session.get(PENDING)
    who = pending.get("user") if isinstance(pending, dict) else None
    return f"sign-in-code:{who}"


@bp.route("/sign-in/code", methods=["GET", "POST"])
# Six digits are guessed faster than a password: throttled per account, failures only.
@limiter.limit(_sign_in_limit, methods=["POST"], key_func=_code_key, deduct_when=_failed)
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
def sign_in_code():
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        return redirect(url_for("auth.sign_in"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        if second_factor.check_code(user, form.code.data):
            next_url = session[PENDING].get("next")
            begin_session(user)
            return redirect(safe_next(next_url) or url_for("main.my_work"))
        form.code.errors = [second_factor.CODE_WRONG]
    form.code.data = ""
    return render_template("auth/sign_in_code.html", form=form), 422 if form.errors else 200


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    # Ended on the server, so a copy of the cookie signs no one in afterwards.
    credentials.end_session(session.get(credentials.SESSION_KEY))
    logout_user()
    session.clear()
    return redirect(url_for("auth.sign_in"))
