"""The OpenAPI 3.1 document at /api/v1/openapi.json.

The states and actions it lists come from the loaded workflow definitions, so
the document cannot name an action the service does not have. Schemathesis
(tests/test_api_schema.py) calls every operation as each role and checks the
answers against this document.
"""

from __future__ import annotations

import copy

from flask import jsonify
from sqlalchemy import select

from eqia.api.blueprint import PROBLEM, bp
from eqia.api.action_progress import UPDATE_FIELDS
from eqia.api.activities import ACTIVITY_FIELDS
from eqia.api.assessments import ACTION_FIELDS, PAGE_MAX, PER_PAGE_MAX
from eqia.interchange.schema import WHEN_RECORDED
from eqia.interchange.schema import schema as interchange_schema
from eqia.links import external_url
from eqia.security import public
from eqia.extensions import db
from eqia.models import ACTION_PROGRESS_STATUSES, DATABASE_INT_MAX, RELEVANCES, Directorate
from eqia.services.action_progress import EVIDENCE_MAX, NOTE_MAX
from eqia.services.activities import COVERAGE
from eqia.services.search import TEXT_MAX
from eqia.loaded_definitions import characteristics, workflows

JSON = "application/json"


def _problem_responses(*statuses: int) -> dict:
    described = {400: "Malformed request", 401: "No valid API token", 403: "The role or segregation of duties "
                 "forbids it", 404: "Not found, or not visible to the caller", 409: "Not possible in this state, or "
                 "the lock version is stale", 413: "Body too large", 415: "Body is not JSON",
                 422: "The body is not valid", 428: "No If-Match header", 429: "Too many attempts"}
    return {str(s): {"description": described[s], "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for s in statuses}


def _ok(schema_ref: str, description: str) -> dict:
    return {"200": {"description": description, "content": {JSON: {"schema": {"$ref": schema_ref}}}}}


def document() -> dict:
    states = sorted(workflows().states())
    triggers = workflows().user_triggers()
    text_query = {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": TEXT_MAX,
                                                         "pattern": "^[^\\u0000]*$"},
                  "description": "Text in the title or reference"}
    paging = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX}},
              {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                              "maximum": PER_PAGE_MAX}}]
    directorate = {"name": "directorate", "in": "query",
                   "schema": {"type": "integer", "minimum": 1, "maximum": DATABASE_INT_MAX},
                   "description": "A directorate's id"}
    assessment_id = {"name": "assessment_id", "in": "path", "required": True,
                     "schema": {"type": "integer", "minimum": 1, "maximum": DATABASE_INT_MAX}}
    nullable_string = {"type": ["string", "null"]}
    # The interchange schema, as a component: its identity and dialect are the OpenAPI document's.
    embedded = {k: v for k, v in interchange_schema().items() if k not in ("$schema", "$id")}
    # What this service accepts: the interchange document naming one of its own directorates.
    accepted = copy.deepcopy(embedded)
    names = list(db.session.execute(select(Directorate.name).order_by(Directorate.name)).scalars())
    if names:
        accepted["properties"]["register_details"]["properties"]["directorate"] = {
            "type": "string", "enum": names, "description": "One of this service's directorates, by name"}
    detail = {"properties": {
        "state_label": {"type": "string"}, "lock_version": {"type": "integer"},
        "allowed_actions": {"type": "array", "items": {"type": "object", "required": ["trigger", "label", "href"],
                                                       "properties": {"trigger": {"type": "string", "enum": triggers},
                                                                      "label": {"type": "string"},
                                                                      "href": {"type": "string"}}}},
        "href": {"type": "string"}, "pdf": {"type": "string"}}}

    def ledger_write(operation_id: str, request: str, summary: str) -> dict:
        """A write to the challenge ledger: a body of entries by task, answered with the assessment."""
        return {"post": {
            "operationId": operation_id, "summary": summary, "parameters": [assessment_id],
            "requestBody": {"required": True,
                            "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{request}"}}}},
            "responses": {**_ok("#/components/schemas/AssessmentDetail", "Recorded"),
                          **_problem_responses(400, 401, 403, 404, 409, 413, 415, 422)}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "EqIA workflow engine API", "version": "1",
                 "description": "The same services and rules as the web pages. Authenticate with "
                                "'Authorization: Bearer <token>'. Errors are RFC 9457 problem documents."},
        "servers": [{"url": external_url("api.openapi").rsplit("/openapi.json", 1)[0]}],
        "security": [{"bearer": []}],
        "paths": {
            "/assessments": {"post": {
                "operationId": "createAssessment",
                "summary": "A new assessment from an interchange document, in its workflow's first state",
                "requestBody": {"required": True, "content": {JSON: {"schema": {
                    "$ref": "#/components/schemas/NewAssessment"}}}},
                "responses": {"201": {"description": "Created", "headers": {"Location": {"schema": {
                    "type": "string"}, "description": "The new assessment"}}, "content": {JSON: {"schema": {
                        "$ref": "#/components/schemas/Created"}}}},
                    **_problem_responses(400, 401, 403, 413, 415, 422)}}, "get": {
                "operationId": "listAssessments", "summary": "The assessments the caller may see, newest change first",
                "parameters": [text_query, {"name": "state", "in": "query", "schema": {"type": "string",
                                                                                       "enum": states}},
                               directorate, *paging],
                "responses": {**_ok("#/components/schemas/AssessmentPage", "One page of assessments"),
                              **_problem_responses(400, 401)}}},
            "/assessments/{assessment_id}": {"put": {
                "operationId": "updateAssessment",
                "summary": "Make the content what the document says (state, ledger, signatures and trail as they are)",
                "parameters": [assessment_id, {"name": "If-Match", "in": "header", "required": True,
                                               "description": "The lock_version you read (the ETag of the GET)",
                                               "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,10}"?$'}}],
                "requestBody": {"required": True, "content": {JSON: {"schema": {
                    "$ref": "#/components/schemas/NewAssessment"}}}},
                "responses": {**_ok("#/components/schemas/AssessmentDetail", "Saved: the assessment now"),
                              **_problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 428)}}, "get": {
                "operationId": "getAssessment", "summary": "One assessment, with what the caller may do to it",
                "parameters": [assessment_id],
                "responses": {**_ok("#/components/schemas/AssessmentDetail", "The assessment"),
                              **_problem_responses(401, 404)}}},
            "/schema/assessment.json": {"get": {
                "operationId": "getAssessmentSchema", "summary": "The JSON Schema of the interchange document",
                "security": [{}],
                "responses": {"200": {"description": "A JSON Schema (2020-12)",
                                      "content": {JSON: {"schema": {"type": "object"}}}}}}},
            "/assessments/{assessment_id}/actions/{trigger}": {"post": {
                "operationId": "takeAction", "summary": "Take a workflow action, as on the assessment's page",
                "parameters": [assessment_id, {"name": "trigger", "in": "path", "required": True,
                                               "schema": {"type": "string", "enum": triggers}}],
                "requestBody": {"required": False, "content": {JSON: {"schema": {
                    "$ref": "#/components/schemas/ActionRequest"}}}},
                "responses": {**_ok("#/components/schemas/AssessmentDetail", "Done: the assessment in its new state"),
                              **_problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 429)}}},
            "/assessments/{assessment_id}/challenge-points": ledger_write(
                "recordChallengePoints", "PointsRequest",
                "A lead's status and comment on tasks of the open round, as on the review page"),
            "/assessments/{assessment_id}/challenge-answers": ledger_write(
                "answerChallengePoints", "AnswersRequest",
                "The author's answers to the points of the round that came back, as on the respond page"),
            "/assessments/{assessment_id}/groups": ledger_write(
                "addGroup", "GroupRequest",
                "Add a configured group the assessment does not consider yet, as on the task list"),
            "/assessments/{assessment_id}/actions": {"get": {
                "operationId": "getActionProgress",
                "summary": "Each action of the plan as signed, with its progress now (none before sign-off)",
                "parameters": [assessment_id],
                "responses": {**_ok("#/components/schemas/ActionList", "The actions and their progress"),
                              **_problem_responses(401, 404)}}},
            "/assessments/{assessment_id}/actions/{item_id}/updates": {"post": {
                "operationId": "recordActionUpdate",
                "summary": "Record progress on an action of a signed version, as its progress page does",
                "parameters": [assessment_id, {"name": "item_id", "in": "path", "required": True, "schema": {
                    "type": "integer", "minimum": 1, "maximum": DATABASE_INT_MAX}, "description": "The action's id"}],
                "requestBody": {"required": True, "content": {JSON: {"schema": {
                    "$ref": "#/components/schemas/ActionUpdateRequest"}}}},
                "responses": {"201": {"description": "Recorded: the action and its progress", "content": {
                    JSON: {"schema": {"$ref": "#/components/schemas/ActionProgress"}}}},
                              **_problem_responses(400, 401, 403, 404, 409, 413, 415, 422)}}},
            "/assessments/{assessment_id}/pdf": {"get": {
                "operationId": "getAssessmentPdf", "summary": "The PDF: the stored signed bytes, or the draft now",
                "parameters": [assessment_id],
                "responses": {"200": {"description": "The PDF", "content": {"application/pdf": {
                    "schema": {"type": "string", "contentMediaType": "application/pdf"}}}},
                              **_problem_responses(401, 404)}}},
            **_activity_paths(text_query, directorate, paging),
            "/register": {"get": {
                "operationId": "getRegister", "summary": "The public register: published versions only",
                "security": [{}],
                "parameters": [text_query, directorate,
                               {"name": "characteristic", "in": "query", "description": "Groups with an adverse "
                                "impact", "schema": {"type": "string", "enum": [
                                    c.key for c in characteristics().characteristics]}},
                               {"name": "published_from", "in": "query", "schema": {"type": "string",
                                                                                    "format": "date"}},
                               {"name": "published_to", "in": "query", "schema": {"type": "string",
                                                                                  "format": "date"}},
                               *paging],
                "responses": {**_ok("#/components/schemas/RegisterPage", "One page of the register"),
                              **_problem_responses(400)}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object", "required": ["path", "message"],
                                                          "properties": {"path": {"type": "string"},
                                                                         "message": {"type": "string"}}}}}},
                "AssessmentSummary": {"type": "object", "required": [
                    "id", "reference", "version", "title", "state", "state_label", "directorate", "updated_at",
                    "href"], "properties": {
                    "id": {"type": "integer"}, "reference": {"type": "string"}, "version": {"type": "integer"},
                    "title": {"type": "string"}, "state": {"type": "string", "enum": states},
                    "state_label": {"type": "string"}, "directorate": nullable_string,
                    "updated_at": {"type": "string", "format": "date-time"}, "href": {"type": "string"}}},
                "Assessment": embedded,
                "NewAssessment": accepted,
                # The interchange document and, for the caller, what they may do with it now.
                "AssessmentDetail": {**embedded, "required": [*(k for k in embedded["properties"] if k not in WHEN_RECORDED),
                                                              *detail["properties"]],
                                     "properties": {**embedded["properties"], **detail["properties"]}},
                "Created": {"type": "object",
                            "required": ["id", "reference", "version", "state", "href", "notes",
                                         "missing_groups"],
                            "properties": {"id": {"type": "integer"}, "reference": {"type": "string"},
                                           "version": {"type": "integer"}, "state": {"type": "string",
                                                                                     "enum": states},
                                           "href": {"type": "string"},
                                           "notes": {"type": "array", "items": {"type": "string"}},
                                           "missing_groups": {
                                               "type": "array", "items": {"type": "string"},
                                               "description": "Configured groups the document does not "
                                                              "consider: add them while it is written"}}},
                "AssessmentPage": {"type": "object", "required": ["items", "total", "page", "per_page", "pages"],
                                   "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/AssessmentSummary"}},
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                    "pages": {"type": "integer"}}},
                "RegisterPage": {"type": "object", "required": ["items", "total", "page", "per_page", "pages"],
                                 "properties": {
                    "items": {"type": "array", "items": {"type": "object", "required": [
                        "reference", "version", "title", "status", "url"]}},
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                    "pages": {"type": "integer"}}},
                "PointsRequest": {"type": "object", "additionalProperties": False, "required": ["points"],
                                  "properties": {"points": {
                    "type": "object", "description": "By task key: 'evidence', 'characteristic:age', ...",
                    "additionalProperties": {"type": "object", "additionalProperties": False, "properties": {
                        "status": {"type": ["string", "null"], "description": "to_correct, could_be_improved, "
                                   "acceptable; null takes the point away"},
                        "comment": {"type": "string"}}}}}},
                "AnswersRequest": {"type": "object", "additionalProperties": False,
                                   "required": ["lock_version", "answers"], "properties": {
                    "lock_version": {"type": "integer"},
                    "answers": {"type": "object", "description": "By task key, for the points that need an answer",
                                "additionalProperties": {"type": "object", "additionalProperties": False,
                                                         "properties": {
                                    "response": {"type": ["string", "null"], "description": "accepted or "
                                                 "not_accepted; null takes the answer away"},
                                    "text": {"type": "string"}}}}}},
                "GroupRequest": {"type": "object", "additionalProperties": False,
                                 "required": ["lock_version", "characteristic"], "properties": {
                    "lock_version": {"type": "integer"},
                    "characteristic": {"type": "string", "enum": [
                        c.key for c in characteristics().characteristics]}}},
                "ActionUpdateRequest": {"type": "object", "additionalProperties": False, "properties": {
                    "status": {"type": "string", "enum": list(ACTION_PROGRESS_STATUSES),
                               "description": UPDATE_FIELDS["status"]},
                    "note": {"type": "string", "maxLength": NOTE_MAX, "description": UPDATE_FIELDS["note"]},
                    "evidence": {"type": "string", "maxLength": EVIDENCE_MAX,
                                 "description": UPDATE_FIELDS["evidence"]},
                    "dated": {"type": "string", "format": "date", "description": UPDATE_FIELDS["dated"]}}},
                "ActionUpdate": {"type": "object", "required": [
                    "status", "status_label", "note", "evidence", "dated", "recorded_by", "recorded_at"],
                    "properties": {
                    "status": {"type": "string"}, "status_label": {"type": "string"}, "note": {"type": "string"},
                    "evidence": {"type": "string"}, "dated": {"type": "string", "format": "date"},
                    "recorded_by": {"type": "object", "required": ["name", "email"], "properties": {
                        "name": {"type": "string"}, "email": {"type": "string"}}},
                    "recorded_at": {"type": "string", "format": "date-time"}}},
                "ActionProgress": {"type": "object", "required": [
                    "id", "number", "plan", "status", "status_label", "overdue", "may_update", "updates",
                    "updates_href"], "properties": {
                    "id": {"type": "integer"}, "number": {"type": "integer"},
                    "plan": {**embedded["properties"]["action_plan"]["properties"]["items"]["items"],
                             "description": "The action as the plan says it (the assessment document's row)"},
                    "status": {"type": "string"}, "status_label": {"type": "string"},
                    "overdue": {"type": "boolean"}, "may_update": {"type": "boolean"},
                    "updates": {"type": "array", "items": {"$ref": "#/components/schemas/ActionUpdate"}},
                    "updates_href": {"type": "string"}}},
                "ActionList": {"type": "object", "required": ["assessment", "tracks_progress", "actions"],
                               "properties": {
                    "assessment": {"type": "object", "required": ["id", "reference", "version", "href"]},
                    "tracks_progress": {"type": "boolean"},
                    "actions": {"type": "array", "items": {"$ref": "#/components/schemas/ActionProgress"}}}},
                **_activity_schemas(),
                "ActionRequest": {"type": "object", "additionalProperties": False, "properties": {
                    name: {"type": json_type, "description": description}
                    for name, (_, json_type, description) in ACTION_FIELDS.items()}},
            },
        },
    }


