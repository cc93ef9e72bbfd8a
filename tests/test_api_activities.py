"""The activity register over the JSON API (issue 18): the register's services for the people
who keep it, every refusal a problem document naming the field, and nothing half-written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import Activity, ActivityAssessment, AuditEvent
from eqia.services import activities
from tests.conftest import work_out_figures
from tests.test_api import Api, is_problem
from tests.test_my_actions import Queries

HOSTILE = "<script>alert('x')</script> ' OR 1=1; DROP TABLE activity;-- file:///etc/passwd"


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def body(world, **overrides) -> dict:
    values = {"name": "Home to school transport policy", "kind": "policy", "directorate_id": world.directorate.id,
              "owner": "Transport team", "relevance": "high", "needs_assessment": True, "assess_by": "2027-03-31",
              "notes": ""}
    values.update(overrides)
    return values


def add(world, **overrides) -> Activity:
    values = body(world, **overrides)
    values["needs_assessment"] = "yes" if values["needs_assessment"] else "no"
    values["assess_by"] = None
    made = activities.add(world.lead, values)
    db.session.commit()
    return made


def written() -> tuple[int, int, int]:
    """Activities, links and the register's audit events: what a refusal must leave as it was."""
    db.session.expire_all()
    count = lambda model, *where: db.session.execute(  # noqa: E731
        sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()
    return (count(Activity), count(ActivityAssessment), count(AuditEvent, AuditEvent.kind == "programme"))


def paths(problem: dict) -> list[str]:
    return [e["path"] for e in problem["errors"]]


# ------------------------------------------------------------------ the happy paths
def test_a_lead_adds_an_activity_and_reads_it_back_with_hostile_text_kept_as_written(world, api):
    api.as_user(world.lead)
    response = api.post("/activities", json=body(world, name=HOSTILE, owner=HOSTILE, notes="<b>notes</b>"))
    assert response.status_code == 201, response.data
    made = response.get_json()
    assert response.headers["Location"] == made["href"] and made["href"].endswith(f"/api/v1/activities/{made['id']}")
    assert (made["name"], made["owner"], made["notes"], made["assess_by"], made["needs_assessment"]) == (
        HOSTILE, HOSTILE, "<b>notes</b>", "2027-03-31", True)
    assert (made["directorate"], made["coverage"], made["references"], made["retired"]) == (
        "Adult Social Care", activities.NOT_ASSESSED, [], False)
    assert response.mimetype == "application/json"  # data, never a page a browser would run
    db.session.expire_all()
    assert db.session.get(Activity, made["id"]).name == HOSTILE
    [event] = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "programme:activity_added")).scalars()
    assert event.actor_id == world.lead.id
    got = api.get(f"/activities/{made['id']}")
    assert got.get_json() == made and got.headers["ETag"] == response.headers["ETag"]


def test_a_put_changes_what_it_says_if_the_etag_is_still_current(world, api):
    made = add(world)
    api.as_user(world.admin)
    read = api.get(f"/activities/{made.id}")
    changed = {**read.get_json(), "owner": "Head of Transport", "needs_assessment": False, "relevance": "low"}
    response = api.put(f"/activities/{made.id}", json=changed, headers={"If-Match": read.headers["ETag"]})
    assert response.status_code == 200, response.data
    after = response.get_json()
    assert (after["owner"], after["needs_assessment"], after["assess_by"], after["coverage"]) == (
        "Head of Transport", False, None, None)
    assert response.headers["ETag"] != read.headers["ETag"]
    [event] = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "programme:activity_changed")).scalars()
    assert event.details["fields"] == ["needs_assessment", "owner", "relevance"] and event.role == "admin"
    # The ETag read before that change is stale now: refused, and nothing changes.
    before = written()
    stale = is_problem(api.put(f"/activities/{made.id}", json={**changed, "owner": "Someone else"},
                               headers={"If-Match": read.headers["ETag"]}), 409)
    assert paths(stale) == ["header.If-Match"]
    assert written() == before and db.session.get(Activity, made.id).owner == "Head of Transport"
    is_problem(api.put(f"/activities/{made.id}", json=changed), 428)


