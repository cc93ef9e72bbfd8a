"""Equality action plans: what a council answers a peer challenge (or its own
self-assessment) with, in the shape its committee papers take. A plan has
themes (by default the four modules of the Equality Framework for Local
Government) and rows: a recommendation, the management response, next steps,
by when (a date, or a condition such as "after the Census release"), by whom
(a person or a team, and their account when they have one), and a status.

A plan follows its own workflow (workflows/plans/): drafted, agreed by the
equality lead, adopted by a decision-maker. Its rows are fixed once it is
adopted: progress is then recorded beside them as append-only updates, as an
EqIA's actions' progress is (PlanRowUpdate, with the same statuses and limits).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db
from eqia.models.people import User
from eqia.models.types import UTCDateTime, utcnow
from eqia.workflow.shown import Shown

PLAN_TITLE_MAX = THEME_TITLE_MAX = 200
PLAN_TEXT_MAX = ROW_TEXT_MAX = 10_000
ROW_SHORT_MAX = 200  # by when (as a condition), by whom, the row's own number

# The management response to a recommendation (a code; the words are shown).
RESPONSES: dict[str, str] = {
    "agreed": Shown("Agreed"),
    "agreed_in_part": Shown("Agreed in part"),
    "not_agreed": Shown("Not agreed"),
}
# A response that needs its reason given.
RESPONSES_WITH_REASON = frozenset({"agreed_in_part", "not_agreed"})

# The four modules of the Equality Framework for Local Government (2021): a new plan's
# themes, unless its author says otherwise. The codes are stored; the words are shown.
FRAMEWORK_MODULES: dict[str, str] = {
    "communities": Shown("Understanding and working with your communities"),
    "leadership": Shown("Leadership, partnership and organisational commitment"),
    "services": Shown("Responsive services and customer care"),
    "workforce": Shown("Diverse and engaged workforce"),
}


class ActionPlan(db.Model):
    __tablename__ = "action_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(PLAN_TITLE_MAX))
    # What the plan answers (a peer challenge, a self-assessment), in the lead's words.
    source: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(40))
    workflow_name: Mapped[str] = mapped_column(String(40))
    workflow_version: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    created_by: Mapped[User] = relationship()
    themes: Mapped[list[PlanTheme]] = relationship(back_populates="plan", order_by="PlanTheme.position",
                                                   cascade="all, delete-orphan")
    rows: Mapped[list[PlanRow]] = relationship(back_populates="plan", order_by="PlanRow.position",
                                               cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": lock_version}

    def rows_in_page_order(self) -> list[PlanRow]:
        """The rows as the plan's page, its exports, its report and its checks show them: theme by theme, each
        theme's in order."""
        theme_place = {t.id: t.position for t in self.themes}
        return sorted(self.rows, key=lambda r: (theme_place.get(r.theme_id, len(theme_place)), r.position, r.id))

    def labels(self) -> dict[int, str]:
        """How each row (by id) is named to a reader: the council's own number, else its place down the page
        (so the labels read 1, 2, 3 whatever order the rows were added or imported in)."""
        return {row.id: row.number or str(place) for place, row in enumerate(self.rows_in_page_order(), 1)}


class PlanTheme(db.Model):
    __tablename__ = "plan_theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A key of FRAMEWORK_MODULES, or empty for a theme the lead named.
    module: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(THEME_TITLE_MAX), default="")

    plan: Mapped[ActionPlan] = relationship(back_populates="themes")

    @property
    def shown_title(self) -> str:
        return FRAMEWORK_MODULES[self.module] if self.module in FRAMEWORK_MODULES else self.title


class PlanRow(db.Model):
    __tablename__ = "plan_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("plan_theme.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The number the council gives it ("R7", "3.2"), if any.
    number: Mapped[str] = mapped_column(String(ROW_SHORT_MAX), default="")
    recommendation: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(String(20), default="")  # a key of RESPONSES, or not yet given
    response_reason: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    # By when, when it is a condition rather than a date ("after the Census release").
    due_condition: Mapped[str] = mapped_column(String(ROW_SHORT_MAX), default="")
    # By whom: a person or a team as the council names them; their account, when they have one,
    # lets them record progress on this row.
    owner: Mapped[str] = mapped_column(String(ROW_SHORT_MAX), default="")
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(40), default="not_started")

    plan: Mapped[ActionPlan] = relationship(back_populates="rows")
    theme: Mapped[PlanTheme] = relationship()
    owner_account: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])


class PlanRowUpdate(db.Model):
    """Progress on a row of an adopted plan: append-only, as an EqIA action's is."""

    __tablename__ = "plan_row_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("plan_row.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    dated: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship(lazy="joined")