def _activity_paths(text_query: dict, directorate: dict, paging: list[dict]) -> dict:
    """The activity register's operations: for equality leads and administrators (403 for anyone else)."""
    activity_id = {"name": "activity_id", "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": DATABASE_INT_MAX}}
    yes_no = {"type": "string", "enum": ["true", "false"]}
    body = {"required": True, "content": {JSON: {"schema": {"$ref": "#/components/schemas/ActivityRequest"}}}}
    activity = {"content": {JSON: {"schema": {"$ref": "#/components/schemas/Activity"}}}}
    return {
        "/activities": {"get": {
            "operationId": "listActivities", "summary": "A page of the activity register, by directorate and name",
            "parameters": [{**text_query, "description": "Text in the name or the owner"}, directorate,
                           {"name": "coverage", "in": "query", "schema": {"type": "string", "enum": list(COVERAGE)},
                            "description": "Activities needing an assessment, so covered"},
                           {"name": "late", "in": "query", "schema": yes_no,
                            "description": "Never assessed, and the date to assess by has passed"},
                           {"name": "needed", "in": "query", "schema": yes_no,
                            "description": "Only those that need an assessment"},
                           {"name": "retired", "in": "query", "schema": yes_no,
                            "description": "The retired activities instead of the live ones"}, *paging],
            "responses": {**_ok("#/components/schemas/ActivityPage", "One page of activities"),
                          **_problem_responses(400, 401, 403)}}, "post": {
            "operationId": "createActivity", "summary": "Add an activity to the register",
            "requestBody": body,
            "responses": {"201": {"description": "Added", "headers": {"Location": {"schema": {"type": "string"}}},
                                  **activity}, **_problem_responses(400, 401, 403, 413, 415, 422)}}},
        "/activities/{activity_id}": {"get": {
            "operationId": "getActivity", "summary": "One activity, with the assessments linked to it",
            "parameters": [activity_id],
            "responses": {"200": {"description": "The activity", "headers": {"ETag": {"schema": {
                "type": "string"}}}, **activity}, **_problem_responses(401, 403, 404)}}, "put": {
            "operationId": "updateActivity", "summary": "Make the activity what the body says",
            "parameters": [activity_id, {"name": "If-Match", "in": "header", "required": True,
                                         "description": "The ETag of the GET", "schema": {"type": "string"}}],
            "requestBody": body,
            "responses": {"200": {"description": "Saved: the activity now", **activity},
                          **_problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 428)}}},
        "/activities/{activity_id}/retire": {"post": {
            "operationId": "retireActivity", "summary": "Retire the activity: its links stay",
            "parameters": [activity_id],
            "responses": {"200": {"description": "Retired", **activity},
                          **_problem_responses(400, 401, 403, 404, 409, 413, 415)}}},
        "/activities/{activity_id}/links": {"post": {
            "operationId": "linkAssessment",
            "summary": "Every version of the assessment of this reference assesses the activity",
            "parameters": [activity_id],
            "requestBody": {"required": True, "content": {JSON: {"schema": {
                "type": "object", "additionalProperties": False, "required": ["reference"],
                "properties": {"reference": {"type": "string", "description": "Such as EQIA-2026-0001, any case"}}}}}},
            "responses": {"201": {"description": "Linked: the activity now", **activity},
                          **_problem_responses(400, 401, 403, 404, 409, 413, 415, 422)}}},
        "/activities/{activity_id}/links/{reference}": {"delete": {
            "operationId": "unlinkAssessment", "summary": "The assessment of this reference no longer assesses it",
            "parameters": [activity_id, {"name": "reference", "in": "path", "required": True,
                                         "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Unlinked: the activity now", **activity},
                          **_problem_responses(401, 403, 404, 409)}}},
    }


