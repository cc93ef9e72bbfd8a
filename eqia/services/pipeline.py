"""The lead's pipeline: how many assessments stand in each state (by directorate),
how long they stay in each (median and 90th percentile), and which have waited
longest where someone must act.

Everything is read from the assessments' states and the audit trail's state
changes (an event whose state after differs from its state before, creation
included), as the figures last worked them out (eqia.services.figure_refresh):
a fixed number of queries, reading counts that do not grow with the number of
assessments. Time in a state is counted in whole days; the percentiles come
from a histogram of days per state, so at most a row per state and day is read,
never a row per stay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, cast, func, select, union_all
from sqlalchemy.orm import selectinload

from eqia.extensions import db
from eqia.local_time import local_date
from eqia.loaded_definitions import workflows
from eqia.models import Assessment, Directorate, FigureCount, FigureVersion, User, utcnow
from eqia.services import figures
from eqia.services.activities import require_keeper

WAITING_SHOWN = 10


@dataclass(frozen=True)
class StateRow:
    state: str
    total: int
    by_directorate: dict[int, int]


@dataclass(frozen=True)
class Stay:
    state: str
    stays: int  # completed stays: entered, then left
    median_days: int
    p90_days: int


@dataclass(frozen=True)
class Waiting:
    assessment: Assessment
    since: date  # the London date it entered the state
    days: int


@dataclass(frozen=True)
class Pipeline:
    directorates: list[Directorate]
    states: list[StateRow]
    stays: list[Stay]
    waiting: list[Waiting]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.states)


def _state_order() -> list[str]:
    """Every state of the loaded definitions, the running definition's order first."""
    order: list[str] = []
    for definition in workflows():
        order += [key for key in definition.states if key not in order]
    return order


def _waits_for_someone() -> set[str]:
    """States where someone must act: neither settled (published, screened out) nor final."""
    return {key for definition in workflows() for key, state in definition.states.items()
            if not state.final and not state.settled}


def whole_days(later, earlier):
    """Whole days between two timestamps, in the database's own arithmetic."""
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)  # truncates: whole days
    return cast(func.floor(func.extract("epoch", later - earlier) / 86400), Integer)


def _percentile(histogram: list[tuple[int, int]], share: float) -> int:
    """The day by which `share` of the stays had ended (nearest rank)."""
    wanted, seen = max(1, math.ceil(sum(count for _, count in histogram) * share)), 0
    for day, count in sorted(histogram):
        seen += count
        if seen >= wanted:
            return day
    return histogram[-1][0] if histogram else 0


def states_by_directorate(user: User, directorate_id: int | None = None) -> tuple[list[Directorate], list[StateRow]]:
    """How many assessments stand in each state, by directorate, from the figures as last worked out
    (eqia.services.figures): two queries."""
    require_keeper(user)
    scope = [] if directorate_id is None else [FigureCount.directorate_id == directorate_id]
    counted: dict[str, dict[int, int]] = {}
    for state, directorate, number in figures.summed(figures.STATE, FigureCount.code, FigureCount.directorate_id,
                                                     where=scope):
        counted.setdefault(state, {})[directorate] = int(number)
    ids = {d for row in counted.values() for d in row}
    directorates = list(db.session.execute(select(Directorate).where(Directorate.id.in_(ids))
                                           .order_by(Directorate.name)).scalars()) if ids else []
    return directorates, [StateRow(key, sum(counted[key].values()), counted[key])
                          for key in _state_order() if key in counted]


def pipeline(user: User, directorate_id: int | None = None, *, now: datetime | None = None) -> Pipeline:
    """From the figures as last worked out: five queries, whatever the number of assessments."""
    directorates, states = states_by_directorate(user, directorate_id)
    scope = [] if directorate_id is None else [FigureCount.directorate_id == directorate_id]
    histograms: dict[str, list[tuple[int, int]]] = {}
    for state, day, number in figures.summed(figures.STAY, FigureCount.code, FigureCount.days, where=scope):
        histograms.setdefault(state, []).append((max(0, day), int(number)))
    stays = [Stay(key, sum(n for _, n in histograms[key]), _percentile(histograms[key], 0.5),
                  _percentile(histograms[key], 0.9)) for key in _state_order() if key in histograms]
    waiting = waiting_in(sorted(_waits_for_someone()), WAITING_SHOWN, directorate_id, now=now)
    return Pipeline(directorates, states, stays, waiting)


def waiting_in(states: list[str], limit: int, directorate_id: int | None = None, *,
               now: datetime | None = None) -> list[Waiting]:
    """The assessments in these states, longest there first (by when each entered its state), as the figures
    last found them: one query, and one for their directorates. The longest waiting of each state are read
    through the index of states and dates, then the longest of those: never a sort of everyone waiting."""
    now = now or utcnow()
    scope = [] if directorate_id is None else [FigureVersion.directorate_id == directorate_id]
    if not states:
        return []
    longest = union_all(*(select(each) for each in (
        select(FigureVersion.assessment_id, FigureVersion.since)
        .where(FigureVersion.state == state, FigureVersion.since.is_not(None), *scope)
        .order_by(FigureVersion.since, FigureVersion.assessment_id).limit(limit).subquery()
        for state in states))).subquery()
    return [Waiting(assessment, local_date(at), max(0, (now - at).days)) for assessment, at in db.session.execute(
        select(Assessment, longest.c.since).join(longest, longest.c.assessment_id == Assessment.id)
        .options(selectinload(Assessment.directorate))
        .order_by(longest.c.since, Assessment.id).limit(limit)).all()]
