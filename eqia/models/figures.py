"""The lead's figures, kept worked out: what the programme's dashboards read
instead of counting every assessment each time a page is asked for.

They are derived, never entered: eqia.services.figures works them all out
again from the assessments, their trail and the register, in one task, soon
after any change has committed (and on each sweep), and the pages read them.
Nothing here is part of an assessment's record, so no table names one by a
foreign key: a row that outlives its assessment is simply gone at the next
working out.

- `FigureRun`: when the figures now kept were worked out.
- `FigureCount`: counts by a few dimensions (a cube): how many EqIAs in each
  state and directorate, of each impact on each group, and so on, by `kind`.
  What each dimension holds for each kind is said in eqia.services.figures.
- `FigureVersion`: each live version (in a state that is not final), with when
  it entered that state and whether it speaks for its EqIA on the heat map.
- `FigureImpact`: each impact a speaking version judged, for the lists behind
  the heat map's cells.
- `FigureActivity`: how far each activity of the register is covered.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eqia.extensions import db
from eqia.models.types import UTCDateTime


class FigureRun(db.Model):
    __tablename__ = "figure_run"

    id: Mapped[int] = mapped_column(primary_key=True)  # one row: 1
    worked_out_at: Mapped[datetime] = mapped_column(UTCDateTime)  # as of the start of the working out
    took_ms: Mapped[int] = mapped_column(Integer)


class FigureCount(db.Model):
    __tablename__ = "figure_count"
    __table_args__ = (Index("ix_figure_count_kind", "kind", "code"), Index("ix_figure_count_day", "kind", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    directorate_id: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(80), default="")  # a state, an impact, a coverage code
    group_key: Mapped[str] = mapped_column(String(80), default="")
    programme_key: Mapped[str] = mapped_column(String(300), default="")  # a programme's name in lower case
    label: Mapped[str] = mapped_column(Text, default="")  # a name as given: a group's, a programme's
    day: Mapped[date | None] = mapped_column(Date)
    days: Mapped[int | None] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)


class FigureVersion(db.Model):
    __tablename__ = "figure_version"
    __table_args__ = (Index("ix_figure_version_state_since", "state", "since"),
                      Index("ix_figure_version_programme", "speaks", "programme_key", "reference"))

    assessment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    reference: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    directorate_id: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it entered its state
    speaks: Mapped[bool] = mapped_column(Boolean)
    programme_key: Mapped[str] = mapped_column(String(300))


class FigureImpact(db.Model):
    __tablename__ = "figure_impact"
    __table_args__ = (Index("ix_figure_impact_cell", "group_key", "impact", "decision_date", "assessment_id"),)

    assessment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    group_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    group_label: Mapped[str] = mapped_column(Text)  # as the assessment named it
    impact: Mapped[str] = mapped_column(String(40))
    directorate_id: Mapped[int] = mapped_column(Integer)
    programme_key: Mapped[str] = mapped_column(String(300))
    decision_date: Mapped[date | None] = mapped_column(Date)


class FigureActivity(db.Model):
    __tablename__ = "figure_activity"
    __table_args__ = (Index("ix_figure_activity_rank", "rank"),)

    activity_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rank: Mapped[int] = mapped_column(Integer)
