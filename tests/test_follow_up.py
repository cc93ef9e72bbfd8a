"""What the lead must chase (issue 18): decisions coming up with no signed assessment, reviews due, overdue actions
by directorate and owner, challenge reviews waiting; figures against the lists they summarise."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Assessment
from eqia.services import action_lists, follow_up
from eqia.services.action_progress import today
from eqia.services.errors import Forbidden
from tests.test_my_actions import Queries
from tests.conftest import work_out_figures


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def decided_on(assessment: Assessment, days: int) -> None:
    db.session.execute(sa.update(Assessment).where(Assessment.id == assessment.id)
                       .values(planned_decision_date=today() + timedelta(days=days)))
    db.session.commit()


@pytest.fixture
def spread(world):
    made = {"soon": world.make_assessment(title="Soon"), "passed": world.make_assessment(title="Passed"),
            "later": world.make_assessment(title="Later"), "challenge": world.make_assessment("challenge"),
            "signed": world.make_assessment("published", title="Signed"),
            "review due": world.make_assessment("review_due", title="Review due")}
    decided_on(made["soon"], 10)
    decided_on(made["passed"], -3)
    decided_on(made["later"], 60)
    decided_on(made["signed"], 5)
    work_out_figures()
    return made


def test_what_to_chase_is_read_from_the_states_the_workflow_gives_them(world, spread):
    assert follow_up.review_due_states() == ["review_due", "screening_decision_review_due", "screening_review_due"]
    assert follow_up.challenge_states() == ["challenge"]
    assert "awaiting_sign_off" in follow_up.unsigned_states() and "signed_off" not in follow_up.unsigned_states()
    found = follow_up.follow_up(world.lead)
    assert [(d.assessment.title, d.days_left) for d in found.decisions] == [("Passed", -3), ("Soon", 10)]
    assert found.decisions_due == 2
    assert [a.title for a in found.reviews] == ["Review due"] and found.reviews_due == 1
    assert [w.assessment.id for w in found.challenges] == [spread["challenge"].id] and found.challenges_waiting == 1


def test_overdue_actions_are_counted_by_owner_as_the_list_counts_them(world, spread):
    later = today() + timedelta(days=100)  # past the published plans' actions (due in 90 days)
    found = follow_up.follow_up(world.lead, on=later)
    listed = action_lists.overdue_actions(world.lead, on=later)
    assert found.overdue_actions == listed.total == 2  # the published one's, and the one now due for review
    assert [(row.directorate, row.owner, row.overdue) for row in found.by_owner] == [
        ("Adult Social Care", "Sam Lee", 2)]
    assert follow_up.follow_up(world.lead).overdue_actions == 0


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_leads_and_admins_see_what_to_chase(client, auth, world, who):
    with pytest.raises(Forbidden):
        follow_up.follow_up(getattr(world, who))
    auth.sign_in(getattr(world, who))
    assert client.get("/programme/follow-up").status_code == 403


def test_the_page_shows_each_part_and_asks_the_same_number_of_queries_however_much_there_is(
        client, auth, world, spread):
    auth.sign_in(world.admin)
    with Queries() as before:
        soup = page(client.get("/programme/follow-up"))
    assert [h.get_text(strip=True) for h in soup.select("main h2")] == [
        "2 decisions with no signed assessment in the next 28 days", "1 review due", "0 overdue actions",
        "1 challenge review waiting"]
    decisions = soup.select("#decisions tbody tr")
    assert "Passed 3 days ago" in decisions[0].get_text() and "In 10 days" in decisions[1].get_text()
    assert soup.select_one("#challenges a")["href"] == f"/assessments/{spread['challenge'].id}"
    for n in range(4):
        decided_on(world.make_assessment(title=f"More {n}"), n)
    world.make_assessment("challenge", title="Another challenge")
    with Queries() as after:
        assert client.get("/programme/follow-up").status_code == 200
    assert after.count == before.count
