"""The activity register: the council's policies, services, functions,
procurements and budget proposals, which of them need an EqIA and by when, and
the EqIAs that assess them; and the coverage that follows ("218 of 240 relevant
activities have a current signed assessment; 14 out of date; 8 never assessed").

Equality leads and administrators keep the register. An EqIA is linked by its
reference, so every version of it assesses the activity.

How far an activity is covered is read from the workflow definitions, not from
state names written here: a version in a frozen state that is not final (signed
off, published, screened out, taken off the register) is a current assessment;
one in a state a review date leads to (review due) is out of date; one still being
worked on is under way; a withdrawn or superseded version counts for nothing (the
version that superseded it counts). An activity takes the best of its EqIAs'
versions. That is worked out for every activity at once, with the lead's other
figures (eqia.services.figure_refresh), and the counts and the lists behind them
read what it kept: a fixed number of queries however large the register.

Functions that change something are service steps: they flush, and the request
commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, case, func, or_, select

from eqia.admin.directorates import NAME_MAX, NAME_TOO_LONG
from eqia.admin.listing import Page, clamp
from eqia.audit_words import PROGRAMME
from eqia.extensions import db
from eqia.loaded_definitions import characteristics, definition_for, workflows
from eqia.models import (RELEVANCES, Activity, ActivityAssessment, Assessment, Directorate, FigureActivity, FigureCount,
                         User, utcnow)
from eqia.services import figures
from eqia.models.programme import ACTIVITY_REFERENCE_PREFIX
from eqia.roles import ADMIN, EQUALITY_LEAD
from eqia.services.access import editing_role
from eqia.services.action_progress import today
from eqia.services.assessments import get_visible
from eqia.services.audit import append_event
from eqia.services.errors import Forbidden, Invalid, NotFound, NotPossible, checked_text
from eqia.unit_of_work import refusing_clashes, service_step
from eqia.workflow.errors import N_
from eqia.workflow.hooks import Problem
from eqia.workflow.shown import Shown

PAGE_SIZE = 25
REFERENCE_PREFIX = ACTIVITY_REFERENCE_PREFIX
OWNER_MAX = 200
NOTES_MAX = 10_000
REFERENCE_MAX = 40

# Who keeps the register and reads the coverage.
KEEPERS = frozenset({EQUALITY_LEAD, ADMIN})

# How far a relevant activity is covered, best last (the rank is what the database compares).
NOT_ASSESSED, UNDER_WAY, OUT_OF_DATE, CURRENT = "not_assessed", "under_way", "out_of_date", "current"
RANKS = {NOT_ASSESSED: 0, UNDER_WAY: 1, OUT_OF_DATE: 2, CURRENT: 3}
CODE_OF_RANK = {rank: code for code, rank in RANKS.items()}
COVERAGE: dict[str, str] = {
    CURRENT: Shown("Current signed assessment"),
    OUT_OF_DATE: Shown("Out of date"),
    UNDER_WAY: Shown("Assessment under way"),
    NOT_ASSESSED: Shown("Never assessed"),
}
COVERAGE_TAGS = {CURRENT: "green", OUT_OF_DATE: "orange", UNDER_WAY: "blue", NOT_ASSESSED: "red"}

# The changes to the register on the audit trail (details["change"]; eqia.audit_words reads them).
ACTIVITY_ADDED, ACTIVITY_CHANGED, ACTIVITY_RETIRED = "activity_added", "activity_changed", "activity_retired"
ACTIVITIES_IMPORTED = "activities_imported"
ASSESSMENT_LINKED, ASSESSMENT_UNLINKED = "assessment_linked", "assessment_unlinked"

# The words of this module, in one place: English here, translated where they are shown.
NOT_A_KEEPER = N_("Only equality leads and administrators can see and keep the activity register")
NO_SUCH_ACTIVITY = N_("There is no such activity")
NAME_MISSING = N_("Enter the name of the activity")
NAME_TAKEN = N_("This directorate already has an activity called that: enter a different name")
KIND_MISSING = N_("Select what kind of activity it is")
DIRECTORATE_MISSING = N_("Select the directorate the activity belongs to")
DIRECTORATE_NOT_LIVE = N_("Select a directorate that is in use")
OWNER_TOO_LONG = N_("The owner must be 200 characters or fewer")  # OWNER_MAX
RELEVANCE_MISSING = N_("Select how relevant the activity is to equality")
NEEDS_MISSING = N_("Select whether the activity needs an equality impact assessment")
NOT_RELEVANT_NEEDS_NONE = N_("An activity that is not relevant to equality does not need an assessment: change "
                             "its relevance, or say it does not need one")
NOTES_TOO_LONG = N_("The notes must be 10,000 characters or fewer")  # NOTES_MAX
ALREADY_RETIRED = N_("This activity has already been retired")
RETIRED_CANNOT_CHANGE = N_("A retired activity cannot be changed or linked to an assessment")
REFERENCE_MISSING = N_("Enter the reference of the assessment, for example EQIA-2026-0001")
ALREADY_LINKED_HERE = N_("That assessment is already linked to this activity")
NOT_LINKED_HERE = N_("That assessment is not linked to this activity")
NOT_YOURS_TO_LINK = N_("Only someone who may edit this assessment can say which activity it assesses")
ALREADY_ASSESSES = N_("This assessment already assesses an activity: ask your equality lead to change that")
CHOOSE_ACTIVITY = N_("Select the activity in the register that this assessment assesses")
assert str(NAME_MAX) in NAME_TOO_LONG and str(OWNER_MAX) in OWNER_TOO_LONG and f"{NOTES_MAX:,}" in NOTES_TOO_LONG


def reference(activity_id: int) -> str:
    """An activity's reference by its number alone (Activity.reference, when the row is at hand): ACT-12."""
    return f"{REFERENCE_PREFIX}{activity_id}"


