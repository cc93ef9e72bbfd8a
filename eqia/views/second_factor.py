"""Your account: setting up the second factor (an authenticator app), new recovery codes, turning it off."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from eqia.extensions import limiter
from eqia.forms.completion import ConfirmForm
from eqia.forms.second_factor import ConfirmSetupForm, NewRecoveryCodesForm, TurnOffForm
from eqia.services import second_factor
from eqia.services.errors import Invalid
from eqia.views.account import bp
from eqia.workflow.errors import N_


TURNED_OFF = N_("Two-factor authentication is off. Sign-in asks for your password only.")


def _user():
    return current_user._get_current_object()


def _page(confirm_form: ConfirmSetupForm | None = None, turn_off_form: TurnOffForm | None = None,
          new_codes_form: NewRecoveryCodesForm | None = None, recovery_codes: list[str] | None = None,
          replaced: bool = False, status: int = 200):
    user = _user()
    pending = user.totp_pending_secret if not second_factor.enabled(user) else None
    uri = second_factor.provisioning_uri(user, pending) if pending else ""
    page = render_template(
        "account_two_factor.html", user=user, enabled=second_factor.enabled(user),
        required=second_factor.required_for(user), pending=pending,
        grouped_secret=" ".join(pending[i:i + 4] for i in range(0, len(pending), 4)) if pending else "",
        uri=uri, qr_code=Markup(second_factor.qr_code_svg(uri)) if uri else "",
        codes_left=second_factor.recovery_codes_left(user) if second_factor.enabled(user) else 0,
        start_form=ConfirmForm(), confirm_form=confirm_form or ConfirmSetupForm(formdata=None),
        turn_off_form=turn_off_form or TurnOffForm(formdata=None),
        new_codes_form=new_codes_form or NewRecoveryCodesForm(formdata=None),
        recovery_codes=recovery_codes, replaced=replaced)
    # The secret and the recovery codes are on this page: no cache may keep it (no-store is the default).
    return page, status


def _limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


# A code (or the password) is asked for: guessing it here is throttled like sign-in, per user, failures only.
_throttled = limiter.limit(_limit, methods=["POST"], key_func=lambda: f"second-factor:{current_user.id}",
                           deduct_when=lambda response: response.status_code not in (201, 302))


@bp.route("/two-factor", methods=["GET"])
@login_required
def two_factor():
    return _page()


@bp.route("/two-factor/start", methods=["POST"])
@login_required
def start_two_factor():
    if ConfirmForm().validate_on_submit():
        second_factor.start_setup(_user())
    return redirect(url_for("account.two_factor"))


@bp.route("/two-factor/confirm", methods=["POST"])
@login_required
@_throttled
def confirm_two_factor():
    form = ConfirmSetupForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_setup(_user(), form.code.data)
        except Invalid as error:
            form.code.errors = [_(p.message) for p in error.problems]
        else:
            # Shown in this answer and never again: only their hashes are kept.
            return _page(recovery_codes=codes, status=201)
    form.code.data = ""
    return _page(confirm_form=form, status=422)


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
@_throttled
def new_recovery_codes():
    form = NewRecoveryCodesForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.replace_recovery_codes(_user(), form.code.data)
        except Invalid as error:
            form.code.errors = [_(p.message) for p in error.problems]
        else:
            # As at set-up: shown in this answer and never again.
            return _page(recovery_codes=codes, replaced=True, status=201)
    form.code.data = ""
    return _page(new_codes_form=form, status=422)


@bp.route("/two-factor/turn-off", methods=["POST"])
@login_required
@_throttled
def turn_off_two_factor():
    form = TurnOffForm()
    if form.validate_on_submit():
        try:
            second_factor.turn_off(_user(), form.code_or_password.data)
        except Invalid as error:
            form.code_or_password.errors = [_(p.message) for p in error.problems]
        else:
            flash(_(TURNED_OFF), "success")
            return redirect(url_for("account.index"))
    return _page(turn_off_form=form, status=422)
