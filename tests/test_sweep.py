"""The sweep (eqia/services/sweep.py): on an assessment's review date the engine
moves it to review due (the definition's timed transition `review_falls_due`),
the author and the equality leads are told, and the day's work is done once
per London date however many ticks, workers or `flask eqia tick`s run it.
The tests set the clock (`now`); nothing sleeps."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.audit_words import DATE_REACHED, words
from eqia.extensions import db
from eqia.local_time import LOCAL_ZONE, local_date
from eqia.models import Assessment, AuditEvent, OutboxMessage, PeriodicRun, utcnow
from eqia.services import sweep as sweep_service
from eqia.services.sweep import DAILY_SWEEP, SweepStep, run_sweep
from eqia.unit_of_work import unit_of_work
from eqia.tasks import EXTENSION, consumer, enqueue, queue_for
from eqia.tasks.sweep import SWEEP
from tests.conftest import DB_KIND
from tests.test_task_queue import running, wait_until

TOLD = ["admin@example.test", "author@example.test", "co-author@example.test", "lead2@example.test",
        "lead@example.test"]


def london(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """The UTC moment of `hour`:`minute` on `day` in London."""
    return datetime.combine(day, time(hour, minute), LOCAL_ZONE).astimezone(timezone.utc)


def sweep(now: datetime, today: date | None = None):
    """One tick, committed as the task or the command commits it."""
    with unit_of_work():
        return run_sweep(now, today)


def state_of(assessment_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id).state


def review_events(assessment_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.assessment_id == assessment_id, AuditEvent.action == "review_falls_due")).scalars().all()


def told(event: AuditEvent) -> list[str]:
    return sorted(db.session.execute(sa.select(OutboxMessage.recipient)
                                     .where(OutboxMessage.audit_event_id == event.id)).scalars())


def runs() -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(r.kind, r.period) for r in db.session.execute(sa.select(PeriodicRun).order_by(PeriodicRun.id)).scalars()]


def review_date_today(assessment_id: int, day: date | None = None) -> None:
    """A version published a year ago, whose review date is today (or `day`): set in SQL,
    around the application, because no version can be signed with a review date already past."""
    db.session.execute(sa.text("UPDATE assessment SET review_date = :day WHERE id = :id"),
                       {"day": day or local_date(utcnow()), "id": assessment_id})
    db.session.commit()


@pytest.fixture
def published(world) -> Assessment:
    return world.make_assessment("published", answer="yes")


# --- on the right day ------------------------------------------------------------------------------

def test_a_published_assessment_falls_due_for_review_on_its_review_date_and_not_the_day_before(published):
    due = published.review_date
    report = sweep(london(due - timedelta(days=1), 23, 59))
    assert report.claimed and report.counts["timed_transitions"] == 0
    assert state_of(published.id) == "published"

    report = sweep(london(due, 0, 1))  # the first minute of the day, in London
    assert report.claimed and report.counts["timed_transitions"] == 1
    assert state_of(published.id) == "review_due"
    [event] = review_events(published.id)
    assert (event.actor_id, event.role, event.from_state, event.to_state) == (None, "system", "published",
                                                                               "review_due")
    assert event.kind == DATE_REACHED and event.details == {"date": "review_date", "on": due.isoformat()}
    assert words(event) == f"Review date reached: {due.day} {due:%B %Y}"


def test_the_assessment_s_history_says_the_review_date_came(published, world, client, auth):
    due = published.review_date
    sweep(london(due))
    auth.sign_in(world.author)
    page = BeautifulSoup(client.get(f"/assessments/{published.id}").get_data(as_text=True), "html.parser")
    row = next(tr for tr in page.select("#history ~ table tbody tr") if "Review date reached" in tr.get_text())
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[2:] == ["Review date reached", f"Review date reached: {due.day} {due:%B %Y}"]


def test_a_review_date_that_passed_unswept_is_caught_up_on_the_next_sweep(published):
    sweep(london(published.review_date + timedelta(days=40)))
    assert state_of(published.id) == "review_due"


def test_the_author_and_the_equality_leads_are_told_it_is_due_for_review(published):
    sweep(london(published.review_date))
    [event] = review_events(published.id)
    # Whoever may start the review (authors who can see it, leads) or take it off the register (admins).
    assert told(event) == TOLD
    message = db.session.execute(sa.select(OutboxMessage).where(
        OutboxMessage.audit_event_id == event.id, OutboxMessage.recipient == "author@example.test")).scalar_one()
    assert message.details["actor"] is None and message.details["trigger"] == "review_falls_due"


@pytest.mark.parametrize("state", ["signed_off", "unpublished", "full_assessment"])
def test_an_assessment_not_published_is_left_where_it_is(world, state):
    # Review due is on the public register: a version never published, or taken off it, must not go there.
    assessment = world.make_assessment(state, answer="yes")
    assert assessment.review_date is not None
    report = sweep(london(assessment.review_date + timedelta(days=1)))
    assert report.counts["timed_transitions"] == 0
    assert state_of(assessment.id) == state and review_events(assessment.id) == []


def test_a_screened_out_assessment_falls_due_by_its_own_transition_and_not_to_review_due(world):
    # Review due is public; a screen-out never published goes to its own state, off the register
    # (tests/test_screening_review.py).
    assessment = world.make_assessment("screened_out")
    review_date_today(assessment.id, local_date(utcnow()) - timedelta(days=1))
    sweep(utcnow())
    assert state_of(assessment.id) == "screening_review_due" and review_events(assessment.id) == []


# --- once --------------------------------------------------------------------------------------

def test_sweeping_twice_in_a_day_does_the_day_s_work_once(published):
    first = sweep(london(published.review_date, 9))
    second = sweep(london(published.review_date, 9, 10))
    assert first.claimed and not second.claimed
    assert second.claimed_at == london(published.review_date, 9)
    assert "timed_transitions" not in second.counts
    assert second.lines[0] == (f"Already swept for {published.review_date.isoformat()} (at "
                               f"{london(published.review_date, 9):%Y-%m-%d %H:%M} UTC): the day's work is not "
                               "done again.")
    [event] = review_events(published.id)
    assert Counter(told(event)) == Counter({email: 1 for email in TOLD})
    assert runs() == [(DAILY_SWEEP, published.review_date.isoformat())]


def test_the_next_day_s_sweep_and_a_lost_claim_move_nothing_again(published):
    due = published.review_date
    sweep(london(due))
    sweep(london(due + timedelta(days=1)))
    db.session.execute(sa.delete(PeriodicRun))  # a downgrade forgets which days ran
    db.session.commit()
    again = sweep(london(due))
    assert again.claimed and again.counts["timed_transitions"] == 0
    [event] = review_events(published.id)
    assert Counter(told(event)) == Counter({email: 1 for email in TOLD})


def test_a_sweep_that_fails_leaves_the_day_unclaimed_and_the_next_tick_does_its_work(published, monkeypatch):
    def breaks(today, now):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(sweep_service, "DAILY", [*sweep_service.DAILY, SweepStep("breaks", breaks, "{count}")])
    with pytest.raises(RuntimeError):
        sweep(london(published.review_date))
    assert runs() == [] and state_of(published.id) == "published" and review_events(published.id) == []

    monkeypatch.undo()
    assert sweep(london(published.review_date, 9, 10)).claimed
    assert state_of(published.id) == "review_due" and len(review_events(published.id)) == 1


def test_a_step_added_by_name_alone_is_run_once_a_day_and_reported_by_name(published, monkeypatch):
    seen: list[date] = []

    def count_the_day(today, now):
        seen.append(today)
        return 3

    monkeypatch.setattr(sweep_service, "DAILY", [*sweep_service.DAILY, SweepStep("count_the_day", count_the_day)])
    day = published.review_date
    assert "count_the_day: 3" in sweep(london(day)).lines
    assert "count_the_day" not in sweep(london(day, 12)).counts
    assert seen == [day]
    db.session.expire_all()
    details = db.session.execute(sa.select(PeriodicRun.details)).scalar_one()
    assert set(details) == {step.name for step in sweep_service.DAILY} | {"count_the_day"}
    assert (details["timed_transitions"], details["count_the_day"]) == (1, 3)


def test_a_notification_waiting_to_be_tried_again_is_delivered_by_every_tick(published):
    db.session.execute(sa.update(OutboxMessage).values(sent_at=None, failed_at=None,
                                                       next_attempt_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    waiting = db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar_one()
    now = utcnow()
    assert sweep(now).counts["notifications_due"] == waiting
    # Not claimed with the day: the next tick queues a delivery again while they wait.
    assert sweep(now + timedelta(minutes=10)).counts["notifications_due"] == waiting


# --- at once -----------------------------------------------------------------------------------

@pytest.mark.skipif(DB_KIND != "postgres", reason="needs PostgreSQL's row locks and real connections")
def test_simultaneous_sweeps_do_the_day_s_work_once(app, published):
    now, count = london(published.review_date), 6
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def tick(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = sweep(now)
            except Exception as exc:  # the outcome is what the test inspects
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tick, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [r.claimed for r in results].count(True) == 1, results
    [event] = review_events(published.id)
    assert Counter(told(event)) == Counter({email: 1 for email in TOLD})
    assert runs() == [(DAILY_SWEEP, published.review_date.isoformat())]


@pytest.mark.skipif(DB_KIND != "postgres", reason="needs PostgreSQL's row locks and real connections")
def test_a_sweep_waits_for_one_under_way_and_then_finds_the_day_done(app, published):
    """The second claimant blocks on the first's uncommitted claim, and is released by its commit."""
    now = london(published.review_date)
    first_claimed, second_done = threading.Event(), threading.Event()
    release = threading.Event()
    results: dict = {}

    def first() -> None:
        with app.app_context():
            try:
                with unit_of_work():
                    results["first"] = run_sweep(now)
                    first_claimed.set()
                    release.wait(timeout=60)
            finally:
                first_claimed.set()
                db.session.remove()

    def second() -> None:
        with app.app_context():
            first_claimed.wait(timeout=60)
            try:
                results["second"] = sweep(now)
            finally:
                second_done.set()
                db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    try:
        waiting = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO periodic_run%'")
        deadline = datetime.now(timezone.utc) + timedelta(seconds=60)
        while db.session.execute(waiting).scalar_one() == 0:  # polls the server, never a timer
            db.session.rollback()
            assert datetime.now(timezone.utc) < deadline, "the second sweep never waited on the first"
        assert not second_done.is_set()
    finally:
        release.set()
        for t in threads:
            t.join(timeout=60)
    assert results["first"].claimed and not results["second"].claimed
    assert len(review_events(published.id)) == 1