def test_an_activity_is_linked_unlinked_in_any_case_and_retired(world, api):
    made = add(world)
    assessment = world.make_assessment("published")
    api.as_user(world.lead)
    response = api.post(f"/activities/{made.id}/links", json={"reference": assessment.reference.lower()})
    assert response.status_code == 201, response.data
    linked = response.get_json()
    assert linked["references"] == [assessment.reference] and linked["coverage"] == activities.CURRENT
    [link] = linked["links"]
    assert (link["reference"], link["latest"]["id"], link["latest"]["state"]) == (
        assessment.reference, assessment.id, "published")
    # The list reads how far each is covered from the lead's figures, once the link's commit has had them
    # worked out again (the activity's own answer above reads it as it is now).
    work_out_figures()
    listed = api.get("/activities").get_json()["items"]
    assert [(i["id"], i["references"], i["coverage"], i["late"]) for i in listed] == [
        (made.id, [assessment.reference], activities.CURRENT, False)]
    unlinked = api.client.delete(f"/api/v1/activities/{made.id}/links/{assessment.reference.lower()}",
                                 headers=api._headers())
    assert unlinked.status_code == 200 and unlinked.get_json()["references"] == []
    retired = api.post(f"/activities/{made.id}/retire")
    assert retired.status_code == 200 and retired.get_json()["retired"] is True
    assert retired.get_json()["retired_at"].endswith("Z")
    actions = [e.action for e in db.session.execute(sa.select(AuditEvent).where(AuditEvent.kind == "programme")
                                                     .order_by(AuditEvent.seq)).scalars()]
    assert actions == ["programme:activity_added", "programme:assessment_linked", "programme:assessment_unlinked",
                       "programme:activity_retired"]


def test_the_list_takes_the_filters_of_the_register_page(world, api):
    library = add(world, name="Library opening hours", owner="Culture")
    add(world, name="Gritting routes", directorate_id=world.other_directorate.id, relevance="none",
        needs_assessment=False)
    retired = add(world, name="Old parking policy")
    activities.retire(world.lead, retired)
    activities.link(world.lead, library, world.make_assessment("full_assessment").reference)
    db.session.commit()
    work_out_figures()
    api.as_user(world.lead)

    def names(query: str = "") -> list[str]:
        response = api.get("/activities" + query)
        assert response.status_code == 200, response.data
        return [item["name"] for item in response.get_json()["items"]]

    assert names() == ["Library opening hours", "Gritting routes"]  # by directorate, then name
    assert names(f"?directorate={world.other_directorate.id}") == ["Gritting routes"]
    assert names("?coverage=under_way") == ["Library opening hours"]
    assert names("?coverage=not_assessed") == []
    assert names("?needed=true") == ["Library opening hours"]
    assert names("?q=CULTURE") == ["Library opening hours"]  # the owner too, in any case
    assert names("?q=%25") == []  # % is a character, not a wildcard
    assert names("?retired=true") == ["Old parking policy"]
    assert names("?retired=false&late=false") == names()
    first = api.get("/activities?per_page=1").get_json()
    assert (first["total"], first["pages"], first["per_page"], len(first["items"])) == (2, 2, 1, 1)
    second = api.get("/activities?per_page=1&page=2").get_json()["items"]
    assert [i["name"] for i in second] == ["Gritting routes"]
    assert api.get("/activities?per_page=1&page=3").get_json()["items"] == []  # a client paging on stops here


@pytest.mark.parametrize("query,name", [("page=0", "page"), ("per_page=101", "per_page"), ("page=abc", "page"),
                                        ("coverage=everything", "coverage"), ("retired=yes", "retired"),
                                        ("late=1", "late"), ("needed=%3Cscript%3E", "needed"),
                                        ("directorate=0", "directorate"), ("directorate=" + "9" * 5000, "directorate"),
                                        ("q=" + "x" * 201, "q"), ("q=%00", "q")])