def no_such_reference(reference: str) -> str:
    from flask_babel import gettext as _

    return _("There is no assessment with the reference %(reference)s", reference=reference)


def linked_elsewhere(reference: str, name: str) -> str:
    from flask_babel import gettext as _

    return _("%(reference)s already assesses \u201c%(name)s\u201d: unlink it there first", reference=reference,
             name=name)


# ------------------------------------------------------------------ who may
def keeping_role(user: User) -> str | None:
    """The role a person keeps the register in (a lead's, before an admin's), or None."""
    return next((role for role in (EQUALITY_LEAD, ADMIN) if role in user.roles), None)


def require_keeper(user: User, refusal: str = NOT_A_KEEPER) -> str:
    """The role a keeper acts in; anyone else is refused (in `refusal`'s words: the register's by default)."""
    role = keeping_role(user)
    if role is None:
        raise Forbidden(refusal)
    return role


def record(user: User, change: str, *, role: str | None = None, **details) -> None:
    """A change to the register on the audit trail, in the keeper's role (or `role`, an author's own link)."""
    append_event(action=f"programme:{change}", actor=user, role=role or require_keeper(user), kind=PROGRAMME,
                 details={"change": change, **details})


# ------------------------------------------------------------------ coverage from the definitions
def coverage_ranks() -> dict[str, int]:
    """Each state of every loaded definition, and how far a version in it covers its activity."""
    ranks: dict[str, int] = {}
    for definition in workflows():
        due = definition.dated_states()
        for key, state in definition.states.items():
            if state.final:
                rank = RANKS[NOT_ASSESSED]
            elif key in due:
                rank = RANKS[OUT_OF_DATE]
            elif state.frozen:
                rank = RANKS[CURRENT]
            else:
                rank = RANKS[UNDER_WAY]
            ranks[key] = max(rank, ranks.get(key, 0))
    return ranks


def rank_of_each_activity():
    """activity_id and the best rank of the versions of its EqIAs (activities with none are absent)."""
    ranks = coverage_ranks()
    by_state = case({state: rank for state, rank in ranks.items() if rank}, value=Assessment.state, else_=0)
    return (select(ActivityAssessment.activity_id.label("activity_id"), func.max(by_state).label("rank"))
            .join(Assessment, Assessment.reference == ActivityAssessment.reference)
            .group_by(ActivityAssessment.activity_id).subquery())


def relevant():
    return and_(Activity.retired_at.is_(None), Activity.needs_assessment.is_(True))


