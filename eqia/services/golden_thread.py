"""The golden thread (issue 18): each service's plan objectives and performance
indicators, the EqIA actions and action plan rows tagged to them, and the report
per service for the business planning round ("ASC-PI-07: 3 actions, 1 done,
1 on track, 1 overdue"), downloadable as CSV for the council's performance system.

Equality leads and administrators keep the objectives and the tags (the activity
register's keepers, eqia.services.activities). A tag is programme metadata beside
the record: tagging an action of a signed assessment, or a row of an adopted
plan, writes only an objective_tag row. It changes nothing signed or adopted (no
content hash, no lock version, no state), so it is allowed whatever state the
assessment or plan is in, and it needs no edit right on either.

An item's status now and whether it is overdue are read as action_progress and
plans read them: the latest update's status, else the item's own, and the one
overdue rule (action_progress.overdue). Reading the report asks the same number
of queries however many objectives and tags a service has. Functions that change
something are service steps: they flush, and the request commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import contains_eager

from eqia.admin.listing import Page, clamp
from eqia.audit_words import PROGRAMME
from eqia.extensions import db
from eqia.models import (
    OBJECTIVE_KINDS,
    Action,
    ActionPlan,
    ActionUpdate,
    Assessment,
    Directorate,
    ObjectiveTag,
    PlanRow,
    PlanRowUpdate,
    ServiceArea,
    ServiceObjective,
    User,
    utcnow,
)
from eqia.models.golden_thread import OBJECTIVE_CODE_MAX, OBJECTIVE_TITLE_MAX
from eqia.services import access
from eqia.loaded_definitions import workflows
from eqia.services.action_lists import tracked_states
from eqia.services.action_progress import StatusNow, overdue, today
from eqia.services import activities
from eqia.services.activities import keeping_role
from eqia.services.audit import append_event
from eqia.services.errors import Invalid, NotFound, NotPossible, checked_text
from eqia.unit_of_work import refusing_clashes, service_step
from eqia.workflow.errors import N_
from eqia.workflow.hooks import Problem

PAGE_SIZE = 25

# The items a tag names (the report's and the CSV's "item type").
EQIA_ACTION, PLAN_ROW = "eqia_action", "plan_row"

# The changes on the audit trail (details["change"]; eqia.audit_words reads them).
OBJECTIVE_ADDED, OBJECTIVE_CHANGED, OBJECTIVE_RETIRED = "objective_added", "objective_changed", "objective_retired"
ACTION_TAGGED, ACTION_UNTAGGED = "action_tagged", "action_untagged"
ROW_TAGGED, ROW_UNTAGGED = "plan_row_tagged", "plan_row_untagged"

NOT_A_KEEPER = N_("Only equality leads and administrators can keep service plan objectives and their tags")
NO_SUCH_OBJECTIVE = N_("There is no such objective")
NO_SUCH_SERVICE = N_("There is no such service")
NO_SUCH_ACTION = N_("There is no such action")
NO_SUCH_ROW = N_("There is no such row in an action plan")
NO_SUCH_TAG = N_("That tag has already been removed")
SERVICE_MISSING = N_("Select the service the objective belongs to")
SERVICE_NOT_LIVE = N_("Select a service that is in use")
KIND_MISSING = N_("Select whether it is a service plan objective or a performance indicator")
CODE_MISSING = N_("Enter the objective\u2019s code, for example ASC-PI-07")
CODE_TOO_LONG = N_("The code must be 40 characters or fewer")  # OBJECTIVE_CODE_MAX
CODE_TAKEN = N_("This service already has an objective with that code: enter a different code")
TITLE_MISSING = N_("Enter the objective\u2019s title")
TITLE_TOO_LONG = N_("The title must be 300 characters or fewer")  # OBJECTIVE_TITLE_MAX
ALREADY_RETIRED = N_("This objective has already been retired")
RETIRED_CANNOT_CHANGE = N_("A retired objective cannot be changed or tagged")
CHOOSE_OBJECTIVE = N_("Select an objective in use")
ALREADY_TAGGED = N_("It is already tagged to that objective")
assert str(OBJECTIVE_CODE_MAX) in CODE_TOO_LONG and str(OBJECTIVE_TITLE_MAX) in TITLE_TOO_LONG


# ------------------------------------------------------------------ who may
def may_keep(user: User) -> bool:
    return keeping_role(user) is not None


def require_keeper(user: User) -> str:
    return activities.require_keeper(user, NOT_A_KEEPER)  # the register's rule, in the objectives' words


def _record(user: User, change: str, **details) -> None:
    append_event(action=f"programme:{change}", actor=user, role=require_keeper(user), kind=PROGRAMME,
                 details={"change": change, **details})


def _id(value: object) -> int | None:
    """An id as a service accepts it: an int a database can hold, never a bool."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 else None


