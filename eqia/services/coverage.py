"""Which equality leads an assessment is for: the rule the leads' queue and the
notifications (hand-overs and reminders) both follow.

An admin may give a lead the directorates they cover (eqia.admin.accounts); a
lead who covers none works across the whole council, as every lead did before
coverage existed. An assessment is for the leads who cover its directorate and
the leads who cover none. If that leaves nobody (every lead covers other
directorates), it is for every lead: work that needs a lead is never left with
nobody told and nobody queued it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import LeadDirectorate, User, UserRole
from eqia.roles import EQUALITY_LEAD


class Coverage:
    """The directorates each of some leads covers (an empty set: the whole council)."""

    def __init__(self, covered: dict[int, frozenset[int]]) -> None:
        self.covered = covered

    def leads_for(self, directorate_id: int | None) -> frozenset[int]:
        """The ids of the leads, of these, that an assessment of this directorate is for."""
        covering = frozenset(lead for lead, directorates in self.covered.items()
                             if not directorates or directorate_id in directorates)
        return covering or frozenset(self.covered)


def coverage_of(lead_ids: Iterable[int]) -> Coverage:
    """What these leads cover: one query."""
    covered: dict[int, set[int]] = {lead: set() for lead in lead_ids}
    if covered:
        for lead, directorate in db.session.execute(
                select(LeadDirectorate.user_id, LeadDirectorate.directorate_id)
                .where(LeadDirectorate.user_id.in_(covered))):
            covered[lead].add(directorate)
    return Coverage({lead: frozenset(directorates) for lead, directorates in covered.items()})


def active_leads_coverage() -> Coverage:
    """What every active equality lead covers: two queries."""
    return coverage_of(db.session.execute(select(User.id).join(UserRole).where(
        User.active.is_(True), UserRole.role == EQUALITY_LEAD)).scalars())


def leads_for(leads: Iterable[User], directorate_id: int | None) -> list[User]:
    """Of these leads (those who could act on an assessment), the ones it is for."""
    leads = list(leads)
    chosen = coverage_of(lead.id for lead in leads).leads_for(directorate_id)
    return [lead for lead in leads if lead.id in chosen]
