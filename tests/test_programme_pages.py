"""The equality programme's pages (issue 18): the activity register, its import, coverage and the downloads."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Activity, ActivityAssessment
from eqia.services import activities
from tests.conftest import work_out_figures

PAGES = ("/programme", "/programme/coverage", "/programme/activities", "/programme/activities/new",
         "/programme/activities/import", "/programme/coverage.csv", "/programme/activities.csv")


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def errors_of(response) -> list[str]:
    return [item.get_text(strip=True) for item in page(response).select(".govuk-error-summary__list li")]


def posted(world, **overrides) -> dict:
    values = {"name": "Home to school transport policy", "kind": "policy", "directorate_id": str(world.directorate.id),
              "owner": "Transport team", "relevance": "high", "needs_assessment": "yes",
              "assess_by": ["31", "3", "2027"], "notes": ""}
    values.update(overrides)
    return values


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_leads_and_admins_reach_the_programme(client, auth, world, who):
    auth.sign_in(getattr(world, who))
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/programme/activities/new", data=posted(world)).status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(Activity)).scalar_one() == 0
    nav = page(client.get("/my-work")).select_one(".govuk-service-navigation")
    assert not nav.select_one("a[href='/programme']")


def test_signed_out_people_are_sent_to_sign_in(client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url


def test_a_lead_adds_an_activity_sees_it_escaped_and_changes_it(client, auth, world):
    auth.sign_in(world.lead)
    hostile = "<script>alert('x')</script> file:///etc/passwd"
    response = client.post("/programme/activities/new", data=posted(world, name=hostile, notes="<b>line one</b>\nline two"))
    assert response.status_code == 302
    shown = client.get(response.headers["Location"])
    assert b"<script>alert" not in shown.data and b"&lt;script&gt;alert" in shown.data
    soup = page(shown)
    assert soup.select_one("h1").get_text() == hostile
    assert "Activity \u201c" + hostile + "\u201d added to the register." in soup.select_one(
        ".govuk-notification-banner").get_text()
    details = {row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
               for row in soup.select("#activity .govuk-summary-list__row")}
    assert details["Assess by"] == "31 March 2027" and details["Coverage"] == "Never assessed"
    assert " ".join(details["Notes"].split()) == "<b>line one</b> line two"  # kept as typed, shown as text
    [made] = db.session.execute(sa.select(Activity)).scalars()
    # Its reference, as a self-assessment's evidence cites it, is on its page and beside its name in the register.
    assert details["Reference"] == f"ACT-{made.id}"
    assert f"ACT-{made.id}" in page(client.get("/programme/activities")).select_one(
        f"a[href='/programme/activities/{made.id}']").parent.get_text()
    edit = page(client.get(f"/programme/activities/{made.id}/edit"))
    assert edit.select_one("#name")["value"] == hostile
    assert edit.select_one("#needs_assessment")["checked"] is not None
    response = client.post(f"/programme/activities/{made.id}/edit", data=posted(
        world, name="School transport", needs_assessment="no", relevance="low", assess_by=["", "", ""]))
    assert response.status_code == 302
    db.session.expire_all()
    assert (made.name, made.needs_assessment, made.assess_by) == ("School transport", False, None)


def test_a_refused_activity_keeps_what_was_typed_and_says_each_problem(client, auth, world):
    auth.sign_in(world.admin)
    response = client.post("/programme/activities/new", data=posted(world, name="", kind="", relevance="none",
                                                                    assess_by=["31", "2", "2027"],
                                                                    owner="Kept as typed"))
    assert response.status_code == 422
    assert errors_of(response) == ["Assess by must be a real date"]
    response = client.post("/programme/activities/new", data=posted(world, name="", kind="", relevance="none",
                                                                    directorate_id="999999999999",
                                                                    owner="Kept as typed"))
    assert response.status_code == 422
    assert errors_of(response) == ["Enter the name of the activity", "Select what kind of activity it is",
                                   "Select the directorate the activity belongs to",
                                   "An activity that is not relevant to equality does not need an assessment: "
                                   "change its relevance, or say it does not need one"]
    soup = page(response)
    assert soup.select_one("#owner")["value"] == "Kept as typed"
    assert soup.select_one("#name-error")
    assert db.session.execute(sa.select(sa.func.count()).select_from(Activity)).scalar_one() == 0
    # A JSON body, an empty one and a huge one: an error page, never a 500.
    assert client.post("/programme/activities/new", json={"name": "x"}).status_code == 422
    assert client.post("/programme/activities/new", data={}).status_code == 422
    assert client.post("/programme/activities/new", data=posted(world, name="x" * 100_000)).status_code == 422


def test_assessments_are_linked_and_unlinked_on_the_activity_page(client, auth, world):
    made = activities.add(world.lead, {"name": "Libraries", "kind": "policy", "directorate_id": world.directorate.id,
                                       "relevance": "high", "needs_assessment": "yes"})
    db.session.commit()
    assessment = world.make_assessment("published")
    auth.sign_in(world.lead)
    url = f"/programme/activities/{made.id}"
    response = client.post(f"{url}/links", data={"reference": "EQIA-1999-0001<script>"})
    assert response.status_code == 422
    assert errors_of(response) == ["There is no assessment with the reference EQIA-1999-0001<SCRIPT>"]
    assert page(response).select_one("#reference")["value"] == "EQIA-1999-0001<script>"
    response = client.post(f"{url}/links", data={"reference": assessment.reference})
    assert response.status_code == 302
    soup = page(client.get(url))
    [row] = soup.select("#linked tbody tr")
    assert assessment.reference in row.get_text() and "Published" in row.get_text()
    assert row.select_one(f"a[href='/assessments/{assessment.id}']")
    assert "Current signed assessment" in soup.select_one("#activity").get_text()
    assert soup.select_one(f"form[action='{url}/links/{assessment.reference}/remove'] button")
    assert client.post(f"{url}/links/{assessment.reference}/remove", data={}).status_code == 302
    assert db.session.get(ActivityAssessment, assessment.reference) is None
    soup = page(client.get(url))
    assert f"{assessment.reference} unlinked from this activity." in soup.select_one(
        ".govuk-notification-banner").get_text()
    assert "No assessment is linked to this activity." in soup.get_text()
    assert client.post(f"{url}/links/{assessment.reference}/remove", data={}).status_code == 409


def test_the_coverage_page_counts_and_every_figure_lists_the_activities_behind_it(client, auth, world):
    current = activities.add(world.lead, {"name": "Libraries", "kind": "policy", "relevance": "high",
                                          "directorate_id": world.directorate.id, "needs_assessment": "yes"})
    activities.link(world.lead, current, world.make_assessment("published").reference)
    for n in range(3):
        activities.add(world.lead, {"name": f"Roads {n}", "kind": "function", "relevance": "medium",
                                    "directorate_id": world.other_directorate.id, "needs_assessment": "yes",
                                    "assess_by": date(2020, 1, 1) if n == 0 else None})
    activities.add(world.lead, {"name": "Not needed", "kind": "other", "relevance": "none",
                                "directorate_id": world.other_directorate.id, "needs_assessment": "no"})
    db.session.commit()
    work_out_figures()
    auth.sign_in(world.lead)
    soup = page(client.get("/programme/coverage"))
    table = soup.select_one("#coverage")
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    assert heads == ["Directorate", "Relevant activities", "Current signed assessment", "Out of date",
                     "Assessment under way", "Never assessed"]
    body = [[td.get_text(strip=True) for td in tr.select("th, td")] for tr in table.select("tbody tr")]
    assert body == [["Adult Social Care", "1", "1", "0", "0", "0"], ["Highways", "3", "0", "0", "0", "3"],
                    ["All directorates", "4", "1", "0", "0", "3"]]
    # Every figure is a link to the list behind it, and that list holds as many activities as the figure says.
    for link in table.select("tbody a"):
        if link.get_text(strip=True).isdigit():
            listed = page(client.get(link["href"]))
            caption = listed.select_one("#activities caption")
            number = int(link.get_text(strip=True))
            assert caption.get_text(strip=True).startswith(str(number)), (link["href"], caption)
            assert len(listed.select("#activities tbody tr")) == number
    home = page(client.get("/programme"))
    assert "1 activity was to be assessed by a date that has passed" in home.select_one(
        ".govuk-warning-text").get_text()
    late = page(client.get(home.select_one(".govuk-warning-text a")["href"]))
    assert [a.get_text() for a in late.select("#activities tbody tr td:first-child a")] == ["Roads 0"]
    assert rows_of(client.get("/programme/coverage.csv")) == [
        ["Directorate", "Relevant activities", "Current signed assessment", "Out of date", "Assessment under way",
         "Never assessed"],
        ["Adult Social Care", "1", "1", "0", "0", "0"], ["Highways", "3", "0", "0", "0", "3"],
        ["All directorates", "4", "1", "0", "0", "3"]]


def test_the_register_downloads_as_csv_with_its_filters_and_formulas_defused(client, auth, world):
    activities.add(world.lead, {"name": "=HYPERLINK(\"http://evil.test\")", "kind": "policy", "relevance": "high",
                                "directorate_id": world.directorate.id, "needs_assessment": "yes",
                                "assess_by": date(2027, 3, 31)})
    activities.add(world.lead, {"name": "Gritting routes", "kind": "function", "relevance": "low",
                                "directorate_id": world.other_directorate.id, "needs_assessment": "no"})
    db.session.commit()
    auth.sign_in(world.lead)
    rows = rows_of(client.get("/programme/activities.csv"))
    assert rows[0] == ["Activity", "Directorate", "Kind", "Owner", "Relevance", "Needs an assessment", "Assess by",
                       "Coverage", "Late", "Assessments linked"]
    assert rows[1] == ["'=HYPERLINK(\"http://evil.test\")", "Adult Social Care", "Policy", "", "High", "Yes",
                       "2027-03-31", "Never assessed", "", "0"]
    assert rows[2] == ["Gritting routes", "Highways", "Function or service", "", "Low", "No", "", "", "", "0"]
    only = rows_of(client.get(f"/programme/activities.csv?directorate={world.other_directorate.id}"))
    assert [r[0] for r in only[1:]] == ["Gritting routes"]
    listed = page(client.get(f"/programme/activities?directorate={world.other_directorate.id}"))
    assert listed.select_one(f"a[href='/programme/activities.csv?directorate={world.other_directorate.id}']")
    # Filters that mean nothing filter nothing; a page past the end shows the last.
    for junk in ("?directorate=abc&coverage=%27%3B&page=99999999999999", "?q=%00%00", "?late=maybe&retired=1"):
        assert client.get("/programme/activities" + junk).status_code == 200


def test_a_spreadsheet_is_imported_on_its_page_or_refused_with_each_row_named(client, auth, world):
    auth.sign_in(world.lead)
    assert 'enctype="multipart/form-data"' in client.get("/programme/activities/import").get_data(as_text=True)
    bad = b"name,directorate,kind,relevance,needs_eqia\nLibraries,Nowhere,policy,high,yes\n"
    response = client.post("/programme/activities/import", data={"file": (io.BytesIO(bad), "activities.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert errors_of(response) == [
        "Row 2, column \u201cdirectorate\u201d: there is no directorate in use called \u201cNowhere\u201d"]
    assert page(response).select_one("#file-error")
    response = client.post("/programme/activities/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and errors_of(response) == ["Choose a CSV file to import"]
    good = b"name,directorate,kind,relevance,needs_eqia\nLibraries,Adult Social Care,policy,high,yes\n"
    response = client.post("/programme/activities/import", data={"file": (io.BytesIO(good), "activities.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/programme/activities")
    assert "1 activity imported." in page(client.get("/programme/activities")).select_one(
        ".govuk-notification-banner").get_text()
    assert [a.name for a in db.session.execute(sa.select(Activity)).scalars()] == ["Libraries"]


def test_the_register_pages_ask_the_same_number_of_queries_however_many_activities(client, auth, world):
    from tests.test_my_actions import Queries

    auth.sign_in(world.lead)

    def counted() -> list[int]:
        found = []
        for url in ("/programme", "/programme/coverage", "/programme/activities"):
            with Queries() as queries:
                assert client.get(url).status_code == 200
            found.append(queries.count)
        return found

    activities.add(world.lead, {"name": "Only one", "kind": "policy", "relevance": "high",
                                "directorate_id": world.directorate.id, "needs_assessment": "yes"})
    db.session.commit()
    few = counted()
    for n in range(60):
        activities.add(world.lead, {"name": f"Activity {n}", "kind": "policy", "relevance": "high",
                                    "directorate_id": (world.directorate if n % 2 else world.other_directorate).id,
                                    "needs_assessment": "yes"})
    db.session.commit()
    assert counted() == few


def test_an_assessment_says_which_activity_it_assesses_a_link_for_those_who_keep_the_register(client, auth, world):
    assessment = world.make_assessment()
    made = activities.add(world.lead, {"name": "Libraries <b>", "kind": "policy", "relevance": "high",
                                       "directorate_id": world.directorate.id, "needs_assessment": "yes"})
    activities.link(world.lead, made, assessment.reference)
    db.session.commit()
    auth.sign_in(world.author)
    row = page(client.get(f"/assessments/{assessment.id}")).select_one("#activity")
    assert row.select_one("dd").get_text(strip=True) == "Libraries <b>" and not row.select_one("a")
    auth.sign_out()
    auth.sign_in(world.lead)
    row = page(client.get(f"/assessments/{assessment.id}")).select_one("#activity")
    assert row.select_one("a")["href"] == f"/programme/activities/{made.id}"
    other = world.make_assessment(title="Not linked")
    assert not page(client.get(f"/assessments/{other.id}")).select_one("#activity")


def test_the_registers_download_imports_again(client, auth, world):
    for n, name in enumerate(("Libraries, mobile and fixed", "Gritting routes")):
        activities.add(world.lead, {"name": name, "kind": "function", "relevance": "medium", "owner": "Team",
                                    "directorate_id": world.directorate.id, "needs_assessment": "yes",
                                    "assess_by": date(2027, 3, 31) if n else None})
    db.session.commit()
    auth.sign_in(world.lead)
    download = client.get("/programme/activities.csv").data
    for made in db.session.execute(sa.select(Activity)).scalars().all():
        activities.retire(world.lead, made)
    db.session.commit()
    response = client.post("/programme/activities/import", data={"file": (io.BytesIO(download), "activities.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.data[-2000:]
    live = {a.name: a for a in db.session.execute(sa.select(Activity).where(Activity.retired_at.is_(None))).scalars()}
    assert sorted(live) == ["Gritting routes", "Libraries, mobile and fixed"]
    assert (live["Gritting routes"].assess_by, live["Gritting routes"].kind, live["Gritting routes"].owner) == (
        date(2027, 3, 31), "function", "Team")
