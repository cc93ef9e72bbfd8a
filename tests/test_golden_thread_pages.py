"""The golden thread's pages (issue 18): the list of objectives, adding, changing and retiring one, the
report per service and its CSV, every tag as CSV, and the "Golden thread" section on an EqIA action's and a
plan row's page. Bad input gets a message and saves nothing; hostile text is shown escaped."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Assessment, ObjectiveTag, ServiceObjective
from eqia.services import golden_thread as thread
from eqia.services.action_progress import today
from tests.test_golden_thread import count, objective, service
from tests.test_plans import HOSTILE, add_row, adopted, make


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def errors_of(response) -> list[str]:
    return [item.get_text(strip=True) for item in page(response).select(".govuk-error-summary__list li")]


def csv_rows(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.fixture
def area(world):
    return service(world)


@pytest.fixture
def signed(world) -> Assessment:
    return world.make_assessment("signed_off")


def test_a_lead_adds_an_objective_from_the_programme_and_sees_it_listed_and_reported(client, auth, world, area):
    auth.sign_in(world.lead)
    assert page(client.get("/programme")).select_one("a[href='/programme/objectives']")
    form = page(client.get("/programme/objectives/new"))
    assert [o.get_text() for o in form.select("select[name=service_area_id] option")][1:] == [
        "Adult Social Care: Reablement"]
    done = client.post("/programme/objectives/new", data={"service_area_id": str(area.id), "kind": "indicator",
                                                          "code": "ASC-PI-07", "title": HOSTILE})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/programme/objectives/services/{area.id}")
    listing = client.get("/programme/objectives")
    assert HOSTILE.encode() not in listing.data and b"&lt;script&gt;" in listing.data
    [row] = page(listing).select("#objectives tbody tr")
    assert [c.get_text(strip=True) for c in row.select("td")] == [
        "Adult Social Care", "Reablement", "ASC-PI-07", "Performance indicator", HOSTILE, "0"]
    report = client.get(f"/programme/objectives/services/{area.id}")
    assert report.status_code == 200 and HOSTILE.encode() not in report.data
    assert "Nothing is tagged to this objective yet." in page(report).get_text()


def test_a_bad_objective_is_refused_with_each_problem_named_and_nothing_saved(client, auth, world, area):
    objective(world, area, code="ASC-1")
    auth.sign_in(world.lead)
    response = client.post("/programme/objectives/new", data={"service_area_id": "1 OR 1=1", "kind": "goal",
                                                              "code": "", "title": "x" * 301})
    assert response.status_code == 422 and errors_of(response)
    response = client.post("/programme/objectives/new", data={"service_area_id": "99999999999", "kind": "goal",
                                                              "code": "", "title": "x" * 301})
    assert response.status_code == 422
    assert errors_of(response) == [
        "Select the service the objective belongs to",
        "Select whether it is a service plan objective or a performance indicator",
        "Enter the objective\u2019s code, for example ASC-PI-07", "The title must be 300 characters or fewer"]
    taken = client.post("/programme/objectives/new", data={"service_area_id": str(area.id), "kind": "objective",
                                                           "code": "asc-1", "title": "<b>keep me</b>"})
    assert taken.status_code == 422 and errors_of(taken) == [
        "This service already has an objective with that code: enter a different code"]
    assert page(taken).select_one("input[name=title]")["value"] == "<b>keep me</b>"
    assert count(ServiceObjective) == 1


def test_an_objective_is_changed_and_retired_on_its_pages(client, auth, world, area):
    made = objective(world, area)
    auth.sign_in(world.admin)
    assert page(client.get(f"/programme/objectives/{made.id}/edit")).select_one("input[name=code]")["value"] == \
        "ASC-PI-07"
    done = client.post(f"/programme/objectives/{made.id}/edit", data={"service_area_id": str(area.id),
                                                                       "kind": "objective", "code": "ASC-9",
                                                                       "title": "Changed"})
    assert done.status_code == 302
    assert client.post(f"/programme/objectives/{made.id}/retire").status_code == 302
    db.session.expire_all()
    again = db.session.get(ServiceObjective, made.id)
    assert (again.code, again.kind, again.title, again.retired) == ("ASC-9", "objective", "Changed", True)
    assert client.get(f"/programme/objectives/{made.id}/edit").status_code == 200
    assert client.post(f"/programme/objectives/{made.id}/edit", data={
        "service_area_id": str(area.id), "kind": "objective", "code": "X", "title": "Y"}).status_code == 409
    retired = page(client.get("/programme/objectives?retired=yes"))
    assert [c.get_text(strip=True) for c in retired.select("#objectives tbody td")][2] == "ASC-9"


@pytest.mark.parametrize("who", ["author", "decider", "outsider"])
def test_nobody_but_leads_and_admins_reaches_the_pages(client, auth, world, area, who):
    made = objective(world, area)
    auth.sign_in(getattr(world, who))
    for url in ("/programme/objectives", "/programme/objectives/new", f"/programme/objectives/{made.id}/edit",
                f"/programme/objectives/services/{area.id}", f"/programme/objectives/services/{area.id}.csv",
                "/programme/objectives/tags.csv"):
        assert client.get(url).status_code == 403, url
    assert client.post("/programme/objectives/tags/actions/1", data={"objective_id": str(made.id)}).status_code == 403
    assert count(ObjectiveTag) == 0


def test_a_lead_tags_a_signed_action_on_its_page_and_removes_the_tag(client, auth, world, area, signed):
    made = objective(world, area)
    action = signed.actions[0]
    lock = signed.lock_version
    auth.sign_in(world.lead)
    url = f"/assessments/{signed.id}/action/{action.id}/progress"
    section = page(client.get(url)).select_one("#golden-thread")
    assert "Not tagged to any objective." in section.get_text()
    assert [o.get_text() for o in section.select("select[name=objective_id] option")][1:] == [
        "Reablement: ASC-PI-07, People still at home 91 days after reablement"]
    done = client.post(section.select_one("form")["action"], data={"objective_id": str(made.id)})
    assert done.status_code == 302 and done.headers["Location"].endswith(url + "#golden-thread")
    shown = page(client.get(url)).select_one("#thread-tags")
    assert "ASC-PI-07" in shown.get_text()
    again = client.post(f"/programme/objectives/tags/actions/{action.id}", data={"objective_id": str(made.id)})
    assert again.status_code == 302
    assert "It is already tagged to that objective" in page(client.get(url)).get_text()
    for bad in ("", "99999999999999999999", "<script>", "0"):
        assert client.post(f"/programme/objectives/tags/actions/{action.id}",
                           data={"objective_id": bad}).status_code == 302
    assert client.post("/programme/objectives/tags/actions/99999999",
                       data={"objective_id": str(made.id)}).status_code == 302
    assert count(ObjectiveTag) == 1
    removed = client.post(shown.select_one("form")["action"])
    assert removed.status_code == 302 and count(ObjectiveTag) == 0
    db.session.expire_all()
    assert db.session.get(Assessment, signed.id).lock_version == lock


def test_the_author_sees_no_golden_thread_on_the_actions_page(client, auth, world, area, signed):
    objective(world, area)
    auth.sign_in(world.author)
    response = client.get(f"/assessments/{signed.id}/action/{signed.actions[0].id}/progress")
    assert response.status_code == 200 and page(response).select_one("#golden-thread") is None


def test_a_lead_tags_an_adopted_plans_row_on_its_page(client, auth, world, area):
    made = objective(world, area)
    plan = make(world)
    row = add_row(world, plan)
    adopted(world, plan)
    auth.sign_in(world.lead)
    url = f"/programme/plans/{plan.id}/rows/{row.id}/progress"
    form = page(client.get(url)).select_one("#golden-thread form")
    assert client.post(form["action"], data={"objective_id": str(made.id)}).status_code == 302
    assert "ASC-PI-07" in page(client.get(url)).select_one("#thread-tags").get_text()


def test_the_report_and_its_csv_list_each_tagged_item_with_its_status_now(client, auth, world, area, signed):
    late = objective(world, area, code="ASC-1", title=HOSTILE)
    plan = make(world)
    row = add_row(world, plan, number="R1", recommendation=HOSTILE, due_on=today() - timedelta(days=3))
    thread.tag_row(world.lead, row.id, late.id)
    thread.tag_action(world.lead, signed.actions[0].id, late.id)
    db.session.commit()
    auth.sign_in(world.lead)
    report = client.get(f"/programme/objectives/services/{area.id}")
    assert HOSTILE.encode() not in report.data
    counts = page(report).select_one(f"#counts-{late.id}").get_text(" ", strip=True)
    assert counts == "Items tagged 2 Done 0 On track 1 Overdue 1 Dropped 0"
    # Each item leads to a page the lead can open (an action of an assessment whose progress is not tracked
    # too: its assessment's page, never the progress page that would refuse them).
    hrefs = [a["href"] for a in page(report).select(f"#items-{late.id} a")]
    assert hrefs == [f"/assessments/{signed.id}#action-progress", f"/programme/plans/{plan.id}/rows/{row.id}/progress"]
    assert [client.get(h.partition("#")[0]).status_code for h in hrefs] == [200, 200]
    rows = csv_rows(client.get(f"/programme/objectives/services/{area.id}.csv"))
    action = signed.actions[0]
    assert rows == [
        ["Directorate", "Service", "Objective code", "Kind", "Objective", "Item type", "Reference", "Number",
         "Description", "Owner", "Due", "Status now", "Overdue"],
        ["Adult Social Care", "Reablement", "ASC-1", "Performance indicator", HOSTILE, "eqia_action", f"{signed.reference} v1", "1", action.description, action.owner,
         action.due_date.isoformat(), "Not started", "No"],
        ["Adult Social Care", "Reablement", "ASC-1", "Performance indicator", HOSTILE, "plan_row", f"PLAN-{plan.id}",
         "R1", HOSTILE, "Head of HR", (today() - timedelta(days=3)).isoformat(), "Not started", "Yes"]]
    assert csv_rows(client.get("/programme/objectives/tags.csv")) == rows


def test_the_pages_ask_as_many_queries_with_ten_tags_as_with_two(client, auth, world, area, signed):
    from tests.test_my_actions import Queries

    made = objective(world, area)
    plan = make(world)
    auth.sign_in(world.lead)

    def tag_rows(n: int) -> None:
        for _ in range(n):
            thread.tag_row(world.lead, add_row(world, plan, number=f"R{count(ObjectiveTag)}").id, made.id)
        db.session.commit()

    def asked() -> tuple[int, ...]:
        counted = []
        for url in (f"/programme/objectives/services/{area.id}", f"/programme/objectives/services/{area.id}.csv",
                    "/programme/objectives/tags.csv", "/programme/objectives",
                    f"/assessments/{signed.id}/action/{signed.actions[0].id}/progress"):
            db.session.expire_all()
            with Queries() as queries:
                assert client.get(url).status_code == 200, url
            counted.append(queries.count)
        return tuple(counted)

    thread.tag_action(world.lead, signed.actions[0].id, made.id)
    tag_rows(1)
    few = asked()
    for n in range(3):
        more = objective(world, area, code=f"More-{n}")
        thread.tag_action(world.lead, signed.actions[0].id, more.id)
        db.session.commit()
    tag_rows(5)
    assert count(ObjectiveTag) == 10
    assert asked() == few
