"""The administration pages (admins only): directorates and their services,
people's accounts, the notifications set aside, and the configuration the
service runs with. Each view parses a form, calls one service of eqia.admin,
and redirects; a refusal is shown on the page it came from."""

from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from eqia.admin import accounts, configuration as settings, directorates, failed_notifications
from eqia.forms.admin import DirectorateNameForm, ServiceNameForm, UserForm
from eqia.forms.completion import ConfirmForm
from eqia.models import Directorate, ServiceArea, User
from eqia.notifications.kinds import KINDS
from eqia.notifications.messages import headline
from eqia.notifications.outbox import FAILURES
from eqia.roles import ADMIN, ROLE_LABELS
from eqia.services.errors import Forbidden, ServiceError
from eqia.views.errors import put_on
from eqia.workflow.errors import N_

bp = Blueprint("admin", __name__, url_prefix="/admin")


# The words of these pages' messages, in one place; each is translated when it is flashed.
ADMINS_ONLY = N_("Only an administrator can use the administration pages")
DIRECTORATE_ADDED = N_("Directorate \u201c%(name)s\u201d added.")
DIRECTORATE_RENAMED = N_("Directorate renamed \u201c%(name)s\u201d.")
DIRECTORATE_RETIRED = N_("Directorate \u201c%(name)s\u201d retired. Its assessments keep it; it is no longer "
                         "offered for new ones.")
SERVICE_ADDED = N_("Service \u201c%(name)s\u201d added.")
SERVICE_RENAMED = N_("Service renamed \u201c%(name)s\u201d.")
SERVICE_RETIRED = N_("Service \u201c%(name)s\u201d retired.")
USER_SAVED = N_("The changes to %(name)s have been saved.")
USER_DEACTIVATED = N_("%(name)s has been deactivated: they were signed out everywhere and their API tokens "
                      "revoked.")
USER_REACTIVATED = N_("%(name)s can sign in again. Their old sessions and API tokens stay ended.")


@bp.before_request
@login_required
def admins_only():
    if ADMIN not in current_user.roles:
        raise Forbidden(ADMINS_ONLY)


def _roles_of(user: User) -> str:
    return ", ".join(_(ROLE_LABELS[r]) for r in ROLE_LABELS if r in user.roles)


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


def _admin() -> User:
    return current_user._get_current_object()


@bp.route("")
def index():
    return render_template("admin/index.html")


# ------------------------------------------------------------ directorates and services
def _directorates_page(form: DirectorateNameForm, problems=(), status: int = 200):
    return render_template("admin/directorates.html", page=directorates.page_of_directorates(_page_number()),
                           form=form, problems=list(problems)), status


@bp.route("/directorates", methods=["GET"])
def directorates_list():
    return _directorates_page(DirectorateNameForm(formdata=None))


def _saved(form, call, show, said: str, to: Callable[[Any], str]):
    """A form's POST: the service called with it, then a message and a redirect;
    on a problem, the page again with it (`show(form, problems, status)`)."""
    if not form.validate_on_submit():
        return show(form, [], 422)
    try:
        done = call(form)
    except ServiceError as error:
        return show(form, put_on(form, error), error.status)
    flash(_(said, name=done.name), "success")
    return redirect(to(done))


def _confirmed(call, show, said: str, to: Callable[[Any], str]):
    """A button's POST (retire, deactivate): the service called, a message, a redirect back."""
    if ConfirmForm().validate_on_submit():
        try:
            done = call()
        except ServiceError as error:
            return show([{"text": _(p.message)} for p in error.problems], error.status)
        flash(_(said, name=done.name), "success")
        return redirect(to(done))
    return redirect(request.path.rpartition("/")[0])


@bp.route("/directorates", methods=["POST"])
def create_directorate():
    return _saved(DirectorateNameForm(), lambda form: directorates.create_directorate(_admin(), form.name.data),
                  _directorates_page, DIRECTORATE_ADDED,
                  lambda made: url_for("admin.directorate", directorate_id=made.id))


def _directorate_page(found: Directorate, form=None, service_form=None, problems=(), status: int = 200):
    return render_template("admin/directorate.html", directorate=found, services=directorates.services_of(found),
                           form=form or DirectorateNameForm(formdata=None, data={"name": found.name}),
                           service_form=service_form or ServiceNameForm(formdata=None),
                           confirm=ConfirmForm(), problems=list(problems)), status


def _to_directorate(row: Directorate | ServiceArea) -> str:
    return url_for("admin.directorate", directorate_id=getattr(row, "directorate_id", None) or row.id)


@bp.route("/directorates/<int:directorate_id>", methods=["GET"])
def directorate(directorate_id: int):
    return _directorate_page(directorates.get_directorate(directorate_id))


@bp.route("/directorates/<int:directorate_id>", methods=["POST"])
def rename_directorate(directorate_id: int):
    found = directorates.get_directorate(directorate_id)
    return _saved(DirectorateNameForm(), lambda form: directorates.rename_directorate(_admin(), found, form.name.data),
                  lambda form, problems, status: _directorate_page(found, form=form, problems=problems, status=status),
                  DIRECTORATE_RENAMED, _to_directorate)