# ------------------------------------------------------------------ the objectives
def live_services() -> list[ServiceArea]:
    """The services in use, of directorates in use, by directorate and name: one query."""
    return list(db.session.scalars(
        select(ServiceArea).join(Directorate, Directorate.id == ServiceArea.directorate_id)
        .options(contains_eager(ServiceArea.directorate))
        .where(ServiceArea.retired_at.is_(None), Directorate.retired_at.is_(None))
        .order_by(func.lower(Directorate.name), func.lower(ServiceArea.name), ServiceArea.id)))


def get(user: User, objective_id: int) -> ServiceObjective:
    require_keeper(user)
    found = db.session.get(ServiceObjective, objective_id) if _id(objective_id) else None
    if found is None:
        raise NotFound(NO_SUCH_OBJECTIVE)
    return found


def checked(fields: Mapping, *, besides: ServiceObjective | None = None) -> dict:
    """What an objective is to be: every problem at once."""
    problems: list[Problem] = []
    service_id = _id(fields.get("service_area_id"))
    service = db.session.get(ServiceArea, service_id) if service_id else None
    if service is None:
        problems.append(Problem(SERVICE_MISSING, field="service_area_id"))
    elif service.retired and (besides is None or besides.service_area_id != service.id):
        problems.append(Problem(SERVICE_NOT_LIVE, field="service_area_id"))
    kind = fields.get("kind")
    if kind not in OBJECTIVE_KINDS:
        problems.append(Problem(KIND_MISSING, field="kind"))
    code = checked_text(fields.get("code"), OBJECTIVE_CODE_MAX, CODE_TOO_LONG, "code", problems)
    if not code and not any(p.field == "code" for p in problems):
        problems.append(Problem(CODE_MISSING, field="code"))
    title = checked_text(fields.get("title"), OBJECTIVE_TITLE_MAX, TITLE_TOO_LONG, "title", problems)
    if not title and not any(p.field == "title" for p in problems):
        problems.append(Problem(TITLE_MISSING, field="title"))
    if service is not None and code and not any(p.field == "code" for p in problems):
        clash = select(ServiceObjective.id).where(ServiceObjective.service_area_id == service.id,
                                                  ServiceObjective.retired_at.is_(None),
                                                  func.lower(ServiceObjective.code) == code.lower())
        if besides is not None:
            clash = clash.where(ServiceObjective.id != besides.id)
        if db.session.execute(clash.limit(1)).first() is not None:
            problems.append(Problem(CODE_TAKEN, field="code"))
    if problems:
        raise Invalid(*problems)
    return {"service_area_id": service.id, "kind": kind, "code": code, "title": title}


def _code_taken() -> Invalid:
    return Invalid(Problem(CODE_TAKEN, field="code"))


@service_step
def add(user: User, fields: Mapping) -> ServiceObjective:
    require_keeper(user)
    objective = ServiceObjective(**checked(fields), created_by_id=user.id)
    db.session.add(objective)
    with refusing_clashes(_code_taken):
        db.session.flush()
    _record(user, OBJECTIVE_ADDED, objective=objective.id, code=objective.code, title=objective.title,
            service=objective.service_area_id, kind=objective.kind)
    return objective


