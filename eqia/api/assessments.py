"""/api/v1/assessments and /api/v1/register."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from flask import current_app, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eqia.api.blueprint import bp, current_api_user, problem, service_problem
from eqia.extensions import db, limiter
from eqia.interchange.exporter import export
from eqia.interchange.edit import replace_content
from eqia.interchange.importer import BadDocument, import_document, parse
from eqia.interchange.schema import schema
from eqia.links import external_url
from eqia.models import DATABASE_INT_MAX, Assessment
from eqia.loaded_definitions import characteristics, definition_for, workflows
from eqia.services import version_pdfs
from eqia.services import public_register as register_service
from eqia.services.assessments import get_visible
from eqia.services.errors import Forbidden, NotPossible
from eqia.responses import pdf_response
from eqia.services.public_register import RegisterFilters, export_record
from eqia.services.search import TEXT_MAX, assessments_matching, clean_text
from eqia.security import public
from eqia.services.workflow import allowed_transitions, perform_transition
from eqia.templating import utc_iso

PER_PAGE_DEFAULT, PER_PAGE_MAX, PAGE_MAX = 25, 100, 1_000_000
# What an action's body may hold: the fields of the page's form, by their API names.
ACTION_FIELDS: dict[str, tuple[type, str, str]] = {
    "comment": (str, "string", "Required by some actions (the page says which)"),
    "lock_version": (int, "integer", "The version you read; 409 if someone changed it since"),
    "attested": (bool, "boolean", "A signature's attestation"),
    "password": (str, "string", "A signature asks for the password again"),
}
JSON_TYPE_WORDS = {"string": "text", "integer": "a whole number", "boolean": "true or false"}
BODY_MAX = 64 * 1024  # an action's body is a comment and, for a signature, a password and an attestation
IMPORT_BODY_MAX = 8 * 1024 * 1024  # a large EqIA with its whole trail is well under 1 MiB


class BadQuery(Exception):
    def __init__(self, name: str, message: str) -> None:
        self.name, self.message = name, message


def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # The length first: int() of thousands of digits is refused by Python itself.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)) or not low <= int(raw) <= high:
        raise BadQuery(name, f"'{name}' must be a whole number from {low} to {high}")
    return int(raw)


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw) if len(raw) == 10 and raw.isascii() else _bad_date(name)
    except ValueError:
        return _bad_date(name)


def _bad_date(name: str):
    raise BadQuery(name, f"'{name}' must be a date as YYYY-MM-DD")


def _directorate_arg() -> int | None:
    """A directorate's id; one that does not exist simply matches nothing."""
    return _int_arg("directorate", None, 1, DATABASE_INT_MAX)


@bp.errorhandler(BadQuery)
def bad_query(error: BadQuery):
    return problem(400, error.message, [{"path": f"query.{error.name}", "message": error.message}])


def _text_arg() -> str:
    text = request.args.get("q", "")
    if len(text) > TEXT_MAX:
        raise BadQuery("q", f"'q' must be {TEXT_MAX} characters or fewer")
    if "\x00" in text:
        raise BadQuery("q", "'q' must not contain a null character")
    return text


def summary_of(assessment: Assessment) -> dict:
    definition = definition_for(assessment)
    return {
        "id": assessment.id,
        "reference": assessment.reference,
        "version": assessment.version_number,
        "title": assessment.title,
        "state": assessment.state,
        "state_label": definition.states[assessment.state].label,
        "directorate": assessment.directorate.name if assessment.directorate else None,
        "updated_at": utc_iso(assessment.updated_at),
        "href": external_url("api.assessment", assessment_id=assessment.id),
    }


def _page(total: int, page: int, per_page: int, items: list[dict]) -> dict:
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": max(1, -(-total // per_page))}


