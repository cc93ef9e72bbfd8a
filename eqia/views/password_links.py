"""Forgotten passwords: asking for a link, and setting a password with an
e-mailed link (a reset's or an invitation's: one page for both)."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, logout_user

from eqia.extensions import limiter
from eqia.forms.password_links import ForgottenPasswordForm, SetPasswordForm
from eqia.models import User
from eqia.services import credentials, password_links
from eqia.services.errors import Invalid
from eqia.services.password_policy import N_, PageWords

bp = Blueprint("password_links", __name__)

# The words of these pages, in one place.
HEADINGS = {password_links.RESET: _l("Choose a new password"),
            password_links.INVITATION: _l("Choose your password")}
PASSWORD_SET = PageWords(N_("Your password has been set. Sign in with your email address and your new password."))


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_address_limit() -> str:
    return current_app.config["PASSWORD_RESET_ADDRESS_RATE_LIMIT"]


def _asked_for_key() -> str:
    # Per address asked about, from anywhere, so nobody's mailbox can be flooded; hashed, so the
    # throttle's store holds no e-mail addresses. Every request counts, whether or not the account exists.
    email = User.normalise_email(request.form.get("email", ""))
    return "password-reset:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()


@bp.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit(_reset_address_limit, methods=["POST"])
@limiter.limit(_reset_limit, methods=["POST"], key_func=_asked_for_key)
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        password_links.request_reset(form.email.data)
        # The same answer whether or not the address has an account: the page never tells which exist.
        return redirect(url_for("password_links.link_sent"))
    return render_template("auth/forgotten_password.html", form=form), 422 if form.errors else 200


@bp.route("/forgotten-password/sent", methods=["GET"])
def link_sent():
    return render_template("auth/link_sent.html",
                           minutes=int(password_links.lifetime(password_links.RESET).total_seconds()) // 60)


@bp.route("/password-link/<token>", methods=["GET", "POST"])
def set_password(token: str):
    link = password_links.live_link(token)
    if link is None:
        return render_template("auth/link_gone.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            password_links.set_password(token, form.password.data, form.confirm_password.data)
        except password_links.LinkGone:
            return render_template("auth/link_gone.html"), 404
        except Invalid as error:
            for problem in error.problems:
                form[problem.field].errors = [*form[problem.field].errors, problem.message]
        else:
            # Whoever was signed in on this browser is not who set the password: neither stays.
            if current_user.is_authenticated:
                credentials.end_session(session.get(credentials.SESSION_KEY))
                logout_user()
            session.clear()
            # Not signed in by the link: an e-mailed link is only the mailbox, so the person signs in
            # with the new password (and, once the service has one, their second factor).
            flash(_(PASSWORD_SET), "success")  # in this request's language, as the next page is
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, heading=HEADINGS[link.purpose],
                           email=link.user.email), 422 if form.errors else 200