def test_a_bad_filter_is_a_400_naming_it(world, api, query, name):
    api.as_user(world.lead)
    assert paths(is_problem(api.get(f"/activities?{query}"), 400)) == [f"query.{name}"]


def test_a_page_of_the_register_asks_the_same_number_of_queries_however_large(world, api):
    api.as_user(world.lead)
    api.get("/activities")  # the token's first use is recorded apart: not what is counted

    def counted(per_page: int) -> tuple[int, int]:
        db.session.expire_all()
        with Queries() as queries:
            response = api.get(f"/activities?per_page={per_page}")
        assert response.status_code == 200
        return queries.count, len(response.get_json()["items"])

    for n in range(3):
        made = add(world, name=f"Activity {n}")
        activities.link(world.lead, made, world.make_assessment(title=f"Assessment {n}").reference)
        db.session.commit()
    few, shown = counted(10)
    assert shown == 3
    for n in range(3, 40):
        made = add(world, name=f"Activity {n}", directorate_id=(world.directorate if n % 2 else
                                                                world.other_directorate).id)
        if n % 5 == 0:
            activities.link(world.lead, made, world.make_assessment(title=f"Assessment {n}").reference)
            db.session.commit()
    assert counted(10) == (few, 10)
    assert counted(40) == (few, 40)


# ------------------------------------------------------------------ who may
@pytest.mark.parametrize("who", ["author", "decider", "outsider"])
def test_only_those_who_keep_the_register_may_read_or_change_it(world, api, who):
    made = add(world)
    assessment = world.make_assessment()
    api.as_user(getattr(world, who))
    before = written()
    for response in (api.get("/activities"), api.get(f"/activities/{made.id}"), api.get("/activities/999999"),
                     api.post("/activities", json=body(world, name="Another")),
                     api.put(f"/activities/{made.id}", json=body(world), headers={"If-Match": '"x"'}),
                     api.post(f"/activities/{made.id}/retire"),
                     api.post(f"/activities/{made.id}/links", json={"reference": assessment.reference}),
                     api.client.delete(f"/api/v1/activities/{made.id}/links/{assessment.reference}",
                                       headers=api._headers())):
        assert is_problem(response, 403)["detail"] == activities.NOT_A_KEEPER
    assert written() == before


def test_an_activity_that_does_not_exist_is_404_for_every_operation(world, api):
    api.as_user(world.lead)
    before = written()
    for response in (api.get("/activities/999999"), api.put("/activities/999999", json=body(world),
                                                            headers={"If-Match": '"x"'}),
                     api.post("/activities/999999/retire"), api.post("/activities/999999/links", json={"reference": "x"}),
                     api.client.delete("/api/v1/activities/999999/links/x", headers=api._headers()),
                     api.get("/activities/2147483648")):
        is_problem(response, 404)
    assert written() == before


def test_without_a_token_nothing_is_said_about_the_register(world, client):
    made = add(world)
    is_problem(client.get("/api/v1/activities"), 401)
    is_problem(client.get(f"/api/v1/activities/{made.id}"), 401)
    is_problem(client.post("/api/v1/activities", json=body(world, name="Another")), 401)