@dataclass(frozen=True)
class CoverageRow:
    directorate: Directorate | None  # None for the council's total
    counts: dict[str, int]  # by coverage code

    @property
    def relevant(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Coverage:
    rows: list[CoverageRow]
    total: CoverageRow
    late: int  # relevant activities never assessed whose "assess by" date has passed


def coverage(user: User, *, on: date | None = None) -> Coverage:
    """Relevant activities (live, needing an EqIA) by directorate and how far each is covered, from the figures
    as last worked out (eqia.services.figures): three queries."""
    require_keeper(user)
    on = on or today()
    counts: dict[int, dict[str, int]] = {}
    for directorate_id, code, number in figures.summed(figures.COVERAGE, FigureCount.directorate_id,
                                                       FigureCount.code):
        counts.setdefault(directorate_id, dict.fromkeys(COVERAGE, 0))[code] += int(number)
    late = figures.total(figures.COVERAGE, FigureCount.code == NOT_ASSESSED, FigureCount.day < on)
    directorates = {d.id: d for d in db.session.execute(
        select(Directorate).where(Directorate.id.in_(counts))).scalars()} if counts else {}
    rows = sorted((CoverageRow(directorates[d], c) for d, c in counts.items() if d in directorates),
                  key=lambda row: row.directorate.name.lower())
    total = {code: sum(row.counts[code] for row in rows) for code in COVERAGE}
    return Coverage(rows, CoverageRow(None, total), late)


# ------------------------------------------------------------------ the register's lists
@dataclass(frozen=True)
class ActivityRow:
    activity: Activity
    directorate: str
    coverage: str | None  # a COVERAGE code for a relevant activity; None for one that needs no EqIA
    late: bool  # needs an EqIA, never assessed, and its date has passed
    assessments: int  # how many EqIAs are linked


@dataclass(frozen=True)
class Filters:
    directorate_id: int | None = None
    coverage: str | None = None  # a COVERAGE code: relevant activities so covered
    late: bool = False
    needed: bool = False  # only those that need an assessment (the coverage's "relevant activities")
    search: str = ""
    retired: bool = False  # the retired ones instead of the live ones

    def args(self) -> dict:
        """As the list's URL carries them."""
        return {k: v for k, v in (("directorate", self.directorate_id), ("coverage", self.coverage),
                                  ("late", "yes" if self.late else None), ("needed", "yes" if self.needed else None),
                                  ("q", self.search or None), ("retired", "yes" if self.retired else None)) if v}


def directorate_from(args: Mapping) -> int | None:
    """A directorate's id from a URL's "directorate"; None for anything that cannot be one."""
    directorate = args.get("directorate", "")
    return int(directorate) if directorate.isascii() and directorate.isdigit() and int(directorate) < 2**31 else None


def filters_from(args: Mapping) -> Filters:
    """A list's filters from its URL: a value that means nothing is ignored, never an error page."""
    wanted = args.get("coverage", "")
    return Filters(directorate_id=directorate_from(args),
                   coverage=wanted if wanted in COVERAGE else None,
                   late=args.get("late") == "yes",
                   needed=args.get("needed") == "yes",
                   search=args.get("q", "").strip().replace("\x00", "")[:NAME_MAX],
                   retired=args.get("retired") == "yes")


def _listed(filters: Filters, on: date, *columns) -> Select:
    """The register's rows, each with how far it is covered as the figures last found (eqia.services.figures:
    an activity added since counts as not assessed)."""
    rank = func.coalesce(FigureActivity.rank, 0)
    linked = (select(func.count()).select_from(ActivityAssessment)
              .where(ActivityAssessment.activity_id == Activity.id).correlate(Activity).scalar_subquery())
    late = and_(Activity.needs_assessment.is_(True), rank == 0, Activity.assess_by < on)
    query = (select(*columns or (Activity, Directorate.name, rank, late, linked))
             .join(Directorate, Directorate.id == Activity.directorate_id)
             .outerjoin(FigureActivity, FigureActivity.activity_id == Activity.id))
    query = query.where(Activity.retired_at.is_not(None) if filters.retired else Activity.retired_at.is_(None))
    if filters.directorate_id is not None:
        query = query.where(Activity.directorate_id == filters.directorate_id)
    if filters.coverage is not None:
        query = query.where(Activity.needs_assessment.is_(True), rank == RANKS[filters.coverage])
    if filters.late:
        query = query.where(late)
    if filters.needed:
        query = query.where(Activity.needs_assessment.is_(True))
    if filters.search:
        like = "%" + filters.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Activity.name).like(like, escape="\\"),
                                func.lower(Activity.owner).like(like, escape="\\")))
    return query


