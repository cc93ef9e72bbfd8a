""""My actions" and the equality lead's overdue actions (issue 16): what each lists,
overdue first, a page at a time in a fixed number of queries, the lead's CSV with
its cells made safe for a spreadsheet, and who may see the lead's list."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Assessment
from eqia.services import action_lists, action_progress, content
from eqia.services.action_progress import ProgressInput, record_update
from eqia.services.errors import Forbidden

TODAY = date.today()
HOSTILE = "=HYPERLINK(\"https://evil.example\") <script>alert('x')</script> & \u202e"


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def plan(world, *actions: dict, title: str = "Library opening hours", directorate=None) -> Assessment:
    """A signed assessment whose plan is the world's first action (owner "Sam Lee", due in 90 days) and these:
    each a dict of owner (an account or None), due (days from today) and description."""
    author = world.author
    a = world.make_assessment("full_assessment", title=title)
    if directorate is not None:  # moved as a draft: its author still sees it, as the one who made it
        fresh(a.id).directorate_id = directorate.id
        db.session.commit()
    for n, spec in enumerate(actions, start=2):
        owner = spec.get("owner")
        content.save_item(content.ACTIONS, a.id, author, fresh(a.id).lock_version, None, {
            "description": spec.get("description", f"Action {n} of {title}"),
            "owner": owner.name if owner else spec.get("named", "Parish clerk"),
            "owner_user_id": owner.id if owner else None, "due_date": TODAY + timedelta(days=spec["due"]),
            "success_measure": "Reported to Cabinet", "status": "not_started"})
        db.session.commit()
    current = fresh(a.id)
    content.save_action_plan_page(current.id, author, current.lock_version, current.review_date, True)
    db.session.commit()
    world.drive(a, "signed_off")
    return fresh(a.id)


def at(monkeypatch, day: date) -> None:
    """Set the service's clock to midday in London on `day`."""
    monkeypatch.setattr(action_progress, "utcnow", lambda: datetime(day.year, day.month, day.day, 11, 0,
                                                                     tzinfo=timezone.utc))


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.data, "html.parser")


def rows_of(shown: BeautifulSoup, table: str) -> list[str]:
    return [" ".join(tr.get_text(" ", strip=True).split()) for tr in shown.select(f"#{table} tbody tr")]


@pytest.fixture
def owner(world):
    return world.make_user("owner@example.test", directorate=world.other_directorate, commit=True)


@pytest.fixture
def signed(world, owner) -> Assessment:
    """Actions 2, 3 and 4 are the owner's, due in 60, 90 and 120 days; action 2 is done."""
    a = plan(world, {"owner": owner, "due": 60}, {"owner": owner, "due": 90}, {"owner": owner, "due": 120})
    record_update(a.id, a.actions[1].id, owner, ProgressInput(status="done", note="Finished early", evidence="",
                                                               dated=TODAY))
    db.session.commit()
    return fresh(a.id)


# -------------------------------------------------------------- My actions

def test_my_actions_lists_the_owners_actions_overdue_first_with_status_and_a_link(client, auth, world, owner,
                                                                                  signed, monkeypatch):
    at(monkeypatch, TODAY + timedelta(days=100))
    auth.sign_in(owner)
    shown = page(client.get("/my-actions"))
    assert rows_of(shown, "my-actions") == [
        f"Action 3 of Library opening hours Action 3 of Library opening hours ({signed.display_reference}) "
        f"Owner {(TODAY + timedelta(days=90)).day} {(TODAY + timedelta(days=90)):%B %Y} Not started Overdue "
        "Record progress on action 3 of Library opening hours",
        f"Action 2 of Library opening hours Action 2 of Library opening hours ({signed.display_reference}) "
        f"Owner {(TODAY + timedelta(days=60)).day} {(TODAY + timedelta(days=60)):%B %Y} Done",
        f"Action 4 of Library opening hours Action 4 of Library opening hours ({signed.display_reference}) "
        f"Owner {(TODAY + timedelta(days=120)).day} {(TODAY + timedelta(days=120)):%B %Y} Not started "
        "Record progress on action 4 of Library opening hours",
    ]
    third = signed.actions[2]
    assert shown.select_one(f"a[href='/assessments/{signed.id}/action/{third.id}/progress']")
    assert len(shown.select(".app-overdue")) == 1


