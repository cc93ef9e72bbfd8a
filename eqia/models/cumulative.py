"""The lead's cumulative judgement on a programme or budget round: what the
assessments of one programme, set side by side, add up to for each group, an
overall conclusion, and what the council will do about it (a budget round's
cumulative equality impact assessment, which councils publish).

It follows its own workflow (workflows/cumulative/): written by an equality
lead, challenged by another, signed by a decision-maker. It records which
assessment versions it judged (CumulativeCoverage), taken each time it is
written, so that once signed it still says what it judged however the
assessments change later. A signed judgement is never edited: a change is a
new version (`version_number + 1`, `previous_id` pointing back).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db
from eqia.models.assessment import Assessment
from eqia.models.people import User
from eqia.models.types import UTCDateTime, utcnow

JUDGEMENT_TEXT_MAX = 10_000


class CumulativeJudgement(db.Model):
    __tablename__ = "cumulative_judgement"
    __table_args__ = (UniqueConstraint("programme_key", "version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The programme as the assessments name it, and folded (its case) to match them as the side by side does.
    programme: Mapped[str] = mapped_column(Text)
    programme_key: Mapped[str] = mapped_column(String(300), index=True)
    version_number: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("cumulative_judgement.id"))
    conclusion: Mapped[str] = mapped_column(Text, default="")
    mitigations: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(40))
    workflow_name: Mapped[str] = mapped_column(String(40))
    workflow_version: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # The signature, bound to the content: the canonical record signed and its SHA-256.
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signer_name: Mapped[str] = mapped_column(Text, default="")
    signed_role: Mapped[str] = mapped_column(String(40), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attestation: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    signed_content: Mapped[str] = mapped_column(Text, default="")

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    groups: Mapped[list[CumulativeGroupJudgement]] = relationship(
        back_populates="judgement", order_by="CumulativeGroupJudgement.id", cascade="all, delete-orphan")
    covered: Mapped[list[CumulativeCoverage]] = relationship(
        back_populates="judgement", order_by="CumulativeCoverage.assessment_id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": lock_version}

    def text_for(self, group_key: str) -> str:
        return next((g.text for g in self.groups if g.characteristic_key == group_key), "")


class CumulativeGroupJudgement(db.Model):
    """The lead's words on the combined effect on one group (as the side by side names it)."""

    __tablename__ = "cumulative_group_judgement"
    __table_args__ = (UniqueConstraint("judgement_id", "characteristic_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judgement_id: Mapped[int] = mapped_column(ForeignKey("cumulative_judgement.id", ondelete="CASCADE"), index=True)
    characteristic_key: Mapped[str] = mapped_column(String(80))
    group_name: Mapped[str] = mapped_column(Text, default="")  # as named when written
    text: Mapped[str] = mapped_column(Text, default="")

    judgement: Mapped[CumulativeJudgement] = relationship(back_populates="groups")


class CumulativeCoverage(db.Model):
    """One assessment version the judgement was based on."""

    __tablename__ = "cumulative_coverage"

    judgement_id: Mapped[int] = mapped_column(ForeignKey("cumulative_judgement.id", ondelete="CASCADE"),
                                              primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), primary_key=True, index=True)

    judgement: Mapped[CumulativeJudgement] = relationship(back_populates="covered")
    assessment: Mapped[Assessment] = relationship(lazy="joined")
