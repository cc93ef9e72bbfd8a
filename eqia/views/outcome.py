"""The outcome: one or more of the four, with the justification the law asks for."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eqia.forms.outcome import OutcomeForm
from eqia.services import assessments as service
from eqia.services import content
from eqia.views.assessments import bp, read_only_or_edit, run_form


def outcome_initial(assessment) -> dict:
    return {"lock_version": assessment.lock_version, "outcomes": [o.outcome for o in assessment.outcomes],
            "outcome_justification": assessment.outcome_justification,
            "completed": "yes" if assessment.is_completed("outcome") else None}


@bp.route("/<int:assessment_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    if (shown := read_only_or_edit(assessment, "outcome")) is not None:
        return shown
    form = OutcomeForm(data=outcome_initial(assessment) if request.method == "GET" else None)
    result = run_form(
        form, lambda: content.update_outcome(assessment.id, current_user, form.lock_version.data or 0,
                                             list(form.outcomes.data or []), form.outcome_justification.data or "",
                                             form.wants_complete()),
        initial=outcome_initial, done_url=url_for("assessments.task_list", assessment_id=assessment.id),
        done_text=_("Outcome saved"))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/outcome.html", form=form, assessment=assessment, **result), result["status"]