def test_the_author_sees_every_action_of_their_assessments_and_another_author_none(client, auth, world, signed,
                                                                                   monkeypatch):
    at(monkeypatch, TODAY + timedelta(days=100))
    auth.sign_in(world.author)
    listed = rows_of(page(client.get("/my-actions")), "my-actions")
    # Overdue first: Sam Lee's and action 3, both due in 90 days; then action 2 (done) and action 4.
    assert [row.split(" Action ")[0] for row in listed] == ["Monitor visits by age", "Action 3 of Library opening hours",
                                                          "Action 2 of Library opening hours",
                                                          "Action 4 of Library opening hours"]
    assert [("Overdue" in row) for row in listed] == [True, True, False, False]
    assert all("Record progress" in row for row in listed if " Done" not in row)
    auth.sign_out()
    auth.sign_in(world.co_author)
    shown = page(client.get("/my-actions"))
    assert not shown.select("#my-actions") and "You have no actions on signed assessments." in shown.get_text()


def test_actions_of_an_assessment_not_yet_signed_are_not_listed(client, auth, world, owner):
    a = world.make_assessment("full_assessment")
    content.save_item(content.ACTIONS, a.id, world.author, fresh(a.id).lock_version, None, {
        "description": "Draft action", "owner": "Owner", "owner_user_id": owner.id, "status": "not_started"})
    db.session.commit()
    assert action_lists.my_actions(owner).total == 0


def test_my_actions_come_a_page_at_a_time(client, auth, world, owner, signed, monkeypatch):
    monkeypatch.setattr(action_lists, "PAGE_SIZE", 2)
    auth.sign_in(owner)
    first = page(client.get("/my-actions"))
    assert len(rows_of(first, "my-actions")) == 2
    assert first.select_one(".govuk-pagination__next a")["href"] == "/my-actions?page=2"
    assert not first.select(".govuk-pagination__prev")
    second = page(client.get("/my-actions?page=2"))
    assert len(rows_of(second, "my-actions")) == 1
    assert second.select_one(".govuk-pagination__prev a")["href"] == "/my-actions?page=1"
    assert "Page 2 of 2" in second.get_text()
    for beyond in ("99", "-3", "99999999999999999999999", "two"):
        assert page(client.get(f"/my-actions?page={beyond}")).select("#my-actions tbody tr")


