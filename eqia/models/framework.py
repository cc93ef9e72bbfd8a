"""The Equality Framework self-assessment: a council's ratings of itself against a
framework's criteria for a period ("2026/27"), beside the previous self-assessment's
(eqia.frameworks.definition loads the frameworks). Everything is stored as codes: the
framework's key, each criterion's key and its rating's key; the words are the
framework file's, shown in the reader's language. Evidence is the council's own words
and links to what the service already holds (an EqIA by its reference, an activity of
the register, an action plan)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db
from eqia.models.people import User
from eqia.models.types import UTCDateTime, utcnow

PERIOD_MAX = 40
EVIDENCE_MAX = 10_000
LINKS_MAX = 50  # linked items on one criterion

# The kinds of thing a rating's evidence links to (codes); EqIAs are linked by reference, so
# every version of one is the same evidence.
EVIDENCE_EQIA, EVIDENCE_ACTIVITY, EVIDENCE_PLAN = "eqia", "activity", "plan"
EVIDENCE_LINK_KINDS = (EVIDENCE_EQIA, EVIDENCE_ACTIVITY, EVIDENCE_PLAN)


class FrameworkAssessment(db.Model):
    __tablename__ = "framework_assessment"
    __table_args__ = (UniqueConstraint("framework", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework: Mapped[str] = mapped_column(String(40))  # a framework's key (eqia/data/frameworks/)
    framework_version: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(PERIOD_MAX))
    # The self-assessment this one is compared with (last year's), if any.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("framework_assessment.id", ondelete="SET NULL"),
                                                    index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    created_by: Mapped[User] = relationship()
    previous: Mapped[FrameworkAssessment | None] = relationship(remote_side=[id])
    ratings: Mapped[list[FrameworkRating]] = relationship(back_populates="assessment", order_by="FrameworkRating.id",
                                                          cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": lock_version}


class FrameworkRating(db.Model):
    __tablename__ = "framework_rating"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("framework_assessment.id", ondelete="CASCADE"), index=True)
    criterion: Mapped[str] = mapped_column(String(40))  # a criterion's key
    rating: Mapped[str] = mapped_column(String(20), default="")  # a rating's key, or not rated yet
    evidence: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessment: Mapped[FrameworkAssessment] = relationship(back_populates="ratings")
    links: Mapped[list[FrameworkEvidence]] = relationship(back_populates="rating", order_by="FrameworkEvidence.id",
                                                          cascade="all, delete-orphan")


class FrameworkEvidence(db.Model):
    """A thing the service holds that a rating rests on: an EqIA by its reference, or an activity or
    an action plan by its id."""

    __tablename__ = "framework_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("framework_rating.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # one of EVIDENCE_LINK_KINDS
    target_id: Mapped[int | None] = mapped_column(Integer)  # an activity's or a plan's id
    reference: Mapped[str] = mapped_column(String(40), default="")  # an EqIA's reference

    rating: Mapped[FrameworkRating] = relationship(back_populates="links")
