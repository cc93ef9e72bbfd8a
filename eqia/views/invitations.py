"""An admin invites a person (`/admin/users/invite`): a blueprint of its own,
beside the user administration pages at /admin/users."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from eqia.extensions import db
from eqia.forms.invitations import InviteForm, with_directorates
from eqia.models import Directorate
from eqia.roles import ADMIN
from eqia.services import invitations
from eqia.services.errors import Invalid

bp = Blueprint("invitations", __name__, url_prefix="/admin/users")


@bp.before_request
@login_required
def admins_only():
    if not current_user.has_role(ADMIN):
        abort(403)


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    directorates = db.session.execute(select(Directorate).order_by(Directorate.name)).scalars().all()
    form = with_directorates(InviteForm(), directorates)
    if form.validate_on_submit():
        try:
            user = invitations.invite(current_user._get_current_object(), invitations.Invitation(
                name=form.name.data, email=form.email.data, roles=tuple(form.roles.data or ()),
                directorate_id=form.directorate.data))
        except Invalid as error:
            for problem in error.problems:
                form[problem.field].errors = [*form[problem.field].errors, problem.message]
        else:
            flash(invitations.invited_message(user), "success")
            return redirect(url_for("invitations.invite"))
    return render_template("admin/invite.html", form=form), 422 if form.errors else 200
