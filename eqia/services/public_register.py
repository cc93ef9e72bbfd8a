"""The public register: published EqIAs, for anyone, without signing in.

What "published" means comes from the workflow definitions alone: an assessment
is on the register while its state is marked `public: true` in its *own*
definition (matched on workflow name and version), so a council that changes its
workflow changes its register with it. A restricted EqIA (an employment
restructure, say) is never on the register, whatever its state.

The page, the CSV and the JSON all take their rows from `search`, so they can
never disagree about what is on the register or in what order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import selectinload

from eqia.extensions import db
from eqia.links import external_url
from eqia.models import DATABASE_INT_MAX, Assessment, CharacteristicImpact, Directorate
from eqia.loaded_definitions import characteristics, definition_for, workflows
from eqia.services.search import clean_text, like_pattern  # noqa: F401  (clean_text: the register page's too)
from eqia.local_time import LOCAL_ZONE

PAGE_SIZE = 25


@dataclass(frozen=True)
class RegisterFilters:
    """Filters already checked: unknown values are left out, never guessed at."""

    text: str = ""
    directorate_id: int | None = None
    characteristic: str = ""  # a configured characteristic key: an adverse impact on this group
    published_from: date | None = None  # London dates, inclusive
    published_to: date | None = None


@dataclass(frozen=True)
class RegisterRow:
    """One EqIA as the register lists it: the page, the CSV and the JSON show these fields."""

    reference: str
    version: int
    title: str
    directorate: str
    service: str
    status: str
    decision_date: date | None
    published_at: datetime | None
    adverse_impacts: tuple[str, ...]  # the groups, by the label the assessment was written with

    @property
    def display_reference(self) -> str:
        return f"{self.reference} v{self.version}"

    @property
    def published_on(self) -> date | None:
        """The day it was published, as people in the council count days."""
        return self.published_at.astimezone(LOCAL_ZONE).date() if self.published_at else None


@dataclass(frozen=True)
class RegisterResult:
    total: int
    rows: list[RegisterRow]
    page: int  # 1 when every row is returned
    pages: int
    page_size: int

    @property
    def first(self) -> int:
        """The position of the first row shown, counting from 1."""
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def on_register() -> ColumnElement[bool]:
    """The one condition for being on the register, derived from the definitions."""
    public = [and_(Assessment.workflow_name == d.name, Assessment.workflow_version == d.version,
                   Assessment.state.in_(d.public_states()))
              for d in workflows() if d.public_states()]
    return and_(or_(false(), *public), Assessment.restricted.is_(False))


def _start_of_london_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_ZONE).astimezone(timezone.utc)


def _filtered(filters: RegisterFilters) -> Select:
    query = select(Assessment).where(on_register())
    text = clean_text(filters.text)
    if text:
        pattern = like_pattern(text)
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in (
            Assessment.reference, Assessment.title, Assessment.service, Assessment.aims,
            Assessment.people_affected))))
    if filters.directorate_id is not None:
        query = query.where(Assessment.directorate_id == filters.directorate_id)
    if filters.characteristic:
        adverse = characteristics().keys_meaning("impact", "negative")
        query = query.where(Assessment.impacts.any(and_(
            CharacteristicImpact.characteristic_key == filters.characteristic,
            CharacteristicImpact.impact.in_(adverse))))
    if filters.published_from is not None:
        query = query.where(Assessment.published_at >= _start_of_london_day(filters.published_from))
    if filters.published_to is not None and filters.published_to < date.max:
        next_day = filters.published_to + timedelta(days=1)
        query = query.where(Assessment.published_at < _start_of_london_day(next_day))
    return query


def _row(assessment: Assessment, adverse: frozenset[str]) -> RegisterRow:
    return RegisterRow(
        reference=assessment.reference,
        version=assessment.version_number,
        title=assessment.title,
        directorate=assessment.directorate.name,
        service=assessment.service,
        status=definition_for(assessment).states[assessment.state].label,
        decision_date=assessment.planned_decision_date,
        published_at=assessment.published_at,
        adverse_impacts=tuple(i.characteristic_label for i in assessment.impacts if i.impact in adverse),
    )


def search(filters: RegisterFilters, page: int | None = None, page_size: int = PAGE_SIZE) -> RegisterResult:
    """The EqIAs on the register that match, newest published first: one page of
    `page_size` rows, or every row when `page` is None. A page past the end shows the last."""
    query = _filtered(filters)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, math.ceil(total / page_size))
    query = query.options(selectinload(Assessment.directorate), selectinload(Assessment.impacts)).order_by(
        Assessment.published_at.desc().nulls_last(), Assessment.id.desc())
    if page is None:
        page, pages, page_size = 1, 1, max(total, 1)
    else:
        page = min(max(page, 1), pages)
        query = query.limit(page_size).offset((page - 1) * page_size)
    adverse = characteristics().keys_meaning("impact", "negative")
    rows = [_row(a, adverse) for a in db.session.execute(query).scalars()]
    return RegisterResult(total=total, rows=rows, page=page, pages=pages, page_size=page_size)


def directorates() -> list[Directorate]:
    return list(db.session.execute(select(Directorate).order_by(Directorate.name)).scalars())


def published_version(reference: str, version: int) -> Assessment | None:
    """The version if it is on the register; None for anything else, restricted
    or not yet public alike, so the register never confirms what it does not show."""
    if "\x00" in reference or len(reference) > Assessment.reference.type.length or not 0 < version <= DATABASE_INT_MAX:
        return None
    return db.session.execute(select(Assessment).where(
        on_register(), Assessment.reference == reference, Assessment.version_number == version,
    )).scalar_one_or_none()


def other_published_versions(assessment: Assessment) -> list[Assessment]:
    """The other versions of the same EqIA that are on the register, newest first."""
    return list(db.session.execute(select(Assessment).where(
        on_register(), Assessment.reference == assessment.reference, Assessment.id != assessment.id,
    ).order_by(Assessment.version_number.desc())).scalars())


def export_record(row: RegisterRow) -> dict:
    """One register entry as the CSV, JSON and API exports give it."""
    return {
        "reference": row.reference,
        "version": row.version,
        "title": row.title,
        "directorate": row.directorate,
        "service": row.service,
        "status": row.status,
        "decision_date": row.decision_date.isoformat() if row.decision_date else None,
        "published_on": row.published_on.isoformat() if row.published_on else None,
        "published_at": row.published_at.strftime("%Y-%m-%dT%H:%M:%SZ") if row.published_at else None,
        "adverse_impacts": list(row.adverse_impacts),
        "url": external_url("register.assessment", reference=row.reference, version=row.version),
    }
