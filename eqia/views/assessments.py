"""An assessment: start one, see it, change its content, take workflow actions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from eqia.extensions import db
from eqia.forms.register import RegisterDetailsForm
from eqia.forms.screening import build_screening_form
from eqia.forms.transition import TransitionForm
from eqia.models import AuditEvent, Directorate
from eqia.registry import characteristics, definition_for, workflows, DEFAULT_WORKFLOW
from eqia.services import access
from eqia.services import assessments as service
from eqia.services.assessments import ScreeningInput, last_edit
from eqia.services.errors import Conflict, Forbidden, Invalid, NotPossible
from eqia.services.workflow import allowed_transitions, check_permission, missing_requirements, perform_transition

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


def _directorate_choices(form: RegisterDetailsForm) -> None:
    query = select(Directorate).order_by(Directorate.name)
    if not current_user.roles & access.COUNCIL_WIDE_ROLES and current_user.directorate_id:
        query = query.where(Directorate.id == current_user.directorate_id)
    form.directorate_id.choices = [(d.id, d.name) for d in db.session.execute(query).scalars()]


def _problem_list(error) -> list[dict]:
    """Service problems as GOV.UK error-summary items, linking to the field where known."""
    items = []
    for p in error.problems:
        item = {"text": p.message}
        if p.endpoint and p.endpoint != request.endpoint:
            item["href"] = url_for(p.endpoint, assessment_id=request.view_args["assessment_id"]) + (
                f"#{p.field}" if p.field else "")
        elif p.field:
            item["href"] = f"#{p.field}"
        items.append(item)
    return items


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    definition = workflows().current(DEFAULT_WORKFLOW)
    if not current_user.roles & definition.create_roles:
        raise Forbidden(service.CANNOT_CREATE)
    form = RegisterDetailsForm()
    _directorate_choices(form)
    if request.method == "GET" and current_user.directorate_id:
        form.directorate_id.data = current_user.directorate_id
    problems = []
    if form.validate_on_submit():
        try:
            assessment = service.create_assessment(current_user, form.details())
        except (Invalid, Forbidden) as error:
            problems = _problem_list(error)
        else:
            flash(f"Assessment {assessment.display_reference} started", "success")
            return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    return render_template("assessments/details.html", form=form, assessment=None, problems=problems)


@bp.route("/<int:assessment_id>")
@login_required
def overview(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    definition = definition_for(assessment)
    history = db.session.execute(
        select(AuditEvent).where(AuditEvent.assessment_id == assessment.id).order_by(AuditEvent.seq.desc())
    ).scalars().all()
    versions = []
    cursor = assessment.previous_version
    while cursor is not None:
        if access.can_view(current_user, cursor):
            versions.append(cursor)
        cursor = cursor.previous_version
    following = assessment.next_version
    return render_template(
        "assessments/overview.html", assessment=assessment, definition=definition,
        state=definition.states[assessment.state], actions=allowed_transitions(current_user, assessment),
        can_edit=access.can_edit(current_user, assessment, definition), history=history,
        earlier_versions=versions,
        next_version=following if following is not None and access.can_view(current_user, following) else None,
        screening_labels={a.characteristic_key: characteristics().label("screening_answer", a.affects)
                          for a in assessment.screening_answers},
    )


def _after_conflict(form, error: Conflict) -> dict:
    """Keep the user's text in the form, but give it the saved lock version, so
    that saving again is a deliberate choice made after seeing the change."""
    if error.current_lock_version is not None:
        form.lock_version.data = error.current_lock_version
        form.lock_version.raw_data = [str(error.current_lock_version)]  # what the hidden input renders
    editor = last_edit(error.current) if error.current is not None else None
    return {"conflict": True, "conflict_editor": editor, "problems": _problem_list(error)}


@bp.route("/<int:assessment_id>/details", methods=["GET", "POST"])
@login_required
def edit_details(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    service.check_editable(current_user, assessment)
    form = RegisterDetailsForm(obj=assessment if request.method == "GET" else None)
    _directorate_choices(form)
    if request.method == "GET":
        form.lock_version.data = assessment.lock_version
    extra: dict = {"problems": []}
    if form.validate_on_submit():
        try:
            service.update_register_details(assessment.id, current_user, form.details(),
                                            form.lock_version.data or 0)
        except Conflict as error:
            extra = _after_conflict(form, error)
        except (Invalid, Forbidden, NotPossible) as error:
            extra["problems"] = _problem_list(error)
        else:
            flash("Register details saved", "success")
            return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    return render_template("assessments/details.html", form=form, assessment=assessment, **extra)


@bp.route("/<int:assessment_id>/screening", methods=["GET", "POST"])
@login_required
def edit_screening(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    service.check_editable(current_user, assessment)
    rows = assessment.screening_answers
    initial = {}
    if request.method == "GET":
        initial = {"lock_version": assessment.lock_version, "relevance": assessment.screening_relevance,
                   "conclusion": assessment.screening_conclusion}
        for row in rows:
            initial[f"answer_{row.characteristic_key}"] = row.affects
            initial[f"reason_{row.characteristic_key}"] = row.reason
    form = build_screening_form(characteristics(), rows, data=initial or None)
    extra: dict = {"problems": []}
    if form.validate_on_submit():
        data = ScreeningInput(
            answers={row.characteristic_key: (form[f"answer_{row.characteristic_key}"].data or None,
                                              form[f"reason_{row.characteristic_key}"].data or "")
                     for row in rows},
            relevance=form.relevance.data or None,
            conclusion=form.conclusion.data or "",
        )
        try:
            service.update_screening(assessment.id, current_user, data, form.lock_version.data or 0)
        except Conflict as error:
            extra = _after_conflict(form, error)
        except (Invalid, Forbidden, NotPossible) as error:
            extra["problems"] = _problem_list(error)
        else:
            flash("Screening saved", "success")
            return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    return render_template("assessments/screening.html", form=form, assessment=assessment, rows=rows,
                           answer_labels=dict(characteristics().choices("screening_answer")), **extra)


@bp.route("/<int:assessment_id>/actions/<trigger>", methods=["GET", "POST"])
@login_required
def take_action(assessment_id: int, trigger: str):
    assessment = service.get_visible(assessment_id, current_user)
    definition = definition_for(assessment)
    transition = definition.transitions.get(trigger)
    if transition is None or transition.system:
        abort(404)
    form = TransitionForm()
    if request.method == "GET":
        form.lock_version.data = assessment.lock_version
    problems = []
    status = 200
    if form.validate_on_submit():
        try:
            done = perform_transition(assessment.id, trigger, current_user, comment=form.comment.data or "",
                                      expected_lock_version=form.lock_version.data)
        except (Conflict, Invalid, NotPossible, Forbidden) as error:
            problems = _problem_list(error)
            status = error.status
            db.session.expire_all()
            assessment = service.get_visible(assessment_id, current_user)
            form.lock_version.data = assessment.lock_version
            form.lock_version.raw_data = [str(assessment.lock_version)]
        else:
            now = definition.states[done.state].label.lower()
            flash(f"Done: {transition.label.lower()}. The assessment is now {now}.", "success")
            return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    elif request.method == "GET":
        # Say why now rather than offer a form that will be refused.
        check_permission(current_user, assessment, transition, definition)
    return render_template("assessments/action.html", assessment=assessment, transition=transition, form=form,
                           problems=problems, required_problems=missing_requirements(assessment, transition),
                           state=definition.states[assessment.state]), status
