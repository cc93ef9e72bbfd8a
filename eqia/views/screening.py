"""Screening: one question per group, then the relevance and the proposal."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eqia.forms.screening import build_screening_form
from eqia.loaded_definitions import characteristics
from eqia.services import assessments as service
from eqia.services.assessments import ScreeningInput
from eqia.views.assessments import bp, read_only_or_edit, run_form


def screening_initial(assessment) -> dict:
    data = {"lock_version": assessment.lock_version, "relevance": assessment.screening_relevance,
            "conclusion": assessment.screening_conclusion, "proposal": assessment.screening_proposal,
            "review_date": assessment.review_date,
            "completed": "yes" if assessment.is_completed("screening") else None}
    for row in assessment.screening_answers:
        data[f"answer_{row.characteristic_key}"] = row.affects
        data[f"reason_{row.characteristic_key}"] = row.reason
        data[f"advances_{row.characteristic_key}"] = row.advances_equality
    return data


@bp.route("/<int:assessment_id>/screening", methods=["GET", "POST"])
@login_required
def edit_screening(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    if (shown := read_only_or_edit(assessment, "screening")) is not None:
        return shown
    rows = assessment.screening_answers
    form = build_screening_form(characteristics(), rows, assessment.screening_relevance,
                                data=screening_initial(assessment) if request.method == "GET" else None)

    def save():
        answers = {}
        for row in rows:
            key = row.characteristic_key
            advances = form._fields.get(f"advances_{key}")
            answers[key] = (form[f"answer_{key}"].data or None, form[f"reason_{key}"].data or "",
                            (advances.data or None) if advances is not None else None)
        data = ScreeningInput(answers=answers, relevance=form.relevance.data or None,
                              conclusion=form.conclusion.data or "", proposal=form.proposal.data or None,
                              review_date=form.review_date.data)
        service.update_screening(assessment.id, current_user, data, form.lock_version.data or 0,
                                 form.wants_complete())

    result = run_form(form, save, initial=screening_initial, done_text=_("Screening saved"),
                      done_url=url_for("assessments.task_list", assessment_id=assessment.id))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/screening.html", form=form, assessment=assessment, rows=rows, **result), result["status"]
