"""The lead's cumulative judgement on a programme: starting it from the programme's
side by side, its page (the versions it covered side by side, what has moved on
since, its words, its signature and the actions its workflow offers this user),
writing it while it is a draft, taking its workflow's actions, and a new version
of a signed one. Each view parses a form, calls one service
(eqia.services.cumulative_judgements) and redirects; a refusal is shown on the
page it came from, with what was typed kept."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eqia.cumulative.subject import CUMULATIVE_SUBJECT
from eqia.extensions import db
from eqia.forms.completion import ConfirmForm
from eqia.forms.cumulative import StartJudgementForm, judgement_form
from eqia.i18n import current_language
from eqia.responses import pdf_response
from eqia.services import activities, cumulative, cumulative_judgements as judgements, judgement_report
from eqia.services.errors import Conflict, ServiceError
from eqia.services.version_pdfs import Document
from eqia.views import programme_actions
from eqia.views.downloads import DOCX
from eqia.views.errors import put_on
from eqia.workflow.errors import N_

bp = Blueprint("judgements", __name__, url_prefix="/programme/judgements")

STARTED = N_("Cumulative judgement started. Write the combined effect on each group.")
SAVED = N_("The judgement has been saved.")
NEW_VERSION = N_("Version %(version)s started from the signed judgement. The signed version is kept as it is.")


@bp.before_request
@login_required
def signed_in():
    pass


def _user():
    return current_user._get_current_object()


@bp.route("")
def index():
    """What waits for this user, for those who read judgements."""
    if not _user().roles & judgements.READERS:
        abort(403)
    return render_template("judgements/index.html", waiting=judgements.waiting_for(_user()),
                           state_of=lambda j: judgements.definition_of(j).states[j.state])


@bp.route("/new", methods=["POST"])
def new():
    form = StartJudgementForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        made = judgements.create(_user(), form.programme.data or "")
    except ServiceError as error:
        for problem in error.problems:
            flash(_(problem.message), "error")
        return redirect(url_for("programme.cumulative_impact", programme=form.programme.data or ""))
    flash(_(STARTED), "success")
    return redirect(url_for("judgements.edit", judgement_id=made.id))


@bp.route("/<int:judgement_id>")
def judgement(judgement_id: int):
    found = judgements.get(_user(), judgement_id)
    definition = judgements.definition_of(found)
    return render_template("judgements/judgement.html", judgement=found, snapshot=judgements.snapshot(found),
                           state=definition.states[found.state], actions=judgements.actions_for(_user(), found),
                           editable=judgements.may(_user(), found), signature=judgements.signature_holds(found),
                           new_version=judgements.may_write_new_version(_user(), found),
                           versions=judgements.versions_for(_user(), found.programme), confirm=ConfirmForm(),
                           # The side by side is the register's keepers' page: a decision-maker goes back to their list.
                           keeps_programme=activities.keeping_role(_user()) is not None)


def _edit_page(found, form, problems=(), status: int = 200):
    shown = cumulative.side_by_side(_user(), found.programme)
    return render_template("judgements/edit.html", judgement=found, form=form, found=shown,
                           problems=list(problems)), status


@bp.route("/<int:judgement_id>/edit", methods=["GET", "POST"])
def edit(judgement_id: int):
    found = judgements.get(_user(), judgement_id)
    judgements.check_editable(_user(), found)  # say why now rather than offer a form that will be refused
    groups = cumulative.side_by_side(_user(), found.programme).groups
    if request.method == "GET":
        data = {"conclusion": found.conclusion, "mitigations": found.mitigations, "lock_version": found.lock_version,
                **{f"group-{g.key}": found.text_for(g.key) for g in groups}}
        return _edit_page(found, judgement_form(groups, formdata=None, data=data))
    form = judgement_form(groups)
    if form.lock_version.raw_data in (None, [], [""]):
        # Not posted from the page (which always sends what it showed): saving it would blank what is written.
        abort(400)
    if not form.validate_on_submit():
        return _edit_page(found, form, status=422)
    try:
        judgements.save(_user(), judgement_id, form.values(), expected_lock_version=form.lock_version.data)
    except ServiceError as error:
        problems = put_on(form, error)
        db.session.expire_all()
        fresh = judgements.get(_user(), judgement_id)
        if isinstance(error, Conflict):
            # What was typed stays on the form; saving it again is saving over the other change, knowingly.
            form.lock_version.data = fresh.lock_version
            form.lock_version.raw_data = [str(fresh.lock_version)]
        return _edit_page(fresh, form, problems, error.status)
    flash(_(SAVED), "success")
    return redirect(url_for("judgements.judgement", judgement_id=judgement_id))


@bp.route("/<int:judgement_id>/actions/<trigger>", methods=["GET", "POST"])
def take_action(judgement_id: int, trigger: str):
    return programme_actions.take_action(judgements, judgement_id, trigger, subject=CUMULATIVE_SUBJECT,
                                         template="judgements/action.html",
                                         name="judgement",
                                         back=lambda i: url_for("judgements.judgement", judgement_id=i))


@bp.route("/<int:judgement_id>/judgement.pdf")
def judgement_pdf(judgement_id: int):
    context = judgement_report.report_context(_user(), judgement_id)
    data = judgement_report.pdf_for(context)
    return pdf_response(Document(data=data, sha256=hashlib.sha256(data).hexdigest(), signed=False,
                                 filename=judgement_report.filename_for(context["judgement"], current_language(),
                                                                        "pdf")), public=False)


@bp.route("/<int:judgement_id>/judgement.docx")
def judgement_docx(judgement_id: int):
    context = judgement_report.report_context(_user(), judgement_id)
    response = Response(judgement_report.docx_for(context), mimetype=DOCX)
    filename = judgement_report.filename_for(context["judgement"], current_language(), "docx")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response  # never stored (eqia.security)


@bp.route("/<int:judgement_id>/new-version", methods=["POST"])
def new_version(judgement_id: int):
    judgements.get(_user(), judgement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    made = judgements.new_version(_user(), judgement_id)
    flash(_(NEW_VERSION, version=made.version_number), "success")
    return redirect(url_for("judgements.edit", judgement_id=made.id))