@service_step
def change(user: User, objective: ServiceObjective, fields: Mapping) -> ServiceObjective:
    require_keeper(user)
    if objective.retired:
        raise NotPossible(RETIRED_CANNOT_CHANGE)
    values = checked(fields, besides=objective)
    changed = sorted(key for key, value in values.items() if getattr(objective, key) != value)
    for key in changed:
        setattr(objective, key, values[key])
    if changed:
        with refusing_clashes(_code_taken):
            db.session.flush()
        _record(user, OBJECTIVE_CHANGED, objective=objective.id, code=objective.code, fields=changed)
    return objective


@service_step
def retire(user: User, objective: ServiceObjective) -> ServiceObjective:
    """Out of the list of objectives to tag to; its tags stay, and its code is free for a new one."""
    require_keeper(user)
    if objective.retired:
        raise NotPossible(ALREADY_RETIRED)
    objective.retired_at = utcnow()
    db.session.flush()
    _record(user, OBJECTIVE_RETIRED, objective=objective.id, code=objective.code, title=objective.title)
    return objective


# ------------------------------------------------------------------ the list of objectives
@dataclass(frozen=True)
class ObjectiveRow:
    objective: ServiceObjective
    service: str
    directorate: str
    tags: int


def page_of_objectives(user: User, number: int, *, retired: bool = False,
                       size: int = PAGE_SIZE) -> Page[ObjectiveRow]:
    """One page of objectives, by directorate, service and code, each with how many items are tagged to it:
    two queries."""
    require_keeper(user)
    tags = (select(func.count()).select_from(ObjectiveTag).where(ObjectiveTag.objective_id == ServiceObjective.id)
            .correlate(ServiceObjective).scalar_subquery())
    chosen = ServiceObjective.retired_at.is_not(None) if retired else ServiceObjective.retired_at.is_(None)
    total = db.session.scalar(select(func.count()).select_from(ServiceObjective).where(chosen))
    number = clamp(number, total, size)
    rows = db.session.execute(
        select(ServiceObjective, ServiceArea.name, Directorate.name, tags)
        .join(ServiceArea, ServiceArea.id == ServiceObjective.service_area_id)
        .join(Directorate, Directorate.id == ServiceArea.directorate_id).where(chosen)
        .order_by(func.lower(Directorate.name), func.lower(ServiceArea.name), func.lower(ServiceObjective.code),
                  ServiceObjective.id)
        .offset((number - 1) * size).limit(size)).all()
    return Page([ObjectiveRow(*row) for row in rows], number, total, size)


def live_objectives() -> list[tuple[ServiceObjective, str]]:
    """Every live objective and its service's name, to choose from when tagging: one query."""
    return [(o, name) for o, name in db.session.execute(
        select(ServiceObjective, ServiceArea.name).join(ServiceArea, ServiceArea.id == ServiceObjective.service_area_id)
        .where(ServiceObjective.retired_at.is_(None))
        .order_by(func.lower(ServiceArea.name), func.lower(ServiceObjective.code), ServiceObjective.id))]


# ------------------------------------------------------------------ tagging
def _action(user: User, action_id: object) -> tuple[Action, Assessment]:
    found = db.session.execute(select(Action, Assessment).join(Assessment, Assessment.id == Action.assessment_id)
                               .where(Action.id == _id(action_id))).first() if _id(action_id) else None
    if found is None or not access.can_view(user, found[1]):
        raise NotFound(NO_SUCH_ACTION)
    return found[0], found[1]


def _row(row_id: object) -> tuple[PlanRow, ActionPlan, str]:
    found = db.session.get(PlanRow, row_id) if _id(row_id) else None
    if found is None:
        raise NotFound(NO_SUCH_ROW)
    plan = found.plan
    return found, plan, found.number or str(plan.rows.index(found) + 1)


def _live_objective(objective_id: object) -> ServiceObjective:
    objective = db.session.get(ServiceObjective, objective_id) if _id(objective_id) else None
    if objective is None or objective.retired:
        raise Invalid(Problem(CHOOSE_OBJECTIVE, field="objective_id"))
    return objective


