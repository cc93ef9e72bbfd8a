"""Cumulative impact (issue 18): a programme's live assessments, their impacts on each group side by side."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from eqia.extensions import db

from eqia.services import cumulative
from eqia.services.errors import Forbidden
from tests.test_heat_map import judged
from tests.test_my_actions import Queries
from tests.conftest import work_out_figures

BUDGET = "Budget savings 2027-28"


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def budget(world):
    lighting = judged(world.make_assessment("full_assessment", answer="yes", title="Street lighting",
                                            parent_programme=BUDGET), age="negative", sex="positive")
    libraries = judged(world.make_assessment("full_assessment", answer="yes", title="Libraries",
                                             parent_programme="budget SAVINGS 2027-28"), age="negative")
    judged(world.make_assessment("full_assessment", answer="yes", title="Parks", parent_programme="Parks plan"),
           age="negative")
    world.make_assessment(title="Not yet judged", parent_programme=BUDGET)  # in screening: no impacts judged
    work_out_figures()
    return lighting, libraries


def test_a_programmes_assessments_stand_side_by_side(world, budget):
    lighting, libraries = budget
    # Named in two cases, the budget round is one programme (shown by one of its spellings).
    listed = [(p.name.lower(), p.assessments) for p in cumulative.programmes(world.lead)]
    assert listed == [(BUDGET.lower(), 2), ("parks plan", 1)]
    found = cumulative.side_by_side(world.lead, "BUDGET savings 2027-28")
    assert [a.title for a in found.assessments] == ["Street lighting", "Libraries"] and found.total == 2
    assert (found.cell("age", lighting).impact, found.cell("age", lighting).severity) == ("negative", "high")
    assert found.cell("sex", lighting).impact == "positive" and found.cell("sex", libraries).impact == "neutral"
    assert found.negatives("age") == 2 and found.negatives("sex") == 0
    assert cumulative.side_by_side(world.lead, "No such programme").assessments == []


def test_a_large_programme_is_shown_in_part_and_says_so(client, auth, world, budget, monkeypatch):
    monkeypatch.setattr(cumulative, "MAX_ASSESSMENTS", 1)
    auth.sign_in(world.lead)
    soup = page(client.get(f"/programme/cumulative?programme={BUDGET}"))
    assert "This programme has 2 assessments; the first 1 by reference are shown." in soup.select_one(
        ".govuk-inset-text").get_text()
    assert len(soup.select("#side-by-side thead th")) == 3  # group, one assessment, negatives


def test_the_pages_list_programmes_and_set_their_assessments_side_by_side(client, auth, world, budget):
    auth.sign_in(world.lead)
    listing = page(client.get("/programme/cumulative"))
    links = listing.select("#programmes tbody a")
    assert [a.get_text() for a in links][1] == "Parks plan" and len(links) == 2
    db.session.expire_all()  # each measured request loads the signed-in user afresh, as the second must
    with Queries() as few:
        shown = page(client.get(links[0]["href"]))
    assert [th.get_text(" ", strip=True) for th in shown.select("#side-by-side thead th")][1].startswith(
        "Street lighting")
    age = [td.get_text(" ", strip=True) for td in shown.select("#side-by-side tbody tr")[0].select("th, td")]
    assert age == ["Age", "Negative Severity: High", "Negative Severity: High", "2"]
    for n in range(3):
        judged(world.make_assessment("full_assessment", answer="yes", title=f"More {n}", parent_programme=BUDGET),
               race="negative")
    db.session.expire_all()
    with Queries() as more:
        assert client.get(links[0]["href"]).status_code == 200
    assert more.count == few.count
    assert client.get("/programme/cumulative?programme=%3Cscript%3E").status_code == 200


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_leads_and_admins_read_the_cumulative_impact(client, auth, world, who):
    with pytest.raises(Forbidden):
        cumulative.programmes(getattr(world, who))
    auth.sign_in(getattr(world, who))
    assert client.get("/programme/cumulative").status_code == 403
