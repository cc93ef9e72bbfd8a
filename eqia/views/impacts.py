"""The analysis for each group, and the intersectional and cumulative view."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func
from wtforms.validators import Optional

from eqia.i18n import stored_name
from eqia.extensions import db
from eqia.forms.impact import build_impact_form
from eqia.forms.outcome import IntersectionalForm
from eqia.models import Assessment
from eqia.loaded_definitions import characteristics
from eqia.services import access
from eqia.services import assessments as service
from eqia.services import content
from eqia.services.content import ImpactInput
from eqia.views.assessments import bp, read_only_or_edit, run_form
from eqia.assessments.sections import aims_for, completion_key


GATHER_ADDED = _l("Your answers are saved as a draft, and an action to gather evidence is in the action plan. "
                "Give it a due date and a success measure there.")


def impact_initial_for(characteristic_key: str):
    def initial(assessment) -> dict:
        row = assessment.impact_for(characteristic_key)
        if row is None:
            return {}
        return {
            "lock_version": assessment.lock_version, "impact": row.impact, "severity": row.severity,
            "aims_relevant": row.relevant_aims,
            "evidence_narrative": row.evidence_narrative, "evidence": [e.id for e in row.evidence],
            "no_evidence_reason": row.no_evidence_reason, "mitigation": row.mitigation,
            "completed": "yes" if assessment.is_completed(completion_key("characteristics", characteristic_key))
            else None,
        }
    return initial


@bp.route("/<int:assessment_id>/groups/<characteristic>", methods=["GET", "POST"])
@login_required
def edit_impact(assessment_id: int, characteristic: str):
    assessment = service.get_visible(assessment_id, current_user)
    row = assessment.impact_for(characteristic)
    if row is None:
        abort(404)
    if (shown := read_only_or_edit(assessment, "characteristics", f"group-{characteristic}")) is not None:
        return shown
    initial = impact_initial_for(characteristic)
    form = build_impact_form(characteristics(), stored_name(row.characteristic_label), aims_for(characteristic, characteristics()),
                             assessment.evidence_items, row,
                             data=initial(assessment) if request.method == "GET" else None)
    # "Add an action to gather evidence" saves the page as a draft too, so
    # nothing typed is lost; it does not need the completion question answered.
    gather = request.method == "POST" and "gather" in request.form
    if gather:
        form.completed.validators = [Optional()]

    def save():
        data = ImpactInput(
            impact=form.impact.data or None, severity=form.severity.data or None,
            aims=frozenset(form.aims_relevant.data or []), evidence_narrative=form.evidence_narrative.data or "",
            cited_evidence_ids=frozenset(form.evidence.data or []),
            no_evidence_reason=form.no_evidence_reason.data or "", mitigation=form.mitigation.data or "")
        content.update_impact(assessment.id, current_user, form.lock_version.data or 0, characteristic, data,
                              None if gather else form.wants_complete(), gather=gather)

    here = url_for("assessments.edit_impact", assessment_id=assessment.id, characteristic=characteristic)
    result = run_form(form, save, initial=initial,
                      done_text=(str(GATHER_ADDED) if gather
                                 else _("%(group)s saved", group=stored_name(row.characteristic_label))),
                      done_url=(here + "#gather") if gather else url_for("assessments.task_list",
                                                                         assessment_id=assessment.id))
    if not isinstance(result, dict):
        return result
    gathering = next((a for a in assessment.actions if a.characteristic_key == characteristic), None)
    return render_template("assessments/impact.html", form=form, assessment=assessment, row=row,
                           configured=characteristics().get(characteristic), gathering=gathering, **result), result["status"]


def intersectional_initial(assessment) -> dict:
    return {"lock_version": assessment.lock_version, "intersectional_effects": assessment.intersectional_effects,
            "completed": "yes" if assessment.is_completed("intersectional") else None}


def same_programme(assessment) -> list[Assessment]:
    """Other assessments of the same parent programme this user may see: the
    cumulative view the courts expect (one version per reference, the newest)."""
    if not assessment.parent_programme.strip():
        return []
    visible = access.visible_assessments(current_user).where(
        func.lower(Assessment.parent_programme) == assessment.parent_programme.strip().lower(),
        Assessment.reference != assessment.reference,
        ~Assessment.next_version.has(),  # the newest version only
    ).order_by(Assessment.reference)
    return list(db.session.execute(visible).scalars())


@bp.route("/<int:assessment_id>/intersectional", methods=["GET", "POST"])
@login_required
def intersectional(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    if (shown := read_only_or_edit(assessment, "intersectional")) is not None:
        return shown
    form = IntersectionalForm(data=intersectional_initial(assessment) if request.method == "GET" else None)
    result = run_form(
        form, lambda: content.update_intersectional(assessment.id, current_user, form.lock_version.data or 0,
                                                    form.intersectional_effects.data or "", form.wants_complete()),
        initial=intersectional_initial, done_url=url_for("assessments.task_list", assessment_id=assessment.id),
        done_text=_("Intersectional and cumulative effects saved"))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/intersectional.html", form=form, assessment=assessment,
                           related=same_programme(assessment), **result), result["status"]
