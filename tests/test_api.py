"""The JSON API: bearer tokens, the same rules as the pages (the generated role x
state x trigger matrix, shared with tests/test_workflow_matrix.py), and every
refusal as a problem document."""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import ApiToken, Assessment, AssessmentDocument
from eqia.roles import ROLES
from eqia.services import tokens, version_pdfs
from eqia.services.workflow import allowed_transitions, perform_transition
from tests.conftest import PASSWORD, STANDARD, audit_count
from tests.test_workflow_matrix import ALLOWED, USER_TRIGGERS, allowed, expected_refusal

PROBLEM = "application/problem+json"


class Api:
    def __init__(self, client) -> None:
        self.client = client
        self.token = None

    def as_user(self, user) -> "Api":
        _, self.token = tokens.create_token(user, "tests")
        db.session.commit()  # as the request that makes a token does: services only flush
        return self

    def _headers(self, extra=None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post("/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def put(self, path: str, **kwargs):
        return self.client.put("/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    return body


# ------------------------------------------------------------------ tokens

def test_create_token_prints_a_token_that_works_and_only_its_hash_is_kept(world, runner, api):
    result = runner.invoke(args=["eqia", "create-token", "--email", world.author.email, "--label", "Committee system"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("eqia_") and len(token) > 40
    api.token = token
    assert api.get("/assessments").status_code == 200
    [row] = db.session.execute(sa.select(ApiToken)).scalars().all()
    assert row.label == "Committee system" and row.user_id == world.author.id
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest() and token not in repr(row.__dict__)
    assert row.last_used_at is not None


def test_create_token_for_someone_unknown_or_with_a_bad_label_is_a_clear_error(world, runner):
    unknown = runner.invoke(args=["eqia", "create-token", "--email", "nobody@example.test"])
    assert unknown.exit_code != 0 and "There is no user nobody@example.test" in unknown.output
    long = runner.invoke(args=["eqia", "create-token", "--email", world.author.email, "--label", "x" * 101])
    assert long.exit_code != 0 and tokens.LABEL_TOO_LONG in long.output
    assert db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar_one() == 0


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz",
                                    "Bearer eqia_" + "x" * 43, "Bearer <script>alert(1)</script>",
                                    "Bearer " + "eqia_" + "A" * 5000])
def test_without_a_valid_token_the_api_answers_401_with_a_problem(world, client, header):
    response = client.get("/api/v1/assessments", headers={"Authorization": header} if header else {})
    body = is_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "<script>" not in body.get("detail", "")


def test_a_revoked_token_or_an_inactive_user_authenticates_no_one(world, api):
    api.as_user(world.author)
    assert api.get("/assessments").status_code == 200
    [row] = tokens.tokens_of(world.author)
    tokens.revoke(world.author, row.id)
    is_problem(api.get("/assessments"), 401)
    api.as_user(world.author)
    world.author.active = False
    db.session.commit()
    is_problem(api.get("/assessments"), 401)


def test_a_signed_in_browser_session_is_not_accepted_by_the_api(world, client, auth):
    auth.sign_in(world.author)
    assert client.get("/my-work").status_code == 200
    is_problem(client.get("/api/v1/assessments"), 401)
    # and a POST from another site riding on the cookie changes nothing
    a = world.make_assessment("screening")
    before = audit_count(a.id)
    is_problem(client.post(f"/api/v1/assessments/{a.id}/actions/start_full_assessment", json={}), 401)
    assert audit_count(a.id) == before


def test_someone_else_cannot_revoke_my_token(world):
    row, _ = tokens.create_token(world.author, "mine")
    with pytest.raises(Exception) as refused:
        tokens.revoke(world.co_author, row.id)
    assert refused.value.status == 404
    assert db.session.get(ApiToken, row.id).revoked_at is None


# ------------------------------------------------------------------ reading

def test_the_list_shows_what_the_page_shows_with_filters_and_pages(world, api, client, auth):
    mine = [world.make_assessment(title=f"Library hours {n}") for n in range(3)]
    other = world.make_assessment("full_assessment", title="Street lighting")
    hidden = world.make_assessment(author=world.outsider, title="Highways depot",
                                   directorate_id=world.other_directorate.id)
    api.as_user(world.author)
    body = api.get("/assessments").get_json()
    ids = {item["id"] for item in body["items"]}
    assert {a.id for a in mine} | {other.id} <= ids
    auth.sign_in(world.author)
    page_ids = {int(h.rsplit("/", 1)[1]) for h in __import__("re").findall(
        r'href="(/assessments/\d+)"', client.get("/assessments").data.decode())}
    assert ids == page_ids  # the API and the "All assessments" page: the same visibility
    assert hidden.id not in ids
    assert [i["id"] for i in api.get("/assessments?state=full_assessment").get_json()["items"]] == [other.id]
    assert {i["id"] for i in api.get("/assessments?q=library").get_json()["items"]} == {a.id for a in mine}
    assert api.get("/assessments?q=%25").get_json()["items"] == []  # % is a character, not a wildcard
    assert api.get("/assessments?directorate=999999").get_json()["items"] == []  # no such directorate: nothing
    first = api.get("/assessments?per_page=2&page=1").get_json()
    second = api.get("/assessments?per_page=2&page=2").get_json()
    assert first["per_page"] == 2 and len(first["items"]) == 2 and first["total"] == len(ids)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    item = first["items"][0]
    assert set(item) == {"id", "reference", "version", "title", "state", "state_label", "directorate",
                         "updated_at", "href"}


@pytest.mark.parametrize("query,name", [("page=0", "page"), ("page=abc", "page"), ("per_page=1000", "per_page"),
                                        ("page=%C2%B2", "page"), ("state=nonsense", "state"),
                                        ("directorate=0", "directorate"), ("directorate=%C2%B2", "directorate"),
                                        ("q=" + "x" * 201, "q"), ("q=%00", "q"),
                                        ("page=" + "9" * 5000, "page"), ("directorate=" + "9" * 5000, "directorate")])
def test_a_bad_query_is_a_400_naming_the_parameter(world, api, query, name):
    api.as_user(world.author)
    body = is_problem(api.get(f"/assessments?{query}"), 400)
    assert [e["path"] for e in body["errors"]] == [f"query.{name}"]


def test_one_assessment_says_what_the_caller_may_do_as_the_pages_do(world, api):
    a = world.make_assessment("challenge")
    api.as_user(world.lead)
    body = api.get(f"/assessments/{a.id}").get_json()
    assert body["state"] == "challenge" and body["lock_version"] == a.lock_version
    assert [x["trigger"] for x in body["allowed_actions"]] == [t.trigger for t in allowed_transitions(world.lead, a)]
    assert body["allowed_actions"]
    api.as_user(world.author)
    authors = [x["trigger"] for x in api.get(f"/assessments/{a.id}").get_json()["allowed_actions"]]
    assert authors == [t.trigger for t in allowed_transitions(world.author, a)] and "approve" not in authors


def test_an_assessment_the_caller_cannot_see_is_404_like_one_that_does_not_exist(world, api):
    hidden = world.make_assessment(author=world.outsider, directorate_id=world.other_directorate.id)
    api.as_user(world.author)
    missing = is_problem(api.get("/assessments/999999"), 404)
    assert is_problem(api.get(f"/assessments/{hidden.id}"), 404) == missing
    assert is_problem(api.get(f"/assessments/{hidden.id}/pdf"), 404) == missing
    is_problem(api.post(f"/assessments/{hidden.id}/actions/start_full_assessment", json={}), 404)


def test_unknown_routes_and_methods_answer_with_problems_not_pages(world, api):
    api.as_user(world.author)
    is_problem(api.get("/nothing-here"), 404)
    is_problem(api.client.delete("/api/v1/assessments", headers=api._headers()), 405)


# ------------------------------------------------------------------ acting

def test_an_action_moves_the_state_and_is_on_the_audit_trail(world, api):
    a = world.make_assessment("screening")
    api.as_user(world.author)
    before = audit_count(a.id)
    response = api.post(f"/assessments/{a.id}/actions/start_full_assessment", json={"lock_version": a.lock_version})
    assert response.status_code == 200, response.data
    assert response.get_json()["state"] == "full_assessment"
    assert audit_count(a.id) == before + 1


def test_a_refused_action_says_why_in_a_problem_and_changes_nothing(world, api):
    a = world.make_assessment("challenge")
    api.as_user(world.lead)
    before = (audit_count(a.id), a.lock_version)
    needs_comment = [t for t in STANDARD.transitions_from("challenge") if t.comment_required and not t.system]
    if needs_comment:
        body = is_problem(api.post(f"/assessments/{a.id}/actions/{needs_comment[0].trigger}", json={}), 422)
        assert body["errors"][0]["path"] == "$.comment"
    stale = is_problem(api.post(f"/assessments/{a.id}/actions/approve", json={"lock_version": a.lock_version - 1}),
                       409)
    assert stale["detail"]
    is_problem(api.post(f"/assessments/{a.id}/actions/start_full_assessment", json={}), 409)  # not from here
    is_problem(api.post(f"/assessments/{a.id}/actions/no_such_action", json={}), 404)
    db.session.expire_all()
    assert (audit_count(a.id), db.session.get(Assessment, a.id).lock_version) == before


@pytest.mark.parametrize("body,content_type,status,path", [
    ('{"comment": 5}', "application/json", 422, "$.comment"),
    ('{"attested": "yes"}', "application/json", 422, "$.attested"),
    ('{"lock_version": true}', "application/json", 422, "$.lock_version"),
    ('{"state": "published"}', "application/json", 422, "$.state"),
    ('[1, 2]', "application/json", 400, "$"),
    ('{"comment": ', "application/json", 400, "$"),
    ("comment=hello", "application/x-www-form-urlencoded", 415, None),
    ('{"comment": "' + "x" * 70_000 + '"}', "application/json", 413, None),
    ('{"comment": "<script>alert(1)</script>\' OR 1=1 --", "lock_version": 1}', "application/json", 409, None),
])
def test_a_malformed_action_body_is_refused_clearly(world, api, body, content_type, status, path):
    a = world.make_assessment("screening")
    api.as_user(world.author)
    before = audit_count(a.id)
    problem = is_problem(api.post(f"/assessments/{a.id}/actions/start_full_assessment", data=body,
                                  headers={"Content-Type": content_type}), status)
    if path:
        assert path in [e["path"] for e in problem["errors"]]
    assert audit_count(a.id) == before


def test_signing_off_needs_the_attestation_and_the_password_as_on_the_page(world, api):
    a = world.make_assessment("awaiting_sign_off")
    api.as_user(world.decider)
    url = f"/assessments/{a.id}/actions/sign_off"
    assert "$.attested" in [e["path"] for e in is_problem(api.post(url, json={"password": PASSWORD}), 422)["errors"]]
    assert "$.password" in [e["path"] for e in is_problem(api.post(url, json={"attested": True}), 422)["errors"]]
    wrong = is_problem(api.post(url, json={"attested": True, "password": "not the password"}), 422)
    assert "$.password" in [e["path"] for e in wrong["errors"]]
    done = api.post(url, json={"attested": True, "password": PASSWORD})
    assert done.status_code == 200, done.data
    assert done.get_json()["state"] != "sign_off"


# The matrix the pages are tested with, through the API: the same answer for each combination.
@pytest.mark.parametrize("state", list(STANDARD.states))
def test_the_api_refuses_exactly_what_the_pages_refuse(state, world, api):
    assessment = world.make_assessment(state)
    before = (assessment.state, assessment.lock_version, audit_count())
    for role in ROLES:
        user = world.make_user(f"api-{role}-{state}@example.test", role, commit=True)
        api.as_user(user)
        offered = {x["trigger"] for x in api.get(f"/assessments/{assessment.id}").get_json()["allowed_actions"]}
        for trigger in USER_TRIGGERS:
            if allowed(state, role, trigger):
                assert trigger.trigger in offered, (role, state, trigger.trigger)
                continue
            assert trigger.trigger not in offered, (role, state, trigger.trigger)
            response = api.post(f"/assessments/{assessment.id}/actions/{trigger.trigger}",
                                json={"comment": "Trying anyway"})
            is_problem(response, expected_refusal(state, role, trigger))
    db.session.expire_all()
    after = db.session.get(Assessment, assessment.id)
    assert (after.state, after.lock_version, audit_count()) == before


@pytest.mark.parametrize("state,role,trigger", ALLOWED, ids=[f"{s}-{r}-{t.trigger}" for s, r, t in ALLOWED])
def test_every_combination_the_pages_allow_the_api_allows(state, role, trigger, world, api):
    assessment = world.make_assessment(state)
    api.as_user(world.make_user(f"api-fresh-{role}@example.test", role, commit=True))
    response = api.post(f"/assessments/{assessment.id}/actions/{trigger.trigger}",
                        json={"comment": "Reasons given", "attested": True, "password": PASSWORD})
    assert response.status_code == 200, response.data[:2000]
    assert response.get_json()["state"] == trigger.dest_from(state)


# ------------------------------------------------------------------ documents and the register

def test_the_pdf_is_the_one_the_pages_serve(world, api):
    signed = world.make_assessment("signed_off")
    api.as_user(world.lead)
    response = api.get(f"/assessments/{signed.id}/pdf")
    stored = db.session.execute(sa.select(AssessmentDocument).where(
        AssessmentDocument.assessment_id == signed.id)).scalar_one()
    assert response.mimetype == "application/pdf" and hashlib.sha256(response.data).hexdigest() == stored.sha256
    draft = world.make_assessment("full_assessment")
    assert api.get(f"/assessments/{draft.id}/pdf").data == version_pdfs.pdf_for(draft).data


def test_the_register_is_public_and_lists_only_published_versions(world, client):
    published = world.make_assessment("published")
    draft = world.make_assessment("full_assessment")
    body = client.get("/api/v1/register").get_json()
    refs = {(i["reference"], i["version"]) for i in body["items"]}
    assert (published.reference, published.version_number) in refs
    assert (draft.reference, draft.version_number) not in refs
    is_problem(client.get("/api/v1/register?published_from=2026-13-01"), 400)
    assert client.get("/api/v1/register?published_from=2026-06-01&published_to=2026-01-01").get_json()["items"] == []
    is_problem(client.get("/api/v1/register?characteristic=nonsense"), 400)
    is_problem(client.get("/api/v1/register?page=" + "9" * 5000), 400)
    one = client.get("/api/v1/register?per_page=1").get_json()
    assert len(one["items"]) == 1 and one["per_page"] == 1 and one["pages"] == one["total"]
    past = client.get(f"/api/v1/register?per_page=1&page={one['total'] + 1}").get_json()
    assert past["items"] == [] and past["total"] == one["total"]  # a client paging on stops here


def test_the_openapi_document_lists_the_definitions_actions(world, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    triggers = spec["paths"]["/assessments/{assessment_id}/actions/{trigger}"]["post"]["parameters"][1]["schema"]
    assert set(triggers["enum"]) == {t.trigger for t in USER_TRIGGERS}


# ------------------------------------------------------------------ the account page

def test_a_user_makes_and_revokes_their_own_tokens_on_their_account_page(world, client, auth):
    auth.sign_in(world.author)
    page = client.get("/account")
    assert page.status_code == 200 and "You have no API tokens" in page.data.decode()
    made = client.post("/account/tokens", data={"label": "Committee <b>papers</b>"})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    html = made.data.decode()
    token = __import__("re").search(r'id="new-token">(eqia_[A-Za-z0-9_-]+)<', html)[1]
    assert "Committee &lt;b&gt;papers&lt;/b&gt;" in html  # stored verbatim, shown escaped
    assert client.get("/api/v1/assessments", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/account").data.decode()  # never shown again
    [row] = tokens.tokens_of(world.author)
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "Revoked" in client.get("/account").data.decode()


@pytest.mark.parametrize("label,message", [("", tokens.LABEL_MISSING), ("x" * 101, tokens.LABEL_TOO_LONG),
                                           ("a\x00b", None)])
def test_a_bad_token_name_is_refused_clearly_and_makes_nothing(world, client, auth, label, message):
    auth.sign_in(world.author)
    response = client.post("/account/tokens", data={"label": label})
    assert response.status_code == 422
    if message:
        assert message in __import__("html").unescape(response.data.decode())
    assert tokens.tokens_of(world.author) == []


def test_nobody_revokes_anothers_token_through_the_page(world, client, auth):
    row, _ = tokens.create_token(world.co_author, "theirs")
    auth.sign_in(world.author)
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is None


# ------------------------------------------------------------------ nesting

DEEP = "[" * 60_000  # far beyond Python's recursion limit, and within an action's 64 KiB


def _example_url(rule, assessment_id: int) -> str:
    values = {"assessment_id": assessment_id, "trigger": "start_full_assessment", "item_id": 1, "token_id": 1,
              "characteristic": "age", "direction": "up", "reference": "x", "version": 1, "name": "standard",
              "filename": "x", "path": "x", "notification_id": 1, "session_id": 1, "token": "no-such-token", "directorate_id": 1,
              "service_id": 1, "user_id": 1, "message_id": 1, "code": "cy",
              "activity_id": 1, "plan_id": 1, "judgement_id": 1, "row_id": 1, "self_assessment_id": 1,
              "criterion": "leadership", "subject": "cumulative_judgement", "record_id": 1, "objective_id": 1, "service_area_id": 1, "action_id": 1, "tag_id": 1}
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


@pytest.mark.parametrize("rate_limited", [False, True])
def test_json_nested_too_deeply_is_a_400_problem_everywhere_never_a_500(rate_limited, world, make_app):
    from eqia.interchange.importer import NESTED_TOO_DEEPLY
    from tests.conftest import FreshRequestClient

    app = make_app(RATELIMIT_ENABLED=rate_limited)
    app.test_client_class = FreshRequestClient
    client = app.test_client()
    a = world.make_assessment("screening")
    api = Api(client).as_user(world.author)
    # The register's routes answer only those who keep it (403 before a body is read), about an activity that is.
    keeper = Api(client).as_user(world.lead)
    from eqia.services import activities
    activities.add(world.lead, {"name": "Libraries", "kind": "policy", "directorate_id": world.directorate.id,
                                "relevance": "high", "needs_assessment": "yes"})
    db.session.commit()
    client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
    writes = [(method, rule) for rule in app.url_map.iter_rules() for method in sorted(rule.methods & {"POST", "PUT"})]
    assert any(rule.rule.startswith("/api/") for _, rule in writes)
    before = audit_count(a.id)
    for method, rule in writes:
        url = _example_url(rule, a.id)
        caller = keeper if rule.rule.startswith("/api/v1/activities") else api
        headers = {**caller._headers(), "Content-Type": "application/json", "If-Match": f'"{a.lock_version}"'}
        response = client.open(url, method=method, data=DEEP, headers=headers)
        if rule.rule.startswith("/api/"):
            body = is_problem(response, 400)
            assert body["errors"] == [{"path": "$", "message": NESTED_TOO_DEEPLY}], url
        else:  # no page reads JSON: the body is not a form, so the page answers as for an empty one
            assert response.status_code < 500, (url, response.status_code)
    assert audit_count(a.id) == before


def test_a_page_posted_json_signed_out_answers_as_for_an_empty_form(client):
    # The pages a stranger reaches: each reads a form, never JSON, so a body nested beyond
    # Python's recursion limit is never parsed there.
    for url in ("/sign-in", "/forgotten-password"):
        response = client.post(url, data=DEEP, headers={"Content-Type": "application/json"})
        assert response.status_code in (200, 422), (url, response.status_code)
        assert b"govuk-error-summary" in response.data, url


def test_json_nested_deeper_than_any_document_but_within_python_is_refused_too(world, api):
    from eqia.interchange.importer import NESTED_TOO_DEEPLY

    a = world.make_assessment("screening")
    api.as_user(world.author)
    deep = '{"comment": ' + "[" * 500 + "]" * 500 + "}"
    body = is_problem(api.post(f"/assessments/{a.id}/actions/start_full_assessment", data=deep,
                               headers={"Content-Type": "application/json"}), 400)
    assert body["errors"] == [{"path": "$", "message": NESTED_TOO_DEEPLY}]


# ------------------------------------------------------------------ where to fix a refusal

def _resolve(doc, path: str):
    """The value at a JSON path such as $.characteristics[0].impact (KeyError/IndexError if there is none)."""
    assert path.startswith("$"), path
    for name, index in re.findall(r"\.([a-z_]+)|\[(\d+)\]", path[1:]):
        doc = doc[name] if name else doc[int(index)]
    return doc


def test_a_refused_action_names_the_document_path_of_each_field_to_fix(world, api):
    from eqia.assessments import sections

    a = world.make_assessment(answer="yes")
    perform_transition(a.id, "start_full_assessment", world.author)
    api.as_user(world.author)
    doc = api.get(f"/assessments/{a.id}").get_json()
    body = is_problem(api.post(f"/assessments/{a.id}/actions/submit_for_challenge", json={}), 409)
    errors = body["errors"]
    first = doc["characteristics"][0]["label"]
    for expected in ({"path": "$.evidence", "message": sections.EVIDENCE_NONE},
                     {"path": "$.consultation.no_consultation_reason", "message": sections.CONSULTATION_MISSING},
                     {"path": "$.characteristics[0].impact", "message": sections.impact_missing(first)},
                     {"path": "$.characteristics[0].evidence_cited", "message": sections.evidence_not_cited(first)},
                     {"path": "$.intersectional_effects", "message": sections.INTERSECTIONAL_MISSING},
                     {"path": "$.outcome.outcomes", "message": sections.OUTCOME_MISSING},
                     {"path": "$.action_plan.items", "message": sections.ACTIONS_MISSING},
                     {"path": "$.action_plan.review_date", "message": sections.REVIEW_DATE_MISSING}):
        assert expected in errors
    for error in errors:
        assert error["path"] != "$", error
        _resolve(doc, error["path"])  # a place in the document GET gave and PUT takes


def test_a_section_not_marked_completed_is_fixed_in_completions(world, api):
    from eqia.services import assessments as content
    from eqia.assessments import sections

    a = world.make_assessment(answer="yes")
    content.mark_section(a.id, world.author, a.lock_version, "screening", complete=False)
    api.as_user(world.author)
    body = is_problem(api.post(f"/assessments/{a.id}/actions/start_full_assessment", json={}), 409)
    assert body["errors"] == [{"path": "$.completions",
                               "message": sections.not_marked_complete(sections.SECTIONS["screening"].title)}]
