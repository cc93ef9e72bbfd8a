"""The lead's pipeline (issue 18): counts by state and directorate, time in each state, who waits longest; the
figures against direct counts, the page's links against the lists they open, and a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Assessment, utcnow
from eqia.services import audit, pipeline
from eqia.services.errors import Forbidden
from eqia.services.pipeline import _percentile
from tests.test_my_actions import Queries
from tests.conftest import work_out_figures


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


class Clock:
    """The audit trail's clock, set to so many days before the test began (the trail is append-only: its
    times are those it was written at)."""

    def __init__(self, monkeypatch) -> None:
        self.base, self.days = utcnow(), 0.0
        monkeypatch.setattr(audit, "utcnow", lambda: self.base - timedelta(days=self.days))

    def at(self, days_ago: float) -> "Clock":
        self.days = days_ago
        return self


@pytest.fixture
def spread(world):
    """Assessments in several states, in two directorates."""
    made = {
        "screening": world.make_assessment(),
        "challenge": world.make_assessment("challenge"),
        "published": world.make_assessment("published"),
        "highways": world.make_assessment(title="Gritting"),
    }
    db.session.execute(sa.update(Assessment).where(Assessment.id == made["highways"].id)
                       .values(directorate_id=world.other_directorate.id))
    db.session.commit()
    work_out_figures()
    return made


def test_the_counts_by_state_match_a_direct_count(world, spread):
    found = pipeline.pipeline(world.lead)
    direct: dict[str, dict[int, int]] = {}
    for row in db.session.execute(sa.select(Assessment)).scalars():
        direct.setdefault(row.state, {}).setdefault(row.directorate_id, 0)
        direct[row.state][row.directorate_id] += 1
    assert {row.state: row.by_directorate for row in found.states} == direct
    assert [row.state for row in found.states] == ["screening", "challenge", "published"]  # the workflow's order
    assert {row.state: row.total for row in found.states} == {"screening": 2, "challenge": 1, "published": 1}
    assert [d.name for d in found.directorates] == ["Adult Social Care", "Highways"]
    only = pipeline.pipeline(world.lead, world.other_directorate.id)
    assert [(row.state, row.total) for row in only.states] == [("screening", 1)]


def test_time_in_each_state_and_who_waits_longest(world, monkeypatch):
    clock = Clock(monkeypatch)
    clock.at(30)
    waiting_long = world.make_assessment(title="Waiting long")
    clock.at(3)
    highways = world.make_assessment(title="Gritting")
    clock.at(20)
    challenged = world.make_assessment(title="Challenged")
    clock.at(10)
    world.take(challenged, "start_full_assessment")
    clock.at(2)
    world.take(challenged, "submit_for_challenge")
    clock.at(40)
    published = world.make_assessment(title="Published")
    for days, trigger in ((39, "start_full_assessment"), (9, "submit_for_challenge"), (8, "approve"),
                          (7.5, "sign_off"), (7, "publish")):
        clock.at(days)
        world.take(published, trigger)
    db.session.execute(sa.update(Assessment).where(Assessment.id == highways.id)
                       .values(directorate_id=world.other_directorate.id))
    db.session.commit()
    work_out_figures()

    found = pipeline.pipeline(world.lead)
    stays = {stay.state: (stay.stays, stay.median_days, stay.p90_days) for stay in found.stays}
    # Screening was left after 10 days and after 1; full assessment after 8 and 30; challenge after 1;
    # awaiting sign-off and signed off each within the day. Published was never left.
    assert stays == {"screening": (2, 1, 10), "full_assessment": (2, 8, 30), "challenge": (1, 1, 1),
                     "awaiting_sign_off": (1, 0, 0), "signed_off": (1, 0, 0)}
    # Someone must act on screening and challenge; published is settled.
    assert [(w.assessment.title, w.days) for w in found.waiting] == [
        ("Waiting long", 30), ("Gritting", 3), ("Challenged", 2)]
    only = pipeline.pipeline(world.lead, world.other_directorate.id)
    assert ([w.assessment.title for w in only.waiting], only.stays) == (["Gritting"], [])


def test_percentiles_from_a_histogram_are_nearest_rank():
    assert _percentile([(1, 1)], 0.5) == 1
    assert _percentile([(0, 5), (3, 4), (10, 1)], 0.5) == 0
    assert _percentile([(0, 5), (3, 4), (10, 1)], 0.9) == 3
    assert _percentile([(0, 5), (3, 4), (10, 2)], 0.9) == 10
    assert _percentile([(7, 2), (2, 2)], 0.5) == 2  # in any order


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_leads_and_admins_read_the_pipeline(client, auth, world, who):
    with pytest.raises(Forbidden):
        pipeline.pipeline(getattr(world, who))
    auth.sign_in(getattr(world, who))
    assert client.get("/programme/pipeline").status_code == 403
    assert client.get("/programme/pipeline.csv").status_code == 403


def test_the_page_links_each_count_to_the_assessments_behind_it(client, auth, world, spread):
    auth.sign_in(world.lead)
    soup = page(client.get("/programme/pipeline"))
    table = soup.select_one("#states")
    assert [th.get_text(strip=True) for th in table.select("thead th")] == [
        "State", "All directorates", "Adult Social Care", "Highways"]
    followed = 0
    for link in table.select("tbody a"):
        listed = page(client.get(link["href"]))
        shown = [tr for tr in listed.select("table tbody tr")]
        assert len(shown) == int(link.get_text(strip=True)), link["href"]
        followed += 1
    assert followed == 3 + 4  # each state's total, and each directorate's cell that is not 0
    assert soup.select_one("svg.app-chart")["aria-hidden"] == "true"  # the table carries the figures
    csv_text = client.get("/programme/pipeline.csv").get_data(as_text=True).lstrip("\ufeff")
    assert csv_text.splitlines() == ["State,All directorates,Adult Social Care,Highways", "Screening,2,1,1",
                                     "Challenge review,1,1,0", "Published,1,1,0"]
    filtered = page(client.get(f"/programme/pipeline?directorate={world.other_directorate.id}"))
    assert [th.get_text(strip=True) for th in filtered.select("#states thead th")] == ["State", "Assessments"]
    for junk in ("?directorate=%00", "?directorate=99999999999999999"):
        assert client.get("/programme/pipeline" + junk).status_code == 200


def test_the_pipeline_asks_the_same_number_of_queries_however_many_assessments(client, auth, world):
    auth.sign_in(world.lead)
    world.make_assessment()

    def counted() -> int:
        with Queries() as queries:
            assert client.get("/programme/pipeline").status_code == 200
        return queries.count

    few = counted()
    for n in range(12):
        world.make_assessment(title=f"Assessment {n}")
    world.make_assessment("challenge")
    assert counted() == few
