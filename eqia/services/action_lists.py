"""Actions across assessments: "My actions" (the ones a user owns, and an
author's own assessments' ones) and the equality lead's list of overdue actions.

Both read the signed plans of assessments whose actions' progress is tracked
now (the states of the definition's right UPDATE_ACTION) with each action's
latest update, in a fixed number of queries however many rows there are: one to
count, one for the page's rows (the latest update joined in), and one each to
load the assessments' actions and named viewers that the right asks about.
Whether an action is overdue is decided in the query, on the London date, with
the same rule as eqia.services.action_progress (due before today, not closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from eqia.extensions import db
from eqia.loaded_definitions import definition_for, workflows
from eqia.models import ACTION_CLOSED, ACTION_PROGRESS_STATUSES, Action, ActionUpdate, Assessment, Directorate, User
from eqia.roles import ADMIN, EQUALITY_LEAD
from eqia.services import access
from eqia.services.action_progress import UPDATE_ACTION, today
from eqia.services.errors import Forbidden
from eqia.workflow.errors import N_
from eqia.workflow.engine import right_role

PAGE_SIZE = 25

NOT_A_LEAD = N_("Only equality leads and administrators can see every overdue action.")
# Who may see every overdue action across the council.
OVERDUE_VIEWERS = frozenset({EQUALITY_LEAD, ADMIN})


@dataclass(frozen=True)
class ActionRow:
    action: Action
    assessment: Assessment
    directorate: str
    latest: ActionUpdate | None
    status: str
    overdue: bool
    days_overdue: int
    may_update: bool

    @property
    def status_label(self) -> str:
        return ACTION_PROGRESS_STATUSES.get(self.status, self.status)

    @property
    def number(self) -> int:
        return self.action.position + 1

    @property
    def owner_name(self) -> str:
        """The plan's name for the owner, else their account's."""
        return self.action.owner or (self.action.owner_account.name if self.action.owner_account else "")


@dataclass(frozen=True)
class ActionPage:
    rows: list[ActionRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def tracked_states() -> frozenset[str]:
    """The states, in any loaded definition, in which actions' progress is recorded."""
    return frozenset(s for d in workflows() for s in (d.rights[UPDATE_ACTION].states
                                                      if UPDATE_ACTION in d.rights else ()))


def may_see_overdue(user: User) -> bool:
    return bool(user.roles & OVERDUE_VIEWERS)


def _latest_ids() -> Select:
    return select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("latest_id")) \
        .group_by(ActionUpdate.action_id).subquery()


def _query(user: User, on: date, where) -> tuple[Select, object, object]:
    """The actions `where` picks, of the assessments `user` may see whose progress is tracked, with their
    latest update, their status now and whether they are overdue on `on`."""
    latest_ids = _latest_ids()
    latest = aliased(ActionUpdate)
    status = func.coalesce(latest.status, Action.status)
    overdue = and_(Action.due_date.is_not(None), Action.due_date < on, status.not_in(sorted(ACTION_CLOSED)))
    visible = access.visible_assessments(user).with_only_columns(Assessment.id)
    query = (select(Action, Assessment, Directorate.name, latest, status.label("status_now"),
                    case((overdue, literal(True)), else_=literal(False)).label("is_overdue"))
             .join(Assessment, Assessment.id == Action.assessment_id)
             .join(Directorate, Directorate.id == Assessment.directorate_id)
             .outerjoin(latest_ids, latest_ids.c.action_id == Action.id)
             .outerjoin(latest, latest.id == latest_ids.c.latest_id)
             .where(Assessment.state.in_(sorted(tracked_states())), Assessment.id.in_(visible), where))
    return query, overdue, status


def _page(user: User, query: Select, overdue, page: int, page_size: int, on: date) -> ActionPage:
    # Counted on the action's id alone: counting the page's whole rows (every column of the action, its
    # assessment and its latest update) cost the database as much again as the page itself.
    total = db.session.execute(select(func.count()).select_from(
        query.with_only_columns(Action.id).subquery())).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = _rows(user, query.order_by(case((overdue, 0), else_=1), Action.due_date.is_(None), Action.due_date,
                                      Assessment.id, Action.position)
                 .limit(page_size).offset((page - 1) * page_size), on)
    return ActionPage(rows=rows, total=total, page=page, page_size=page_size)


def _rows(user: User, query: Select, on: date, *, rights: bool = True) -> list[ActionRow]:
    """The rows, each with whether `user` may update it; with `rights` False (a download, which offers
    no link to update) that is not asked, so the rights' loads, batched by the hundred, are left out and
    the whole list costs the same few queries however long it is."""
    options = [joinedload(Action.owner_account)]
    if rights:
        # What the right asks of each assessment (who may see it, who owns its actions), loaded at once.
        options += [selectinload(Assessment.actions), selectinload(Assessment.viewers)]
    found = db.session.execute(query.options(*options)).all()
    out = []
    for action, assessment, directorate, latest, status, overdue in found:
        held = rights and right_role(user, assessment, UPDATE_ACTION, definition_for(assessment),
                                     part=action) is not None
        out.append(ActionRow(action=action, assessment=assessment, directorate=directorate, latest=latest,
                             status=status, overdue=bool(overdue),
                             days_overdue=(on - action.due_date).days if overdue else 0,
                             may_update=held and status not in ACTION_CLOSED))
    return out


def my_actions(user: User, page: int = 1, on: date | None = None, page_size: int | None = None) -> ActionPage:
    """The actions `user` owns (by account) and, for their own assessments, every action; overdue first,
    then by due date."""
    on = on or today()
    query, overdue, _ = _query(user, on, or_(Action.owner_user_id == user.id, Assessment.created_by_id == user.id))
    return _page(user, query, overdue, page, page_size or PAGE_SIZE, on)


def _overdue_query(user: User, on: date, directorate_id: int | None) -> tuple[Select, object]:
    if not may_see_overdue(user):
        raise Forbidden(NOT_A_LEAD)
    query, overdue, _ = _query(user, on, literal(True))
    query = query.where(overdue)
    if directorate_id is not None:
        query = query.where(Assessment.directorate_id == directorate_id)
    return query, overdue


def overdue_actions(user: User, directorate_id: int | None = None, page: int = 1, on: date | None = None,
                    page_size: int | None = None) -> ActionPage:
    """Every overdue action of the assessments `user` (an equality lead or admin) may see, longest overdue
    first; of one directorate if one is given."""
    on = on or today()
    query, overdue = _overdue_query(user, on, directorate_id)
    return _page(user, query, overdue, page, page_size or PAGE_SIZE, on)


def all_overdue_actions(user: User, directorate_id: int | None = None, on: date | None = None) -> list[ActionRow]:
    """The same rows as overdue_actions, all of them (for the download)."""
    on = on or today()
    query, _ = _overdue_query(user, on, directorate_id)
    return _rows(user, query.order_by(Action.due_date, Assessment.id, Action.position), on, rights=False)


def overdue_counts(user: User, on: date | None = None) -> list[tuple[int, str, str, int | None, int]]:
    """Overdue actions counted by directorate and owner, by the same rule as the list: (directorate id, its
    name, the owner as the plan names them, the owner's account id, how many). One query."""
    query, _ = _overdue_query(user, on or today(), None)
    return [tuple(row) for row in db.session.execute(
        query.with_only_columns(Assessment.directorate_id, Directorate.name, Action.owner, Action.owner_user_id,
                                func.count())
        .group_by(Assessment.directorate_id, Directorate.name, Action.owner, Action.owner_user_id))]
