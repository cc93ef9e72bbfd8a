"""The action plan: add, change, remove and reorder actions; the review date."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from eqia.forms.actions import ActionForm, ActionPlanPageForm, with_accounts
from eqia.forms.completion import ConfirmForm
from eqia.services import assessments as service
from eqia.services import action_owners, content
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible
from eqia.views.assessments import _problem_list, bp, read_only_or_edit, run_form
from eqia.views.items import ItemPages, register_item_pages

register_item_pages(ItemPages(
    name="action", kind=content.ACTIONS, form_class=ActionForm, list_endpoint="assessments.action_plan",
    heading_add=_l("Add an action"), heading_change=_l("Change an action"), title_field="description",
    remove_heading=_l("Remove this action"), remove_question=_l("Are you sure you want to remove this action?"),
    added=_l("Action added"), saved=_l("Action saved"), removed=_l("Action removed"),
    guidance=(("description", "action_description"), ("success_measure", "action_measure")),
    prepare=lambda form: with_accounts(form, action_owners.active_accounts())))


def action_plan_initial(assessment) -> dict:
    return {"lock_version": assessment.lock_version, "review_date": assessment.review_date,
            "completed": "yes" if assessment.is_completed("action_plan") else None}


@bp.route("/<int:assessment_id>/action-plan", methods=["GET", "POST"])
@login_required
def action_plan(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    if (shown := read_only_or_edit(assessment, "action_plan")) is not None:
        return shown
    form = ActionPlanPageForm(data=action_plan_initial(assessment) if request.method == "GET" else None)
    result = run_form(
        form, lambda: content.save_action_plan_page(assessment.id, current_user, form.lock_version.data or 0,
                                                    form.review_date.data, form.wants_complete()),
        initial=action_plan_initial, done_url=url_for("assessments.task_list", assessment_id=assessment.id),
        done_text=_("Action plan saved"))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/action_plan.html", form=form, assessment=assessment,
                           move_form=ConfirmForm(data={"lock_version": assessment.lock_version}), **result), result["status"]


@bp.route("/<int:assessment_id>/action/<int:item_id>/move/<direction>", methods=["POST"])
@login_required
def move_action(assessment_id: int, item_id: int, direction: str):
    assessment = service.get_visible(assessment_id, current_user)
    offset = {"up": -1, "down": 1}.get(direction)
    if offset is None:
        raise NotFound(_("There is no such direction"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            __, changes = content.move_action(assessment.id, current_user, form.lock_version.data or 0, item_id,
                                              offset)
        except (Conflict, Invalid, Forbidden, NotPossible) as error:
            for problem in _problem_list(error):
                flash(problem["text"], "problem")
        else:
            if changes:
                flash(_("Action moved up") if direction == "up" else _("Action moved down"), "success")
    return redirect(url_for("assessments.action_plan", assessment_id=assessment.id) + f"#action-{item_id}")
