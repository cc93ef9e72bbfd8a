"""The council's equality programme: the register of its activities (policies,
services, functions, procurements, budget proposals) and which EqIAs assess them.

An activity is retired, never deleted. An EqIA is linked to its activity by its
reference, so every version of it (a review is a new version) assesses the same
activity, and linking one never touches a signed version's row."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db
from eqia.models.people import Directorate, User
from eqia.models.types import UTCDateTime, utcnow
from eqia.workflow.shown import Shown

# How much the activity matters to equality, as the lead judges it (a code; the words are shown).
RELEVANCES: dict[str, str] = {
    "high": Shown("High"),
    "medium": Shown("Medium"),
    "low": Shown("Low"),
    "none": Shown("Not relevant"),
}

_LIVE = text("retired_at IS NULL")
# How an activity is named where people type or cite it (a self-assessment's evidence): ACT-12, by its number.
ACTIVITY_REFERENCE_PREFIX = "ACT-"


class Activity(db.Model):
    __tablename__ = "activity"
    # Two live activities of one directorate never share a name, whatever its case: an import
    # run twice adds nothing twice.
    __table_args__ = (Index("uq_activity_live_name", "directorate_id", func.lower(text("name")), unique=True,
                            sqlite_where=_LIVE, postgresql_where=_LIVE),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # A key of the running profile's activity kinds (eqia/data/characteristics.yaml).
    kind: Mapped[str] = mapped_column(String(40))
    directorate_id: Mapped[int] = mapped_column(ForeignKey("directorate.id"), index=True)
    # Who answers for it: a person or a team, as the council names them.
    owner: Mapped[str] = mapped_column(String(200), default="")
    relevance: Mapped[str] = mapped_column(String(20))  # a key of RELEVANCES
    needs_assessment: Mapped[bool] = mapped_column(Boolean)
    assess_by: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    directorate: Mapped[Directorate] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def reference(self) -> str:
        return f"{ACTIVITY_REFERENCE_PREFIX}{self.id}"


class ActivityAssessment(db.Model):
    """An EqIA (every version of its reference) assesses this activity. One activity to a reference."""

    __tablename__ = "activity_assessment"

    reference: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    linked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