def _row(activity: Activity, directorate: str, rank: int, late, linked: int) -> ActivityRow:
    return ActivityRow(activity, directorate, CODE_OF_RANK[rank] if activity.needs_assessment else None, bool(late),
                       linked)


def page_of_activities(user: User, filters: Filters, number: int, *, on: date | None = None,
                       size: int = PAGE_SIZE) -> Page[ActivityRow]:
    """One page of the register, by directorate and name: two queries."""
    require_keeper(user)
    on = on or today()
    total = db.session.execute(select(func.count()).select_from(
        _listed(filters, on, Activity.id).subquery())).scalar_one()
    number = clamp(number, total, size)
    # The page's ids first, sorting only what the order needs, then their rows: sorting every whole row of a
    # large register to keep 25 of them was most of the page's time.
    order = (Directorate.name, func.lower(Activity.name), Activity.id)
    chosen = (_listed(filters, on, Activity.id).order_by(*order).offset((number - 1) * size).limit(size)
              .scalar_subquery())
    rows = db.session.execute(_listed(filters, on).where(Activity.id.in_(chosen)).order_by(*order)).all()
    return Page([_row(*row) for row in rows], number, total, size)


def references_of(user: User, activity_ids: list[int]) -> dict[int, list[str]]:
    """The references linked to each of these activities, in order: one query, however many."""
    require_keeper(user)
    found: dict[int, list[str]] = {activity_id: [] for activity_id in activity_ids}
    if activity_ids:
        for activity_id, reference in db.session.execute(
                select(ActivityAssessment.activity_id, ActivityAssessment.reference)
                .where(ActivityAssessment.activity_id.in_(activity_ids)).order_by(ActivityAssessment.reference)):
            found[activity_id].append(reference)
    return found


def every_activity(user: User, filters: Filters, *, on: date | None = None):
    """Every row the filters choose, for a download: read in batches, never the whole table at once."""
    require_keeper(user)
    on = on or today()
    result = db.session.execute(_listed(filters, on).order_by(Directorate.name, func.lower(Activity.name),
                                                              Activity.id).execution_options(yield_per=500))
    for row in result:
        yield _row(*row)


# ------------------------------------------------------------------ one activity
@dataclass(frozen=True)
class Linked:
    reference: str
    latest: Assessment  # the newest version of the reference
    coverage: str  # what its versions make of the activity


@dataclass(frozen=True)
class ActivityView:
    activity: Activity
    linked: list[Linked] = field(default_factory=list)
    coverage: str | None = None


def get(user: User, activity_id: int) -> Activity:
    require_keeper(user)
    found = db.session.get(Activity, activity_id)
    if found is None:
        raise NotFound(NO_SUCH_ACTIVITY)
    return found


def view(user: User, activity_id: int) -> ActivityView:
    """The activity and its EqIAs, each by its newest version: two queries (an activity has few)."""
    activity = get(user, activity_id)
    ranks = coverage_ranks()
    versions = db.session.execute(
        select(Assessment).join(ActivityAssessment, ActivityAssessment.reference == Assessment.reference)
        .where(ActivityAssessment.activity_id == activity.id)
        .order_by(Assessment.reference, Assessment.version_number)).scalars().all()
    by_reference: dict[str, list[Assessment]] = {}
    for version in versions:
        by_reference.setdefault(version.reference, []).append(version)
    linked = [Linked(reference, found[-1], CODE_OF_RANK[max(ranks.get(v.state, 0) for v in found)])
              for reference, found in by_reference.items()]
    best = max((RANKS[item.coverage] for item in linked), default=0)
    return ActivityView(activity, linked, CODE_OF_RANK[best] if activity.needs_assessment else None)


# ------------------------------------------------------------------ keeping it
def _yes_no(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"yes": True, "no": False}.get(value if isinstance(value, str) else "")


