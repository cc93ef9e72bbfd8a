"""The person's own notifications (read and unread), and how they want to hear of each kind."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eqia.forms.completion import ConfirmForm
from eqia.forms.notifications import build_preferences_form, field_name
from eqia.notifications import inbox, preferences
from eqia.notifications.kinds import KINDS, PLAN_KINDS, PROGRAMME_KINDS
from eqia.notifications.messages import address_of, headline
from eqia.services.errors import Invalid
from eqia.workflow.errors import N_

bp = Blueprint("notifications", __name__)


SAVED = N_("Your notification settings have been saved.")


@bp.route("/notifications", methods=["GET"])
@login_required
def index():
    page = inbox.page_of(current_user, request.args.get("page", 1, type=int))
    return render_template("notifications/list.html", page=page, kinds=KINDS, plan_kinds=PLAN_KINDS,
                           programme_kinds=PROGRAMME_KINDS, address_of=address_of, headline=headline,
                           form=ConfirmForm())


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not inbox.mark_read(current_user, notification_id):
        abort(404)
    return redirect(url_for("notifications.index", page=request.args.get("page", 1, type=int)))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    inbox.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    form = build_preferences_form(preferences.chosen_by(current_user))
    if request.method == "POST" and form.validate_on_submit():
        try:
            preferences.choose(current_user, {code: form[field_name(code)].data for code in KINDS})
        except Invalid as error:
            for problem in error.problems:
                form[problem.field].errors = [*form[problem.field].errors, _(problem.message)]
        else:
            flash(_(SAVED), "success")
            return redirect(url_for("notifications.settings"))
    status = 422 if form.errors else 200
    return render_template("notifications/settings.html", form=form, kinds=KINDS, field_name=field_name), status
