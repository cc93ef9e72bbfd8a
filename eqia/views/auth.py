"""Sign in and sign out."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from eqia.extensions import db, limiter
from eqia.forms.auth import SignInForm
from eqia.models import User
from eqia.services import credentials
from eqia.services import single_sign_on as sso

bp = Blueprint("auth", __name__)

# The same message whether the e-mail is unknown or the password wrong, so the
# page never tells anyone which accounts exist.
BAD_CREDENTIALS = "Enter a correct email address and password"


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
        if not sso.password_allowed(email):
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
            # A fresh session at sign-in: nothing from before (a fixed session id,
            # stale flashes) carries over into the signed-in one.
            session.clear()
            session.permanent = True
            session[credentials.SESSION_KEY] = credentials.start_session(user)
            login_user(user)
            return redirect(next_url or url_for("main.my_work"))
        form.password.data = ""
    return render_template("auth/sign_in.html", form=form, **sign_in_choices())


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    # Ended on the server, so a copy of the cookie signs no one in afterwards.
    credentials.end_session(session.get(credentials.SESSION_KEY))
    logout_user()
    session.clear()
    return redirect(url_for("auth.sign_in"))
