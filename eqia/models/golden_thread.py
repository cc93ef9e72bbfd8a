"""The golden thread (issue 18): a service's plan objectives and performance
indicators, and the EqIA actions and action plan rows tagged to them, so a
service's business plan can say which equality work serves which objective.

A tag is programme metadata kept beside the record it names: tagging an action
of a signed assessment, or a row of an adopted plan, changes none of the signed
or adopted content (it is not part of the content hash, and moves no lock
version). An objective is retired, never deleted: its tags stay, for the record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db
from eqia.models.people import ServiceArea, User
from eqia.models.types import UTCDateTime, utcnow
from eqia.workflow.shown import Shown

OBJECTIVE_CODE_MAX = 40
OBJECTIVE_TITLE_MAX = 300

# What an objective is (a code; the words are shown).
OBJECTIVE_KINDS: dict[str, str] = {
    "objective": Shown("Service plan objective"),
    "indicator": Shown("Performance indicator"),
}

_LIVE = text("retired_at IS NULL")


class ServiceObjective(db.Model):
    __tablename__ = "service_objective"
    # A service's live objectives never share a code, whatever its case ("asc-pi-07" is "ASC-PI-07").
    __table_args__ = (Index("uq_service_objective_live_code", "service_area_id", func.lower(text("code")),
                            unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_area_id: Mapped[int] = mapped_column(ForeignKey("service_area.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # a key of OBJECTIVE_KINDS
    code: Mapped[str] = mapped_column(String(OBJECTIVE_CODE_MAX))
    title: Mapped[str] = mapped_column(String(OBJECTIVE_TITLE_MAX))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service_area: Mapped[ServiceArea] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class ObjectiveTag(db.Model):
    """One EqIA action, or one action plan row (exactly one of them), serves this objective."""

    __tablename__ = "objective_tag"
    __table_args__ = (
        CheckConstraint("(action_id IS NULL) <> (plan_row_id IS NULL)", name="one_item"),
        UniqueConstraint("objective_id", "action_id", name="uq_objective_tag_action"),
        UniqueConstraint("objective_id", "plan_row_id", name="uq_objective_tag_plan_row"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("service_objective.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"), index=True)
    plan_row_id: Mapped[int | None] = mapped_column(ForeignKey("plan_row.id", ondelete="CASCADE"), index=True)
    tagged_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    objective: Mapped[ServiceObjective] = relationship()