def checked(fields: Mapping, *, besides: Activity | None = None) -> dict:
    """What an activity is to be, from a page, the API or a spreadsheet's row: every problem at once."""
    problems: list[Problem] = []
    name = checked_text(fields.get("name"), NAME_MAX, NAME_TOO_LONG, "name", problems)
    if not name and not problems:
        problems.append(Problem(NAME_MISSING, field="name"))
    kind = fields.get("kind")
    if kind not in characteristics().activity_kinds:
        problems.append(Problem(KIND_MISSING, field="kind"))
    directorate_id = fields.get("directorate_id")
    directorate = db.session.get(Directorate, directorate_id) if isinstance(directorate_id, int) \
        and not isinstance(directorate_id, bool) and 0 < directorate_id < 2**31 else None
    if directorate is None:
        problems.append(Problem(DIRECTORATE_MISSING, field="directorate_id"))
    elif directorate.retired and (besides is None or besides.directorate_id != directorate.id):
        problems.append(Problem(DIRECTORATE_NOT_LIVE, field="directorate_id"))
    owner = checked_text(fields.get("owner"), OWNER_MAX, OWNER_TOO_LONG, "owner", problems)
    relevance = fields.get("relevance")
    if relevance not in RELEVANCES:
        problems.append(Problem(RELEVANCE_MISSING, field="relevance"))
    needs = _yes_no(fields.get("needs_assessment"))
    if needs is None:
        problems.append(Problem(NEEDS_MISSING, field="needs_assessment"))
    elif needs and relevance == "none":
        problems.append(Problem(NOT_RELEVANT_NEEDS_NONE, field="needs_assessment"))
    assess_by = fields.get("assess_by")
    notes = checked_text(fields.get("notes"), NOTES_MAX, NOTES_TOO_LONG, "notes", problems)
    if directorate is not None and name and not any(p.field == "name" for p in problems):
        clash = select(Activity.id).where(Activity.directorate_id == directorate.id, Activity.retired_at.is_(None),
                                          func.lower(Activity.name) == name.lower())
        if besides is not None:
            clash = clash.where(Activity.id != besides.id)
        if db.session.execute(clash.limit(1)).first() is not None:
            problems.append(Problem(NAME_TAKEN, field="name"))
    if problems:
        raise Invalid(*problems)
    return {"name": name, "kind": kind, "directorate_id": directorate.id, "owner": owner, "relevance": relevance,
            "needs_assessment": needs, "assess_by": assess_by if needs and isinstance(assess_by, date) else None,
            "notes": notes}


def _name_taken() -> Invalid:
    return Invalid(Problem(NAME_TAKEN, field="name"))


@service_step
def add(user: User, fields: Mapping) -> Activity:
    require_keeper(user)
    activity = Activity(**checked(fields), created_by_id=user.id)
    db.session.add(activity)
    with refusing_clashes(_name_taken):
        db.session.flush()
    record(user, ACTIVITY_ADDED, activity=activity.id, name=activity.name)
    return activity


@service_step
def change(user: User, activity: Activity, fields: Mapping) -> Activity:
    require_keeper(user)
    if activity.retired:
        raise NotPossible(RETIRED_CANNOT_CHANGE)
    values = checked(fields, besides=activity)
    changed = sorted(key for key, value in values.items() if getattr(activity, key) != value)
    for key in changed:
        setattr(activity, key, values[key])
    if changed:
        with refusing_clashes(_name_taken):
            db.session.flush()
        record(user, ACTIVITY_CHANGED, activity=activity.id, name=activity.name, fields=changed)
    return activity


@service_step
def retire(user: User, activity: Activity) -> Activity:
    """Off the register's live list and out of the coverage; its links stay, for the record."""
    require_keeper(user)
    if activity.retired:
        raise NotPossible(ALREADY_RETIRED)
    activity.retired_at = utcnow()
    db.session.flush()
    record(user, ACTIVITY_RETIRED, activity=activity.id, name=activity.name)
    return activity


def _reference(value: object) -> str:
    reference = value.strip().upper() if isinstance(value, str) else ""
    if not reference:
        raise Invalid(Problem(REFERENCE_MISSING, field="reference"))
    if len(reference) > REFERENCE_MAX or "\x00" in reference or db.session.execute(
            select(Assessment.id).where(Assessment.reference == reference).limit(1)).first() is None:
        raise Invalid(Problem(no_such_reference(reference[:REFERENCE_MAX].replace("\x00", "")), field="reference"))
    return reference


