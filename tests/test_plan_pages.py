"""Equality action plans' pages (issue 18): who reaches them, writing rows, the workflow's
buttons and confirmations, progress, and the CSV; bad input gets a message and loses nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import ActionPlan, PlanRow, PlanRowUpdate
from eqia.services import plans
from tests.test_plans import HOSTILE, add_row, adopted, make
from tests.conftest import PASSWORD


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def errors_of(response) -> list[str]:
    return [item.get_text(strip=True) for item in page(response).select(".govuk-error-summary__list li")]


def posted_row(plan, **overrides) -> dict:
    values = {"theme_id": str(plan.themes[1].id), "number": "R4", "recommendation": HOSTILE, "response": "agreed",
              "response_reason": "", "next_steps": "Set up a members' equality panel",
              "due_on": ["31", "3", "2027"], "due_condition": "", "owner": "Democratic services",
              "owner_user_id": "", "lock_version": str(plan.lock_version)}
    values.update(overrides)
    return values


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_lead_makes_a_plan_and_writes_its_rows_on_the_pages(client, auth, world):
    auth.sign_in(world.lead)
    listing = client.get("/programme/plans")
    assert listing.status_code == 200 and page(listing).select_one("a[href='/programme/plans/new']")
    assert page(client.get("/programme")).select_one("a[href='/programme/plans']")
    response = client.post("/programme/plans/new", data={"title": HOSTILE, "source": "LGA peer challenge"})
    plan = db.session.scalars(sa.select(ActionPlan)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/programme/plans/{plan.id}")
    shown = client.get(f"/programme/plans/{plan.id}")
    assert HOSTILE.encode() not in shown.data and b"&lt;script&gt;" in shown.data
    assert [h.get_text(strip=True) for h in page(shown).select("h2.govuk-heading-m")] == [
        "Understanding and working with your communities", "Leadership, partnership and organisational commitment",
        "Responsive services and customer care", "Diverse and engaged workforce"]
    form = client.get(f"/programme/plans/{plan.id}/rows/new")
    assert form.status_code == 200
    # Each group of radios is asked as a question (a fieldset's legend), not left as bare choices.
    assert page(form).select_one("fieldset:has(input[name=response]) legend").get_text(strip=True) == \
        "Management response"
    done = client.post(f"/programme/plans/{plan.id}/rows/new", data=posted_row(plan))
    assert done.status_code == 302
    row = db.session.scalars(sa.select(PlanRow)).one()
    assert (row.recommendation, row.due_on, row.theme_id) == (HOSTILE, date(2027, 3, 31), plan.themes[1].id)
    shown = page(client.get(f"/programme/plans/{plan.id}"))
    assert shown.select_one(f"#row-{row.id} th").get_text(strip=True) == "R4"
    assert [a.get_text(strip=True) for a in shown.select(".govuk-button-group a")] == [
        "Agree the plan", "Add a recommendation", "Import recommendations"]


def test_the_councils_words_show_while_the_management_response_is_not_yet_chosen(client, auth, world):
    # An import keeps a response it cannot read ("To be considered by Cabinet.") as the words alone: the
    # lead chooses the response from them, so the plan's page must show them, not only "Not given yet".
    plan = make(world)
    row = add_row(world, plan, response="", response_reason=f"To be considered by Cabinet. {HOSTILE}")
    auth.sign_in(world.lead)
    cell = page(client.get(f"/programme/plans/{plan.id}")).select(f"#row-{row.id} td")[1]
    assert cell.get_text(" ", strip=True) == f"Not given yet To be considered by Cabinet. {HOSTILE}"


def test_a_bad_row_is_refused_with_each_problem_named_and_what_was_typed_kept(client, auth, world):
    plan = make(world)
    auth.sign_in(world.lead)
    unparsed = client.post(f"/programme/plans/{plan.id}/rows/new", data=posted_row(plan, due_on=["31", "2", "2027"]))
    assert unparsed.status_code == 422 and errors_of(unparsed) == ["By when must be a real date"]
    response = client.post(f"/programme/plans/{plan.id}/rows/new", data=posted_row(
        plan, theme_id="99999999999999", recommendation="", response="agreed';--", owner_user_id="1 OR 1=1",
        next_steps="x" * 10_001, number="<b>keep me</b>"))
    assert response.status_code == 422
    assert errors_of(response) == ["Select the theme the recommendation belongs to",
                                   "Enter the recommendation", "Select the management response, or leave it for now",
                                   "This must be 10,000 characters or fewer",
                                   "Select a person with an account, or leave it and say by whom in words"]
    assert page(response).select_one("input[name=number]")["value"] == "<b>keep me</b>"
    assert "x" * 10_001 in page(response).select_one("textarea[name=next_steps]").get_text()
    assert count(PlanRow) == 0


def test_a_row_saved_over_someone_elses_change_is_refused_and_kept_on_the_form(client, auth, world):
    plan = make(world)
    seen = plan.lock_version
    add_row(world, plan, user=world.lead2)
    auth.sign_in(world.lead)
    response = client.post(f"/programme/plans/{plan.id}/rows/new",
                           data={**posted_row(plan), "lock_version": str(seen), "number": "Mine"})
    assert response.status_code == 409
    assert "Someone else changed this plan" in " ".join(errors_of(response))
    assert page(response).select_one("input[name=number]")["value"] == "Mine"
    assert count(PlanRow) == 1


@pytest.mark.parametrize("who", ["author", "outsider"])
def test_staff_who_own_no_row_see_no_plan_and_cannot_make_one(client, auth, world, who):
    plan = make(world)
    auth.sign_in(getattr(world, who))
    assert client.get("/programme/plans/new").status_code == 403
    assert client.post("/programme/plans/new", data={"title": "Mine"}).status_code == 403
    for url in (f"/programme/plans/{plan.id}", f"/programme/plans/{plan.id}.csv",
                f"/programme/plans/{plan.id}/rows/new", f"/programme/plans/{plan.id}/actions/agree_plan"):
        assert client.get(url).status_code == 404, url
    assert count(ActionPlan) == 1
    assert "There are no action plans yet." in page(client.get("/programme/plans")).get_text()


def test_the_workflows_actions_are_the_definitions_with_their_comment_and_confirmation(client, auth, world):
    plan = make(world)
    auth.sign_in(world.lead)
    blocked = client.get(f"/programme/plans/{plan.id}/actions/agree_plan")
    assert [li.get_text(strip=True) for li in page(blocked).select("#blocked li")] == [
        "Add at least one recommendation to the plan"]
    refused = client.post(f"/programme/plans/{plan.id}/actions/agree_plan",
                          data={"lock_version": str(plan.lock_version)})
    assert refused.status_code == 409 and db.session.get(ActionPlan, plan.id).state == "draft"
    add_row(world, plan)
    db.session.expire_all()
    plan = db.session.get(ActionPlan, plan.id)
    agreed = client.post(f"/programme/plans/{plan.id}/actions/agree_plan",
                         data={"lock_version": str(plan.lock_version), "comment": "Agreed with services"})
    assert agreed.status_code == 302
    assert "Plan agreed. The plan is now agreed by the equality lead" in client.get(agreed.headers["Location"]).get_data(
        as_text=True)
    assert client.get(f"/programme/plans/{plan.id}/actions/adopt_plan").status_code == 403
    assert client.get(f"/programme/plans/{plan.id}/actions/no_such_thing").status_code == 404
    auth.sign_out()
    auth.sign_in(world.decider)
    form = client.get(f"/programme/plans/{plan.id}/actions/adopt_plan")
    assert page(form).select_one("#attestation") is not None
    db.session.expire_all()
    plan = db.session.get(ActionPlan, plan.id)
    unconfirmed = client.post(f"/programme/plans/{plan.id}/actions/adopt_plan",
                              data={"lock_version": str(plan.lock_version)})
    assert unconfirmed.status_code == 422 and db.session.get(ActionPlan, plan.id).state == "agreed"
    stale = client.post(f"/programme/plans/{plan.id}/actions/adopt_plan",
                        data={"lock_version": str(plan.lock_version - 1), "attest": "y"})
    assert stale.status_code == 409
    assert client.post(f"/programme/plans/{plan.id}/actions/adopt_plan",
                       data={"lock_version": str(plan.lock_version), "attest": "y",
                             "password": PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ActionPlan, plan.id).state == "adopted"


def test_a_rows_owner_records_progress_on_their_row_and_the_csv_carries_it(client, auth, world):
    plan = make(world)
    row = add_row(world, plan, owner_user_id=world.author.id, due_on=date(2020, 1, 31))
    other = add_row(world, plan, number="R2", due_on=None, due_condition="After the Census release")
    adopted(world, plan)
    auth.sign_in(world.author)
    shown = page(client.get(f"/programme/plans/{plan.id}"))
    assert shown.select_one(f"#row-{row.id} a[href$='/rows/{row.id}/progress']") is not None
    assert shown.select_one(f"#row-{other.id} a") is None
    assert "Overdue" in shown.select_one(f"#row-{row.id}").get_text()
    assert client.post(f"/programme/plans/{plan.id}/rows/{other.id}/progress",
                       data={"status": "done", "dated": ["1", "1", "2026"]}).status_code == 403
    bad = client.post(f"/programme/plans/{plan.id}/rows/{row.id}/progress",
                      data={"status": "dropped", "note": "", "dated": ["1", "1", "2026"]})
    assert bad.status_code == 422 and errors_of(bad) == ["Say why the action was dropped"]
    today = date.today()
    assert client.post(f"/programme/plans/{plan.id}/rows/{row.id}/progress", data={
        "status": "done", "note": HOSTILE, "evidence": "", "dated": [str(today.day), str(today.month),
                                                                     str(today.year)]}).status_code == 302
    assert db.session.scalars(sa.select(PlanRowUpdate)).one().note == HOSTILE
    history = client.get(f"/programme/plans/{plan.id}/rows/{row.id}/progress")
    assert b"&lt;script&gt;" in history.data and page(history).select_one("form input[name=status]") is None
    download = client.get(f"/programme/plans/{plan.id}.csv")
    assert download.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0] == ["Theme", "Number", "Recommendation", "Management response", "Response in full", "Next steps",
                        "By when", "By whom", "Status", "Overdue", "Latest progress note", "As at"]
    assert [(r[1], r[6], r[8], r[9], r[10]) for r in table[1:]] == [
        ("R1", "2020-01-31", "Done", "No", HOSTILE),
        ("R2", "After the Census release", "Not started", "No", "")]


def test_a_decision_maker_finds_the_plans_waiting_to_be_adopted(client, auth, world):
    plan = make(world)
    add_row(world, plan)
    plans.take(world.lead, plan.id, "agree_plan")
    db.session.commit()
    auth.sign_in(world.decider)
    listing = page(client.get("/programme/plans"))
    assert listing.select_one(f"a[href='/programme/plans/{plan.id}']") is not None
    assert "Agreed by the equality lead" in listing.get_text()
    assert page(client.get(f"/programme/plans/{plan.id}")).select_one(
        f"a[href='/programme/plans/{plan.id}/actions/adopt_plan']") is not None


def test_my_work_lists_the_plans_waiting_for_me_and_my_actions_the_rows_i_own(client, auth, world):
    plan = make(world, title=HOSTILE)
    mine = add_row(world, plan, owner_user_id=world.author.id, due_on=date(2020, 1, 31))
    add_row(world, plan, number="R2")
    auth.sign_in(world.lead)
    waiting = page(client.get("/my-work")).select_one("#plans-waiting + ul")
    assert waiting.select_one(f"a[href='/programme/plans/{plan.id}']").get_text() == HOSTILE
    assert "Agree the plan" in waiting.get_text()
    plans.take(world.lead, plan.id, "agree_plan")
    db.session.commit()
    assert page(client.get("/my-work")).select_one("#plans-waiting") is None
    auth.sign_out()
    auth.sign_in(world.decider)
    assert "Adopt the plan" in page(client.get("/my-work")).select_one("#plans-waiting + ul").get_text()
    auth.sign_out()
    auth.sign_in(world.author)
    assert page(client.get("/my-actions")).select_one("#my-plan-rows") is None  # not adopted yet: nothing to record
    plans.take(world.decider, plan.id, "adopt_plan", attested=True, password=PASSWORD)
    db.session.commit()
    table = page(client.get("/my-actions")).select_one("#my-plan-rows")
    [row] = table.select("tbody tr")
    assert "Overdue" in row.get_text() and row.select_one(f"a[href$='/rows/{mine.id}/progress']")
    assert page(client.get("/my-work")).select_one("#plans-waiting") is None


def test_my_work_and_my_actions_ask_as_many_queries_with_many_plans_as_with_one(client, auth, world):
    from tests.test_my_actions import Queries

    def asked(who, url: str) -> int:
        auth.sign_in(who)
        db.session.expire_all()
        with Queries() as counted:
            assert client.get(url).status_code == 200
        auth.sign_out()
        return counted.count

    def two_plans():
        waiting = make(world)  # a draft, waiting for the lead to agree it
        add_row(world, waiting)
        tracked = make(world)  # adopted, with rows the author owns
        add_row(world, tracked, owner_user_id=world.author.id)
        add_row(world, tracked, number="R2", owner_user_id=world.author.id)
        plans.take(world.lead2, tracked.id, "agree_plan")
        plans.take(world.decider, tracked.id, "adopt_plan", attested=True, password=PASSWORD)
        db.session.commit()

    two_plans()
    few = (asked(world.lead, "/my-work"), asked(world.author, "/my-actions"))
    for _ in range(5):
        two_plans()
    assert len(plans.waiting_for(world.lead)) == 6 and len(plans.rows_owned(world.author)) == 12
    assert (asked(world.lead, "/my-work"), asked(world.author, "/my-actions")) == few


def test_a_plans_page_asks_as_many_queries_with_many_rows_as_with_few_for_a_rows_owner(client, auth, world):
    from tests.test_my_actions import Queries

    plan = make(world)
    add_row(world, plan, owner_user_id=world.author.id)
    add_row(world, plan, number="R2")
    adopted(world, plan)
    auth.sign_in(world.author)

    def asked() -> int:
        db.session.expire_all()
        with Queries() as counted:
            assert client.get(f"/programme/plans/{plan.id}").status_code == 200
        return counted.count

    few = asked()
    db.session.add_all([PlanRow(plan_id=plan.id, theme_id=plan.themes[0].id, position=10 + n,
                                recommendation=f"More {n}", owner="Someone") for n in range(8)])
    db.session.commit()
    assert asked() == few
