"""The switch between English and Welsh on every page.

A visitor's choice is a cookie (a GET link, so the public pages stay plain links and
nothing is written); a signed-in person's is kept on their account (a POST from the
same switch), so their e-mails and every device follow it."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from eqia.forms.completion import ConfirmForm
from eqia.i18n import COOKIE, COOKIE_AGE, chosen_language
from eqia.services import language as language_service
from eqia.services.errors import NotFound
from eqia.views.auth import safe_next

bp = Blueprint("language", __name__)


def _back(code: str):
    response = redirect(safe_next(request.args.get("next")) or url_for("register.index"))
    response.set_cookie(COOKIE, code, max_age=COOKIE_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response


@bp.route("/language/<code>", methods=["GET"])
def switch(code: str):
    if chosen_language(code) is None:
        abort(404)
    return _back(code)


@bp.route("/language/<code>", methods=["POST"])
def choose(code: str):
    if not current_user.is_authenticated:
        return switch(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        language_service.choose(current_user, code)
    except NotFound:
        abort(404)
    return _back(code)