@service_step
def link(user: User, activity: Activity, reference: object) -> ActivityAssessment:
    """Every version of the EqIA of this reference assesses the activity (an EqIA assesses one activity)."""
    require_keeper(user)
    if activity.retired:
        raise NotPossible(RETIRED_CANNOT_CHANGE)
    reference = _reference(reference)
    existing = db.session.get(ActivityAssessment, reference)
    if existing is not None:
        if existing.activity_id == activity.id:
            raise Invalid(Problem(ALREADY_LINKED_HERE, field="reference"))
        other = db.session.get(Activity, existing.activity_id)
        raise Invalid(Problem(linked_elsewhere(reference, other.name), field="reference"))
    made = ActivityAssessment(reference=reference, activity_id=activity.id, linked_by_id=user.id)
    db.session.add(made)
    with refusing_clashes(lambda: _linked_meanwhile(reference)):
        db.session.flush()
    record(user, ASSESSMENT_LINKED, activity=activity.id, name=activity.name, reference=reference)
    return made


def _linked_meanwhile(reference: str) -> Invalid:
    """Another request linked the same EqIA between our check and our write."""
    winner = db.session.execute(select(Activity.name).join(ActivityAssessment).where(
        ActivityAssessment.reference == reference)).scalar_one_or_none()
    return Invalid(Problem(linked_elsewhere(reference, winner or ""), field="reference"))


@service_step
def unlink(user: User, activity: Activity, reference: str) -> None:
    require_keeper(user)
    # In any case, as it was linked (the API takes a reference as the caller typed it).
    reference = reference.strip().upper() if isinstance(reference, str) else ""
    existing = db.session.get(ActivityAssessment, reference) if reference else None
    if existing is None or existing.activity_id != activity.id:
        raise NotPossible(NOT_LINKED_HERE)
    db.session.delete(existing)
    db.session.flush()
    record(user, ASSESSMENT_UNLINKED, activity=activity.id, name=activity.name, reference=reference)


# ------------------------------------------------------------------ an author's own link
def activities_to_choose(assessment: Assessment) -> list[Activity]:
    """What an author may link their EqIA to: the live activities of its directorate, by name (one query)."""
    return list(db.session.execute(
        select(Activity).where(Activity.directorate_id == assessment.directorate_id, Activity.retired_at.is_(None))
        .order_by(func.lower(Activity.name), Activity.id)).scalars())


@service_step
def link_own(user: User, assessment_id: int, activity_id: object) -> Activity:
    """The author says which activity their EqIA assesses: only an EqIA they may edit now, only while it
    assesses none, only a live activity of its directorate. Changing or removing a link stays with the
    keepers (`link`, `unlink`): an author choosing again could move an assessment out of a coverage figure."""
    assessment = get_visible(assessment_id, user)
    role = editing_role(user, assessment, definition_for(assessment))
    if role is None:
        raise Forbidden(NOT_YOURS_TO_LINK)
    if db.session.get(ActivityAssessment, assessment.reference) is not None:
        raise NotPossible(ALREADY_ASSESSES)
    chosen = db.session.get(Activity, activity_id) if isinstance(activity_id, int) \
        and not isinstance(activity_id, bool) and 0 < activity_id < 2**31 else None
    if chosen is not None and chosen.retired:
        raise Invalid(Problem(RETIRED_CANNOT_CHANGE, field="activity_id"))
    if chosen is None or chosen.directorate_id != assessment.directorate_id:
        raise Invalid(Problem(CHOOSE_ACTIVITY, field="activity_id"))
    made = ActivityAssessment(reference=assessment.reference, activity_id=chosen.id, linked_by_id=user.id)
    db.session.add(made)
    with refusing_clashes(lambda: NotPossible(ALREADY_ASSESSES)):
        db.session.flush()
    record(user, ASSESSMENT_LINKED, role=role, activity=chosen.id, name=chosen.name, reference=assessment.reference)
    return chosen


def activity_of(reference: str) -> Activity | None:
    """The activity an EqIA assesses, for its own pages: one query."""
    return db.session.execute(select(Activity).join(ActivityAssessment, ActivityAssessment.activity_id == Activity.id)
                              .where(ActivityAssessment.reference == reference)).scalars().first()


