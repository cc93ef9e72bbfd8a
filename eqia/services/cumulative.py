"""Cumulative impact: every live assessment of one programme or budget round, their
impacts on each group side by side, so that the lead can see where several
proposals fall on the same people (a budget round's cumulative equality impact).

A programme is what the assessments name as their parent programme, in any
case. Each EqIA is read by the version that speaks for it on the heat map (its
latest live version that has judged impacts: eqia.services.heat_map). At most
MAX_ASSESSMENTS are set side by side; a programme with more is shown in part,
and says so. Three queries. The list of programmes reads the figures as last
worked out; a programme's side by side is read as it is now, since a cumulative
judgement is written beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eqia.extensions import db
from eqia.loaded_definitions import characteristics
from eqia.models import Assessment, CharacteristicImpact, FigureCount, User
from eqia.services import figures
from eqia.services.activities import require_keeper
from eqia.services.heat_map import Filters, Group, groups_with, speaking_versions

MAX_ASSESSMENTS = 40
PROGRAMMES_SHOWN = 100


@dataclass(frozen=True)
class Programme:
    name: str
    assessments: int


def programmes(user: User) -> list[Programme]:
    """The programmes the live assessments name, with how many each has, largest first, from the figures as
    last worked out (eqia.services.figures): one query."""
    require_keeper(user)
    return [Programme(name, count) for name, count in db.session.execute(
        select(FigureCount.label, FigureCount.n).where(FigureCount.kind == figures.PROGRAMME)
        .order_by(FigureCount.n.desc(), func.lower(FigureCount.label)).limit(PROGRAMMES_SHOWN))]


@dataclass(frozen=True)
class Judged:
    impact: str | None  # a key of the impact scale; None: not judged for this group
    severity: str | None


@dataclass(frozen=True)
class SideBySide:
    programme: str
    assessments: list[Assessment]
    total: int  # how many the programme has (more than shown when over MAX_ASSESSMENTS)
    groups: list[Group]
    cells: dict[tuple[str, int], Judged]  # (group key, assessment id)
    impacts: dict[str, str]  # the scale's labels
    severities: dict[str, str]

    def cell(self, group: str, assessment: Assessment) -> Judged:
        return self.cells.get((group, assessment.id), Judged(None, None))

    def negatives(self, group: str) -> int:
        return sum(1 for (key, _), judged in self.cells.items() if key == group and judged.impact == "negative")


def side_by_side(user: User, programme: str) -> SideBySide:
    require_keeper(user)
    speaking = speaking_versions(Filters(programme=programme))
    total = db.session.execute(select(func.count()).select_from(speaking.subquery())).scalar_one()
    assessments = list(db.session.execute(
        select(Assessment).where(Assessment.id.in_(speaking)).options(selectinload(Assessment.directorate))
        .order_by(Assessment.reference).limit(MAX_ASSESSMENTS)).scalars())
    return of_versions(programme, assessments, total)


def of_versions(programme: str, assessments: list[Assessment], total: int | None = None) -> SideBySide:
    """Exactly these assessment versions side by side: the programme's speaking ones now, or those a lead's
    judgement covered when it was written (eqia.services.cumulative_judgements). One query."""
    profile = characteristics()
    cells: dict[tuple[str, int], Judged] = {}
    names: dict[str, str] = {}
    if assessments:
        for row in db.session.execute(select(CharacteristicImpact).where(
                CharacteristicImpact.assessment_id.in_([a.id for a in assessments]))).scalars():
            cells[(row.characteristic_key, row.assessment_id)] = Judged(row.impact, row.severity)
            names.setdefault(row.characteristic_key, row.characteristic_label)
    total = len(assessments) if total is None else total
    return SideBySide(programme, assessments, total, groups_with(names), cells,
                      {i.key: i.label for i in profile.scales["impact"]},
                      {i.key: i.label for i in profile.scales["severity"]})
