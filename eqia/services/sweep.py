"""The sweep: the work that falls due with the date, not with anyone's action.

`run_sweep(now)` is called by every worker's periodic task (eqia.tasks.sweep, every
few minutes) and by `flask eqia tick` (by hand, or from cron where no worker runs).
The day's work (DAILY) is done once per period, a London date: the sweep claims
the period by inserting a PeriodicRun row that the unique (kind, period) lets in
once, in the same unit of work as the work itself, so a second claimant waits for
the first and then finds the period taken, and a sweep that fails rolls its claim
back and the next tick does the day's work again. Each step is idempotent on its
own as well (an assessment already due for review is not moved again), so a run
for a period whose claim was lost, or forgotten by a downgrade, does no harm.

The work of every tick (EVERY_TICK) is not claimed: it is cheap and safe to repeat
(notifications waiting to be tried again are claimed message by message by the
outbox), and waiting a day for it would be too long.

A step is `step(today, now) -> int`, how many things it did; add one by adding a
SweepStep to its list. The caller commits; `run_sweep` only flushes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from eqia.audit_words import DATE_REACHED
from eqia.extensions import db
from eqia.loaded_definitions import workflows
from eqia.local_time import local_date
from eqia.models import PeriodicRun, utcnow
from eqia.notifications import reminders
from eqia.notifications.delivery import deliver_due
from eqia.workflow.engine import take_timed_transitions

DAILY_SWEEP = "daily_sweep"  # PeriodicRun.kind


@dataclass(frozen=True)
class SweepStep:
    name: str  # a code: the key of its count in PeriodicRun.details
    run: Callable[[date, datetime], int]  # step(today, now) -> how many things it did
    said: str = ""  # what it did, in words, with {count}; else "<name>: <count>"


def take_dated_transitions(today: date, now: datetime) -> int:
    """Every timed transition due by `today` (the workflow definitions say which: a
    published assessment whose review date has come moves to review due)."""
    return len(take_timed_transitions(workflows(), today, now, kind=DATE_REACHED))


# The day's work, in order, done once per period. A step added by name alone is reported
# as "<name>: <count>".
DAILY: list[SweepStep] = [
    SweepStep("timed_transitions", take_dated_transitions,
              "Moved {count} assessment(s) on because their date came (such as their review date)"),
    SweepStep("challenge_waiting", reminders.remind_challenge_waiting,
              "Reminded people of {count} challenge review(s) waiting too long"),
    SweepStep("actions_due", reminders.remind_actions, "Reminded people of {count} action(s) due soon or overdue"),
    SweepStep("plan_rows_due", reminders.remind_plan_rows,
              "Reminded people of {count} action plan row(s) due soon or overdue"),
    SweepStep("decisions_approaching", reminders.remind_decisions,
              "Reminded people of {count} decision(s) near without a sign-off"),
    # Last: the day's reminders go into the day's digest.
    SweepStep("digests", reminders.queue_digests, "Queued {count} daily digest e-mail(s)"),
]

# The work of every tick, claimed by nobody.
EVERY_TICK: list[SweepStep] = [
    SweepStep("notifications_due", deliver_due, "Queued a delivery for {count} notification(s) due to be sent"),
]

SWEPT = "Swept for {period}."
ALREADY_SWEPT = "Already swept for {period} (at {at} UTC): the day's work is not done again."
NOTHING_DONE = "Nothing was due."
STEP_DID = "{name}: {count}"


@dataclass
class SweepReport:
    period: str  # the London date swept for, ISO
    claimed: bool  # False: another run had already done this period's work
    counts: dict[str, int] = field(default_factory=dict)  # by step name: only the steps that ran
    claimed_at: datetime | None = None  # when the period's work was done, if not by this run

    @property
    def lines(self) -> list[str]:
        said = ([SWEPT.format(period=self.period)] if self.claimed
                else [ALREADY_SWEPT.format(period=self.period, at=f"{self.claimed_at:%Y-%m-%d %H:%M}")])
        steps = {s.name: s for s in (*DAILY, *EVERY_TICK)}
        done = [(steps[name].said or STEP_DID).format(name=name, count=count)
                for name, count in self.counts.items() if count]
        return said + (done or [NOTHING_DONE])


def claim(kind: str, period: str, now: datetime) -> bool:
    """Insert the (kind, period) row if no other has: whether this caller did. A
    concurrent claimant's uncommitted row makes this wait (PostgreSQL's unique index,
    SQLite's write lock) until it commits (then False) or rolls back (then True)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = db.session.execute(
        insert(PeriodicRun.__table__).values(kind=kind, period=period, started_at=now, details={})
        .on_conflict_do_nothing(index_elements=["kind", "period"]).returning(PeriodicRun.__table__.c.id))
    return inserted.scalar_one_or_none() is not None


def _run(kind: str, period: str) -> PeriodicRun:
    return db.session.execute(
        select(PeriodicRun).where(PeriodicRun.kind == kind, PeriodicRun.period == period)
        .execution_options(populate_existing=True)).scalar_one()


def run_sweep(now: datetime, today: date | None = None) -> SweepReport:
    """Do the work of a tick at `now`, and the day's work for `today` (the London date
    of `now` unless given) unless it is done already. Flushes; the caller commits."""
    today = today or local_date(now)
    period = today.isoformat()
    report = SweepReport(period=period, claimed=claim(DAILY_SWEEP, period, now))
    if report.claimed:
        for step in DAILY:
            report.counts[step.name] = step.run(today, now)
    for step in EVERY_TICK:
        report.counts[step.name] = step.run(today, now)
    run = _run(DAILY_SWEEP, period)
    if report.claimed:
        run.details = {name: report.counts[name] for name in (s.name for s in DAILY)}
        run.finished_at = utcnow()
        db.session.flush()
    else:
        report.claimed_at = run.started_at
    return report
