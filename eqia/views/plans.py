"""Equality action plans: the list, making a plan, its page (themes and rows, the
actions its workflow offers this user), writing its rows while it is a draft,
taking its workflow's actions, recording progress on a row once it is adopted,
the plan as CSV, and its progress report for a committee as PDF or Word
(eqia.services.plan_report). Each view parses a form, calls one service
(eqia.services.plans) and redirects; a refusal is shown on the page it came from."""

from __future__ import annotations

import hashlib
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from eqia.extensions import db
from eqia.forms.action_progress import ActionProgressForm
from eqia.forms.completion import ConfirmForm
from eqia.forms.plans import PlanForm, ReportForm, RowForm, RowsImportForm
from eqia.i18n import current_language
from eqia.models import ACTION_PROGRESS_STATUSES, RESPONSES
from eqia.plans.subject import PLAN_SUBJECT
from eqia.responses import pdf_response
from eqia.services import activities, plan_report, plan_sheets, plans
from eqia.services.action_owners import active_accounts
from eqia.services.action_progress import ProgressInput, today
from eqia.services.errors import Conflict, Invalid, ServiceError
from eqia.services.version_pdfs import Document
from eqia.views.downloads import DOCX
from eqia.views.errors import put_on
from eqia.views import programme_actions
from eqia.views.golden_thread import tag_section
from eqia.views.programme import csv_response
from eqia.workflow.errors import N_

bp = Blueprint("plans", __name__, url_prefix="/programme/plans")

PLAN_MADE = N_("Action plan \u201c%(title)s\u201d made. Add its recommendations.")
ROW_ADDED = N_("Recommendation added to the plan.")
ROW_SAVED = N_("The changes to the recommendation have been saved.")
ROW_REMOVED = N_("Recommendation removed from the plan.")
PROGRESS_SAVED = N_("Progress recorded.")

FILE_MISSING = N_("Choose the spreadsheet to import")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def signed_in():
    pass


def _user():
    return current_user._get_current_object()


@bp.route("")
def index():
    found = plans.page_of_plans(_user(), request.args.get("page", 1, type=int))
    return render_template("plans/index.html", found=found, may_make=plans.may_make(_user()),
                           keeps_programme=activities.keeping_role(_user()) is not None,
                           state_of=lambda p: plans.definition_of(p).states[p.state])


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not plans.may_make(_user()):
        abort(403)
    form = PlanForm()
    problems, status = [], 200
    if form.validate_on_submit():
        try:
            plan = plans.create(_user(), form.values())
        except ServiceError as error:
            problems, status = put_on(form, error), error.status
        else:
            flash(_(PLAN_MADE, title=plan.title), "success")
            return redirect(url_for("plans.plan", plan_id=plan.id))
    elif request.method == "POST":
        status = 422
    return render_template("plans/new.html", form=form, problems=problems), status


@bp.route("/<int:plan_id>")
def plan(plan_id: int):
    found = plans.get(_user(), plan_id)
    rows = plans.progress(found)
    editable = plans.may(_user(), found, plans.EDIT_PLAN)
    updatable = plans.updatable(_user(), found)
    return render_template("plans/plan.html", plan=found, rows=rows, editable=editable, updatable=updatable,
                           actions=plans.actions_for(_user(), found), definition=plans.definition_of(found),
                           responses=RESPONSES, confirm=ConfirmForm())


def _row_page(found, form: RowForm, row=None, problems=(), status: int = 200):
    form.offer(found.themes, active_accounts())
    return render_template("plans/row.html", plan=found, form=form, row=row, problems=list(problems)), status


def _row_saved(found, form: RowForm, call, row, said: str):
    if not form.validate_on_submit():
        return _row_page(found, form, row, status=422)
    try:
        call(form.values(), form.lock_version.data)
    except ServiceError as error:
        problems = put_on(form, error)
        db.session.expire_all()
        fresh = plans.get(_user(), found.id)
        if isinstance(error, Conflict):
            form.lock_version.data = fresh.lock_version
            form.lock_version.raw_data = [str(fresh.lock_version)]
        return _row_page(fresh, form, row, problems, error.status)
    flash(_(said), "success")
    return redirect(url_for("plans.plan", plan_id=found.id))


@bp.route("/<int:plan_id>/rows/new", methods=["GET", "POST"])
def new_row(plan_id: int):
    found = plans.get(_user(), plan_id)
    if request.method == "GET":
        plans.check_editable(_user(), found)
        return _row_page(found, RowForm(formdata=None, data={"lock_version": found.lock_version}))
    return _row_saved(found, RowForm(), lambda values, seen: plans.add_row(
        _user(), plan_id, values, expected_lock_version=seen), None, ROW_ADDED)


@bp.route("/<int:plan_id>/rows/<int:row_id>", methods=["GET", "POST"])
def row(plan_id: int, row_id: int):
    found = plans.get(_user(), plan_id)
    shown = next((r for r in found.rows if r.id == row_id), None)
    if shown is None:
        abort(404)
    if request.method == "GET":
        plans.check_editable(_user(), found)
        data = {key: getattr(shown, key) for key in RowForm().values()}
        data["lock_version"] = found.lock_version
        return _row_page(found, RowForm(formdata=None, data=data), shown)
    return _row_saved(found, RowForm(), lambda values, seen: plans.change_row(
        _user(), plan_id, row_id, values, expected_lock_version=seen), shown, ROW_SAVED)


