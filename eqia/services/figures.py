"""Reading the lead's figures as they were last worked out (eqia.models.figures;
eqia.services.figure_refresh works them out). Each dashboard reads counts kept
by a few dimensions and sums the few rows its filters choose, so a page costs
about the same at 500 assessments as at 50,000.

What each kind of count holds (`FigureCount`):

- `state`: assessment versions by `code` (their state) and directorate.
- `stay`: completed stays in a state (`code`), by directorate and whole `days`.
- `heat_day`: the EqIAs whose speaking version found `code` (an impact) on
  `group_key` (`label`: the group's name as given), by directorate,
  `programme_key` and `day` (the planned decision date); `heat_month` the same
  by the first `day` of the decision's month, and `heat` the same undated. The
  map reads `heat`, or with a date filter whole months from `heat_month` and
  the days of a month the filter cuts from `heat_day`: rows that grow with the
  directorates, programmes and months, not with the assessments.
- `programme`: the EqIAs of each programme that speak on the heat map
  (`label`: the programme's name as given).
- `coverage`: relevant activities by directorate, `code` (how far covered) and
  `day` (the date they are to be assessed by).
- `decision`: versions not yet signed, by `code` (their state), directorate and
  `day` (their planned decision date).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from eqia.extensions import db
from eqia.models.figures import FigureCount, FigureRun

RUN_ID = 1

STATE, STAY, PROGRAMME, COVERAGE, DECISION = "state", "stay", "programme", "coverage", "decision"
HEAT, HEAT_MONTH, HEAT_DAY = "heat", "heat_month", "heat_day"


def worked_out_at() -> datetime | None:
    """When the figures now kept were worked out; None if they never have been."""
    return db.session.execute(select(FigureRun.worked_out_at).where(FigureRun.id == RUN_ID)).scalar_one_or_none()


def summed(kind: str, *columns, where=(), also=()) -> list[tuple]:
    """The counts of `kind` the conditions choose, summed by `columns` (a row per distinct value): each
    row the columns' values, those of the aggregates `also` asks for, and the sum."""
    return [tuple(row) for row in db.session.execute(
        select(*columns, *also, func.sum(FigureCount.n)).where(FigureCount.kind == kind, *where)
        .group_by(*columns))]


def total(kind: str, *where) -> int:
    """The sum of the counts of `kind` the conditions choose."""
    return int(db.session.execute(select(func.coalesce(func.sum(FigureCount.n), 0))
                                  .where(FigureCount.kind == kind, *where)).scalar_one())
