"""Working out the lead's figures (eqia.models.figures) from the assessments,
their trail and the register: everything at once, in the database, by the rules
the dashboards state (which version speaks, how far an activity is covered, how
long a stay lasted), then kept until the next working out.

When: a task does it soon after any commit that changed an assessment, its
impacts or actions, or the register (eqia.tasks.figures, queued by `init_app`'s
listeners), and each sweep does it too, so a change made some other way waits
for the sweep at most. A task whose change is already covered by a working out
that started after it commits does nothing. The figures carry the time they were
worked out, which the pages show.

Counts that depend on today's date (overdue, late, approaching) are kept by date,
and the page sums them up to today: they stay right from one day to the next
without being worked out again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import Date, Integer, String, case, cast, delete, event, func, insert, literal, select, text
from sqlalchemy.orm import Session

from eqia.extensions import db
from eqia.loaded_definitions import workflows
from eqia.models import (Action, Activity, ActivityAssessment, Assessment, AuditEvent, CharacteristicImpact,
                         utcnow)
from eqia.models.figures import FigureActivity, FigureCount, FigureImpact, FigureRun, FigureVersion
from eqia.services import figures
from eqia.services.activities import CODE_OF_RANK, rank_of_each_activity, relevant
from eqia.services.follow_up import unsigned_states
from eqia.services.heat_map import Filters, speaking_versions
from eqia.services.pipeline import whole_days

log = logging.getLogger(__name__)

# A change to any of these makes the figures due to be worked out again.
WATCHED = (Assessment, CharacteristicImpact, Action, Activity, ActivityAssessment)
DUE_KEY = "eqia_figures_due"  # in the session's info: this transaction changed what they count
QUEUE_KEY = "eqia_figures_queue"
EXTENSION = "eqia_figures_enqueue"


def _live_states() -> list[str]:
    return sorted({key for d in workflows() for key, state in d.states.items() if not state.final})


def _lower(column):
    return func.lower(column)


def _month_start(day):
    """The first day of a date's month, in the database's own arithmetic."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(day, "start of month")
    return cast(func.date_trunc("month", day), Date)


def work_out(*, since: datetime | None = None) -> bool:
    """Work the figures out again, unless a working out that started at or after `since` (when the
    change that asked for it committed) is kept already. Flushed, not committed: the task commits.
    True if it worked them out."""
    started, clock = utcnow(), time.perf_counter()
    run = db.session.get(FigureRun, figures.RUN_ID, with_for_update=db.session.get_bind().dialect.name != "sqlite")
    if run is not None and since is not None and run.worked_out_at >= since:
        return False
    for table in FIGURE_TABLES:
        db.session.execute(delete(table))
    _versions()
    _impacts()
    _counts()
    _activities()
    took = round((time.perf_counter() - clock) * 1000)
    if run is None:
        db.session.add(FigureRun(id=figures.RUN_ID, worked_out_at=started, took_ms=took))
    else:
        run.worked_out_at, run.took_ms = started, took
    db.session.flush()
    return True


FIGURE_TABLES = (FigureCount, FigureVersion, FigureImpact, FigureActivity)


def tidy() -> None:
    """Once a working out has committed: on PostgreSQL, reclaim the rows it replaced and refresh the planner's
    statistics of the figures (VACUUM, which runs outside any transaction). Each working out replaces every
    row, so left to autovacuum the tables would hold several dead rows for each live one, and the pages would
    read past them with plans made for tables of another size."""
    if db.engine.dialect.name != "postgresql":
        return
    names = ", ".join(model.__tablename__ for model in FIGURE_TABLES)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM (ANALYZE) {names}"))


def _versions() -> None:
    """Each live version, when it entered its state, and whether it speaks for its EqIA."""
    since = (select(AuditEvent.assessment_id, func.max(AuditEvent.occurred_at).label("at"))
             .join(Assessment, Assessment.id == AuditEvent.assessment_id)
             .where(AuditEvent.to_state == Assessment.state, AuditEvent.to_state != AuditEvent.from_state)
             .group_by(AuditEvent.assessment_id).subquery())
    speaking = speaking_versions(Filters())
    db.session.execute(insert(FigureVersion).from_select(
        ["assessment_id", "reference", "state", "directorate_id", "since", "speaks", "programme_key"],
        select(Assessment.id, Assessment.reference, Assessment.state, Assessment.directorate_id, since.c.at,
               Assessment.id.in_(speaking), _lower(Assessment.parent_programme))
        .outerjoin(since, since.c.assessment_id == Assessment.id)
        .where(Assessment.state.in_(_live_states()))))


def _impacts() -> None:
    """Each impact a speaking version judged."""
    db.session.execute(insert(FigureImpact).from_select(
        ["assessment_id", "group_key", "group_label", "impact", "directorate_id", "programme_key", "decision_date"],
        select(CharacteristicImpact.assessment_id, CharacteristicImpact.characteristic_key,
               CharacteristicImpact.characteristic_label, CharacteristicImpact.impact, Assessment.directorate_id,
               _lower(Assessment.parent_programme), Assessment.planned_decision_date)
        .join(Assessment, Assessment.id == CharacteristicImpact.assessment_id)
        .join(FigureVersion, FigureVersion.assessment_id == Assessment.id)
        .where(FigureVersion.speaks.is_(True), CharacteristicImpact.impact.is_not(None))))