def _activity_schemas() -> dict:
    types = {name: {"type": [json_type, "null"] if nullable else json_type, "description": description}
             for name, (json_type, nullable, description) in ACTIVITY_FIELDS.items()}
    coverage = {"type": ["string", "null"], "enum": [*COVERAGE, None],
                "description": "How far it is covered, if it needs an assessment"}
    kinds = {**types["kind"], "enum": list(characteristics().activity_kinds)}
    relevances = {**types["relevance"], "enum": list(RELEVANCES)}
    return {
        "ActivityRequest": {"type": "object", "additionalProperties": False,
                            "required": ["name", "kind", "directorate_id", "relevance", "needs_assessment"],
                            "properties": {**types, "kind": kinds, "relevance": relevances}},
        "Activity": {"type": "object", "required": [*ACTIVITY_FIELDS, "id", "directorate", "retired", "retired_at",
                                                    "coverage", "references", "href"], "properties": {
            **types, "id": {"type": "integer"}, "directorate": {"type": "string"}, "retired": {"type": "boolean"},
            "retired_at": {"type": ["string", "null"], "format": "date-time"}, "coverage": coverage,
            "late": {"type": "boolean", "description": "Never assessed, and its date has passed (in a list)"},
            "references": {"type": "array", "items": {"type": "string"}},
            "links": {"type": "array", "items": {"type": "object", "required": ["reference", "coverage", "latest"]}},
            "href": {"type": "string"}}},
        "ActivityPage": {"type": "object", "required": ["items", "total", "page", "per_page", "pages"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Activity"}},
            "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "pages": {"type": "integer"}}},
    }


@bp.get("/openapi.json")
def openapi():
    return public(jsonify(document()))