# ------------------------------------------------------------------ every rule, refused
def test_every_problem_with_an_activity_is_said_at_once_by_its_field_and_nothing_is_written(world, api):
    api.as_user(world.lead)
    before = written()
    problem = is_problem(api.post("/activities", json={"name": " ", "kind": "nonsense", "directorate_id": 999999,
                                                       "relevance": "vital"}), 422)
    assert problem["errors"] == [
        {"path": "$.name", "message": activities.NAME_MISSING},
        {"path": "$.kind", "message": activities.KIND_MISSING},
        {"path": "$.directorate_id", "message": activities.DIRECTORATE_MISSING},
        {"path": "$.relevance", "message": activities.RELEVANCE_MISSING},
        {"path": "$.needs_assessment", "message": activities.NEEDS_MISSING}]
    long = is_problem(api.post("/activities", json=body(world, name="x" * 201, owner="y" * 201, notes="z" * 10_001)),
                      422)
    assert long["errors"] == [{"path": "$.name", "message": activities.NAME_TOO_LONG},
                              {"path": "$.owner", "message": activities.OWNER_TOO_LONG},
                              {"path": "$.notes", "message": activities.NOTES_TOO_LONG}]
    assert is_problem(api.post("/activities", json=body(world, relevance="none")), 422)["errors"] == [
        {"path": "$.needs_assessment", "message": activities.NOT_RELEVANT_NEEDS_NONE}]
    nul = is_problem(api.post("/activities", json=body(world, name="Null\x00byte")), 422)
    assert paths(nul) == ["$.name"] and "null character" in nul["detail"]
    assert written() == before


def test_a_name_a_live_activity_of_the_directorate_has_is_refused_in_any_case(world, api):
    first = add(world, name="Library opening hours")
    other = add(world, name="Gritting")
    api.as_user(world.lead)
    before = written()
    for name in ("Library opening hours", "LIBRARY OPENING HOURS", "  library Opening hours "):
        assert is_problem(api.post("/activities", json=body(world, name=name)), 422)["errors"] == [
            {"path": "$.name", "message": activities.NAME_TAKEN}]
    etag = api.get(f"/activities/{other.id}").headers["ETag"]
    assert is_problem(api.put(f"/activities/{other.id}", json=body(world, name="library OPENING hours"),
                              headers={"If-Match": etag}), 422)["errors"] == [
        {"path": "$.name", "message": activities.NAME_TAKEN}]
    assert written() == before
    # Another directorate may have it; and once retired, the name is free again.
    assert api.post("/activities", json=body(world, name="Library opening hours",
                                             directorate_id=world.other_directorate.id)).status_code == 201
    assert api.post(f"/activities/{first.id}/retire").status_code == 200
    assert api.post("/activities", json=body(world, name="Library opening hours")).status_code == 201


@pytest.mark.parametrize("sent,path,message", [
    ({"name": 5}, "$.name", "'name' must be text"),
    ({"name": ["a"]}, "$.name", "'name' must be text"),
    ({"directorate_id": "1"}, "$.directorate_id", "'directorate_id' must be a whole number"),
    ({"directorate_id": True}, "$.directorate_id", "'directorate_id' must be a whole number"),
    ({"directorate_id": 1.5}, "$.directorate_id", "'directorate_id' must be a whole number"),
    ({"needs_assessment": "yes"}, "$.needs_assessment", "'needs_assessment' must be true or false"),
    ({"needs_assessment": 1}, "$.needs_assessment", "'needs_assessment' must be true or false"),
    ({"owner": {"a": 1}}, "$.owner", "'owner' must be text, or null"),
    ({"assess_by": "31/03/2027"}, "$.assess_by", "'assess_by' must be a date as YYYY-MM-DD, or null"),
    ({"assess_by": "2027-02-31"}, "$.assess_by", "'assess_by' must be a date as YYYY-MM-DD, or null"),
    ({"assess_by": 20270331}, "$.assess_by", "'assess_by' must be text, or null"),
    ({"state": "retired"}, "$.state", "'state' is not a field of an activity"),
    ({"id": 7}, "$.id", "'id' is not a field of an activity"),
])
def test_a_wrong_json_type_is_a_422_naming_the_field_and_writes_nothing(world, api, sent, path, message):
    api.as_user(world.lead)
    before = written()
    assert {"path": path, "message": message} in is_problem(api.post("/activities", json=body(world, **sent)),
                                                             422)["errors"]
    assert written() == before


