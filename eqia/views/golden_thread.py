"""The golden thread (equality leads and administrators): the list of service plan
objectives and indicators, adding, changing and retiring one, the report per service
with its CSV for the council's performance system, every tag as CSV, and the tag
and untag buttons the "Golden thread" section of an EqIA action's progress page and
of a plan row's progress page post to. Each view parses a form, calls one service
(eqia.services.golden_thread) and redirects; a refusal is shown where it came from."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from eqia.forms.completion import ConfirmForm
from eqia.forms.golden_thread import ObjectiveForm, TagForm
from eqia.models import OBJECTIVE_KINDS, ServiceObjective
from eqia.services import golden_thread as thread
from eqia.services.errors import ServiceError
from eqia.views.errors import put_on
from eqia.views.programme import csv_response
from eqia.workflow.errors import N_

bp = Blueprint("golden_thread", __name__, url_prefix="/programme/objectives")

OBJECTIVE_ADDED = N_("Objective %(code)s added.")
OBJECTIVE_SAVED = N_("The changes to objective %(code)s have been saved.")
OBJECTIVE_RETIRED = N_("Objective %(code)s retired. Its tags stay; it can no longer be tagged.")
TAGGED = N_("Tagged to %(code)s.")
UNTAGGED = N_("No longer tagged to %(code)s.")

# The spreadsheets are read by people and by the performance system: one row per tagged item.
HEADINGS = (_l("Directorate"), _l("Service"), _l("Objective code"), _l("Kind"), _l("Objective"), _l("Item type"),
            _l("Reference"), _l("Number"), _l("Description"), _l("Owner"), _l("Due"), _l("Status now"),
            _l("Overdue"))


@bp.before_request
@login_required
def keepers_only():
    thread.require_keeper(current_user)


def _user():
    return current_user._get_current_object()


# ------------------------------------------------------------ the objectives
@bp.route("")
def index():
    retired = request.args.get("retired") == "yes"
    return render_template("golden_thread/index.html", retired=retired, kinds=OBJECTIVE_KINDS,
                           found=thread.page_of_objectives(_user(), request.args.get("page", 1, type=int),
                                                           retired=retired))


def _form_page(form: ObjectiveForm, objective: ServiceObjective | None = None, problems=(), status: int = 200):
    form.offer(thread.live_services(), objective.service_area if objective is not None else None)
    return render_template("golden_thread/objective_form.html", form=form, objective=objective,
                           problems=list(problems)), status


def _saved(form: ObjectiveForm, call, objective: ServiceObjective | None, said: str):
    if not form.validate_on_submit():
        return _form_page(form, objective, status=422)
    try:
        done = call(form.values())
    except ServiceError as error:
        return _form_page(form, objective, put_on(form, error), error.status)
    flash(_(said, code=done.code), "success")
    return redirect(url_for("golden_thread.service_report", service_area_id=done.service_area_id))


@bp.route("/new", methods=["GET", "POST"])
def new_objective():
    if request.method == "GET":
        return _form_page(ObjectiveForm(formdata=None, data={"service_area_id": request.args.get(
            "service", type=int)}))
    return _saved(ObjectiveForm(), lambda values: thread.add(_user(), values), None, OBJECTIVE_ADDED)


@bp.route("/<int:objective_id>/edit", methods=["GET", "POST"])
def edit_objective(objective_id: int):
    found = thread.get(_user(), objective_id)
    if request.method == "GET":
        data = {key: getattr(found, key) for key in ("service_area_id", "kind", "code", "title")}
        return _form_page(ObjectiveForm(formdata=None, data=data), found)
    return _saved(ObjectiveForm(), lambda values: thread.change(_user(), found, values), found, OBJECTIVE_SAVED)


@bp.route("/<int:objective_id>/retire", methods=["POST"])
def retire_objective(objective_id: int):
    found = thread.get(_user(), objective_id)
    back = redirect(url_for("golden_thread.service_report", service_area_id=found.service_area_id))
    if not ConfirmForm().validate_on_submit():
        return back
    try:
        thread.retire(_user(), found)
    except ServiceError as error:
        for problem in error.problems:
            flash(_(problem.message), "problem")
        return back
    flash(_(OBJECTIVE_RETIRED, code=found.code), "success")
    return back


# ------------------------------------------------------------ the report per service
@bp.route("/services/<int:service_area_id>")
def service_report(service_area_id: int):
    return render_template("golden_thread/report.html", found=thread.service_report(_user(), service_area_id),
                           kinds=OBJECTIVE_KINDS, confirm=ConfirmForm())


def _csv_row(directorate: str, service: str, objective: ServiceObjective, item: thread.ThreadItem) -> list:
    return [directorate, service, objective.code, item_kind(objective.kind), objective.title, item.kind,
            item.reference, item.number, item.description, item.owner,
            item.due.isoformat() if item.due else item.due_condition, str(item.status_label),
            _("Yes") if item.overdue else _("No")]


def item_kind(kind: str) -> str:
    return str(OBJECTIVE_KINDS.get(kind, kind))


@bp.route("/services/<int:service_area_id>.csv")
def service_report_csv(service_area_id: int):
    found = thread.service_report(_user(), service_area_id)
    rows = [[str(h) for h in HEADINGS]]
    rows += [_csv_row(found.directorate.name, found.service.name, o.objective, item)
             for o in found.objectives for item in o.items]
    return csv_response(rows, f"golden-thread-service-{found.service.id}.csv")


@bp.route("/tags.csv")
def every_tag_csv():
    def rows():
        yield [str(h) for h in HEADINGS]
        for row in thread.every_tag(_user()):
            yield _csv_row(row.directorate, row.service, row.objective, row.item)
    return csv_response(rows(), "golden-thread.csv")


# ------------------------------------------------------------ tagging, from the items' own pages
def tag_section(user, *, action_id: int | None = None, row_id: int | None = None) -> dict | None:
    """What an item's page shows of its tags, and the form to add one: only for those who keep them."""
    if not thread.may_keep(user):
        return None
    tags = thread.tags_of_action(action_id) if action_id is not None else thread.tags_of_row(row_id)
    post = url_for("golden_thread.tag_action", action_id=action_id) if action_id is not None \
        else url_for("golden_thread.tag_row", row_id=row_id)
    return {"tags": tags, "form": TagForm(formdata=None).offer(thread.live_objectives()), "post": post,
            "confirm": ConfirmForm()}


