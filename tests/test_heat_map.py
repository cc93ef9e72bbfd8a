"""The heat map (issue 18): each group against the impacts the live assessments found; figures against a direct
count, each cell's list against its figure, the filters, and a constant number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Assessment, CharacteristicImpact
from eqia.services import heat_map
from eqia.services.errors import Forbidden
from eqia.services.heat_map import Filters
from tests.conftest import work_out_figures
from tests.test_my_actions import Queries


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def judged(assessment: Assessment, **impacts: str) -> Assessment:
    """Set some groups' impacts on a version (test data: the pages that write them are tested elsewhere)."""
    for key, impact in impacts.items():
        db.session.execute(sa.update(CharacteristicImpact).where(
            CharacteristicImpact.assessment_id == assessment.id, CharacteristicImpact.characteristic_key == key)
            .values(impact=impact, severity="high" if impact == "negative" else None))
    db.session.commit()
    return assessment


@pytest.fixture
def spread(world):
    made = {}
    made["drafting"] = judged(world.write_full_assessment(world.make_assessment("full_assessment", answer="yes",
                                                                                title="Drafting")),
                              age="negative", disability="positive")
    published = world.make_assessment("published", answer="yes", title="Under review")
    judged(published, age="negative")
    world.take(published, "start_review")  # version 2, in screening, has judged nothing: version 1 speaks
    made["under review"] = published
    withdrawn = world.make_assessment("full_assessment", answer="yes", title="Withdrawn")
    judged(withdrawn, age="negative")
    world.take(withdrawn, "withdraw")
    made["budget"] = judged(world.make_assessment("full_assessment", answer="yes", title="Budget",
                                                  parent_programme="Budget savings 2027-28",
                                                  planned_decision_date=date.today() + timedelta(days=200)),
                            age="negative", sex="not_known")
    db.session.execute(sa.update(Assessment).where(Assessment.id == made["budget"].id)
                       .values(directorate_id=world.other_directorate.id))
    db.session.commit()
    work_out_figures()
    return made


def _direct(filters=lambda a: True) -> dict[tuple[str, str], int]:
    """Counted another way: per reference, the newest version not superseded or withdrawn that has judged a
    group, read whole."""
    db.session.expire_all()
    speaking: dict[str, Assessment] = {}
    for a in db.session.execute(sa.select(Assessment).order_by(Assessment.version_number)).scalars():
        if a.state not in ("superseded", "withdrawn") and any(i.impact for i in a.impacts) and filters(a):
            speaking[a.reference] = a
    counts: dict[tuple[str, str], int] = {}
    for a in speaking.values():
        for row in a.impacts:
            if row.impact:
                counts[(row.characteristic_key, row.impact)] = counts.get((row.characteristic_key, row.impact), 0) + 1
    return counts


def test_the_heat_map_matches_a_direct_count(world, spread):
    found = heat_map.heat_map(world.lead, Filters())
    assert found.counts == _direct()
    assert found.count("age", "negative") == 3  # drafting, the published version under review, budget
    assert found.count("disability", "positive") == 1 and found.count("sex", "not_known") == 1
    assert [g.key for g in found.groups][:3] == ["age", "disability", "gender_reassignment"]
    assert [key for key, _ in found.impacts] == ["positive", "negative", "neutral", "not_known"]
    assert found.shade("age", "negative") == 4 and found.shade("disability", "positive") in (1, 2)
    assert found.shade("marriage_civil_partnership", "positive") == 0
    in_budget = heat_map.heat_map(world.lead, Filters(programme="BUDGET SAVINGS 2027-28"))
    assert in_budget.counts == _direct(lambda a: a.parent_programme == "Budget savings 2027-28")
    elsewhere = heat_map.heat_map(world.lead, Filters(directorate_id=world.directorate.id))
    assert elsewhere.count("age", "negative") == 2
    later = heat_map.heat_map(world.lead, Filters(decided_from=date.today() + timedelta(days=100)))
    assert later.counts == _direct(lambda a: a.planned_decision_date >= date.today() + timedelta(days=100))
    assert heat_map.heat_map(world.lead, Filters(decided_to=date(2000, 1, 1))).most == 0


def test_each_cell_lists_the_assessments_behind_it(client, auth, world, spread):
    auth.sign_in(world.lead)
    soup = page(client.get("/programme/heat-map"))
    cells = soup.select("#heat-map tbody a")
    assert cells
    for link in cells:
        listed = page(client.get(link["href"]))
        assert len(listed.select("#assessments tbody tr")) == int(link.get_text(strip=True)), link["href"]
    age = page(client.get("/programme/heat-map/assessments?group=age&impact=negative"))
    assert age.select_one("h1").get_text() == "Age: Negative impact"
    titles = [a.get_text() for a in age.select("#assessments tbody a")]
    assert sorted(titles) == ["Budget", "Drafting", "Under review"]
    # An unknown group or impact goes back to the map, keeping the filters.
    response = client.get("/programme/heat-map/assessments?group=%3Cscript%3E&impact=negative&programme=x")
    assert response.status_code == 302 and response.headers["Location"].endswith("/programme/heat-map?programme=x")
    csv_rows = client.get("/programme/heat-map.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert csv_rows[0] == "Group,Positive,Negative,Neutral,Not yet known"
    assert csv_rows[1].startswith("Age,0,3,")
    for junk in ("?from=2027-02-30&to=x", "?directorate=-1&programme=%00", "?from=99999-01-01"):
        assert client.get("/programme/heat-map" + junk).status_code == 200


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_leads_and_admins_read_the_heat_map(client, auth, world, who):
    with pytest.raises(Forbidden):
        heat_map.heat_map(getattr(world, who), Filters())
    auth.sign_in(getattr(world, who))
    for url in ("/programme/heat-map", "/programme/heat-map.csv", "/programme/heat-map/assessments?group=age"):
        assert client.get(url).status_code == 403


def test_the_heat_map_asks_the_same_number_of_queries_however_many_assessments(client, auth, world):
    auth.sign_in(world.lead)
    world.make_assessment("full_assessment", answer="yes")

    def counted() -> tuple[int, int]:
        found = []
        for url in ("/programme/heat-map", "/programme/heat-map/assessments?group=age&impact=neutral"):
            with Queries() as queries:
                assert client.get(url).status_code == 200
            found.append(queries.count)
        return tuple(found)

    few = counted()
    for n in range(6):
        world.make_assessment("full_assessment", answer="yes", title=f"More {n}")
    assert counted() == few