def _already_tagged() -> Invalid:
    return Invalid(Problem(ALREADY_TAGGED, field="objective_id"))


# Tags are programme metadata beside the record: only an objective_tag row is written, never the action, the
# plan row, the assessment or the plan. So an action of a signed (frozen) assessment, or a row of an adopted
# plan, may be tagged and untagged: its content hash, lock version and state stay as they were.
@service_step
def tag_action(user: User, action_id: object, objective_id: object) -> ObjectiveTag:
    require_keeper(user)
    action, assessment = _action(user, action_id)
    objective = _live_objective(objective_id)
    return _tag(user, objective, ObjectiveTag(objective_id=objective.id, action_id=action.id, tagged_by_id=user.id),
                ACTION_TAGGED, action=action.id, reference=assessment.display_reference, number=action.position + 1)


@service_step
def tag_row(user: User, row_id: object, objective_id: object) -> ObjectiveTag:
    require_keeper(user)
    row, plan, number = _row(row_id)
    objective = _live_objective(objective_id)
    return _tag(user, objective, ObjectiveTag(objective_id=objective.id, plan_row_id=row.id, tagged_by_id=user.id),
                ROW_TAGGED, row=row.id, reference=f"PLAN-{plan.id}", number=number)


def _tag(user: User, objective: ServiceObjective, tag: ObjectiveTag, change: str, **details) -> ObjectiveTag:
    clash = select(ObjectiveTag.id).where(ObjectiveTag.objective_id == objective.id,
                                          ObjectiveTag.action_id == tag.action_id if tag.action_id
                                          else ObjectiveTag.plan_row_id == tag.plan_row_id)
    if db.session.execute(clash.limit(1)).first() is not None:
        raise _already_tagged()
    db.session.add(tag)
    with refusing_clashes(_already_tagged):
        db.session.flush()
    _record(user, change, objective=objective.id, code=objective.code, **details)
    return tag


@service_step
def untag(user: User, tag_id: object) -> ObjectiveTag:
    """Remove a tag (by its id): the item and the objective stay as they were."""
    require_keeper(user)
    tag = db.session.get(ObjectiveTag, tag_id) if _id(tag_id) else None
    if tag is None:
        raise NotPossible(NO_SUCH_TAG)
    objective = tag.objective
    if tag.action_id is not None:
        action, assessment = _action(user, tag.action_id)
        change, details = ACTION_UNTAGGED, {"action": action.id, "reference": assessment.display_reference,
                                            "number": action.position + 1}
    else:
        row, plan, number = _row(tag.plan_row_id)
        change, details = ROW_UNTAGGED, {"row": row.id, "reference": f"PLAN-{plan.id}", "number": number}
    db.session.delete(tag)
    db.session.flush()
    _record(user, change, objective=objective.id, code=objective.code, **details)
    return tag


# ------------------------------------------------------------------ what is tagged, with its status now
@dataclass(frozen=True)
class ThreadItem(StatusNow):
    tag_id: int
    objective_id: int
    kind: str  # EQIA_ACTION or PLAN_ROW
    reference: str  # the EqIA's reference, or PLAN-n
    number: str  # the action's place in its plan, or the row's number (else its place)
    description: str
    owner: str
    due: date | None
    due_condition: str
    status: str
    overdue: bool
    item_id: int  # the action's or the row's id
    parent_id: int  # the assessment's or the plan's id


def _tracked_versions():
    """The version of each EqIA whose actions the thread reads: the newest in a state where progress is
    recorded (during a review, the published version still being tracked), else the newest that is not final
    (a draft not yet signed). Superseded and withdrawn versions never speak, so an action whose tag a review
    carried to its copy (eqia.services.versions) is counted once."""
    live = [key for key, state in workflows().states().items() if not state.final]
    tracked = (select(Assessment.reference, func.max(Assessment.version_number).label("version"))
               .where(Assessment.state.in_(sorted(tracked_states()))).group_by(Assessment.reference).subquery())
    newest = (select(Assessment.reference, func.max(Assessment.version_number).label("version"))
              .where(Assessment.state.in_(live)).group_by(Assessment.reference).subquery())
    return (select(Assessment.id).join(newest, newest.c.reference == Assessment.reference)
            .outerjoin(tracked, tracked.c.reference == Assessment.reference)
            .where(Assessment.version_number == func.coalesce(tracked.c.version, newest.c.version)))