class Queries:
    """Counts the statements sent to the database while it is open."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1

    def __enter__(self) -> "Queries":
        sa.event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(db.engine, "before_cursor_execute", self)


def test_my_actions_and_the_overdue_list_take_the_same_number_of_queries_however_many_rows(
        client, auth, world, owner, signed, monkeypatch):
    at(monkeypatch, TODAY + timedelta(days=400))
    auth.sign_in(world.admin)
    auth.sign_out()

    def counted(user, url: str) -> tuple[int, int]:
        auth.sign_in(user)
        with Queries() as queries:
            shown = page(client.get(url))
        auth.sign_out()
        return queries.count, len(shown.select("tbody tr"))

    mine_before, mine_rows = counted(owner, "/my-actions")
    lead_before, lead_rows = counted(world.lead, "/actions/overdue")
    plan(world, {"owner": owner, "due": 10}, {"owner": owner, "due": 20}, {"owner": world.co_author, "due": 30},
         title="Second plan", directorate=world.other_directorate)
    mine_after, mine_more = counted(owner, "/my-actions")
    lead_after, lead_more = counted(world.lead, "/actions/overdue")
    assert (mine_rows, mine_more, lead_rows, lead_more) == (3, 5, 3, 7)
    assert (mine_after, lead_after) == (mine_before, lead_before)


# ---------------------------------------------------------- the lead's list

def test_the_lead_sees_every_overdue_action_with_owner_directorate_and_days_overdue(client, auth, world, owner,
                                                                                   signed, monkeypatch):
    other = plan(world, {"owner": None, "named": "Kent Fire & Rescue", "due": 30}, title="Bus passes",
                 directorate=world.other_directorate)
    at(monkeypatch, TODAY + timedelta(days=100))
    auth.sign_in(world.lead)
    shown = page(client.get("/actions/overdue"))
    listed = rows_of(shown, "overdue-actions")
    assert [row.split(" (")[0] for row in listed] == [
        "Action 2 of Bus passes Action 2 of Bus passes",  # due in 30 days: 70 days overdue
        "Monitor visits by age Action 1 of Library opening hours",  # Sam Lee's in both plans, due in 90: 10 days
        "Action 3 of Library opening hours Action 3 of Library opening hours",
        "Monitor visits by age Action 1 of Bus passes",
    ]
    assert listed[0].endswith("Highways Kent Fire & Rescue "
                              f"{(TODAY + timedelta(days=30)).day} {(TODAY + timedelta(days=30)):%B %Y} 70 days")
    assert "Adult Social Care Owner" in listed[2] and listed[2].endswith("10 days")
    assert not any("Action 2 of Library" in row for row in listed)  # done
    filtered = rows_of(page(client.get(f"/actions/overdue?directorate={world.other_directorate.id}")),
                       "overdue-actions")
    assert len(filtered) == 2 and all("Bus passes" in row for row in filtered)
    assert len(rows_of(page(client.get("/actions/overdue?directorate=<script>")), "overdue-actions")) == 4
    assert other.id


def test_the_csv_has_the_same_rows_with_formula_cells_defused(client, auth, world, owner, monkeypatch):
    plan(world, {"owner": None, "named": "-Finance", "due": 5, "description": HOSTILE}, title="+Budget")
    at(monkeypatch, TODAY + timedelta(days=10))
    auth.sign_in(world.lead)
    response = client.get("/actions/overdue.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="overdue-actions.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Assessment", "Reference", "Directorate", "Action number", "Action", "Owner", "Due date",
                       "Days overdue", "Status"]
    assert rows[1][:2] == ["'+Budget", rows[1][1]] and rows[1][3:] == [
        "2", "'" + HOSTILE, "'-Finance", (TODAY + timedelta(days=5)).isoformat(), "5", "Not started"]
    html = client.get("/actions/overdue").data.decode()
    assert HOSTILE in page(client.get("/actions/overdue")).get_text()  # shown as written
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html  # and escaped


@pytest.mark.parametrize("who", ["author", "co_author", "decider"])
def test_only_equality_leads_and_admins_see_the_overdue_actions(client, auth, world, who):
    auth.sign_in(getattr(world, who))
    assert client.get("/actions/overdue").status_code == 403
    assert client.get("/actions/overdue.csv").status_code == 403
    assert "Overdue actions" not in page(client.get("/my-actions")).select_one(".govuk-service-navigation").get_text()
    with pytest.raises(Forbidden):
        action_lists.overdue_actions(getattr(world, who))


def test_the_lead_and_the_admin_are_offered_the_overdue_actions(client, auth, world):
    # A lead's header has Programme, whose page lists them, and marks Programme while they are open.
    auth.sign_in(world.lead)
    nav = page(client.get("/my-work")).select_one(".govuk-service-navigation")
    assert nav.select_one("a[href='/programme']") and nav.select_one("a[href='/my-actions']")
    assert page(client.get("/programme")).select_one("main a[href='/actions/overdue']").get_text() == "Overdue actions"
    shown = page(client.get("/actions/overdue"))
    assert shown.select_one("h1").get_text() == "Overdue actions"
    assert shown.select_one(".govuk-service-navigation__item--active a")["href"] == "/programme"
    auth.sign_out()
    # An admin's header has Administration instead, whose page lists them first (the header must fit on one
    # line at 1,100 px, in Welsh too; the public register is in staff's footer), and marks Administration
    # while they are open.
    auth.sign_in(world.admin)
    nav = page(client.get("/my-work")).select_one(".govuk-service-navigation")
    assert not nav.select_one("a[href='/actions/overdue']") and not nav.select_one("a[href='/register']")
    assert [a["href"] for a in nav.select("li a")] == ["/my-work", "/my-actions", "/assessments", "/admin",
                                                       "/notifications"]
    assert page(client.get("/admin")).select_one("main a[href='/actions/overdue']").get_text() == "Overdue actions"
    shown = page(client.get("/actions/overdue"))
    assert shown.select_one("h1").get_text() == "Overdue actions"
    assert shown.select_one(".govuk-service-navigation__item--active a")["href"] == "/admin"


def test_signed_out_people_are_sent_to_sign_in(client):
    for url in ("/my-actions", "/actions/overdue", "/actions/overdue.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_my_work_links_to_my_actions(client, auth, world):
    auth.sign_in(world.author)
    assert page(client.get("/my-work")).select_one("main a[href='/my-actions']")
