"""The lead's figures, kept worked out (eqia.services.figure_refresh): when a working out is queued, what a
queued one does, the heat map's date filter read from months and days, and the pages saying how old they are."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Assessment, FigureRun, utcnow
from eqia.services import heat_map, pipeline
from eqia.services.figure_refresh import work_out
from eqia.services.heat_map import Filters
from eqia.tasks.figures import WORK_OUT_FIGURES, work_out_figures
from eqia.tasks.queue import queue_for
from eqia.unit_of_work import unit_of_work
from tests.conftest import work_out_figures as worked_out
from tests.test_heat_map import _direct, judged


def queued(app) -> list:
    """The workings out waiting in the app's queue: the time of the commit that queued each."""
    return [task.args[0] for task in queue_for(app).huey.pending() if task.name == WORK_OUT_FIGURES]


def run_queued(app) -> list[bool]:
    """Take each queued working out as a worker would (one unit of work each); whether each worked them out."""
    done = []
    for committed_at in queued(app):
        queue_for(app).huey.flush()  # taken from the queue
        with unit_of_work():
            done.append(work_out(since=committed_at))
    db.session.expire_all()
    return done


def test_a_committed_change_queues_a_working_out_and_a_get_or_a_rollback_queues_none(app, client, auth, world):
    queue_for(app).huey.flush()
    made = world.make_assessment(title="Counted")
    assert queued(app), "the commit of a new assessment queued no working out"
    assert run_queued(app)[0] is True
    assert [(row.state, row.total) for row in pipeline.pipeline(world.lead).states] == [("screening", 1)]

    auth.sign_in(world.lead)
    queue_for(app).huey.flush()
    for url in ("/programme", "/programme/pipeline", "/programme/heat-map", "/programme/coverage",
                f"/assessments/{made.id}"):
        assert client.get(url).status_code == 200
    assert queued(app) == []

    made.title = "Changed, then rolled back"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert queued(app) == []


def test_a_working_out_queued_before_one_that_has_run_does_nothing(app, world):
    world.make_assessment()
    before = utcnow() - timedelta(seconds=1)
    worked_out()
    run = db.session.get(FigureRun, 1)
    at = run.worked_out_at
    with unit_of_work():
        assert work_out(since=before) is False  # covered by the working out that started after it
    assert db.session.get(FigureRun, 1).worked_out_at == at
    with unit_of_work():
        assert work_out(since=utcnow()) is True  # a change committed since: worked out again


def test_the_task_a_worker_runs_works_the_figures_out(app, world):
    world.make_assessment("challenge")
    with app.app_context(), unit_of_work():
        work_out_figures(utcnow())  # the registered task's own function
    db.session.expire_all()
    assert [(row.state, row.total) for row in pipeline.pipeline(world.lead).states] == [("challenge", 1)]


@pytest.fixture
def decided(world):
    """Judged assessments decided on days either side of months' ends, and one with no date."""
    days = [date(2027, 1, 31), date(2027, 2, 1), date(2027, 2, 14), date(2027, 2, 28), date(2027, 3, 1),
            date(2027, 3, 31), date(2027, 4, 1), date(2027, 12, 31), date(2028, 1, 1), None]
    for n, day in enumerate(days):
        made = world.make_assessment("full_assessment", answer="yes", title=f"Decided {day}")
        db.session.execute(sa.update(Assessment).where(Assessment.id == made.id)
                           .values(planned_decision_date=day))
        judged(made, age="negative", sex="positive" if n % 2 else "neutral")
    worked_out()
    return days


# Windows either side of months' ends, open at either end, within one month, and one backwards.
WINDOWS = [
    (None, None), (date(2027, 2, 1), None), (date(2027, 1, 31), None), (None, date(2027, 2, 28)),
    (None, date(2027, 2, 27)), (date(2027, 2, 1), date(2027, 2, 28)), (date(2027, 2, 2), date(2027, 2, 27)),
    (date(2027, 1, 31), date(2027, 3, 1)), (date(2027, 2, 14), date(2027, 2, 14)), (date(2027, 3, 1), date(2027, 2, 1)),
    (date(2027, 1, 1), date(2028, 1, 1)), (date(2027, 12, 1), date(2027, 12, 31)), (date(2027, 2, 15), date(2027, 3, 31)),
]


def test_the_heat_maps_date_filter_counts_as_a_direct_count(world, decided, subtests):
    """One set of assessments, every window (each a subtest): made once, as making them is most of the time."""
    for low, high in WINDOWS:
        with subtests.test(low=low, high=high):
            def within(day) -> bool:
                return (low is None or (day is not None and day >= low)) and \
                    (high is None or (day is not None and day <= high))

            filters = Filters(decided_from=low, decided_to=high)
            found = heat_map.heat_map(world.lead, filters)
            assert found.counts == _direct(lambda a: within(a.planned_decision_date))
            listed = heat_map.assessments_in_cell(world.lead, filters, "age", "negative", 1)
            assert listed.total == found.count("age", "negative") == len(listed.items)
            assert sorted(a.title for a in listed.items) == sorted(f"Decided {day}" for day in decided if within(day))


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def test_each_figures_page_says_when_they_were_worked_out(client, auth, world):
    auth.sign_in(world.lead)
    urls = ("/programme", "/programme/coverage", "/programme/pipeline", "/programme/follow-up",
            "/programme/heat-map", "/programme/heat-map/assessments?group=age&impact=negative",
            "/programme/cumulative", "/programme/activities")
    for url in urls:
        said = page(client.get(url)).select_one("#figures-as-at").get_text(" ", strip=True)
        assert said.startswith("The figures have not been worked out yet."), url
    worked_out()
    for url in urls:
        said = page(client.get(url)).select_one("#figures-as-at").get_text(" ", strip=True)
        assert said.startswith("Figures as at "), (url, said)


def test_a_change_made_around_the_service_shows_once_the_command_works_the_figures_out(app, world, runner):
    made = world.make_assessment()
    worked_out()
    # A restore, say: a state changed in SQL, which no commit of the service's announced.
    db.session.execute(sa.update(Assessment).where(Assessment.id == made.id).values(state="challenge"))
    db.session.commit()
    assert [(row.state, row.total) for row in pipeline.pipeline(world.lead).states] == [("screening", 1)]
    result = runner.invoke(args=["eqia", "work-out-figures"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("The lead's figures were worked out as at ")
    db.session.expire_all()
    assert [(row.state, row.total) for row in pipeline.pipeline(world.lead).states] == [("challenge", 1)]