@bp.route("/directorates/<int:directorate_id>/retire", methods=["POST"])
def retire_directorate(directorate_id: int):
    found = directorates.get_directorate(directorate_id)
    return _confirmed(lambda: directorates.retire_directorate(_admin(), found),
                      lambda problems, status: _directorate_page(found, problems=problems, status=status),
                      DIRECTORATE_RETIRED, _to_directorate)


@bp.route("/directorates/<int:directorate_id>/services", methods=["POST"])
def create_service(directorate_id: int):
    found = directorates.get_directorate(directorate_id)
    return _saved(ServiceNameForm(), lambda form: directorates.create_service(_admin(), found, form.name.data),
                  lambda form, problems, status: _directorate_page(found, service_form=form, problems=problems,
                                                                   status=status),
                  SERVICE_ADDED, _to_directorate)


def _service_page(found: ServiceArea, form=None, problems=(), status: int = 200):
    return render_template("admin/service.html", service=found,
                           form=form or ServiceNameForm(formdata=None, data={"name": found.name}),
                           confirm=ConfirmForm(), problems=list(problems)), status


@bp.route("/services/<int:service_id>", methods=["GET"])
def service(service_id: int):
    return _service_page(directorates.get_service(service_id))


@bp.route("/services/<int:service_id>", methods=["POST"])
def rename_service(service_id: int):
    found = directorates.get_service(service_id)
    return _saved(ServiceNameForm(), lambda form: directorates.rename_service(_admin(), found, form.name.data),
                  lambda form, problems, status: _service_page(found, form, problems, status),
                  SERVICE_RENAMED, _to_directorate)


@bp.route("/services/<int:service_id>/retire", methods=["POST"])
def retire_service(service_id: int):
    found = directorates.get_service(service_id)
    return _confirmed(lambda: directorates.retire_service(_admin(), found),
                      lambda problems, status: _service_page(found, problems=problems, status=status),
                      SERVICE_RETIRED, _to_directorate)


# ------------------------------------------------------------ people
@bp.route("/users")
def users():
    chosen = accounts.UserFilter.from_args(request.args)
    return render_template("admin/users.html", page=accounts.page_of_users(chosen, _page_number()), chosen=chosen,
                           directorates=directorates.live_directorates(), role_labels=ROLE_LABELS,
                           roles_of=_roles_of)


def _user_page(user: User, form: UserForm | None = None, problems=(), status: int = 200):
    covered = accounts.covered_directorates(user)
    if form is None:
        form = UserForm(formdata=None, data={"roles": sorted(user.roles), "directorate_id": user.directorate_id,
                                             "covers": [d.id for d in covered]})
    form.set_directorates(directorates.live_directorates(), user.directorate, covered)
    return render_template("admin/user.html", user=user, form=form, covered=covered, confirm=ConfirmForm(),
                           own=user.id == current_user.id, roles_of=_roles_of,
                           problems=list(problems)), status


@bp.route("/users/<int:user_id>", methods=["GET"])
def user(user_id: int):
    return _user_page(accounts.get_user(user_id))


@bp.route("/users/<int:user_id>", methods=["POST"])
def save_user(user_id: int):
    found = accounts.get_user(user_id)
    form = UserForm()
    if form.validate_on_submit():
        own = found.id == current_user.id
        try:
            accounts.update_user(_admin(), found, roles=None if own else form.roles.data or [],
                                 directorate_id=form.directorate_id.data, covers=form.covers.data or [])
        except ServiceError as error:
            return _user_page(found, form, put_on(form, error), error.status)
        flash(_(USER_SAVED, name=found.name), "success")
        return redirect(url_for("admin.user", user_id=found.id))
    return _user_page(found, form, status=422)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate_user(user_id: int):
    return _switch(user_id, accounts.deactivate, USER_DEACTIVATED)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def reactivate_user(user_id: int):
    return _switch(user_id, accounts.reactivate, USER_REACTIVATED)


def _switch(user_id: int, change, said: str):
    found = accounts.get_user(user_id)
    return _confirmed(lambda: change(_admin(), found),
                      lambda problems, status: _user_page(found, problems=problems, status=status), said,
                      lambda done: url_for("admin.user", user_id=done.id))


# ------------------------------------------------------------ notifications set aside
@bp.route("/notifications/failed", methods=["GET"])
def failed():
    return render_template("admin/failed_notifications.html", page=failed_notifications.page_of_failed(
        _page_number()), confirm=ConfirmForm(), kinds=KINDS, headline=headline, failures=FAILURES)


def _retry(message_ids: list[int] | None):
    if ConfirmForm().validate_on_submit():
        count = failed_notifications.try_again(_admin(), message_ids)
        flash(ngettext("%(num)d notification put back for delivery.", "%(num)d notifications put back for delivery.",
                       count), "success")
    return redirect(url_for("admin.failed"))


@bp.route("/notifications/failed/<int:message_id>/retry", methods=["POST"])
def retry_notification(message_id: int):
    return _retry([message_id])


@bp.route("/notifications/failed/retry-shown", methods=["POST"])
def retry_shown_notifications():
    """Every message the page showed (its ids posted with the button), not any set aside since."""
    shown = [int(v) for v in request.form.getlist("message")[:failed_notifications.PAGE_SIZE]
             if v.isascii() and v.isdigit() and len(v) < 10]
    return _retry(shown)


# ------------------------------------------------------------ configuration
@bp.route("/configuration")
def configuration():
    return render_template("admin/configuration.html", config=settings.configuration())
