"""Your account: where you are signed in, and ending any of those sessions."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required, logout_user

from eqia.forms.completion import ConfirmForm
from eqia.services import credentials
from eqia.views.account import bp
from eqia.workflow.errors import N_


BROWSERS = {"edge": "Microsoft Edge", "firefox": "Firefox", "chrome": "Chrome", "safari": "Safari",
            "other": N_("Another browser")}
ENDED_ONE = N_("That session has ended: it is signed out.")


def _signed_out_here():
    logout_user()
    session.clear()
    return redirect(url_for("auth.sign_in"))


@bp.route("/sessions", methods=["GET"])
@login_required
def sessions():
    page = request.args.get("page", 1, type=int) or 1
    listed = credentials.live_sessions(current_user, page=min(max(page, 1), 10**6))
    return render_template("account_sessions.html", listed=listed, browsers=BROWSERS, form=ConfirmForm(),
                           idle_minutes=f"{current_app.config['SESSION_IDLE_SECONDS'] / 60:g}",
                           lifetime_hours=f"{current_app.permanent_session_lifetime.total_seconds() / 3600:g}",
                           this_one=credentials.current_session_id(session.get(credentials.SESSION_KEY)))


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.sessions"))
    this_one = credentials.current_session_id(session.get(credentials.SESSION_KEY))
    credentials.end_own_session(current_user, session_id)
    if session_id == this_one:
        return _signed_out_here()
    flash(_(ENDED_ONE), "success")
    return redirect(url_for("account.sessions"))


@bp.route("/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    form = ConfirmForm()
    if form.validate_on_submit():
        count = credentials.end_other_sessions(current_user, session.get(credentials.SESSION_KEY))
        flash(ngettext("You have been signed out everywhere else (%(num)d other session ended).",
                       "You have been signed out everywhere else (%(num)d other sessions ended).", count), "success")
    return redirect(url_for("account.sessions"))


@bp.route("/sessions/end-all", methods=["POST"])
@login_required
def end_all_sessions():
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.sessions"))
    credentials.end_all_sessions(current_user)
    return _signed_out_here()
