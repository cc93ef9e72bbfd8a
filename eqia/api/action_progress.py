"""A signed version's actions and their progress over the API (issue 16).

GET lists each action as the plan says it (the interchange document's row) with
its progress now; POST records an update through the same service as the page
(eqia.services.action_progress.record_update), so the same people may do it, in
the same states, with the same messages.
"""

from __future__ import annotations

from datetime import date

from eqia.api.assessments import BODY_MAX, json_body
from eqia.api.blueprint import bp, current_api_user, problem, service_problem
from eqia.interchange.exporter import content
from eqia.links import external_url
from eqia.models import ActionUpdate, Assessment
from eqia.services import action_progress
from eqia.services.assessments import get_visible
from eqia.services.errors import Invalid, NotFound
from eqia.templating import utc_iso

UPDATE_FIELDS = {"status": "One of not_started, in_progress, done, dropped",
                 "note": "What was done; for 'dropped', why (required then)",
                 "evidence": "Evidence of completion: a link or a reference",
                 "dated": "The date the update is true of, YYYY-MM-DD; today (in London) if left out"}
DATE_FORMAT = "Enter the date as YYYY-MM-DD, for example 2026-09-30"


def _update_of(update: ActionUpdate) -> dict:
    return {"status": update.status, "status_label": action_progress.ACTION_PROGRESS_STATUSES.get(update.status,
                                                                                                  update.status),
            "note": update.note, "evidence": update.evidence, "dated": update.dated.isoformat(),
            "recorded_by": {"name": update.recorded_by.name, "email": update.recorded_by.email},
            "recorded_at": utc_iso(update.recorded_at)}


def _actions_of(assessment: Assessment, user) -> dict:
    tracked = action_progress.tracks_progress(assessment)
    shown = action_progress.progress(assessment)
    updates: dict[int, list[ActionUpdate]] = {}
    for update in action_progress.updates_of(assessment):
        updates.setdefault(update.action_id, []).append(update)
    allowed = action_progress.updatable(user, assessment)
    planned = content(assessment)["action_plan"]["items"]  # in the plan's order, as progress() gives them
    return {
        "assessment": {"id": assessment.id, "reference": assessment.reference, "version": assessment.version_number,
                       "href": external_url("api.assessment", assessment_id=assessment.id)},
        "tracks_progress": tracked,
        "actions": [{
            "id": p.action.id, "number": p.action.position + 1, "plan": row,
            "status": p.status, "status_label": p.status_label, "overdue": p.overdue if tracked else False,
            "may_update": tracked and p.action.id in allowed and not p.closed,
            "updates": [_update_of(u) for u in updates.get(p.action.id, [])],
            "updates_href": external_url("api.action_updates", assessment_id=assessment.id, item_id=p.action.id),
        } for p, row in zip(shown, planned)],
    }


@bp.get("/assessments/<int:assessment_id>/actions")
def actions(assessment_id: int):
    """Each action of the plan with its progress (none before sign-off)."""
    user = current_api_user()
    return _actions_of(get_visible(assessment_id, user), user)


def _update_input(body) -> tuple[action_progress.ProgressInput | None, list[dict]]:
    if not isinstance(body, dict):
        return None, [{"path": "$", "message": "The body must be a JSON object"}]
    errors = [{"path": f"$.{extra}", "message": f"'{extra}' is not a field here"}
              for extra in sorted(set(body) - set(UPDATE_FIELDS))]
    for name in ("status", "note", "evidence"):
        if name in body and not (isinstance(body[name], str) or (name == "status" and body[name] is None)):
            errors.append({"path": f"$.{name}", "message": f"'{name}' must be text"})
    dated = action_progress.today()
    if "dated" in body:
        raw = body["dated"]
        try:
            if not isinstance(raw, str) or len(raw) != 10:
                raise ValueError(raw)
            dated = date.fromisoformat(raw)
        except ValueError:
            errors.append({"path": "$.dated", "message": DATE_FORMAT})
    if errors:
        return None, errors
    return action_progress.ProgressInput(status=body.get("status"), note=body.get("note", ""),
                                         evidence=body.get("evidence", ""), dated=dated), []


@bp.post("/assessments/<int:assessment_id>/actions/<int:item_id>/updates")
def action_updates(assessment_id: int, item_id: int):
    """Record progress on one action, as its page does; answered with the action and its progress."""
    user = current_api_user()
    assessment = get_visible(assessment_id, user)
    body, refusal = json_body(BODY_MAX)
    if refusal is not None:
        return refusal
    if not any(a.id == item_id for a in assessment.actions):
        raise NotFound(action_progress.ACTION_NOT_FOUND)
    data, errors = _update_input(body)
    if errors:
        return problem(422, "; ".join(e["message"] for e in errors), errors)
    try:
        action_progress.record_update(assessment_id, item_id, user, data)
    except Invalid as error:
        return service_problem(error, lambda p: f"$.{p.field}" if p.field in UPDATE_FIELDS else "$")
    listed = _actions_of(get_visible(assessment_id, user), user)
    return next(a for a in listed["actions"] if a["id"] == item_id), 201
