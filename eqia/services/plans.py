"""Equality action plans (eqia.models.plans): made and written by equality leads
and administrators, agreed and adopted through the plan's own workflow
(workflows/plans/, moved by the engine as the subject eqia.plans.subject
registers), then tracked row by row with progress updates.

What may be done to a plan now is the definition's: its transitions, and its
rights `edit_plan` (change the themes and rows, in draft) and `update_action`
(record progress on a row, once adopted: a row's owner holds it on their own
row). Progress follows the EqIA actions' rules: the same statuses, limits and
checks (eqia.services.action_progress), and a row is overdue when its date has
passed and it is neither done nor dropped. Services flush and never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from eqia.admin.listing import Page, clamp
from eqia.audit_words import PROGRAMME
from eqia.extensions import db
from eqia.models import (
    ACTION_CLOSED,
    ACTION_PROGRESS_STATUSES,
    FRAMEWORK_MODULES,
    RESPONSES,
    ActionPlan,
    PlanRow,
    PlanRowUpdate,
    PlanTheme,
    User,
    utcnow,
)
from eqia.models.plans import PLAN_TEXT_MAX, PLAN_TITLE_MAX, ROW_SHORT_MAX, ROW_TEXT_MAX, THEME_TITLE_MAX
from eqia.plans.subject import (
    CREATED,
    EDITED,
    EDITS,
    PLAN_READERS,
    PLAN_SUBJECT,
    PLAN_WORKFLOW,
    WORDING,
    can_view,
    plan_workflows,
    reference,
)
from eqia.services import access
from eqia.services.action_progress import ProgressInput, StatusNow, overdue, problems_in, today
from eqia.services.audit import append_event
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible, checked_text
from eqia.unit_of_work import service_step
from eqia.workflow import engine
from eqia.workflow.definition import Transition, WorkflowDefinition
from eqia.workflow.errors import N_, said
from eqia.workflow.hooks import Problem
from eqia.workflow.subject import acting_on

PAGE_SIZE = 25
EDIT_PLAN, UPDATE_ACTION = "edit_plan", "update_action"

NOT_A_MAKER = N_("Only equality leads and administrators can make an action plan")
TITLE_MISSING = N_("Enter the plan\u2019s title")
TITLE_TOO_LONG = N_("The title must be 200 characters or fewer")  # PLAN_TITLE_MAX
SOURCE_TOO_LONG = N_("What the plan answers must be 10,000 characters or fewer")  # PLAN_TEXT_MAX
THEME_MISSING = N_("Select the theme the recommendation belongs to")
RECOMMENDATION_MISSING = N_("Enter the recommendation")
TEXT_TOO_LONG = N_("This must be 10,000 characters or fewer")  # ROW_TEXT_MAX
SHORT_TOO_LONG = N_("This must be 200 characters or fewer")  # ROW_SHORT_MAX
RESPONSE_UNKNOWN = N_("Select the management response, or leave it for now")
OWNER_UNKNOWN = N_("Select a person with an account, or leave it and say by whom in words")
NO_SUCH_ROW = N_("There is no such row in this plan")
NOT_EDITABLE = N_("The plan\u2019s rows cannot be changed while it is {state}.")
NOT_YOURS = N_("You cannot change this plan.")
NOT_TRACKED = N_("Progress is recorded once the plan is adopted; it is {state}.")
NOT_YOUR_ROW = N_("You cannot update progress on this row.")
ROW_CLOSED = N_("This row is {status}: no more progress can be recorded on it.")
assert f"{PLAN_TITLE_MAX}" in TITLE_TOO_LONG and f"{ROW_TEXT_MAX:,}" in TEXT_TOO_LONG
assert f"{PLAN_TEXT_MAX:,}" in SOURCE_TOO_LONG and f"{ROW_SHORT_MAX}" in SHORT_TOO_LONG
assert THEME_TITLE_MAX == ROW_SHORT_MAX


def definition_of(plan: ActionPlan) -> WorkflowDefinition:
    return plan_workflows().get(plan.workflow_name, plan.workflow_version)


def may_make(user: User) -> bool:
    return bool(user.roles & plan_workflows().current(PLAN_WORKFLOW).create_roles)


def _record(user: User, role: str, plan: ActionPlan, action: str, change: str, **details) -> None:
    """On the trail under the plan's reference, with the role the user acted in (the one that gave them the
    right, as the engine records for a transition): `action` says how the user took part (eqia.plans.subject
    reads it), `change` what changed (eqia.audit_words)."""
    append_event(action=f"programme:{action}", actor=user, role=role, about=reference(plan),
                 kind=PROGRAMME, details={"change": change, "plan": plan.id, "title": plan.title, **details})


# ------------------------------------------------------------------ reading
@dataclass(frozen=True)
class PlanSummary:
    plan: ActionPlan
    rows: int
    statuses: dict[str, int]  # status now -> rows
    overdue: int


def page_of_plans(user: User, number: int, *, on: date | None = None) -> Page[PlanSummary]:
    """The plans this user may see, newest first, each with its rows' statuses now: three queries."""
    on = on or today()
    visible = select(ActionPlan.id)
    if not user.roles & PLAN_READERS:
        visible = select(PlanRow.plan_id).where(PlanRow.owner_user_id == user.id).distinct()
    total = db.session.scalar(select(func.count()).select_from(visible.subquery()))
    number = clamp(number, total, PAGE_SIZE)
    plans = list(db.session.scalars(select(ActionPlan).where(ActionPlan.id.in_(visible))
                                    .order_by(ActionPlan.created_at.desc(), ActionPlan.id.desc())
                                    .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    counts: dict[int, Counter] = {p.id: Counter() for p in plans}
    late: Counter = Counter()
    for plan_id, status, due_on in _statuses_now([p.id for p in plans]):
        counts[plan_id][status] += 1
        late[plan_id] += overdue(due_on, status, on)
    return Page([PlanSummary(p, sum(counts[p.id].values()), dict(counts[p.id]), late[p.id]) for p in plans],
                number, total, PAGE_SIZE)


def _statuses_now(plan_ids: list[int]):
    """(plan id, status now, due date) of every row of these plans: the latest update's status, else the row's."""
    if not plan_ids:
        return []
    latest = (select(PlanRowUpdate.row_id, func.max(PlanRowUpdate.id).label("last"))
              .where(PlanRowUpdate.plan_id.in_(plan_ids)).group_by(PlanRowUpdate.row_id).subquery())
    return db.session.execute(
        select(PlanRow.plan_id, func.coalesce(PlanRowUpdate.status, PlanRow.status), PlanRow.due_on)
        .outerjoin(latest, latest.c.row_id == PlanRow.id)
        .outerjoin(PlanRowUpdate, PlanRowUpdate.id == latest.c.last)
        .where(PlanRow.plan_id.in_(plan_ids))).all()


def get(user: User, plan_id: int) -> ActionPlan:
    plan = db.session.get(ActionPlan, plan_id)
    if plan is None or not can_view(user, plan):
        raise NotFound(WORDING.not_found)
    return plan


@dataclass(frozen=True)
class RowProgress(StatusNow):
    row: PlanRow
    label: str  # the council's number, else its place in the plan
    status: str
    latest: PlanRowUpdate | None
    overdue: bool


def progress(plan: ActionPlan, on: date | None = None) -> list[RowProgress]:
    """Each row of the plan, in order, with its status now and whether it is overdue on `on` (today)."""
    on = on or today()
    latest = {u.row_id: u for u in db.session.scalars(
        select(PlanRowUpdate).where(PlanRowUpdate.plan_id == plan.id).order_by(PlanRowUpdate.id))}
    out = []
    labels = plan.labels()
    for row in plan.rows_in_page_order():
        update = latest.get(row.id)
        status = update.status if update is not None else row.status
        out.append(RowProgress(row, labels[row.id], status, update, overdue(row.due_on, status, on)))
    return out


def updates_of(plan: ActionPlan, row: PlanRow) -> list[PlanRowUpdate]:
    return list(db.session.scalars(select(PlanRowUpdate).where(PlanRowUpdate.row_id == row.id)
                                   .order_by(PlanRowUpdate.id)))


def may(user: User, plan: ActionPlan, right: str, part=None) -> bool:
    with acting_on(PLAN_SUBJECT):
        return engine.right_role(user, plan, right, definition_of(plan), part=part) is not None


def updatable(user: User, plan: ActionPlan) -> frozenset[int]:
    """The ids of the plan's rows `user` may record progress on now. Whoever holds the right by role holds it
    on every row; anyone else is asked only about the rows they own (so a page asks no more per row)."""
    if may(user, plan, UPDATE_ACTION):
        return frozenset(r.id for r in plan.rows)
    return frozenset(r.id for r in plan.rows
                     if r.owner_user_id == user.id and may(user, plan, UPDATE_ACTION, part=r))


def actions_for(user: User, plan: ActionPlan) -> list[Transition]:
    with acting_on(PLAN_SUBJECT):
        return engine.allowed_transitions(user, plan, definition=definition_of(plan))


def what_blocks(user: User, plan: ActionPlan, transition: Transition) -> list[Problem]:
    with acting_on(PLAN_SUBJECT):
        return engine.missing_requirements(plan, transition) + engine.guard_problems(user, plan, transition)


def check_may_take(user: User, plan: ActionPlan, transition: Transition) -> None:
    with acting_on(PLAN_SUBJECT):
        engine.check_permission(user, plan, transition, definition_of(plan))


# ------------------------------------------------------------------ making and writing
@service_step
def create(user: User, fields: Mapping, *, modules: tuple[str, ...] = tuple(FRAMEWORK_MODULES)) -> ActionPlan:
    """A new plan in draft, themed by the Framework's modules unless `modules` says otherwise."""
    definition = plan_workflows().current(PLAN_WORKFLOW)
    if not user.roles & definition.create_roles:
        raise Forbidden(NOT_A_MAKER)
    problems: list[Problem] = []
    title = checked_text(fields.get("title"), PLAN_TITLE_MAX, TITLE_TOO_LONG, "title", problems)
    if not title and not problems:
        problems.append(Problem(TITLE_MISSING, field="title"))
    source = checked_text(fields.get("source"), PLAN_TEXT_MAX, SOURCE_TOO_LONG, "source", problems)
    if problems:
        raise Invalid(*problems)
    now = utcnow()
    plan = ActionPlan(title=title, source=source, state=definition.initial, workflow_name=definition.name,
                      workflow_version=definition.version, created_by_id=user.id, created_at=now, updated_at=now)
    plan.themes = [PlanTheme(position=i, module=m) for i, m in enumerate(modules)]
    db.session.add(plan)
    db.session.flush()
    _record(user, access.held_role(user, definition.create_roles), plan, CREATED, CREATED)
    return plan


def _lock(plan_id: int, expected_lock_version: int | None) -> ActionPlan:
    with acting_on(PLAN_SUBJECT):
        plan = engine.lock(plan_id)
    if plan is None:
        raise NotFound(WORDING.not_found)
    if expected_lock_version is not None and expected_lock_version != plan.lock_version:
        raise Conflict(plan, WORDING.stale)
    return plan


def check_editable(user: User, plan: ActionPlan) -> None:
    """Refuse, saying why, a user who may not change the plan's rows now."""
    if not can_view(user, plan):
        raise NotFound(WORDING.not_found)
    definition = definition_of(plan)
    right = definition.rights.get(EDIT_PLAN)
    if right is None or plan.state not in right.states:
        raise NotPossible(_state_said(NOT_EDITABLE, definition, plan.state))
    if not may(user, plan, EDIT_PLAN):
        raise Forbidden(NOT_YOURS)


def _state_said(template: str, definition: WorkflowDefinition, state: str) -> LazyString:
    return LazyString(lambda: said(template).format(state=definition.states[state].phrase))


def checked_row(plan: ActionPlan, fields: Mapping) -> dict:
    """A row as it is to be, from a page, a spreadsheet's row or the API: every problem at once."""
    problems: list[Problem] = []
    theme_id = fields.get("theme_id")
    theme = next((t for t in plan.themes if t.id == theme_id), None) if isinstance(theme_id, int) else None
    if theme is None:
        problems.append(Problem(THEME_MISSING, field="theme_id"))
    number = checked_text(fields.get("number"), ROW_SHORT_MAX, SHORT_TOO_LONG, "number", problems)
    recommendation = checked_text(fields.get("recommendation"), ROW_TEXT_MAX, TEXT_TOO_LONG, "recommendation", problems)
    if not recommendation and not any(p.field == "recommendation" for p in problems):
        problems.append(Problem(RECOMMENDATION_MISSING, field="recommendation"))
    response = fields.get("response") or ""
    if response not in RESPONSES and response != "":
        problems.append(Problem(RESPONSE_UNKNOWN, field="response"))
    reason = checked_text(fields.get("response_reason"), ROW_TEXT_MAX, TEXT_TOO_LONG, "response_reason", problems)
    next_steps = checked_text(fields.get("next_steps"), ROW_TEXT_MAX, TEXT_TOO_LONG, "next_steps", problems)
    due_on = fields.get("due_on") if isinstance(fields.get("due_on"), date) else None
    condition = checked_text(fields.get("due_condition"), ROW_SHORT_MAX, SHORT_TOO_LONG, "due_condition", problems)
    owner = checked_text(fields.get("owner"), ROW_SHORT_MAX, SHORT_TOO_LONG, "owner", problems)
    owner_user_id = fields.get("owner_user_id")
    if owner_user_id is not None:
        account = db.session.get(User, owner_user_id) if isinstance(owner_user_id, int) \
            and 0 < owner_user_id < 2**31 else None
        if account is None or not account.is_active:
            problems.append(Problem(OWNER_UNKNOWN, field="owner_user_id"))
        elif not owner:
            owner = account.name
    if problems:
        raise Invalid(*problems)
    return {"theme_id": theme.id, "number": number, "recommendation": recommendation, "response": response,
            "response_reason": reason, "next_steps": next_steps, "due_on": due_on, "due_condition": condition,
            "owner": owner, "owner_user_id": owner_user_id}


def _touched(user: User, plan: ActionPlan, change: str, **details) -> None:
    plan.updated_at = utcnow()
    db.session.flush()  # the plan's lock version moves: whoever read it before must read it again
    code = f"plan_{change}"
    assert code in EDITS, code  # what segregation of duties reads as an edit (eqia.plans.subject)
    with acting_on(PLAN_SUBJECT):
        role = engine.right_role(user, plan, EDIT_PLAN, definition_of(plan))
    assert role is not None, "check_editable let through someone without the right"
    _record(user, role, plan, EDITED, code, **details)


@service_step
def add_row(user: User, plan_id: int, fields: Mapping, *, expected_lock_version: int | None = None) -> PlanRow:
    plan = _lock(plan_id, expected_lock_version)
    check_editable(user, plan)
    values = checked_row(plan, fields)
    row = PlanRow(plan_id=plan.id, position=max((r.position for r in plan.rows), default=-1) + 1, **values)
    plan.rows.append(row)
    db.session.flush()
    _touched(user, plan, "row_added", row=row.id, number=row.number)
    return row


def _row_of(plan: ActionPlan, row_id: int) -> PlanRow:
    row = next((r for r in plan.rows if r.id == row_id), None)
    if row is None:
        raise NotFound(NO_SUCH_ROW)
    return row


@service_step
def change_row(user: User, plan_id: int, row_id: int, fields: Mapping, *,
               expected_lock_version: int | None = None) -> PlanRow:
    plan = _lock(plan_id, expected_lock_version)
    check_editable(user, plan)
    row = _row_of(plan, row_id)
    values = checked_row(plan, fields)
    changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
    for key in changed:
        setattr(row, key, values[key])
    if changed:
        _touched(user, plan, "row_changed", row=row.id, number=row.number, fields=changed)
    return row


@service_step
def remove_row(user: User, plan_id: int, row_id: int, *, expected_lock_version: int | None = None) -> None:
    plan = _lock(plan_id, expected_lock_version)
    check_editable(user, plan)
    row = _row_of(plan, row_id)
    plan.rows.remove(row)
    db.session.flush()
    _touched(user, plan, "row_removed", row=row_id, number=row.number)


@service_step
def add_rows(user: User, plan_id: int, rows: list[Mapping], *, themes: list[str],
             expected_lock_version: int | None = None) -> list[PlanRow]:
    """Rows from an import, all or nothing: `themes` are the titles of themes the plan lacks, added first
    (each row's `theme` is then a title or module code of the plan's themes)."""
    plan = _lock(plan_id, expected_lock_version)
    check_editable(user, plan)
    start = max((t.position for t in plan.themes), default=-1) + 1
    for offset, title in enumerate(themes):
        plan.themes.append(PlanTheme(position=start + offset, module="", title=title))
    db.session.flush()
    by_name = {key: t.id for t in plan.themes for key in _theme_keys(t)}
    made, problems = [], []
    position = max((r.position for r in plan.rows), default=-1) + 1
    for number, fields in enumerate(rows, start=1):
        try:
            values = checked_row(plan, {**fields, "theme_id": by_name.get(_folded(fields.get("theme") or ""))})
        except Invalid as error:
            problems += [Problem(p.message, field=f"{number}:{p.field}") for p in error.problems]
            continue
        made.append(PlanRow(plan_id=plan.id, position=position, **values))
        position += 1
    if problems:
        raise Invalid(*problems)
    plan.rows.extend(made)
    db.session.flush()
    _touched(user, plan, "rows_imported", count=len(made))
    return made


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _theme_keys(theme: PlanTheme) -> set[str]:
    keys = {_folded(theme.title)} if theme.title else set()
    if theme.module in FRAMEWORK_MODULES:
        keys |= {theme.module, _folded(str.__str__(FRAMEWORK_MODULES[theme.module])),
                 _folded(str(FRAMEWORK_MODULES[theme.module]))}
    return keys


def theme_named(plan: ActionPlan, name: str) -> PlanTheme | None:
    folded = _folded(name)
    return next((t for t in plan.themes if folded in _theme_keys(t)), None)


# ------------------------------------------------------------------ the workflow
def take(user: User, plan_id: int, trigger: str, *, comment: str = "", expected_lock_version: int | None = None,
         attested: bool = False, password: str | None = None) -> ActionPlan:
    """Take one of the plan's transitions, through the engine (every rule of the definition applies)."""
    with acting_on(PLAN_SUBJECT):
        return engine.perform_transition(plan_id, trigger, user, comment=comment,
                                         expected_lock_version=expected_lock_version, attested=attested,
                                         password=password)


def done_message(plan: ActionPlan, transition: Transition, before: str) -> str:
    with acting_on(PLAN_SUBJECT):
        return engine.done_message(definition_of(plan), transition, before, plan.state)


# ------------------------------------------------------------------ progress once adopted
@service_step
def record_progress(user: User, plan_id: int, row_id: int, data: ProgressInput) -> PlanRowUpdate:
    plan = _lock(plan_id, None)
    if not can_view(user, plan):
        raise NotFound(WORDING.not_found)
    row = _row_of(plan, row_id)
    definition = definition_of(plan)
    right = definition.rights.get(UPDATE_ACTION)
    if right is None or plan.state not in right.states:
        raise NotPossible(_state_said(NOT_TRACKED, definition, plan.state))
    with acting_on(PLAN_SUBJECT):
        role = engine.right_role(user, plan, UPDATE_ACTION, definition, part=row)
    if role is None:
        raise Forbidden(NOT_YOUR_ROW)
    latest = db.session.scalar(select(PlanRowUpdate).where(PlanRowUpdate.row_id == row.id)
                               .order_by(PlanRowUpdate.id.desc()).limit(1))
    status_now = latest.status if latest is not None else row.status
    if status_now in ACTION_CLOSED:
        label = ACTION_PROGRESS_STATUSES[status_now]
        raise NotPossible(LazyString(lambda: said(ROW_CLOSED).format(status=str(label).lower())))
    problems = problems_in(data, today())
    if problems:
        raise Invalid(*problems)
    update = PlanRowUpdate(row_id=row.id, plan_id=plan.id, status=data.status, note=data.note,
                           evidence=data.evidence.strip(), dated=data.dated, recorded_by_id=user.id)
    db.session.add(update)
    db.session.flush()
    append_event(action="programme:plan_progress", actor=user, role=role, about=reference(plan), comment=data.note,
                 kind=PROGRAMME, details={"change": "plan_progress", "plan": plan.id, "title": plan.title,
                                          "row": row.id, "number": plan.labels()[row.id],
                                          "status": data.status, "dated": data.dated.isoformat()})
    return update


# ------------------------------------------------------------------ what waits for whom
WAITING_SHOWN = 10


def waiting_for(user: User) -> list[tuple[ActionPlan, list[Transition]]]:
    """The plans waiting for this user to act (agree, adopt, ...), longest waiting first, with the actions the
    definition offers them: at most WAITING_SHOWN, in three queries whatever the number of plans."""
    states = {s for d in plan_workflows() for r in user.roles for s in d.states_where_role_acts(r)}
    if not states:
        return []
    found = list(db.session.scalars(select(ActionPlan).where(ActionPlan.state.in_(states))
                                    .order_by(ActionPlan.updated_at, ActionPlan.id).limit(WAITING_SHOWN * 3)))
    with acting_on(PLAN_SUBJECT):
        who = engine.participants_for(found)
        waiting = [(p, engine.allowed_transitions(user, p, who[p.id], definition_of(p))) for p in found]
    return [(p, actions) for p, actions in waiting if actions][:WAITING_SHOWN]


def _tracking() -> dict[tuple[str, int], frozenset[str]]:
    """For each plan definition (name, version), the states its `update_action` right holds in (adopted)."""
    return {(d.name, d.version): frozenset(d.rights[UPDATE_ACTION].states) for d in plan_workflows()
            if UPDATE_ACTION in d.rights}


def tracked_plans() -> list[ActionPlan]:
    """Every plan whose progress is tracked now (the daily reminders read their rows), oldest first."""
    tracking = _tracking()
    states = {s for held in tracking.values() for s in held}
    return [p for p in db.session.scalars(select(ActionPlan).where(ActionPlan.state.in_(states))
                                          .order_by(ActionPlan.id))
            if p.state in tracking.get((p.workflow_name, p.workflow_version), ())]


def rows_owned(user: User, *, on: date | None = None) -> list[tuple[ActionPlan, RowProgress]]:
    """The rows this user's account owns of plans that track progress now (the definition's `update_action`
    states), each with its status now: what "My actions" lists beside the EqIA actions. Two queries."""
    on = on or today()
    tracking = _tracking()
    rows = [(plan, row) for row, plan in db.session.execute(
        select(PlanRow, ActionPlan).join(ActionPlan, ActionPlan.id == PlanRow.plan_id)
        .where(PlanRow.owner_user_id == user.id).order_by(ActionPlan.id, PlanRow.position, PlanRow.id))
        if plan.state in tracking.get((plan.workflow_name, plan.workflow_version), ())]
    latest: dict[int, PlanRowUpdate] = {}
    if rows:
        for update in db.session.scalars(select(PlanRowUpdate).where(PlanRowUpdate.row_id.in_([r.id for _, r in rows]))
                                         .order_by(PlanRowUpdate.id)):
            latest[update.row_id] = update
    out = []
    for plan, row in rows:
        update = latest.get(row.id)
        status = update.status if update is not None else row.status
        out.append((plan, RowProgress(row, row.number, status, update, overdue(row.due_on, status, on))))
    return out