def _action_items(where, on: date) -> list[ThreadItem]:
    """Tagged EqIA actions of each EqIA's tracked version (`_tracked_versions`), each with its latest update's
    status (else the plan's own): one query."""
    latest = (select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("last"))
              .group_by(ActionUpdate.action_id).subquery())
    rows = db.session.execute(
        select(ObjectiveTag.id, ObjectiveTag.objective_id, Action, Assessment.id, Assessment.reference,
               Assessment.version_number, func.coalesce(ActionUpdate.status, Action.status))
        .join(Action, Action.id == ObjectiveTag.action_id)
        .join(Assessment, Assessment.id == Action.assessment_id)
        .join(ServiceObjective, ServiceObjective.id == ObjectiveTag.objective_id)
        .outerjoin(latest, latest.c.action_id == Action.id)
        .outerjoin(ActionUpdate, ActionUpdate.id == latest.c.last)
        .where(where, Assessment.id.in_(_tracked_versions()))
        .order_by(Assessment.reference, Action.position, Action.id)).all()
    out = []
    for tag_id, objective_id, action, assessment_id, reference, version, status in rows:
        out.append(ThreadItem(tag_id, objective_id, EQIA_ACTION, f"{reference} v{version}", str(action.position + 1),
                              action.description, action.owner, action.due_date, "", status,
                              overdue(action.due_date, status, on), action.id, assessment_id))
    return out


def _row_items(where, on: date) -> list[ThreadItem]:
    """Tagged plan rows, each with its latest update's status (else the row's own) and its place: one query."""
    latest = (select(PlanRowUpdate.row_id, func.max(PlanRowUpdate.id).label("last"))
              .group_by(PlanRowUpdate.row_id).subquery())
    earlier = PlanRow.__table__.alias("earlier")
    place = (select(func.count()).select_from(earlier)
             .where(earlier.c.plan_id == PlanRow.plan_id,
                    or_(earlier.c.position < PlanRow.position,
                        and_(earlier.c.position == PlanRow.position, earlier.c.id <= PlanRow.id)))
             .correlate(PlanRow).scalar_subquery())
    rows = db.session.execute(
        select(ObjectiveTag.id, ObjectiveTag.objective_id, PlanRow, place,
               func.coalesce(PlanRowUpdate.status, PlanRow.status))
        .join(PlanRow, PlanRow.id == ObjectiveTag.plan_row_id)
        .join(ServiceObjective, ServiceObjective.id == ObjectiveTag.objective_id)
        .outerjoin(latest, latest.c.row_id == PlanRow.id)
        .outerjoin(PlanRowUpdate, PlanRowUpdate.id == latest.c.last)
        .where(where).order_by(PlanRow.plan_id, PlanRow.position, PlanRow.id)).all()
    return [ThreadItem(tag_id, objective_id, PLAN_ROW, f"PLAN-{row.plan_id}", row.number or str(index),
                       row.recommendation, row.owner, row.due_on, row.due_condition, status,
                       overdue(row.due_on, status, on), row.id, row.plan_id)
            for tag_id, objective_id, row, index, status in rows]


def _items(where, on: date) -> list[ThreadItem]:
    return _action_items(where, on) + _row_items(where, on)


@dataclass(frozen=True)
class ObjectiveThread:
    objective: ServiceObjective
    items: list[ThreadItem] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        """done, on_track (open and not overdue), overdue, dropped."""
        counted: Counter = Counter({"done": 0, "on_track": 0, "overdue": 0, "dropped": 0})
        for item in self.items:
            if item.overdue:
                counted["overdue"] += 1
            elif not item.closed:
                counted["on_track"] += 1
            else:
                counted["done" if item.status == "done" else "dropped"] += 1
        return counted


