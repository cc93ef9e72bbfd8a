"""Progress on a signed version's actions: the page to record an update on one action."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from eqia.forms.action_progress import ActionProgressForm
from eqia.models import ACTION_PROGRESS_STATUSES
from eqia.services import action_progress
from eqia.services import assessments as service
from eqia.services.errors import Forbidden, Invalid, NotFound, NotPossible
from eqia.views.assessments import attach_problems, bp
from eqia.views.golden_thread import tag_section

UPDATED = _l("Progress on action %(number)s recorded")


@bp.route("/<int:assessment_id>/action/<int:item_id>/progress", methods=["GET", "POST"])
@login_required
def action_progress_update(assessment_id: int, item_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    shown = next((p for p in action_progress.progress(assessment) if p.action.id == item_id), None)
    if shown is None:
        raise NotFound(action_progress.ACTION_NOT_FOUND)
    if not action_progress.may_update(current_user, assessment, shown.action):
        raise Forbidden(action_progress.NOT_YOURS)
    if shown.closed:
        flash(str(action_progress.closed(ACTION_PROGRESS_STATUSES[shown.status])), "problem")
        return redirect(url_for("assessments.overview", assessment_id=assessment.id) + "#action-progress")
    form = ActionProgressForm(data={"status": shown.status, "dated": action_progress.today()}
                              if request.method == "GET" else None)
    problems, status = [], 200
    given = action_progress.ProgressInput(status=form.status.data or None, note=form.note.data or "",
                                          evidence=form.evidence.data or "", dated=form.dated.data)
    if form.validate_on_submit():
        try:
            action_progress.record_update(assessment.id, item_id, current_user, given)
        except Invalid as error:
            problems = attach_problems(form, error)
        except (Forbidden, NotPossible, NotFound) as error:
            problems, status = attach_problems(form, error), error.status
        else:
            flash(UPDATED % {"number": shown.action.position + 1}, "success")
            return redirect(url_for("assessments.overview", assessment_id=assessment.id) + "#action-progress")
    elif form.is_submitted():
        # The form found a problem (a date that is no date, say): the service's own checks say the rest
        # now (a status, a reason for dropping), not one round later.
        more = [p for p in action_progress.problems_in(given, action_progress.today())
                if p.field in form._fields and not form[p.field].errors]
        problems = attach_problems(form, Invalid(*more)) if more else []
    return render_template("assessments/action_progress.html", form=form, assessment=assessment, shown=shown,
                           number=shown.action.position + 1, problems=problems,
                           thread=tag_section(current_user, action_id=shown.action.id)), status
