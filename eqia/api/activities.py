"""The activity register over the API (issue 18): /api/v1/activities.

The same service functions as the register's pages (eqia.services.activities),
so only the people who keep the register (equality leads and administrators)
may read or change it, by the same rules, with the same messages. This module
checks only what JSON adds: each field's type, and fields that are not an
activity's. An activity has no lock version of its own, so its ETag is a digest
of what a PUT may change: a PUT whose If-Match no longer matches is refused
with a 409, as a stale lock version is on an assessment.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from flask import jsonify, request

from eqia.api.assessments import PAGE_MAX, PER_PAGE_DEFAULT, PER_PAGE_MAX, BadQuery, _directorate_arg, _int_arg, \
    _page, _text_arg, json_body
from eqia.api.blueprint import bp, current_api_user, problem
from eqia.links import external_url
from eqia.models import Activity
from eqia.services import activities
from eqia.templating import utc_iso

# What a POST or PUT may hold: (JSON type, may be null, what it is).
ACTIVITY_FIELDS: dict[str, tuple[str, bool, str]] = {
    "name": ("string", False, "Unique among the live activities of its directorate, whatever its case"),
    "kind": ("string", False, "A kind's code, as the jurisdiction profile has it (policy, budget...)"),
    "directorate_id": ("integer", False, "A directorate in use"),
    "owner": ("string", True, "The person, post or team who answers for it"),
    "relevance": ("string", False, "high, medium, low or none"),
    "needs_assessment": ("boolean", False, "Whether it needs an equality impact assessment"),
    "assess_by": ("string", True, "YYYY-MM-DD: the date its assessment must be signed by (kept only while one is "
                                  "needed)"),
    "notes": ("string", True, "Notes"),
}
TYPE_WORDS = {"string": "text", "integer": "a whole number", "boolean": "true or false"}
PYTHON_TYPES = {"string": str, "integer": int, "boolean": bool}
ASSESS_BY_FORMAT = "'assess_by' must be a date as YYYY-MM-DD, or null"
# What GET adds to an activity; a PUT may send them back, and they are read past.
READ_ONLY = ("id", "directorate", "retired", "retired_at", "coverage", "late", "references", "links", "href")
# A body is an activity's text: the notes at most (10,000 characters, each up to 12 bytes escaped).
ACTIVITY_BODY_MAX = 256 * 1024
IF_MATCH = "If-Match"


def _fields_of(activity: Activity, directorate: str) -> dict:
    """The activity as GET gives it (`directorate` its name: a list reads it with the rows, not one by one)."""
    return {"id": activity.id, "name": activity.name, "kind": activity.kind, "directorate_id": activity.directorate_id,
            "directorate": directorate, "owner": activity.owner, "relevance": activity.relevance,
            "needs_assessment": activity.needs_assessment,
            "assess_by": activity.assess_by.isoformat() if activity.assess_by else None, "notes": activity.notes,
            "retired": activity.retired, "retired_at": utc_iso(activity.retired_at) if activity.retired else None,
            "href": external_url("api.activity", activity_id=activity.id)}


def etag_of(activity: Activity) -> str:
    """What a PUT may change, and whether it is retired: a write made since changes it."""
    kept = {name: _fields_of(activity, "")[name] for name in (*ACTIVITY_FIELDS, "retired")}
    return '"' + hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:32] + '"'


def _detail(user, activity_id: int):
    shown = activities.view(user, activity_id)
    body = {**_fields_of(shown.activity, shown.activity.directorate.name), "coverage": shown.coverage,
            "references": [linked.reference for linked in shown.linked],
            "links": [{"reference": linked.reference, "coverage": linked.coverage,
                       "latest": {"id": linked.latest.id, "version": linked.latest.version_number,
                                  "title": linked.latest.title, "state": linked.latest.state,
                                  "href": external_url("api.assessment", assessment_id=linked.latest.id)}}
                      for linked in shown.linked]}
    response = jsonify(body)
    response.headers["ETag"] = etag_of(shown.activity)
    return response


def _yes_arg(name: str) -> bool:
    raw = request.args.get(name, "")
    if raw not in ("", "true", "false"):
        raise BadQuery(name, f"'{name}' must be true or false")
    return raw == "true"


@bp.get("/activities")
def activities_list():
    """A page of the register, with the filters of its page."""
    user = current_api_user()
    activities.require_keeper(user)
    coverage = request.args.get("coverage", "")
    if coverage and coverage not in activities.COVERAGE:
        raise BadQuery("coverage", "'coverage' must be one of " + ", ".join(activities.COVERAGE))
    filters = activities.Filters(directorate_id=_directorate_arg(), coverage=coverage or None, late=_yes_arg("late"),
                                 needed=_yes_arg("needed"), search=_text_arg().strip(),
                                 retired=_yes_arg("retired"))
    page = _int_arg("page", 1, 1, PAGE_MAX)
    per_page = _int_arg("per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX)
    found = activities.page_of_activities(user, filters, page, size=per_page)
    # The page shows its last page for one past the end; an API client paging on gets nothing, and stops.
    rows = found.items if found.page == page else []
    references = activities.references_of(user, [row.activity.id for row in rows])
    return _page(found.total, page, per_page, [
        {**_fields_of(row.activity, row.directorate), "coverage": row.coverage, "late": row.late,
         "references": references[row.activity.id]} for row in rows])


@bp.get("/activities/<int:activity_id>")
def activity(activity_id: int):
    return _detail(current_api_user(), activity_id)


def _object_body():
    """The request's JSON object, or the problem to answer with."""
    body, refusal = json_body(ACTIVITY_BODY_MAX)
    if refusal is None and not isinstance(body, dict):
        return None, problem(400, "The body must be a JSON object", [{"path": "$", "message": "Not a JSON object"}])
    return body, refusal