@dataclass(frozen=True)
class ServiceThread:
    service: ServiceArea
    directorate: Directorate
    objectives: list[ObjectiveThread]


def service_report(user: User, service_area_id: int, *, on: date | None = None) -> ServiceThread:
    """A service's live objectives (and retired ones that still have tags), each with its tagged items and
    their status now: four queries, however many objectives and tags."""
    require_keeper(user)
    on = on or today()
    found = db.session.execute(select(ServiceArea, Directorate).join(Directorate, Directorate.id == ServiceArea.directorate_id)
                               .where(ServiceArea.id == _id(service_area_id))).first() \
        if _id(service_area_id) else None
    if found is None:
        raise NotFound(NO_SUCH_SERVICE)
    service, directorate = found
    items = _items(ServiceObjective.service_area_id == service.id, on)
    tagged = {item.objective_id for item in items}
    objectives = db.session.scalars(
        select(ServiceObjective).where(ServiceObjective.service_area_id == service.id)
        .order_by(func.lower(ServiceObjective.code), ServiceObjective.id)).all()
    by_objective: dict[int, list[ThreadItem]] = {}
    for item in items:
        by_objective.setdefault(item.objective_id, []).append(item)
    return ServiceThread(service, directorate, [
        ObjectiveThread(o, by_objective.get(o.id, [])) for o in objectives if not o.retired or o.id in tagged])


@dataclass(frozen=True)
class TaggedRow:
    """One tag, for the council-wide download."""
    service: str
    directorate: str
    objective: ServiceObjective
    item: ThreadItem


def every_tag(user: User, *, on: date | None = None) -> Iterator[TaggedRow]:
    """Every tag of every service, by directorate, service and objective code: three queries."""
    require_keeper(user)
    on = on or today()
    items = _items(true(), on)
    objectives = {o.id: (o, service, directorate) for o, service, directorate in db.session.execute(
        select(ServiceObjective, ServiceArea.name, Directorate.name)
        .join(ServiceArea, ServiceArea.id == ServiceObjective.service_area_id)
        .join(Directorate, Directorate.id == ServiceArea.directorate_id)
        .where(ServiceObjective.id.in_({i.objective_id for i in items})))} if items else {}
    rows = [TaggedRow(objectives[i.objective_id][1], objectives[i.objective_id][2], objectives[i.objective_id][0], i)
            for i in items]
    rows.sort(key=lambda r: (r.directorate.lower(), r.service.lower(), r.objective.code.lower(), r.item.kind,
                             r.item.reference, r.item.item_id))
    yield from rows


def tags_of_action(action_id: int) -> list[tuple[ObjectiveTag, ServiceObjective, str]]:
    """The objectives an EqIA action is tagged to, with their services' names: one query."""
    return _tags_where(ObjectiveTag.action_id == action_id)


def tags_of_row(row_id: int) -> list[tuple[ObjectiveTag, ServiceObjective, str]]:
    return _tags_where(ObjectiveTag.plan_row_id == row_id)


def _tags_where(where) -> list[tuple[ObjectiveTag, ServiceObjective, str]]:
    return [tuple(row) for row in db.session.execute(
        select(ObjectiveTag, ServiceObjective, ServiceArea.name)
        .join(ServiceObjective, ServiceObjective.id == ObjectiveTag.objective_id)
        .join(ServiceArea, ServiceArea.id == ServiceObjective.service_area_id)
        .where(where).order_by(func.lower(ServiceObjective.code), ObjectiveTag.id))]


def parent_of(*, action_id: int | None = None, row_id: int | None = None) -> int | None:
    """The assessment's id of an EqIA action, or the plan's id of a row (for the page to go back to)."""
    if action_id is not None:
        return db.session.scalar(select(Action.assessment_id).where(Action.id == action_id))
    if row_id is not None:
        return db.session.scalar(select(PlanRow.plan_id).where(PlanRow.id == row_id))
    return None