@bp.route("/<int:plan_id>/rows/<int:row_id>/remove", methods=["POST"])
def remove_row(plan_id: int, row_id: int):
    plans.get(_user(), plan_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        plans.remove_row(_user(), plan_id, row_id)
        flash(_(ROW_REMOVED), "success")
    return redirect(url_for("plans.plan", plan_id=plan_id))


@bp.route("/<int:plan_id>/actions/<trigger>", methods=["GET", "POST"])
def take_action(plan_id: int, trigger: str):
    return programme_actions.take_action(plans, plan_id, trigger, subject=PLAN_SUBJECT, template="plans/action.html",
                                         name="plan", back=lambda i: url_for("plans.plan", plan_id=i))


@bp.route("/<int:plan_id>/rows/<int:row_id>/progress", methods=["GET", "POST"])
def progress(plan_id: int, row_id: int):
    found = plans.get(_user(), plan_id)
    shown = next((r for r in plans.progress(found) if r.row.id == row_id), None)
    if shown is None:
        abort(404)
    form = ActionProgressForm()
    problems, status = [], 200
    if request.method == "GET":
        form.dated.data = today()
    elif form.validate_on_submit():
        data = ProgressInput(status=form.status.data, note=form.note.data or "", evidence=form.evidence.data or "",
                             dated=form.dated.data)
        try:
            plans.record_progress(_user(), plan_id, row_id, data)
        except ServiceError as error:
            problems, status = put_on(form, error), error.status
        else:
            flash(_(PROGRESS_SAVED), "success")
            return redirect(url_for("plans.plan", plan_id=plan_id) + f"#row-{row_id}")
    else:
        status = 422
    return render_template("plans/progress.html", plan=found, shown=shown, form=form, problems=problems,
                           updates=plans.updates_of(found, shown.row),
                           statuses=ACTION_PROGRESS_STATUSES,
                           may_update=plans.may(_user(), found, plans.UPDATE_ACTION, part=shown.row),
                           thread=tag_section(_user(), row_id=shown.row.id)), status


@bp.route("/<int:plan_id>.csv")
def plan_csv(plan_id: int):
    found = plans.get(_user(), plan_id)
    rows = ([cell.isoformat() if isinstance(cell, date) else cell for cell in row]
            for row in plan_sheets.table(found))
    return csv_response(rows, f"action-plan-{found.id}.csv")


@bp.route("/<int:plan_id>.xlsx")
def plan_xlsx(plan_id: int):
    found = plans.get(_user(), plan_id)
    return Response(plan_sheets.xlsx(found), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="action-plan-{found.id}.xlsx"'})


def _import_page(found, form: RowsImportForm, problems=(), status: int = 200):
    return render_template("plans/import.html", plan=found, form=form, problems=list(problems)), status


@bp.route("/<int:plan_id>/import", methods=["GET", "POST"])
def import_rows(plan_id: int):
    found = plans.get(_user(), plan_id)
    form = RowsImportForm()
    if request.method == "GET":
        plans.check_editable(_user(), found)  # say why now rather than offer a form that will be refused
        form.lock_version.data = found.lock_version
        return _import_page(found, form)
    if not form.validate_on_submit():
        return _import_page(found, form, status=422)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_(FILE_MISSING)]
        return _import_page(found, form, status=422)
    data = upload.read(plan_sheets.MAX_BYTES + 1)
    try:
        made = plan_sheets.import_rows(_user(), plan_id, upload.filename, data,
                                       expected_lock_version=form.lock_version.data)
    except ServiceError as error:
        db.session.expire_all()
        found = plans.get(_user(), plan_id)
        if isinstance(error, Conflict):
            form.lock_version.data = found.lock_version
            form.lock_version.raw_data = [str(found.lock_version)]
        return _import_page(found, form, [{"text": _(p.message), "href": "#file"} for p in error.problems],
                            error.status)
    flash(ngettext("%(num)d recommendation imported.", "%(num)d recommendations imported.", len(made)), "success")
    return redirect(url_for("plans.plan", plan_id=plan_id))


def _report_page(found, form: ReportForm, problems=(), status: int = 200):
    return render_template("plans/report.html", plan=found, form=form, problems=list(problems)), status


@bp.route("/<int:plan_id>/report")
def report(plan_id: int):
    found = plans.get(_user(), plan_id)
    return _report_page(found, ReportForm(formdata=request.args))


def _chosen(plan_id: int):
    """The report's context for the period chosen; or, when the period cannot be shown, the report's
    page again saying why (and no context)."""
    form = ReportForm(formdata=request.args)
    try:
        return plan_report.report_context(_user(), plan_id, form.period.data), None
    except Invalid as error:
        return None, _report_page(plans.get(_user(), plan_id), form, put_on(form, error), 422)


@bp.route("/<int:plan_id>/report.pdf")
def report_pdf(plan_id: int):
    context, refused = _chosen(plan_id)
    if refused:
        return refused
    data = plan_report.pdf_for(context)
    return pdf_response(Document(data=data, sha256=hashlib.sha256(data).hexdigest(), signed=False,
                                 filename=plan_report.filename_for(context["plan"], current_language(), "pdf")),
                        public=False)


@bp.route("/<int:plan_id>/report.docx")
def report_docx(plan_id: int):
    context, refused = _chosen(plan_id)
    if refused:
        return refused
    response = Response(plan_report.docx_for(context), mimetype=DOCX)
    filename = plan_report.filename_for(context["plan"], current_language(), "docx")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response  # never stored (eqia.security)
