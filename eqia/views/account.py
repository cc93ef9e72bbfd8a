"""The signed-in user's own page: who they are, their language, their password and their API tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from eqia.auth import begin_session
from eqia.extensions import limiter
from eqia.forms.completion import ConfirmForm
from eqia.forms.password import ChangePasswordForm
from eqia.forms.tokens import TokenForm
from eqia.i18n import chosen_language
from eqia.services import credentials, second_factor, tokens
from eqia.services.errors import Invalid

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    response = render_template("account.html", form=form, tokens=tokens.tokens_of(current_user),
                               revoke_form=ConfirmForm(), new_token=new_token,
                               second_factor_on=second_factor.enabled(current_user),
                               # None: not chosen, the browser's language is followed. It is changed
                               # through the switch's own route (eqia.views.language), kept on the account.
                               account_language=chosen_language(current_user.language))
    headers = {"Cache-Control": "no-store"} if new_token else {}
    return response, status, headers


@bp.route("", methods=["GET"])
@login_required
def index():
    return _page(TokenForm())


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        _, token = tokens.create_token(current_user, form.label.data)
    except Invalid as error:
        form.label.errors = [_(p.message) for p in error.problems]
        return _page(form, status=422)
    # Shown in this answer and never again: it is not kept, only its hash.
    return _page(TokenForm(formdata=None), new_token=token, status=201)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        row = tokens.revoke(current_user, token_id)
        flash(_("Token \u201c%(label)s\u201d revoked: it no longer works.", label=row.label), "success")
    return redirect(url_for("account.index"))


def _password_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


@bp.route("/password", methods=["GET", "POST"])
@login_required
# The current password is asked for: guessing it here is throttled like sign-in, per user, failures only.
@limiter.limit(_password_limit, methods=["POST"], key_func=lambda: f"change-password:{current_user.id}",
               deduct_when=lambda response: response.status_code != 302)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            revoked = credentials.change_own_password(user, form.current_password.data,
                                                      form.new_password.data, form.confirm_password.data)
        except Invalid as error:
            for problem in error.problems:
                form[problem.field].errors = [*form[problem.field].errors, _(problem.message)]
        else:
            # Every session the old password opened has ended, this one too: this browser starts afresh.
            begin_session(user)
            flash(_(credentials.PASSWORD_CHANGED).format(
                tokens=ngettext("%(num)d API token", "%(num)d API tokens", revoked)), "success")
            return redirect(url_for("account.index"))
    return render_template("account_password.html", form=form), 422 if form.errors else 200