@pytest.mark.parametrize("data,content_type,status", [
    ("[1, 2]", "application/json", 400),
    ('"a string"', "application/json", 400),
    ('{"name": ', "application/json", 400),
    ("{" * 100 + "}" * 100, "application/json", 400),
    ("name=Libraries", "application/x-www-form-urlencoded", 415),
    ("<activity/>", "application/xml", 415),
    ('{"notes": "' + "x" * 300_000 + '"}', "application/json", 413),
])
def test_a_body_that_is_not_a_json_object_is_refused_clearly(world, api, data, content_type, status):
    made = add(world)
    api.as_user(world.lead)
    etag = api.get(f"/activities/{made.id}").headers["ETag"]
    before = written()
    for url, method in (("/activities", "POST"), (f"/activities/{made.id}", "PUT"),
                        (f"/activities/{made.id}/links", "POST")):
        response = api.client.open("/api/v1" + url, method=method, data=data,
                                   headers={**api._headers(), "Content-Type": content_type, "If-Match": etag})
        assert is_problem(response, status)["detail"], (url, method)
    assert written() == before


def test_a_retired_activity_cannot_be_changed_linked_or_retired_again(world, api):
    made = add(world)
    assessment = world.make_assessment()
    api.as_user(world.lead)
    assert api.post(f"/activities/{made.id}/retire").status_code == 200
    etag = api.get(f"/activities/{made.id}").headers["ETag"]
    before = written()
    assert is_problem(api.post(f"/activities/{made.id}/retire"), 409)["detail"] == activities.ALREADY_RETIRED
    assert is_problem(api.put(f"/activities/{made.id}", json=body(world, owner="New"), headers={"If-Match": etag}),
                      409)["detail"] == activities.RETIRED_CANNOT_CHANGE
    assert is_problem(api.post(f"/activities/{made.id}/links", json={"reference": assessment.reference}),
                      409)["detail"] == activities.RETIRED_CANNOT_CHANGE
    assert written() == before


def test_a_link_is_refused_for_each_rule_with_the_reference_named(world, api):
    made, other = add(world), add(world, name="Gritting")
    assessment = world.make_assessment()
    activities.link(world.lead, other, assessment.reference)
    db.session.commit()
    api.as_user(world.lead)
    before = written()
    url = f"/activities/{made.id}/links"
    for sent, message in (
            ({"reference": ""}, activities.REFERENCE_MISSING),
            ({"reference": "EQIA-1999-9999"}, "There is no assessment with the reference EQIA-1999-9999"),
            ({"reference": "' OR 1=1 --"}, "There is no assessment with the reference ' OR 1=1 --"),
            ({"reference": "<script>x</script>"}, "There is no assessment with the reference <SCRIPT>X</SCRIPT>"),
            ({"reference": assessment.reference}, f"{assessment.reference} already assesses \u201cGritting\u201d: "
                                                  "unlink it there first"),
            ({"reference": 5}, "'reference' must be text, such as EQIA-2026-0001"),
            ({}, "'reference' must be text, such as EQIA-2026-0001"),
            ({"reference": "x", "activity": 1}, "'activity' is not a field here")):
        problem = is_problem(api.post(url, json=sent), 422)
        assert message in [e["message"] for e in problem["errors"]], sent
    assert is_problem(api.post(f"/activities/{other.id}/links", json={"reference": assessment.reference}),
                      422)["errors"] == [{"path": "$.reference", "message": activities.ALREADY_LINKED_HERE}]
    assert is_problem(api.client.delete(f"/api/v1/activities/{made.id}/links/{assessment.reference}",
                                        headers=api._headers()), 409)["detail"] == activities.NOT_LINKED_HERE
    assert written() == before


def test_the_openapi_document_describes_the_register(world, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/activities", "/activities/{activity_id}", "/activities/{activity_id}/retire",
            "/activities/{activity_id}/links", "/activities/{activity_id}/links/{reference}"} <= set(spec["paths"])
    assert set(spec["components"]["schemas"]["ActivityRequest"]["properties"]) == {
        "name", "kind", "directorate_id", "owner", "relevance", "needs_assessment", "assess_by", "notes"}
