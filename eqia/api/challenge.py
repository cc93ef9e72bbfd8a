"""The challenge ledger over the API: a lead's points on each task, and the author's answers;
and adding a group the assessment leaves out (the task list's "Add a group").

The same service functions as the review and respond pages (eqia.services.challenge),
so the same people may write them, in the same states, with the same messages.
Tasks are named by their completion keys ("evidence", "characteristic:age"),
as in the interchange document's ledger.
"""

from __future__ import annotations

from eqia.api.blueprint import bp, current_api_user, problem, service_problem
from eqia.api.assessments import BODY_MAX, detail_of, json_body
from eqia.services import assessments, challenge
from eqia.services.assessments import get_visible
from eqia.services.errors import Invalid

POINT_FIELDS = {"status": "status", "comment": "comment"}
ANSWER_FIELDS = {"response": "response", "text": "text"}


def _body() -> tuple[dict | None, object]:
    """The request's JSON object, or the problem to answer with."""
    body, refusal = json_body(BODY_MAX)
    if refusal is None and not isinstance(body, dict):
        return None, problem(400, "The body must be a JSON object", [{"path": "$", "message": "Not a JSON object"}])
    return body, refusal


def _entries(body: dict, name: str, fields: dict[str, str], nullable: str,
             also: frozenset[str] = frozenset()) -> tuple[dict, list[dict]]:
    """`body[name]`: an object of task key -> {fields}, each field text (`nullable` may be null)."""
    entries, errors = body.get(name), []
    for extra in sorted(set(body) - {name, *also}):
        errors.append({"path": f"$.{extra}", "message": f"'{extra}' is not a field here"})
    if not isinstance(entries, dict):
        return {}, errors + [{"path": f"$.{name}", "message": f"'{name}' must be an object of task keys"}]
    for key, entry in entries.items():
        path = f'$.{name}["{key}"]'
        if not isinstance(entry, dict):
            errors.append({"path": path, "message": "must be an object"})
            continue
        for field in set(entry) - set(fields):
            errors.append({"path": f"{path}.{field}", "message": f"'{field}' is not a field here"})
        for field in fields:
            if field not in entry:
                continue  # left out: none (the status or response), or no text
            value = entry[field]
            if not (isinstance(value, str) or (value is None and field == nullable)):
                errors.append({"path": f"{path}.{field}", "message": f"'{field}' must be text"
                               + (" or null" if field == nullable else "")})
    return entries, errors


@bp.post("/assessments/<int:assessment_id>/challenge-points")
def challenge_points(assessment_id: int):
    """The lead's status and comment for tasks of the open round (status null takes a point away)."""
    user = current_api_user()
    assessment = get_visible(assessment_id, user)
    body, refusal = _body()
    if refusal is not None:
        return refusal
    entries, errors = _entries(body, "points", POINT_FIELDS, "status")
    if errors:
        return problem(422, "; ".join(e["message"] for e in errors), errors)
    unknown = set(entries) - set(challenge.review_keys(assessment))
    if unknown:
        return problem(422, "Not a task of this assessment", [{"path": f'$.points["{k}"]', "message":
                                                               "Not a task of this assessment"} for k in sorted(unknown)])
    paths = {challenge.field_name(f, k): f'$.points["{k}"].{f}' for k in entries for f in POINT_FIELDS}
    try:
        done = challenge.save_points(assessment_id, user, {k: challenge.PointInput(e.get("status"), e.get("comment", ""))
                                                           for k, e in entries.items()})
    except Invalid as error:
        return service_problem(error, lambda p: paths.get(p.field, "$"))
    return detail_of(done, user)


@bp.post("/assessments/<int:assessment_id>/challenge-answers")
def challenge_answers(assessment_id: int):
    """The author's answers to the points of the round that came back, by task."""
    user = current_api_user()
    assessment = get_visible(assessment_id, user)
    body, refusal = _body()
    if refusal is not None:
        return refusal
    entries, errors = _entries(body, "answers", ANSWER_FIELDS, "response", frozenset({"lock_version"}))
    lock_version = body.get("lock_version")
    if not isinstance(lock_version, int) or isinstance(lock_version, bool):
        errors.append({"path": "$.lock_version", "message": "'lock_version' must be the whole number you read"})
    if errors:
        return problem(422, "; ".join(e["message"] for e in errors), errors)
    returned = challenge.round_to_answer(assessment)
    points = {p.section_key: p for p in returned.comments if p.needs_answer} if returned else {}
    unknown = set(entries) - set(points)
    if returned is not None and unknown:
        return problem(422, "No point to answer on that task", [{"path": f'$.answers["{k}"]', "message":
                                                                 "No point to answer on this task"} for k in sorted(unknown)])
    paths = {challenge.field_name(f, str(points[k].id)): f'$.answers["{k}"].{f}'
             for k in entries if k in points for f in ANSWER_FIELDS}
    try:
        done = challenge.save_answers(assessment_id, user, lock_version, {
            points[k].id: challenge.AnswerInput(e.get("response"), e.get("text", "")) for k, e in entries.items()
            if k in points})
    except Invalid as error:
        return service_problem(error, lambda p: paths.get(p.field, "$"))
    return detail_of(done, user)


@bp.post("/assessments/<int:assessment_id>/groups")
def add_group(assessment_id: int):
    """Add a configured group the assessment does not consider yet, as "Add a group" on the task list."""
    user = current_api_user()
    get_visible(assessment_id, user)
    body, refusal = _body()
    if refusal is not None:
        return refusal
    errors = [{"path": f"$.{extra}", "message": f"'{extra}' is not a field here"}
              for extra in sorted(set(body) - {"characteristic", "lock_version"})]
    lock_version = body.get("lock_version")
    if not isinstance(lock_version, int) or isinstance(lock_version, bool):
        errors.append({"path": "$.lock_version",
                       "message": "'lock_version' must be the whole number you read"})
    if not isinstance(body.get("characteristic"), str):
        errors.append({"path": "$.characteristic", "message": "'characteristic' must be a group's key"})
    if errors:
        return problem(422, "; ".join(e["message"] for e in errors), errors)
    try:
        done, _ = assessments.add_group(assessment_id, user, lock_version, body["characteristic"])
    except Invalid as error:
        return service_problem(error, lambda p: f"$.{p.field}" if p.field else "$")
    return detail_of(done, user)
