"""An admin invites a person (`/admin/users/invite`): a blueprint of its own,
beside the user administration pages at /admin/users."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eqia.admin.directorates import live_directorates
from eqia.forms.invitations import InviteForm, with_directorates
from eqia.services import invitations
from eqia.services.errors import Invalid
from eqia.views.admin import admins_only

bp = Blueprint("invitations", __name__, url_prefix="/admin/users")
# The same door as every administration page.
bp.before_request(admins_only)


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    # Only live directorates are offered: a retired one is kept on old records, never given anew.
    form = with_directorates(InviteForm(), live_directorates())
    if form.validate_on_submit():
        try:
            user = invitations.invite(current_user._get_current_object(), invitations.Invitation(
                name=form.name.data, email=form.email.data, roles=tuple(form.roles.data or ()),
                directorate_id=form.directorate.data))
        except Invalid as error:
            for problem in error.problems:
                form[problem.field].errors = [*form[problem.field].errors, _(problem.message)]
        else:
            flash(invitations.invited_message(user), "success")
            return redirect(url_for("invitations.invite"))
    return render_template("admin/invite.html", form=form), 422 if form.errors else 200