def _count(kind: str, columns: dict, grouped, shape=lambda query: query) -> None:
    """One kind of count: `columns` maps FigureCount's columns to what fills them, counted by `grouped`
    in the query that `shape` makes of it (its joins and conditions)."""
    db.session.execute(insert(FigureCount).from_select(
        ["kind", *columns, "n"],
        shape(select(literal(kind, String), *columns.values(), func.count()).group_by(*grouped))))


def _counts() -> None:
    by_state = {"code": Assessment.state, "directorate_id": Assessment.directorate_id}
    _count(figures.STATE, by_state, by_state.values())

    # Each state entered, and when the next was entered (a stay that has ended).
    entered = (select(AuditEvent.to_state.label("state"), Assessment.directorate_id.label("directorate_id"),
                      AuditEvent.occurred_at.label("at"),
                      func.lead(AuditEvent.occurred_at).over(partition_by=AuditEvent.assessment_id,
                                                             order_by=AuditEvent.seq).label("left_at"))
               .join(Assessment, Assessment.id == AuditEvent.assessment_id)
               .where(AuditEvent.to_state != "", AuditEvent.to_state != AuditEvent.from_state).subquery())
    stay = {"code": entered.c.state, "directorate_id": entered.c.directorate_id,
            "days": whole_days(entered.c.left_at, entered.c.at)}
    _count(figures.STAY, stay, stay.values(), lambda q: q.where(entered.c.left_at.is_not(None)))

    heat = {"group_key": FigureImpact.group_key, "code": FigureImpact.impact,
            "directorate_id": FigureImpact.directorate_id, "programme_key": FigureImpact.programme_key,
            "day": FigureImpact.decision_date}
    _count(figures.HEAT_DAY, {**heat, "label": func.max(FigureImpact.group_label)}, heat.values())
    # By month and undated, from the counts by day (a date filter reads whole months, and days at its ends).
    by_day = select(FigureCount).where(FigureCount.kind == figures.HEAT_DAY).subquery()
    for kind, day in ((figures.HEAT_MONTH, _month_start(by_day.c.day)), (figures.HEAT, None)):
        dims = {"group_key": by_day.c.group_key, "code": by_day.c.code, "directorate_id": by_day.c.directorate_id,
                "programme_key": by_day.c.programme_key, **({"day": day} if day is not None else {})}
        db.session.execute(insert(FigureCount).from_select(
            ["kind", *dims, "label", "n"],
            select(literal(kind, String), *dims.values(), func.max(by_day.c.label), func.sum(by_day.c.n))
            .group_by(*dims.values())))

    _count(figures.PROGRAMME, {"programme_key": FigureVersion.programme_key,
                               "label": func.min(Assessment.parent_programme)}, [FigureVersion.programme_key],
           lambda q: q.join(Assessment, Assessment.id == FigureVersion.assessment_id)
           .where(FigureVersion.speaks.is_(True), FigureVersion.programme_key != ""))

    decision = {"code": Assessment.state, "directorate_id": Assessment.directorate_id,
                "day": Assessment.planned_decision_date}
    _count(figures.DECISION, decision, decision.values(),
           lambda q: q.where(Assessment.state.in_(unsigned_states()), Assessment.planned_decision_date.is_not(None)))


def _activities() -> None:
    """How far each activity is covered, and the relevant ones counted by directorate, coverage and date."""
    ranked = rank_of_each_activity()
    db.session.execute(insert(FigureActivity).from_select(
        ["activity_id", "rank"], select(Activity.id, cast(func.coalesce(ranked.c.rank, 0), Integer))
        .outerjoin(ranked, ranked.c.activity_id == Activity.id)))
    covered = {"directorate_id": Activity.directorate_id, "code": case(CODE_OF_RANK, value=FigureActivity.rank),
               "day": Activity.assess_by}
    _count(figures.COVERAGE, covered, covered.values(),
           lambda q: q.join(FigureActivity, FigureActivity.activity_id == Activity.id).where(relevant()))


# ------------------------------------------------------------------ when
def _watch(session: Session, flush_context) -> None:
    """after_flush: did this flush change anything the figures count?"""
    if DUE_KEY not in session.info and any(isinstance(row, WATCHED)
                                           for rows in (session.new, session.dirty, session.deleted)
                                           for row in rows):
        session.info[DUE_KEY] = True


def _in_transaction(session: Session) -> None:
    if not session.in_nested_transaction() and session.info.pop(DUE_KEY, None):
        session.info[QUEUE_KEY] = current_app._get_current_object()


def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return
    app = session.info.pop(QUEUE_KEY, None)
    if app is not None:
        try:
            app.extensions[EXTENSION](app, utcnow())
        except Exception:  # noqa: BLE001 - the change is committed; the sweep works the figures out at the latest
            log.exception("could not queue the working out of the lead's figures")


def _forgotten(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(DUE_KEY, None)
        session.info.pop(QUEUE_KEY, None)


def init_app(app: Flask, enqueue: Callable[[Flask, datetime], None]) -> None:
    """`enqueue(app, committed_at)` puts a working out of the figures in the app's task queue."""
    app.extensions[EXTENSION] = enqueue
    for name, fn in (("after_flush", _watch), ("before_commit", _in_transaction), ("after_commit", _committed),
                     ("after_soft_rollback", _forgotten)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
