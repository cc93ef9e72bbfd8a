"""What the equality lead must chase: reviews that have come due, overdue
actions by directorate and owner, challenge reviews waiting, and decisions
approaching (or passed) with no signed assessment.

Which states mean what is read from the workflow definitions: a review is due
in a state a review-date transition leads to; a challenge waits in a state from
which a challenge round is closed; an assessment is not yet signed in a state
that is neither frozen nor final. A fixed number of queries, whatever the volume:
how many of each is read from the figures as last worked out
(eqia.services.figures); the ten shown of each, and the overdue actions (which
depend on what the lead may see), as they are now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eqia.extensions import db
from eqia.loaded_definitions import workflows
from eqia.models import Assessment, FigureCount, User
from eqia.services import action_lists, figures
from eqia.services.action_progress import today
from eqia.services.activities import require_keeper
from eqia.services.pipeline import Waiting, waiting_in

SHOWN = 10
# How far ahead a planned decision is "approaching".
DECISION_WINDOW_DAYS = 28


def review_due_states() -> list[str]:
    return sorted({key for d in workflows() for key in d.dated_states()})


def challenge_states() -> list[str]:
    return sorted({key for d in workflows() for key in d.states if d.review_transitions(key)})


def unsigned_states() -> list[str]:
    return sorted({key for d in workflows() for key, state in d.states.items() if not state.frozen and not state.final})


@dataclass(frozen=True)
class OwnerRow:
    directorate_id: int
    directorate: str
    owner: str  # as the plan names them ("" when not given)
    overdue: int


@dataclass(frozen=True)
class Decision:
    assessment: Assessment
    days_left: int  # negative: the planned decision date has passed


@dataclass(frozen=True)
class FollowUp:
    reviews_due: int
    reviews: list[Assessment]  # the longest due first
    overdue_actions: int
    by_owner: list[OwnerRow]
    challenges_waiting: int
    challenges: list[Waiting]
    decisions_due: int
    decisions: list[Decision]


def follow_up(user: User, *, on: date | None = None) -> FollowUp:
    require_keeper(user)
    on = on or today()
    due = review_due_states()
    reviews_due = figures.total(figures.STATE, FigureCount.code.in_(due))
    reviews = list(db.session.execute(
        select(Assessment).where(Assessment.state.in_(due)).options(selectinload(Assessment.directorate))
        .order_by(Assessment.review_date.is_(None), Assessment.review_date, Assessment.id).limit(SHOWN)).scalars())

    # Overdue actions, counted by the same rule as the lead's list of them (eqia.services.action_lists).
    grouped = action_lists.overdue_counts(user, on)
    accounts = {u.id: u.name for u in db.session.execute(select(User).where(
        User.id.in_({row[3] for row in grouped if row[3] is not None}))).scalars()} if grouped else {}
    owners: dict[tuple[int, str, str], int] = {}
    for directorate_id, directorate, owner, account, number in grouped:
        key = (directorate_id, directorate, owner or accounts.get(account, ""))
        owners[key] = owners.get(key, 0) + number
    by_owner = sorted((OwnerRow(d, name, owner, n) for (d, name, owner), n in owners.items()),
                      key=lambda row: (-row.overdue, row.directorate.lower(), row.owner.lower()))

    challenge = challenge_states()
    challenges_waiting = figures.total(figures.STATE, FigureCount.code.in_(challenge))

    unsigned = unsigned_states()
    approaching = [Assessment.state.in_(unsigned), Assessment.planned_decision_date.is_not(None),
                   Assessment.planned_decision_date <= on + timedelta(days=DECISION_WINDOW_DAYS)]
    decisions_due = figures.total(figures.DECISION, FigureCount.code.in_(unsigned),
                                  FigureCount.day <= on + timedelta(days=DECISION_WINDOW_DAYS))
    decisions = [Decision(a, (a.planned_decision_date - on).days) for a in db.session.execute(
        select(Assessment).where(*approaching).options(selectinload(Assessment.directorate))
        .order_by(Assessment.planned_decision_date, Assessment.id).limit(SHOWN)).scalars()]
    return FollowUp(reviews_due, reviews, sum(owners.values()), by_owner, challenges_waiting,
                    waiting_in(challenge, SHOWN), decisions_due, decisions)
