"""The challenge review: a lead records a status and comment per task, then
returns or approves; the author answers each point."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from eqia.forms.challenge import build_answers_form, build_review_form
from eqia.assessments.shape import PARTS, every_field
from eqia.models import CHALLENGE_STATUSES
from eqia.loaded_definitions import characteristics, definition_for
from eqia.services import assessments as service
from eqia.services import challenge
from eqia.services.errors import Forbidden, Invalid, NotPossible
from eqia.views.assessments import attach_problems, bp, run_form

# How the fields of the content record read in "what changed since the last round": each field of the
# shape by its record key (where two share a key, the later part's label), each list of rows by what a row
# is called, and the directorate by the name the document gives it.
FIELD_LABELS = {
    **{items.record: items.label for part in PARTS for items in [part.items] if items and items.record},
    **{field.record: field.label for _, _, field in every_field() if field.record},
    "directorate": _l("Directorate"),
}


def field_label(path: str) -> str:
    """"items[2].summary" reads "Item 2: What it shows"."""
    parts = []
    for piece in path.split("."):
        name, _, number = piece.partition("[")
        label = FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
        parts.append(f"{label} {number.rstrip(']')}" if number else str(label))
    return ": ".join(parts)


def shown(value, path: str = "", profile=None) -> str:
    if value is None or value == "" or value == []:
        return _("(blank)")
    if profile is not None and path.rpartition(".")[2] == "aims" and isinstance(value, list):
        # The aims by their wording, not their keys.
        return "; ".join(map(str, profile.aim_labels(value)))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


@bp.route("/<int:assessment_id>/review", methods=["GET", "POST"])
@login_required
def review(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    definition = definition_for(assessment)
    round_ = challenge.current_round(assessment)
    if round_ is None or not definition.review_transitions(assessment.state):
        raise NotPossible(challenge.not_under_review(definition.states[assessment.state].phrase))
    closing = challenge.closing_actions(current_user, assessment)
    if not closing:
        raise Forbidden(challenge.NOT_A_REVIEWER)
    keys = challenge.review_keys(assessment)
    tasks = [(key, challenge.task_title(assessment, key)) for key in keys]
    saved = {p.section_key: p for p in round_.comments}
    initial = {}
    for key in keys:
        if key in saved:
            initial[challenge.field_name("status", key)] = saved[key].status
            initial[challenge.field_name("comment", key)] = saved[key].comment
    form = build_review_form(tasks, data=initial if request.method == "GET" else None)
    problems = []
    status = 200
    if form.validate_on_submit():
        try:
            challenge.save_points(assessment.id, current_user, form.points(keys))
        except (Invalid, NotPossible, Forbidden) as error:
            problems = attach_problems(form, error)
            status = 200 if isinstance(error, Invalid) else error.status
        else:
            then = request.form.get("then", "")
            if then in {t.trigger for t in closing}:
                return redirect(url_for("assessments.take_action", assessment_id=assessment.id, trigger=then))
            flash(_("Your review is saved. Return the assessment or approve it when you have finished."), "success")
            return redirect(url_for("assessments.review", assessment_id=assessment.id))
    previous = challenge.previous_round(assessment, round_.number)
    changes = challenge.changes_since_last_round(assessment, round_)
    return render_template(
        "assessments/review.html", assessment=assessment, form=form, problems=problems, round=round_,
        tasks=tasks, previous={p.section_key: p for p in previous.comments} if previous else {},
        previous_round=previous, changes=changes, closing=closing, field_label=field_label, shown=shown,
        profile=characteristics(),
        statuses=CHALLENGE_STATUSES, edit_href=lambda *args, **kwargs: None, field_name=challenge.field_name,
    ), status


def answers_initial(assessment) -> dict:
    returned = challenge.round_to_answer(assessment)
    data = {"lock_version": assessment.lock_version}
    for p in returned.comments if returned else []:
        data[challenge.field_name("response", str(p.id))] = p.response
        data[challenge.field_name("text", str(p.id))] = p.response_text
    return data


@bp.route("/<int:assessment_id>/respond", methods=["GET", "POST"])
@login_required
def respond(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    returned = challenge.round_to_answer(assessment)
    if returned is None:
        flash(_(challenge.NOTHING_TO_ANSWER), "problem")
        return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    try:
        service.check_editable(current_user, assessment)
    except (NotPossible, Forbidden):
        if request.method == "GET":
            return redirect(url_for("assessments.overview", assessment_id=assessment.id) + "#ledger")
    points = [p for p in returned.comments if p.needs_answer]
    form = build_answers_form([(p.id, challenge.task_title(assessment, p.section_key)) for p in points],
                              data=answers_initial(assessment) if request.method == "GET" else None)
    result = run_form(
        form, lambda: challenge.save_answers(assessment.id, current_user, form.lock_version.data or 0,
                                             form.answers([p.id for p in points])),
        initial=answers_initial, done_url=url_for("assessments.task_list", assessment_id=assessment.id),
        done_text=_("Your answers to the challenge are saved"))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/respond.html", form=form, assessment=assessment, round=returned,
                           points=points, field_name=challenge.field_name, **result), result["status"]