def _back_to_item(action_id: int | None, row_id: int | None):
    parent = thread.parent_of(action_id=action_id, row_id=row_id)
    if parent is not None and action_id is not None:
        return redirect(url_for("assessments.action_progress_update", assessment_id=parent, item_id=action_id)
                        + "#golden-thread")
    if parent is not None:
        return redirect(url_for("plans.progress", plan_id=parent, row_id=row_id) + "#golden-thread")
    return redirect(url_for("golden_thread.index"))


def _tagged(call, action_id: int | None, row_id: int | None):
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = call(form.objective_id.data)
        except ServiceError as error:
            for problem in error.problems:
                flash(_(problem.message), "problem")
        else:
            flash(_(TAGGED, code=tag.objective.code), "success")
    else:
        flash(_(thread.CHOOSE_OBJECTIVE), "problem")
    return _back_to_item(action_id, row_id)


@bp.route("/tags/actions/<int:action_id>", methods=["POST"])
def tag_action(action_id: int):
    return _tagged(lambda objective_id: thread.tag_action(_user(), action_id, objective_id), action_id, None)


@bp.route("/tags/rows/<int:row_id>", methods=["POST"])
def tag_row(row_id: int):
    return _tagged(lambda objective_id: thread.tag_row(_user(), row_id, objective_id), None, row_id)


@bp.route("/tags/<int:tag_id>/remove", methods=["POST"])
def untag(tag_id: int):
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("golden_thread.index"))
    try:
        tag = thread.untag(_user(), tag_id)
    except ServiceError as error:
        for problem in error.problems:
            flash(_(problem.message), "problem")
        return redirect(url_for("golden_thread.index"))
    flash(_(UNTAGGED, code=tag.objective.code), "success")
    return _back_to_item(tag.action_id, tag.plan_row_id)