@bp.get("/assessments")
def assessments():
    user = current_api_user()
    state = request.args.get("state", "")
    if state and state not in workflows().states():
        raise BadQuery("state", "'state' must be one of the workflow's states")
    page = _int_arg("page", 1, 1, PAGE_MAX)
    per_page = _int_arg("per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX)
    query = assessments_matching(user, _text_arg(), state, _directorate_arg())
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.session.execute(query.options(selectinload(Assessment.directorate))
                              .order_by(Assessment.updated_at.desc(), Assessment.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return _page(total, page, per_page, [summary_of(a) for a in rows])


def detail_of(assessment: Assessment, user) -> dict:
    """The interchange document, and what the caller may do with it."""
    return {
        **export(assessment),
        "state_label": definition_for(assessment).states[assessment.state].label,
        "lock_version": assessment.lock_version,
        "href": external_url("api.assessment", assessment_id=assessment.id),
        "allowed_actions": [{"trigger": t.trigger, "label": t.label,
                             "href": external_url("api.action", assessment_id=assessment.id, trigger=t.trigger)}
                            for t in allowed_transitions(user, assessment)],
        "pdf": external_url("api.pdf", assessment_id=assessment.id),
    }


JSON_BODY_KEY = "eqia.json_body"  # in the request's WSGI environ: `g` can outlive a request


def json_body(limit: int):
    """The request's JSON, or the problem to answer with. Read once a request (the
    rate limiter and the view share it), and always through `parse`, which refuses
    what no JSON the service reads can be (nested too deeply, not UTF-8) as a 400."""
    if JSON_BODY_KEY not in request.environ:
        request.environ[JSON_BODY_KEY] = _read_json(limit)
    return request.environ[JSON_BODY_KEY]


def _read_json(limit: int):
    if request.content_length and request.content_length > limit:
        return None, problem(413, f"The body must be {limit // 1024:,} KiB or less")
    if not request.is_json:
        return None, problem(415, "Send the body as application/json")
    data = request.get_data(cache=True)
    if len(data) > limit:  # a chunked body has no Content-Length to refuse it by
        return None, problem(413, f"The body must be {limit // 1024:,} KiB or less")
    try:
        return parse(data), None
    except BadDocument as error:
        return None, problem(400, "; ".join(str(p) for p in error.document_problems),
                             [{"path": p.path, "message": p.message} for p in error.document_problems])


@bp.post("/assessments")
def create():
    """A new assessment from an interchange document, in its workflow's first state."""
    user = current_api_user()
    doc, refusal = json_body(IMPORT_BODY_MAX)
    if refusal is not None:
        return refusal
    try:
        result = import_document(user, doc, source="the API")
    except BadDocument as error:
        return problem(422, f"{len(error.document_problems)} problem(s) with the document",
                       [{"path": p.path, "message": p.message} for p in error.document_problems])
    a = result.assessment
    href = external_url("api.assessment", assessment_id=a.id)
    return {"id": a.id, "reference": a.reference, "version": a.version_number, "state": a.state, "href": href,
            "notes": result.notes, "missing_groups": result.missing_groups}, 201, {"Location": href}


# What GET /assessments/{id} adds to the document for its caller; a PUT may send them back.
DETAIL_KEYS = ("state_label", "lock_version", "href", "allowed_actions", "pdf")
IF_MATCH = re.compile(r'^(?:W/)?"?(\d{1,10})"?$')


@bp.put("/assessments/<int:assessment_id>")
def update(assessment_id: int):
    """The content made what the document says, if the If-Match lock version is still current."""
    user = current_api_user()
    get_visible(assessment_id, user)  # 404 before anything is said about the request
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return problem(428, "Send the lock_version you read as 'If-Match' (GET gives it, and its ETag)")
    match = IF_MATCH.match(header)
    if match is None or int(match.group(1)) > DATABASE_INT_MAX:
        return problem(400, "'If-Match' must be the lock_version you read, such as \"3\"",
                       [{"path": "header.If-Match", "message": "Not a lock version"}])
    doc, refusal = json_body(IMPORT_BODY_MAX)
    if refusal is not None:
        return refusal
    if isinstance(doc, dict):
        doc = {k: v for k, v in doc.items() if k not in DETAIL_KEYS}
    try:
        updated = replace_content(assessment_id, user, int(match.group(1)), doc)
    except BadDocument as error:
        return problem(422, f"{len(error.document_problems)} problem(s) with the document",
                       [{"path": p.path, "message": p.message} for p in error.document_problems])
    except NotPossible as error:
        # Editing refused by the state (signed, or a section not open yet) is a 403 here, as for a role.
        return service_problem(Forbidden(*error.problems), lambda p: "$")
    return _with_etag(detail_of(updated, user), updated)


def _with_etag(body: dict, assessment: Assessment):
    response = jsonify(body)
    response.headers["ETag"] = f'"{assessment.lock_version}"'
    return response


@bp.get("/schema/assessment.json")
def assessment_schema():
    return public(jsonify(schema()))


@bp.get("/assessments/<int:assessment_id>")
def assessment(assessment_id: int):
    user = current_api_user()
    found = get_visible(assessment_id, user)
    return _with_etag(detail_of(found, user), found)


def _action_key() -> str:
    # Per token (one user), like the page's per-user throttle on a signature's password.
    return "api-action:" + hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest()


def _action_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _action_body():
    """An action's JSON object ({} when nothing is sent), or the problem to answer with."""
    if request.content_length and request.content_length > BODY_MAX:
        return None, problem(413, f"An action's body must be {BODY_MAX // 1024} KiB or less")
    if not request.get_data(cache=True):
        return {}, None
    body, refusal = json_body(BODY_MAX)
    if refusal is None and not isinstance(body, dict):
        return None, problem(400, "The body must be a JSON object", [{"path": "$", "message": "Not a JSON object"}])
    return body, refusal


def _asks_for_password() -> bool:
    body, refusal = _action_body()
    return refusal is None and "password" in body


@bp.post("/assessments/<int:assessment_id>/actions/<trigger>")
@limiter.limit(_action_limit, key_func=_action_key, exempt_when=lambda: not _asks_for_password())
def action(assessment_id: int, trigger: str):
    user = current_api_user()
    body, refusal = _action_body()
    if refusal is not None:
        return refusal
    errors = []
    for name, value in body.items():
        if name not in ACTION_FIELDS:
            errors.append({"path": f"$.{name}", "message": f"'{name}' is not a field of an action"})
            continue
        kind, json_type, _ = ACTION_FIELDS[name]
        # (JSON true is a Python int too: not a lock version.)
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            errors.append({"path": f"$.{name}", "message": f"'{name}' must be {JSON_TYPE_WORDS[json_type]}"})
    if errors:
        return problem(422, "; ".join(e["message"] for e in errors), errors)
    done = perform_transition(assessment_id, trigger, user, comment=body.get("comment") or "",
                              expected_lock_version=body.get("lock_version"), attested=bool(body.get("attested")),
                              password=body.get("password"))
    return detail_of(done, user)


@bp.get("/assessments/<int:assessment_id>/pdf")
def pdf(assessment_id: int):
    return pdf_response(version_pdfs.pdf_to_serve(get_visible(assessment_id, current_api_user())), public=False)


@bp.get("/register")
def register():
    """Public: the published register, as the register's own JSON export."""
    characteristic = request.args.get("characteristic", "")
    if characteristic and characteristic not in {c.key for c in characteristics().characteristics}:
        raise BadQuery("characteristic", "'characteristic' must be the key of a configured group")
    published_from, published_to = _date_arg("published_from"), _date_arg("published_to")
    filters = RegisterFilters(text=clean_text(_text_arg()), directorate_id=_directorate_arg(),
                              characteristic=characteristic, published_from=published_from,
                              published_to=published_to)
    page = _int_arg("page", 1, 1, PAGE_MAX)
    per_page = _int_arg("per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX)
    result = register_service.search(filters, page, per_page)
    # The page shows its last page for one past the end; an API client paging on gets nothing, and stops.
    rows = result.rows if result.page == page else []
    return public(jsonify(_page(result.total, page, per_page, [export_record(r) for r in rows])))
