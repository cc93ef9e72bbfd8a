"""Action progress over the JSON API (issue 16): GET lists each action as the plan says
it with its progress; POST records an update through the same service as the page,
for the same people, with every bad body answered by a clear 4xx problem."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from eqia.extensions import db
from eqia.models import ActionUpdate, Assessment
from eqia.services.action_progress import DATE_IN_FUTURE, NOT_YOURS, REASON_MISSING, STATUS_MISSING
from tests.test_api import Api, is_problem
from tests.test_my_actions import plan

HOSTILE = "<script>alert('x')</script> & \u202e\U0001F600 ' \" %s {0} =1+1"
TODAY = date.today()


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def owner(world):
    return world.make_user("owner@example.test", directorate=world.other_directorate, commit=True)


@pytest.fixture
def signed(world, owner) -> Assessment:
    return plan(world, {"owner": owner, "due": 20, "description": "Print large-print timetables"})


def updates_url(a: Assessment, n: int = 0) -> str:
    action = db.session.get(Assessment, a.id).actions[n]
    return f"/assessments/{a.id}/actions/{action.id}/updates"


def count_updates() -> int:
    db.session.expire_all()
    return db.session.query(ActionUpdate).count()


def test_the_actions_come_as_signed_with_their_progress(api, world, owner, signed):
    api.as_user(world.author)
    response = api.get(f"/assessments/{signed.id}/actions")
    assert response.status_code == 200
    body = response.get_json()
    assert body["tracks_progress"] is True and body["assessment"]["id"] == signed.id
    first, second = body["actions"]
    assert (first["number"], first["plan"]["owner"], first["plan"].get("owner_email")) == (1, "Sam Lee", None)
    assert (second["plan"]["description"], second["plan"]["owner_email"]) == ("Print large-print timetables",
                                                                             "owner@example.test")
    assert (second["status"], second["overdue"], second["may_update"], second["updates"]) == (
        "not_started", False, True, [])
    assert second["updates_href"].endswith(updates_url(signed, 1))


def test_an_owner_records_progress_on_their_action_and_sees_it_listed(api, world, owner, signed):
    api.as_user(owner)
    response = api.post(updates_url(signed, 1), json={"status": "done", "note": HOSTILE, "evidence": HOSTILE,
                                                      "dated": TODAY.isoformat()})
    assert response.status_code == 201, response.data
    made = response.get_json()
    assert (made["status"], made["may_update"]) == ("done", False)
    [update] = made["updates"]
    assert (update["note"], update["evidence"], update["recorded_by"]["email"]) == (HOSTILE, HOSTILE,
                                                                                   "owner@example.test")
    listed = api.get(f"/assessments/{signed.id}/actions").get_json()["actions"]
    assert [a["may_update"] for a in listed] == [False, False]  # not theirs, and closed
    db.session.expire_all()
    assert db.session.get(ActionUpdate, 1).note == HOSTILE  # stored verbatim


def test_dated_left_out_means_today(api, world, signed):
    api.as_user(world.author)
    response = api.post(updates_url(signed), json={"status": "in_progress"})
    assert response.status_code == 201
    assert response.get_json()["updates"][0]["dated"] == TODAY.isoformat()


def test_an_owner_may_not_update_another_action(api, world, owner, signed):
    api.as_user(owner)
    body = is_problem(api.post(updates_url(signed, 0), json={"status": "done"}), 403)
    assert body["detail"] == NOT_YOURS
    assert count_updates() == 0


def test_a_decision_maker_is_refused_and_an_outsider_told_it_does_not_exist(api, world, signed):
    is_problem(Api(api.client).as_user(world.decider).post(updates_url(signed), json={"status": "done"}), 403)
    is_problem(Api(api.client).as_user(world.outsider).post(updates_url(signed), json={"status": "done"}), 404)
    is_problem(Api(api.client).as_user(world.outsider).get(f"/assessments/{signed.id}/actions"), 404)
    is_problem(Api(api.client).as_user(world.author).post(f"/assessments/{signed.id}/actions/999999/updates",
                                                          json={"status": "done"}), 404)
    is_problem(api.client.get(f"/api/v1/assessments/{signed.id}/actions"), 401)
    assert count_updates() == 0


def test_before_sign_off_there_is_no_progress_to_record(api, world):
    draft = world.make_assessment("full_assessment")
    api.as_user(world.author)
    body = api.get(f"/assessments/{draft.id}/actions").get_json()
    assert body["tracks_progress"] is False and [a["may_update"] for a in body["actions"]] == [False]
    is_problem(api.post(updates_url(draft), json={"status": "done"}), 409)


@pytest.mark.parametrize("sent,status,errors", [
    ({}, 422, [("$.status", STATUS_MISSING)]),
    ({"status": "finished"}, 422, [("$.status", STATUS_MISSING)]),
    ({"status": 3}, 422, [("$.status", "'status' must be text")]),
    ({"status": "dropped"}, 422, [("$.note", REASON_MISSING)]),
    ({"status": "done", "dated": "30/09/2026"}, 422, [("$.dated", "Enter the date as YYYY-MM-DD, for example 2026-09-30")]),
    ({"status": "done", "dated": "2026-02-30"}, 422, [("$.dated", "Enter the date as YYYY-MM-DD, for example 2026-09-30")]),
    ({"status": "done", "dated": 20260930}, 422, [("$.dated", "Enter the date as YYYY-MM-DD, for example 2026-09-30")]),
    ({"status": "done", "dated": (TODAY + timedelta(days=2)).isoformat()}, 422, [("$.dated", DATE_IN_FUTURE)]),
    ({"status": "done", "note": "a" * 10_001}, 422, [("$.note", "Progress note must be 10,000 characters or fewer")]),
    ({"status": "done", "note": "nul \x00"}, 422, None),
    ({"status": "done", "colour": "red"}, 422, [("$.colour", "'colour' is not a field here")]),
    (["status", "done"], 422, [("$", "The body must be a JSON object")]),
])
def test_a_bad_body_gets_a_clear_problem_and_records_nothing(api, world, signed, sent, status, errors):
    api.as_user(world.author)
    body = is_problem(api.post(updates_url(signed), json=sent), status)
    if errors is not None:
        assert [(e["path"], e["message"]) for e in body["errors"]] == errors
    else:
        assert body["errors"][0]["path"] == "$.note"
    assert count_updates() == 0


def test_malformed_empty_and_huge_bodies_are_refused(api, world, signed):
    api.as_user(world.author)
    url = updates_url(signed)
    is_problem(api.post(url, data="{not json", headers={"Content-Type": "application/json"}), 400)
    is_problem(api.post(url, data="", headers={"Content-Type": "application/json"}), 400)
    is_problem(api.post(url, data="status=done"), 415)
    is_problem(api.post(url, data='{"note": "' + "x" * 70_000 + '"}',
                        headers={"Content-Type": "application/json"}), 413)
    assert count_updates() == 0


def test_the_openapi_document_describes_both_operations(api):
    paths = api.client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/assessments/{assessment_id}/actions"]["get"]["operationId"] == "getActionProgress"
    assert paths["/assessments/{assessment_id}/actions/{item_id}/updates"]["post"]["operationId"] == \
        "recordActionUpdate"
