"""The task list for one assessment, and "check your answers" before it moves on."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eqia.loaded_definitions import characteristics, definition_for
from eqia.services import assessments as service
from eqia.services import challenge, tasks
from eqia.assessments.rules import late_decision_warning_for
from eqia.services.workflow import allowed_transitions, missing_requirements
from eqia.forms.screening import build_add_group_form
from eqia.views.assessments import bp, read_only_or_edit, run_form
from eqia.assessments.sections import SECTIONS, asks_about_advancing


def _next_steps(assessment):
    """The actions the user can take now that carry the assessment on, each with
    what it still needs: the same checks perform_transition will make."""
    definition = definition_for(assessment)
    return [(t, _first_per_page(missing_requirements(assessment, t)))
            for t in allowed_transitions(current_user, assessment) if definition.moves_on(t)]


def _first_per_page(problems):
    """A fresh assessment can have sixty things left to do; list the first on each
    page, with how many more that page has, so the list stays readable."""
    pages: dict = {}
    for p in problems:
        pages.setdefault((p.page, p.args), []).append(p)
    return [(found[0], len(found) - 1) for found in pages.values()]


@bp.route("/<int:assessment_id>/tasks")
@login_required
def task_list(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    groups = tasks.task_list(assessment, current_user)
    writing = bool(definition_for(assessment).editable_by(assessment.state))
    total = [t for g in groups for t in g.tasks if t.status != tasks.CANNOT_START]
    done = [t for t in total if t.status == tasks.COMPLETED]
    returned = challenge.round_to_answer(assessment)
    points = [p for p in returned.comments if p.needs_answer] if returned else []
    answered = sum(1 for p in points if p.response)
    challenge_task = None
    if points:
        challenge_task = {"round": returned.number, "count": len(points),
                          "status": tasks.COMPLETED if answered == len(points)
                          else tasks.IN_PROGRESS if answered else tasks.NOT_STARTED}
    return render_template("assessments/task_list.html", assessment=assessment, groups=groups,
                           challenge_task=challenge_task, tasks_status_labels=tasks.STATUS_LABELS,
                           can_edit=tasks.can_edit(current_user, assessment), done=len(done), total=len(total),
                           all_done=tasks.all_completed(groups), late_decision=late_decision_warning_for(assessment),
                           missing=service.missing_groups(assessment) if writing else [],
                           missing_warning=service.groups_missing_warning,
                           state=definition_for(assessment).states[assessment.state])


@bp.route("/<int:assessment_id>/add-group", methods=["GET", "POST"])
@login_required
def add_group(assessment_id: int):
    """Add a configured group the assessment leaves out (an imported one, say)."""
    assessment = service.get_visible(assessment_id, current_user)
    back = url_for("assessments.task_list", assessment_id=assessment.id)
    # Like every other page that changes content: a version nobody may edit now shows its answers.
    refused = read_only_or_edit(assessment, "screening")
    if refused is not None:
        return refused
    form = build_add_group_form(service.missing_groups(assessment),
                                data={"lock_version": assessment.lock_version} if request.method == "GET" else None)

    def save():
        service.add_group(assessment.id, current_user, form.lock_version.data or 0, form.characteristic.data or "")

    result = run_form(form, save, initial=lambda a: {"lock_version": a.lock_version}, done_url=back,
                      done_text=_("Group added: answer its screening question"))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/add_group.html", form=form, assessment=assessment, back=back,
                           **result), result["status"]


@bp.route("/<int:assessment_id>/check")
@login_required
def check_answers(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    chars = characteristics()
    can_edit = tasks.can_edit(current_user, assessment)

    def edit_href(endpoint: str, anchor: str = "", args: dict | None = None) -> str | None:
        return url_for(endpoint, assessment_id=assessment.id, **(args or {})) + anchor if can_edit else None

    return render_template(
        "assessments/check_answers.html", assessment=assessment, sections=SECTIONS,
        needed=tasks.needed_sections(assessment), can_edit=can_edit, edit_href=edit_href,
        next_steps=_next_steps(assessment), state=definition_for(assessment).states[assessment.state],
        chars=chars, asks_about_advancing=lambda key: asks_about_advancing(key, chars),
    )
