"""At review: the impact predicted for each group beside the impact seen, and what happens next."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eqia.assessments.sections import REVIEW_PAGE, review_title
from eqia.forms.review_outcomes import build_review_form
from eqia.services import assessments as service
from eqia.services import review_outcomes
from eqia.services.errors import NotFound
from eqia.views.assessments import bp, read_only_or_edit, run_form


def review_initial(assessment) -> dict:
    data = {"lock_version": assessment.lock_version, "next_step": assessment.review_next_step,
            "next_step_reason": assessment.review_next_step_reason,
            "completed": "yes" if assessment.is_completed(REVIEW_PAGE) else None}
    for row in assessment.review_outcomes:
        data[f"actual_{row.characteristic_key}"] = row.actual_impact
        data[f"evidence_{row.characteristic_key}"] = row.evidence_seen
    return data


@bp.route("/<int:assessment_id>/actual-impacts", methods=["GET", "POST"])
@login_required
def actual_impacts(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    reviewed = assessment.previous_version
    if reviewed is None:
        raise NotFound(review_outcomes.NOTHING_TO_REVIEW)
    if (shown := read_only_or_edit(assessment, REVIEW_PAGE)) is not None:
        return shown
    impacts = reviewed.impacts
    form = build_review_form(impacts, data=review_initial(assessment) if request.method == "GET" else None)

    def save():
        data = review_outcomes.ReviewInput(
            actuals={i.characteristic_key: (form[f"actual_{i.characteristic_key}"].data or None,
                                            form[f"evidence_{i.characteristic_key}"].data or "")
                     for i in impacts},
            next_step=form.next_step.data or None, next_step_reason=form.next_step_reason.data or "")
        review_outcomes.update_review(assessment.id, current_user, form.lock_version.data or 0, data,
                                      form.wants_complete())

    result = run_form(form, save, initial=review_initial, done_text=_("%(section)s saved", section=review_title(assessment)),
                      done_url=url_for("assessments.task_list", assessment_id=assessment.id))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/actual_impacts.html", form=form, assessment=assessment, reviewed=reviewed,
                           groups=review_outcomes.side_by_side(assessment, reviewed),
                           heading=review_title(assessment), **result), result["status"]
