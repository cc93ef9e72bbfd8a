"""The Equality Framework self-assessment: the list, starting one, its page (module by
module, this period's rating beside the previous one's), rating a criterion, turning
the gaps into rows of a draft action plan, and the report for a committee as PDF, Word
and CSV (eqia.services.framework_report). Each view parses a form, calls one service
(eqia.services.framework) and redirects; a refusal is shown on the page it came from."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from eqia.extensions import db
from eqia.forms.framework import GapsForm, RatingForm, SelfAssessmentForm
from eqia.i18n import current_language
from eqia.responses import pdf_response
from eqia.services import activities, framework, framework_report
from eqia.services.errors import Conflict, ServiceError
from eqia.services.version_pdfs import Document
from eqia.views.downloads import DOCX
from eqia.views.errors import put_on
from eqia.views.programme import csv_response
from eqia.workflow.errors import N_

bp = Blueprint("framework", __name__, url_prefix="/programme/framework")

STARTED = N_("Self-assessment for %(period)s started. Rate each criterion.")
RATING_SAVED = N_("The rating of %(criterion)s has been saved.")


@bp.before_request
@login_required
def signed_in():
    pass


def _user():
    return current_user._get_current_object()


@bp.route("")
def index():
    found = framework.page_of_self_assessments(_user(), request.args.get("page", 1, type=int))
    return render_template("framework/index.html", found=found, may_write=framework.may_write(_user()),
                           frameworks=framework.loaded(),
                           keeps_programme=activities.keeping_role(_user()) is not None)


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not framework.may_write(_user()):
        abort(403)
    form = SelfAssessmentForm()
    form.offer(list(framework.loaded().values()), framework.earlier_ones())
    problems, status = [], 200
    if request.method == "GET" and not form.framework.data:
        form.framework.data = next(iter(framework.loaded()))
    if form.validate_on_submit():
        try:
            made = framework.create(_user(), form.values())
        except ServiceError as error:
            problems, status = put_on(form, error), error.status
        else:
            flash(_(STARTED, period=made.period), "success")
            return redirect(url_for("framework.self_assessment", self_assessment_id=made.id))
    elif request.method == "POST":
        status = 422
    return render_template("framework/new.html", form=form, problems=problems), status


@bp.route("/<int:self_assessment_id>")
def self_assessment(self_assessment_id: int):
    found = framework.get(_user(), self_assessment_id)
    modules = framework.compared(found)
    references = {link.reference for group in modules for row in group.rows if row.now
                  for link in row.now.links if link.reference}
    return render_template("framework/self_assessment.html", found=found, modules=modules,
                           definition=framework.framework_of(found), may_write=framework.may_write(_user()),
                           gaps=sum(framework.framework_of(found).is_gap(r.rating) for g in modules for r in g.rows),
                           token_of=framework.token_of, versions=framework.latest_versions(references))


def _rating_page(found, criterion, form: RatingForm, problems=(), status: int = 200):
    form.offer(framework.framework_of(found))
    modules = framework.compared(found)
    shown = next(r for g in modules for r in g.rows if r.criterion.key == criterion.key)
    return render_template("framework/rating.html", found=found, criterion=criterion, shown=shown, form=form,
                           definition=framework.framework_of(found), problems=list(problems),
                           token_of=framework.token_of), status


@bp.route("/<int:self_assessment_id>/criteria/<criterion>", methods=["GET", "POST"])
def rating(self_assessment_id: int, criterion: str):
    found = framework.get(_user(), self_assessment_id)
    chosen = framework.criterion_of(found, criterion)
    if not framework.may_write(_user()):
        abort(403)
    if request.method == "GET":
        now = next((r for r in found.ratings if r.criterion == chosen.key), None)
        data = {"lock_version": found.lock_version}
        if now is not None:
            data |= {"rating": now.rating, "evidence": now.evidence,
                     "links": "\n".join(framework.token_of(link) for link in now.links)}
        return _rating_page(found, chosen, RatingForm(formdata=None, data=data))
    form = RatingForm()
    form.offer(framework.framework_of(found))
    if not form.validate_on_submit():
        return _rating_page(found, chosen, form, status=422)
    try:
        framework.rate(_user(), self_assessment_id, chosen.key, form.values(),
                       expected_lock_version=form.lock_version.data)
    except ServiceError as error:
        problems = put_on(form, error)
        db.session.expire_all()
        fresh = framework.get(_user(), self_assessment_id)
        if isinstance(error, Conflict):
            form.lock_version.data = fresh.lock_version
            form.lock_version.raw_data = [str(fresh.lock_version)]
        return _rating_page(fresh, chosen, form, problems, error.status)
    flash(_(RATING_SAVED, criterion=chosen.label), "success")
    return redirect(url_for("framework.self_assessment", self_assessment_id=self_assessment_id)
                    + f"#criterion-{chosen.key}")


@bp.route("/<int:self_assessment_id>/gaps", methods=["GET", "POST"])
def gaps(self_assessment_id: int):
    found = framework.get(_user(), self_assessment_id)
    if not framework.may_write(_user()):
        abort(403)
    form = GapsForm()
    form.offer(framework.draft_plans_for(_user()))
    problems, status = [], 200
    if request.method == "GET":
        form.lock_version.data = found.lock_version
        form.plan.data = form.plan.data or "new"
        form.title.data = _("Equality Framework action plan %(period)s", period=found.period)
    elif form.validate_on_submit():
        try:
            plan, count = framework.gaps_to_plan(_user(), self_assessment_id, form.values(),
                                                 expected_lock_version=form.lock_version.data)
        except ServiceError as error:
            problems, status = put_on(form, error), error.status
            db.session.expire_all()
            found = framework.get(_user(), self_assessment_id)
            form.lock_version.data = found.lock_version
            form.lock_version.raw_data = [str(found.lock_version)]
        else:
            flash(ngettext("%(num)d gap added to the action plan.", "%(num)d gaps added to the action plan.", count),
                  "success")
            return redirect(url_for("plans.plan", plan_id=plan.id))
    else:
        status = 422
    return render_template("framework/gaps.html", found=found, form=form, problems=problems,
                           gaps=framework.gaps_of(found), definition=framework.framework_of(found)), status


@bp.route("/<int:self_assessment_id>.csv")
def self_assessment_csv(self_assessment_id: int):
    found = framework.get(_user(), self_assessment_id)
    return csv_response(framework_report.table(found), framework_report.filename_for(found, "en", "csv"))


@bp.route("/<int:self_assessment_id>/report.pdf")
def report_pdf(self_assessment_id: int):
    context = framework_report.report_context(_user(), self_assessment_id)
    data = framework_report.pdf_for(context)
    return pdf_response(Document(data=data, sha256=hashlib.sha256(data).hexdigest(), signed=False,
                                 filename=framework_report.filename_for(context["found"], current_language(), "pdf")),
                        public=False)


@bp.route("/<int:self_assessment_id>/report.docx")
def report_docx(self_assessment_id: int):
    context = framework_report.report_context(_user(), self_assessment_id)
    response = Response(framework_report.docx_for(context), mimetype=DOCX)
    filename = framework_report.filename_for(context["found"], current_language(), "docx")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response  # never stored (eqia.security)