# --- every worker fires it ---------------------------------------------------------------------

def test_every_consumer_fires_the_sweep_every_ten_minutes(app, tmp_path):
    app.config.update(EQIA_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite'}")
    app.extensions.pop(EXTENSION, None)
    huey = queue_for(app).huey
    fired = [datetime(2026, 12, 6, hour, minute) for hour in (0, 13) for minute in range(60)
             if any(t.name == SWEEP for t in huey.read_periodic(datetime(2026, 12, 6, hour, minute)))]
    assert [f"{moment:%H:%M}" for moment in fired] == [f"{h:02}:{m:02}" for h in (0, 13) for m in range(0, 60, 10)]
    assert consumer(app, 1).periodic


def test_two_workers_sweeping_at_once_do_the_day_s_work_once(app, make_app, published, tmp_path):
    review_date_today(published.id)
    shared = {"EQIA_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite'}", "EQIA_QUEUE_NAME": "sweeptest"}
    app.config.update(shared)
    app.extensions.pop(EXTENSION, None)
    other = make_app(**shared)
    with running(app, workers=2), running(other, workers=2):
        for _ in range(6):  # as six ticks of the periodic task, taken by both workers' threads
            enqueue(app, SWEEP)
        wait_until(lambda: queue_for(app).huey.pending_count() == 0 and len(runs()) == 1, "the sweeps")
    assert state_of(published.id) == "review_due"
    [event] = review_events(published.id)
    assert Counter(told(event)) == Counter({email: 1 for email in TOLD})
    assert runs() == [(DAILY_SWEEP, local_date(utcnow()).isoformat())]


# --- flask eqia tick ---------------------------------------------------------------------------

def test_tick_moves_what_is_due_today_and_says_so_then_says_the_day_is_done(published, runner):
    review_date_today(published.id)
    today = local_date(utcnow()).isoformat()
    result = runner.invoke(args=["eqia", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        f"Swept for {today}.",
        "Moved 1 assessment(s) on because their date came (such as their review date)"]
    assert state_of(published.id) == "review_due"

    again = runner.invoke(args=["eqia", "tick"])
    assert again.exit_code == 0, again.output
    assert again.output.startswith(f"Already swept for {today} (at ")
    assert len(review_events(published.id)) == 1


def test_tick_for_a_day_missed_does_that_day_s_work(published, runner):
    yesterday = local_date(utcnow()) - timedelta(days=1)
    review_date_today(published.id, yesterday)
    result = runner.invoke(args=["eqia", "tick", "--date", yesterday.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Swept for {yesterday.isoformat()}.")
    assert state_of(published.id) == "review_due"
    assert runs() == [(DAILY_SWEEP, yesterday.isoformat())]


@pytest.mark.parametrize("given,message", [
    ("tomorrow", "Give today's date or an earlier one"),
    ("6/12/2026", "'6/12/2026' does not match the format '%Y-%m-%d'"),
])
def test_tick_refuses_a_future_or_malformed_date_and_does_nothing(published, runner, given, message):
    if given == "tomorrow":
        given = (local_date(utcnow()) + timedelta(days=1)).isoformat()
    result = runner.invoke(args=["eqia", "tick", "--date", given])
    assert result.exit_code == 2
    assert message in result.output
    assert runs() == [] and state_of(published.id) == "published"
