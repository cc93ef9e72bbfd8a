"""Evidence, and consultation and engagement: lists of items, each section
ending with the completion question."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from eqia.forms.completion import SectionForm
from eqia.forms.consultation import ConsultationItemForm, ConsultationPageForm
from eqia.forms.evidence import EvidenceItemForm
from eqia.services import assessments as service
from eqia.services import content
from eqia.views.assessments import bp, read_only_or_edit, run_form
from eqia.views.items import ItemPages, register_item_pages

register_item_pages(ItemPages(
    name="evidence", kind=content.EVIDENCE, form_class=EvidenceItemForm, list_endpoint="assessments.evidence",
    heading_add=_l("Add evidence"), heading_change=_l("Change evidence"), title_field="source",
    remove_heading=_l("Remove this evidence"), remove_question=_l("Are you sure you want to remove this evidence?"),
    added=_l("Evidence added"), saved=_l("Evidence saved"), removed=_l("Evidence removed"),
    guidance=(("source", "evidence_source"), ("summary", "evidence_summary"))))
register_item_pages(ItemPages(
    name="consultation", kind=content.CONSULTATION, form_class=ConsultationItemForm,
    list_endpoint="assessments.consultation", heading_add=_l("Add consultation or engagement"),
    heading_change=_l("Change consultation or engagement"), title_field="who",
    remove_heading=_l("Remove this consultation"),
    remove_question=_l("Are you sure you want to remove this consultation?"),
    added=_l("Consultation added"), saved=_l("Consultation saved"), removed=_l("Consultation removed"),
    guidance=(("who", "consultation_who"), ("what_they_said", "consultation_said"),
              ("how_it_changed", "consultation_changed"))))


def _completed(assessment, key: str) -> str | None:
    return "yes" if assessment.is_completed(key) else None


def evidence_initial(assessment) -> dict:
    return {"lock_version": assessment.lock_version, "completed": _completed(assessment, "evidence")}


@bp.route("/<int:assessment_id>/evidence", methods=["GET", "POST"])
@login_required
def evidence(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    if (shown := read_only_or_edit(assessment, "evidence")) is not None:
        return shown
    form = SectionForm(data=evidence_initial(assessment) if request.method == "GET" else None)
    result = run_form(
        form, lambda: content.save_section_page("evidence", assessment.id, current_user,
                                                form.lock_version.data or 0, form.wants_complete()),
        initial=evidence_initial, done_url=url_for("assessments.task_list", assessment_id=assessment.id),
        done_text=_("Evidence saved"))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/evidence.html", form=form, assessment=assessment, **result), result["status"]


def consultation_initial(assessment) -> dict:
    return {"lock_version": assessment.lock_version, "no_consultation_reason": assessment.no_consultation_reason,
            "completed": _completed(assessment, "consultation")}


@bp.route("/<int:assessment_id>/consultation", methods=["GET", "POST"])
@login_required
def consultation(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    if (shown := read_only_or_edit(assessment, "consultation")) is not None:
        return shown
    form = ConsultationPageForm(data=consultation_initial(assessment) if request.method == "GET" else None)
    result = run_form(
        form, lambda: content.save_consultation_page(assessment.id, current_user, form.lock_version.data or 0,
                                                     form.no_consultation_reason.data or "", form.wants_complete()),
        initial=consultation_initial, done_url=url_for("assessments.task_list", assessment_id=assessment.id),
        done_text=_("Consultation and engagement saved"))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/consultation.html", form=form, assessment=assessment, **result), result["status"]