def _activity_input(body: dict) -> tuple[dict, list[dict]]:
    """The fields for the service, or what is wrong with their JSON. What a value must be (a name, a
    kind of the profile, a directorate in use) is the service's to say."""
    errors = [{"path": f"$.{extra}", "message": f"'{extra}' is not a field of an activity"}
              for extra in sorted(set(body) - set(ACTIVITY_FIELDS))]
    for name, (json_type, nullable, _) in ACTIVITY_FIELDS.items():
        value = body.get(name)
        if value is None:
            continue  # left out: the service says what is missing
        kind = PYTHON_TYPES[json_type]
        # (JSON true is a Python int too: not a directorate's id.)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            errors.append({"path": f"$.{name}", "message": f"'{name}' must be {TYPE_WORDS[json_type]}"
                           + (", or null" if nullable else "")})
    assess_by = body.get("assess_by")
    if isinstance(assess_by, str):
        try:
            if len(assess_by) != 10 or not assess_by.isascii():
                raise ValueError(assess_by)
            assess_by = date.fromisoformat(assess_by)
        except ValueError:
            errors.append({"path": "$.assess_by", "message": ASSESS_BY_FORMAT})
    if errors:
        return {}, errors
    return {**{name: body.get(name) for name in ACTIVITY_FIELDS}, "owner": body.get("owner") or "",
            "notes": body.get("notes") or "", "assess_by": assess_by}, []


def _invalid(errors: list[dict]):
    return problem(422, "; ".join(e["message"] for e in errors), errors)


@bp.post("/activities")
def create_activity():
    user = current_api_user()
    activities.require_keeper(user)
    body, refusal = _object_body()
    if refusal is not None:
        return refusal
    fields, errors = _activity_input(body)
    if errors:
        return _invalid(errors)
    made = activities.add(user, fields)
    response = _detail(user, made.id)
    response.status_code = 201
    response.headers["Location"] = external_url("api.activity", activity_id=made.id)
    return response


@bp.put("/activities/<int:activity_id>")
def update_activity(activity_id: int):
    """The activity made what the body says, if the If-Match ETag is still the activity's."""
    user = current_api_user()
    found = activities.get(user, activity_id)  # 403 or 404 before anything is said about the request
    expected = request.headers.get(IF_MATCH, "").strip()
    if not expected:
        return problem(428, "Send the ETag you read as 'If-Match' (GET gives it)")
    body, refusal = _object_body()
    if refusal is not None:
        return refusal
    if expected.removeprefix("W/") != etag_of(found):
        return problem(409, "The activity has changed since you read it: GET it again, and make your change to that",
                       [{"path": "header.If-Match", "message": "Not the activity's ETag now"}])
    fields, errors = _activity_input({k: v for k, v in body.items() if k not in READ_ONLY})
    if errors:
        return _invalid(errors)
    activities.change(user, found, fields)
    return _detail(user, activity_id)


@bp.post("/activities/<int:activity_id>/retire")
def retire_activity(activity_id: int):
    """Off the live register and out of the coverage; its links stay."""
    user = current_api_user()
    found = activities.get(user, activity_id)
    if request.get_data(cache=True):  # nothing is needed; what is sent must still be JSON
        _, refusal = _object_body()
        if refusal is not None:
            return refusal
    activities.retire(user, found)
    return _detail(user, activity_id)


@bp.post("/activities/<int:activity_id>/links")
def link_assessment(activity_id: int):
    """Every version of the EqIA of this reference assesses the activity."""
    user = current_api_user()
    found = activities.get(user, activity_id)
    body, refusal = _object_body()
    if refusal is not None:
        return refusal
    errors = [{"path": f"$.{extra}", "message": f"'{extra}' is not a field here"}
              for extra in sorted(set(body) - {"reference"})]
    if not isinstance(body.get("reference"), str):
        errors.append({"path": "$.reference", "message": "'reference' must be text, such as EQIA-2026-0001"})
    if errors:
        return _invalid(errors)
    activities.link(user, found, body["reference"])
    response = _detail(user, activity_id)
    response.status_code = 201
    return response


@bp.delete("/activities/<int:activity_id>/links/<reference>")
def unlink_assessment(activity_id: int, reference: str):
    user = current_api_user()
    activities.unlink(user, activities.get(user, activity_id), reference)
    return _detail(user, activity_id)

