"""The heat map: across the council's live assessments, how many found each kind
of impact on each group, filterable by directorate, programme and planned
decision date, each cell leading to the assessments behind it.

Which version speaks for an EqIA: its most recent version in a state that is
not final (so not superseded or withdrawn) that has judged at least one group's
impact. While a review is being written, the published version it reviews still
speaks; once the review has judged impacts, the review does. Each EqIA is
counted once in a cell.

The map and the lists behind its cells read the figures as last worked out
(eqia.services.figures): which version speaks is settled when they are worked
out, not when the page is asked for.

The groups are the running profile's, in its order, then any group an author
added, by the name they gave it. The columns are the profile's impact scale. One
query for the whole map; two for a page of the list behind a cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import selectinload

from eqia.admin.listing import Page, clamp
from eqia.extensions import db
from eqia.loaded_definitions import characteristics, workflows
from eqia.models import Assessment, CharacteristicImpact, FigureCount, FigureImpact, User
from eqia.services import figures
from eqia.services.activities import directorate_from, require_keeper

PAGE_SIZE = 25
PROGRAMME_MAX = 200


@dataclass(frozen=True)
class Filters:
    directorate_id: int | None = None
    programme: str = ""  # the assessments' parent programme or budget round, in any case
    decided_from: date | None = None  # planned decision date, from and to (inclusive)
    decided_to: date | None = None

    def args(self) -> dict:
        return {k: v for k, v in (("directorate", self.directorate_id), ("programme", self.programme or None),
                                  ("from", self.decided_from.isoformat() if self.decided_from else None),
                                  ("to", self.decided_to.isoformat() if self.decided_to else None)) if v}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def filters_from(args: Mapping) -> Filters:
    """From a URL: a value that means nothing filters nothing."""
    return Filters(directorate_id=directorate_from(args),
                   programme=args.get("programme", "").strip().replace("\x00", "")[:PROGRAMME_MAX],
                   decided_from=_day(args.get("from", "")), decided_to=_day(args.get("to", "")))


def speaking_versions(filters: Filters):
    """The id of the version that speaks for each EqIA the filters choose."""
    live = [key for key, state in workflows().states().items() if not state.final]
    judged = exists(select(CharacteristicImpact.id).where(CharacteristicImpact.assessment_id == Assessment.id,
                                                          CharacteristicImpact.impact.is_not(None)))
    chosen = [Assessment.state.in_(live), judged]
    if filters.directorate_id is not None:
        chosen.append(Assessment.directorate_id == filters.directorate_id)
    if filters.programme:
        chosen.append(func.lower(Assessment.parent_programme) == filters.programme.lower())
    if filters.decided_from is not None:
        chosen.append(Assessment.planned_decision_date >= filters.decided_from)
    if filters.decided_to is not None:
        chosen.append(Assessment.planned_decision_date <= filters.decided_to)
    latest = (select(Assessment.reference, func.max(Assessment.version_number).label("version"))
              .where(*chosen).group_by(Assessment.reference).subquery())
    return (select(Assessment.id).join(latest, and_(Assessment.reference == latest.c.reference,
                                                    Assessment.version_number == latest.c.version)))


@dataclass(frozen=True)
class Group:
    key: str
    name: str


@dataclass(frozen=True)
class HeatMap:
    groups: list[Group]
    impacts: list[tuple[str, str]]  # the scale: key, label
    counts: dict[tuple[str, str], int]  # (group key, impact key) -> assessments
    most: int

    def count(self, group: str, impact: str) -> int:
        return self.counts.get((group, impact), 0)

    def shade(self, group: str, impact: str) -> int:
        """0 for none, then 1 to 4 by the count's share of the largest."""
        n = self.count(group, impact)
        return 0 if not n else min(4, 1 + (4 * n - 1) // self.most)


def groups_with(found: dict[str, str]) -> list[Group]:
    """The profile's groups in its order, then those authors added (found: key -> the name given), by name."""
    known = [Group(c.key, c.name) for c in characteristics().characteristics]
    return known + sorted((Group(key, name) for key, name in found.items() if key not in {g.key for g in known}),
                          key=lambda g: g.name.lower())


def _chosen(columns, filters: Filters, *, dated: bool = True) -> list:
    """What the filters choose, of rows whose directorate, programme and decision date are these columns."""
    directorate, programme, decided = columns
    chosen = []
    if filters.directorate_id is not None:
        chosen.append(directorate == filters.directorate_id)
    if filters.programme:
        chosen.append(programme == filters.programme.lower())
    if dated and filters.decided_from is not None:
        chosen.append(decided >= filters.decided_from)
    if dated and filters.decided_to is not None:
        chosen.append(decided <= filters.decided_to)
    return chosen


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _counted(filters: Filters) -> list[list]:
    """The heat map's counts that the filters choose (eqia.services.figures), as the conditions of each part
    to add up: undated with no date filter; with one, the whole months between its dates, and the single days
    of the months it cuts (each part read through its own index)."""
    chosen = _chosen((FigureCount.directorate_id, FigureCount.programme_key, FigureCount.day), filters, dated=False)
    low, high = filters.decided_from, filters.decided_to
    if low is None and high is None:
        return [[FigureCount.kind == figures.HEAT, *chosen]]
    # Whole months: from the first that starts on or after `low`, to the last that ends on or before `high`.
    months_from = None if low is None else (low if low.day == 1 else _first_of_next_month(low))
    months_before = None if high is None else (high + timedelta(days=1)).replace(day=1)
    in_months = [c for c in ((FigureCount.day >= months_from) if months_from else None,
                             (FigureCount.day < months_before) if months_before else None) if c is not None]
    in_window = [c for c in ((FigureCount.day >= low) if low else None, (FigureCount.day <= high) if high else None)
                 if c is not None]
    return [[FigureCount.kind == figures.HEAT_MONTH, FigureCount.day.is_not(None), *in_months, *chosen],
            [FigureCount.kind == figures.HEAT_DAY, *in_window, ~and_(*in_months), *chosen]]


def _sums(filters: Filters, *columns) -> dict[tuple, tuple[int, str]]:
    """The counts the filters choose summed by `columns`, with the group's name as given: a query a part."""
    found: dict[tuple, tuple[int, str]] = {}
    for where in _counted(filters):
        for *key, label, number in db.session.execute(
                select(*columns, func.max(FigureCount.label), func.sum(FigureCount.n)).where(*where)
                .group_by(*columns)):
            before = found.get(tuple(key), (0, label))
            found[tuple(key)] = (before[0] + int(number), label)
    return found


def heat_map(user: User, filters: Filters) -> HeatMap:
    """From the figures as last worked out (eqia.services.figure_refresh): one query, two with a date filter."""
    require_keeper(user)
    profile = characteristics()
    scale = [(item.key, item.label) for item in profile.scales["impact"]]
    counts: dict[tuple[str, str], int] = {}
    names: dict[str, str] = {}
    for (key, impact), (number, label) in _sums(filters, FigureCount.group_key, FigureCount.code).items():
        counts[(key, impact)] = number
        names[key] = label
    return HeatMap(groups_with(names), scale, counts, max(counts.values(), default=0))


def group_named(key: str) -> Group | None:
    """A group of the profile, or one an author added (by the name an assessment gave it): one query at most."""
    known = next((Group(c.key, c.name) for c in characteristics().characteristics if c.key == key), None)
    if known is not None:
        return known
    label = db.session.execute(select(func.max(FigureCount.label))
                               .where(FigureCount.kind == figures.HEAT, FigureCount.group_key == key)).scalar_one()
    return Group(key, label) if label is not None else None


def impact_named(key: str) -> tuple[str, str] | None:
    return next(((item.key, item.label) for item in characteristics().scales["impact"] if item.key == key), None)


def assessments_in_cell(user: User, filters: Filters, group: str, impact: str, number: int) -> Page[Assessment]:
    """The assessments behind one cell, newest decision first, from the figures as last worked out: two
    queries, three with a date filter (and one for their directorates)."""
    require_keeper(user)
    total = sum(int(db.session.execute(select(func.coalesce(func.sum(FigureCount.n), 0)).where(
        FigureCount.group_key == group, FigureCount.code == impact, *where)).scalar_one())
        for where in _counted(filters))
    number = clamp(number, total, PAGE_SIZE)
    behind = (select(FigureImpact.assessment_id, FigureImpact.decision_date)
              .where(FigureImpact.group_key == group, FigureImpact.impact == impact,
                     *_chosen((FigureImpact.directorate_id, FigureImpact.programme_key, FigureImpact.decision_date),
                              filters))
              .order_by(FigureImpact.decision_date.desc().nulls_last(), FigureImpact.assessment_id)
              .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE).subquery())
    rows = list(db.session.execute(
        select(Assessment).join(behind, behind.c.assessment_id == Assessment.id)
        .options(selectinload(Assessment.directorate))
        .order_by(behind.c.decision_date.desc().nulls_last(), Assessment.id)).scalars())
    return Page(rows, number, total, PAGE_SIZE)
