"""The Equality Framework self-assessment's pages (issue 18): who reaches them, starting one,
rating a criterion (hostile words kept and shown escaped, bad input refused with what to do and
nothing saved), the page module by module beside last year's, the gaps into an action plan
through a confirmation, the CSV, and the queries a page asks."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import ActionPlan, FrameworkAssessment, FrameworkRating, PlanRow
from eqia.services import framework
from tests.test_framework import EFLG, count, rate, start
from tests.test_plans import HOSTILE, make


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def errors_of(response) -> list[str]:
    return [item.get_text(strip=True) for item in page(response).select(".govuk-error-summary__list li")]


def test_a_lead_starts_a_self_assessment_from_the_programme_and_rates_a_criterion(client, auth, world):
    last = start(world, "2025/26")
    rate(world, last, "engagement", "excellent")
    auth.sign_in(world.lead)
    assert page(client.get("/programme")).select_one("a[href='/programme/framework']")
    listing = client.get("/programme/framework")
    assert listing.status_code == 200 and page(listing).select_one("a[href='/programme/framework/new']")
    form = page(client.get("/programme/framework/new"))
    assert [o["value"] for o in form.select("select[name=previous] option")][:2] == ["", "none"]
    assert form.select_one("legend").get_text(strip=True) == "Framework"  # radios keep their question
    response = client.post("/programme/framework/new", data={"framework": EFLG, "period": "2026/27", "previous": ""})
    found = db.session.scalars(sa.select(FrameworkAssessment).where(FrameworkAssessment.period == "2026/27")).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/programme/framework/{found.id}")
    assert found.previous_id == last.id
    url = f"/programme/framework/{found.id}/criteria/engagement"
    rating_page = page(client.get(url))
    assert rating_page.select_one("legend").get_text(strip=True) == "Rating"
    assert rating_page.select_one(".govuk-inset-text").get_text(strip=True) == "In 2025/26: Excellent"
    done = client.post(url, data={"rating": "developing", "evidence": HOSTILE, "links": "",
                                  "lock_version": str(found.lock_version)})
    assert done.status_code == 302 and done.headers["Location"].endswith("#criterion-engagement")
    assert db.session.scalars(sa.select(FrameworkRating).where(FrameworkRating.assessment_id == found.id)).one() \
        .evidence == HOSTILE
    shown = client.get(f"/programme/framework/{found.id}")
    assert HOSTILE.encode() not in shown.data and b"&lt;script&gt;" in shown.data
    soup = page(shown)
    assert [h.get_text(strip=True) for h in soup.select("h2.govuk-heading-m")] == [
        "Understanding and working with your communities", "Leadership, partnership and organisational commitment",
        "Responsive services and customer care", "Diverse and engaged workforce"]
    cells = [c.get_text(" ", strip=True) for c in soup.select("#criterion-engagement td")]
    assert cells[1].startswith("Developing Gap") and cells[2] == "Excellent" and cells[3] == HOSTILE
    assert [th.get_text(strip=True) for th in soup.select("#module-communities + div thead th")][2:4] == [
        "2026/27", "2025/26"]


def test_a_bad_rating_is_refused_with_each_problem_named_what_was_typed_kept_and_nothing_saved(client, auth, world):
    found = start(world)
    auth.sign_in(world.lead)
    url = f"/programme/framework/{found.id}/criteria/leadership"
    response = client.post(url, data={"rating": "brilliant';--", "evidence": "x" * 10_001,
                                      "links": "EQIA-2099-0001\nPLAN-424242", "lock_version": str(found.lock_version)})
    assert response.status_code == 422
    assert errors_of(response) == ["Select a rating, or leave it not rated yet",
                                   "The evidence must be 10,000 characters or fewer",
                                   "There is no assessment with the reference EQIA-2099-0001; There is no action plan "
                                   "PLAN-424242"]
    assert "x" * 10_001 in page(response).select_one("textarea[name=evidence]").get_text()
    assert "PLAN-424242" in page(response).select_one("textarea[name=links]").get_text()
    nul = client.post(url, data={"rating": "achieving", "evidence": "a\x00b", "lock_version": str(found.lock_version)})
    assert nul.status_code == 422 and count(FrameworkRating) == 0
    assert client.get(f"/programme/framework/{found.id}/criteria/no_such_thing").status_code == 404
    assert client.get("/programme/framework/99999999").status_code == 404


def test_an_empty_or_huge_start_is_refused_with_what_to_do_and_saves_nothing(client, auth, world):
    auth.sign_in(world.admin)
    empty = client.post("/programme/framework/new", data={})
    assert empty.status_code == 422 and errors_of(empty) == [
        "Select the framework to assess against", "Enter the period, for example 2026/27"]
    huge = client.post("/programme/framework/new", data={"framework": EFLG, "period": "9" * 100_000,
                                                         "previous": "9" * 5000})
    assert huge.status_code == 422 and errors_of(huge) == [
        "The period must be 40 characters or fewer",
        "Select an earlier self-assessment against the same framework, or none"]
    assert count(FrameworkAssessment) == 0


def test_a_rating_saved_over_someone_elses_change_is_refused_and_kept_on_the_form(client, auth, world):
    found = start(world)
    seen = found.lock_version
    rate(world, found, "partnership", "achieving", user=world.lead2)
    auth.sign_in(world.lead)
    response = client.post(f"/programme/framework/{found.id}/criteria/leadership",
                           data={"rating": "excellent", "evidence": "Mine", "lock_version": str(seen)})
    assert response.status_code == 409
    assert "Someone else changed this self-assessment" in " ".join(errors_of(response))
    assert page(response).select_one("textarea[name=evidence]").get_text().strip() == "Mine"
    assert page(response).select_one("input[name=lock_version]")["value"] != str(seen)
    assert count(FrameworkRating) == 1


@pytest.mark.parametrize("who", ["author", "decider"])
def test_other_staff_read_but_cannot_start_rate_or_plan(client, auth, world, who):
    found = start(world)
    rate(world, found, "leadership", "developing")
    auth.sign_in(getattr(world, who))
    assert client.get("/programme/framework").status_code == 200
    shown = client.get(f"/programme/framework/{found.id}")
    assert shown.status_code == 200 and not page(shown).select(f"a[href*='/criteria/']")
    assert client.get(f"/programme/framework/{found.id}.csv").status_code == 200
    for url in ("/programme/framework/new", f"/programme/framework/{found.id}/criteria/leadership",
                f"/programme/framework/{found.id}/gaps"):
        assert client.get(url).status_code == 403, url
    assert client.post("/programme/framework/new", data={"framework": EFLG, "period": "2030"}).status_code == 403
    assert client.post(f"/programme/framework/{found.id}/criteria/leadership",
                       data={"rating": "excellent"}).status_code == 403
    assert client.post(f"/programme/framework/{found.id}/gaps", data={"plan": "new", "title": "P"}).status_code == 403
    assert count(ActionPlan) == 0 and db.session.scalars(sa.select(FrameworkRating)).one().rating == "developing"


def test_the_gaps_become_plan_rows_after_a_confirmation_page(client, auth, world):
    found = start(world)
    for key in framework.framework_of(found).criteria:
        rate(world, found, key, "achieving")
    rate(world, found, "engagement", "developing")
    rate(world, found, "leadership", "")
    draft = make(world)
    auth.sign_in(world.lead)
    assert page(client.get(f"/programme/framework/{found.id}")).select_one(
        f"a[href='/programme/framework/{found.id}/gaps']")
    confirm = page(client.get(f"/programme/framework/{found.id}/gaps"))
    assert [li.get_text(" ", strip=True) for li in confirm.select("#gaps li")] == [
        "1.3 Effective community engagement: Developing", "2.1 Leadership: Not rated"]
    assert [i["value"] for i in confirm.select("input[name=plan]")] == ["new", str(draft.id)]
    assert confirm.select_one("legend").get_text(strip=True) == "Which action plan?"
    assert count(PlanRow) == 0  # a GET writes nothing
    refused = client.post(f"/programme/framework/{found.id}/gaps", data={"plan": "", "title": "",
                                                                        "lock_version": str(found.lock_version)})
    assert refused.status_code == 422 and errors_of(refused) == [
        "Select a draft action plan you can change, or a new plan"]
    done = client.post(f"/programme/framework/{found.id}/gaps",
                       data={"plan": str(draft.id), "lock_version": str(found.lock_version)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/programme/plans/{draft.id}")
    assert [(r.number, r.theme.module) for r in db.session.get(ActionPlan, draft.id).rows] == [
        ("1.3", "communities"), ("2.1", "leadership")]
    assert "2 gaps added to the action plan." in page(client.get(done.headers["Location"])).get_text()


def test_gaps_planned_over_a_rating_changed_since_the_confirmation_are_refused_and_nothing_added(client, auth, world):
    found = start(world)
    rate(world, found, "leadership", "developing")
    auth.sign_in(world.lead)
    seen = page(client.get(f"/programme/framework/{found.id}/gaps")).select_one("input[name=lock_version]")["value"]
    rate(world, found, "leadership", "excellent", user=world.lead2)
    response = client.post(f"/programme/framework/{found.id}/gaps",
                           data={"plan": "new", "title": "Plan", "lock_version": seen})
    assert response.status_code == 409 and "Someone else changed this self-assessment" in " ".join(errors_of(response))
    assert page(response).select_one("input[name=lock_version]")["value"] != seen
    assert count(ActionPlan) == 0 and count(PlanRow) == 0


def test_the_csv_has_a_row_a_criterion_with_last_years_rating_and_formulas_defused(client, auth, world):
    last = start(world, "2025/26")
    rate(world, last, "engagement", "excellent")
    found = start(world, "2026/27")
    rate(world, found, "engagement", "developing", evidence="=HYPERLINK(\"http://evil\")")
    auth.sign_in(world.author)
    response = client.get(f"/programme/framework/{found.id}.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Module", "Number", "Criterion", "Rating", "Rating in 2025/26"] and len(rows) == 16
    engagement = next(r for r in rows if r[1] == "1.3")
    assert engagement[3:7] == ["developing", "excellent", "Yes", "'=HYPERLINK(\"http://evil\")"]


def test_the_page_asks_as_many_queries_with_ten_criteria_rated_as_with_two(client, auth, world):
    from tests.test_my_actions import Queries

    last = start(world, "2025/26")
    found = start(world, "2026/27")
    plan = make(world)
    assessment = world.make_assessment()
    keys = list(framework.framework_of(found).criteria)
    auth.sign_in(world.lead)

    def asked() -> int:
        db.session.expire_all()
        with Queries() as counted:
            assert client.get(f"/programme/framework/{found.id}").status_code == 200
        return counted.count

    for key in keys[:2]:
        rate(world, found, key, "developing", links=f"PLAN-{plan.id} {assessment.reference}")
        rate(world, last, key, "achieving")
    few = asked()
    for key in keys[2:10]:
        rate(world, found, key, "excellent", links=f"PLAN-{plan.id} {assessment.reference}")
        rate(world, last, key, "developing")
    assert count(FrameworkRating) == 20
    assert asked() == few


def test_the_list_asks_as_many_queries_with_many_self_assessments_as_with_one(client, auth, world):
    from tests.test_my_actions import Queries

    auth.sign_in(world.author)

    def asked() -> int:
        db.session.expire_all()
        with Queries() as counted:
            response = client.get("/programme/framework")
        assert response.status_code == 200
        return counted.count

    first = start(world, "2024/25")
    rate(world, first, "leadership", "developing")
    few = asked()
    for period in ("2025/26", "2026/27", "2027/28"):
        rate(world, start(world, period), "engagement", "excellent")
    assert asked() == few
    rows = [[c.get_text(strip=True) for c in r.select("td")] for r in page(client.get("/programme/framework"))
            .select("tbody tr")]
    assert rows[0] == ["2027/28", "Equality Framework for Local Government (2021)", "1", "14"]
    assert rows[-1] == ["2024/25", "Equality Framework for Local Government (2021)", "1", "15"]
