"""The signed-in user's own page: who they are, and their API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from eqia.forms.completion import ConfirmForm
from eqia.forms.tokens import TokenForm
from eqia.services import tokens
from eqia.services.errors import Invalid

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    response = render_template("account.html", form=form, tokens=tokens.tokens_of(current_user),
                               revoke_form=ConfirmForm(), new_token=new_token)
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
        form.label.errors = [p.message for p in error.problems]
        return _page(form, status=422)
    # Shown in this answer and never again: it is not kept, only its hash.
    return _page(TokenForm(formdata=None), new_token=token, status=201)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        row = tokens.revoke(current_user, token_id)
        flash(f"Token \u201c{row.label}\u201d revoked: it no longer works.", "success")
    return redirect(url_for("account.index"))
