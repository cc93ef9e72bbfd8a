"""The Equality Framework self-assessment (eqia.models.framework): a council rates
itself, criterion by criterion, against a framework loaded from configuration
(eqia.frameworks.definition), with its evidence in words and linked from what the
service holds, and sets each rating beside the previous self-assessment's.

Equality leads and administrators make and rate self-assessments and turn their gaps
into rows of a draft action plan (through eqia.services.plans' own functions, so the
plan's rules and trail apply); any other signed-in member of staff reads them. The
rules are here, not in the pages. Services flush and never commit."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eqia.admin.listing import Page, clamp
from eqia.audit_words import PROGRAMME
from eqia.extensions import db
from eqia.frameworks.definition import Criterion, Framework, Module
from eqia.models import ActionPlan, Activity, Assessment, User, utcnow
from eqia.models.framework import (
    EVIDENCE_ACTIVITY,
    EVIDENCE_EQIA,
    EVIDENCE_MAX,
    EVIDENCE_PLAN,
    LINKS_MAX,
    PERIOD_MAX,
    FrameworkAssessment,
    FrameworkEvidence,
    FrameworkRating,
)
from eqia.plans.subject import PLAN_PREFIX, PLAN_WORKFLOW, plan_workflows
from eqia.roles import ADMIN, EQUALITY_LEAD
from eqia.services import activities, plans
from eqia.services.audit import append_event
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible, checked_text
from eqia.unit_of_work import refusing_clashes, service_step
from eqia.workflow.errors import N_
from eqia.workflow.hooks import Problem

PAGE_SIZE = 25
WRITERS = frozenset({EQUALITY_LEAD, ADMIN})
NO_COMPARISON = "none"  # the previous self-assessment chosen as none
NEW_PLAN = "new"

NOT_A_WRITER = N_("Only equality leads and administrators can make or change a self-assessment")
NOT_FOUND = N_("Self-assessment not found")
STALE = N_("Someone else changed this self-assessment while you were working on it. Check what changed, "
           "then try again.")
FRAMEWORK_MISSING = N_("Select the framework to assess against")
PERIOD_MISSING = N_("Enter the period, for example 2026/27")
PERIOD_TOO_LONG = N_("The period must be 40 characters or fewer")  # PERIOD_MAX
PERIOD_TAKEN = N_("There is already a self-assessment against this framework for that period")
PREVIOUS_UNKNOWN = N_("Select an earlier self-assessment against the same framework, or none")
CRITERION_UNKNOWN = N_("There is no such criterion in this framework")
RATING_UNKNOWN = N_("Select a rating, or leave it not rated yet")
EVIDENCE_TOO_LONG = N_("The evidence must be 10,000 characters or fewer")  # EVIDENCE_MAX
TOO_MANY_LINKS = N_("Link at most 50 things to one criterion")  # LINKS_MAX
PLAN_UNKNOWN = N_("Select a draft action plan you can change, or a new plan")
PLAN_TITLE_MISSING = N_("Enter the title of the new action plan")
NO_GAPS = N_("Every criterion is rated achieving or better: there are no gaps to plan for.")
assert str(PERIOD_MAX) in PERIOD_TOO_LONG and f"{EVIDENCE_MAX:,}" in EVIDENCE_TOO_LONG
assert str(LINKS_MAX) in TOO_MANY_LINKS

CREATED, RATED, GAPS_PLANNED = "framework_created", "framework_rated", "framework_gaps_planned"
PLAN_TOKEN = re.compile(rf"^{re.escape(PLAN_PREFIX)}([0-9]{{1,9}})$")
ACTIVITY_TOKEN = re.compile(rf"^{re.escape(activities.REFERENCE_PREFIX)}([0-9]{{1,9}})$")
REFERENCE_MAX = 40


def loaded() -> dict[str, Framework]:
    return current_app.extensions["eqia"]["frameworks"]


def framework_of(assessment: FrameworkAssessment) -> Framework:
    return loaded()[assessment.framework]


def reference(assessment: FrameworkAssessment) -> str:
    """How the audit trail names a self-assessment."""
    return f"FRAMEWORK-{assessment.id}"


def may_write(user: User) -> bool:
    return bool(user.is_active and user.roles & WRITERS)


def _check_writer(user: User) -> None:
    if not may_write(user):
        raise Forbidden(NOT_A_WRITER)


def _record(user: User, assessment: FrameworkAssessment, change: str, **details) -> None:
    append_event(action=f"programme:{change}", actor=user, role=next(iter(sorted(user.roles & WRITERS)), ""),
                 about=reference(assessment), kind=PROGRAMME,
                 details={"change": change, "self_assessment": assessment.id, "framework": assessment.framework,
                          "period": assessment.period, **details})


# ------------------------------------------------------------------ reading
@dataclass(frozen=True)
class Summary:
    assessment: FrameworkAssessment
    rated: int
    gaps: int


def page_of_self_assessments(user: User, number: int) -> Page[Summary]:
    """Every self-assessment, newest first, each with how many criteria are rated and how many are gaps:
    three queries."""
    if not user.is_active:
        raise NotFound(NOT_FOUND)
    total = db.session.scalar(select(func.count()).select_from(FrameworkAssessment))
    number = clamp(number, total, PAGE_SIZE)
    found = list(db.session.scalars(select(FrameworkAssessment)
                                    .order_by(FrameworkAssessment.created_at.desc(), FrameworkAssessment.id.desc())
                                    .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    ratings: dict[int, Counter] = {a.id: Counter() for a in found}
    if found:
        for assessment_id, criterion, rating in db.session.execute(
                select(FrameworkRating.assessment_id, FrameworkRating.criterion, FrameworkRating.rating)
                .where(FrameworkRating.assessment_id.in_(list(ratings)))):
            ratings[assessment_id][criterion] = rating
    out = []
    for a in found:
        framework = loaded().get(a.framework)
        given = {k: v for k, v in ratings[a.id].items() if v}
        gaps = sum(framework.is_gap(given.get(k)) for k in framework.criteria) if framework else 0
        out.append(Summary(a, len(given), gaps))
    return Page(out, number, total, PAGE_SIZE)


def get(user: User, assessment_id: int) -> FrameworkAssessment:
    """A self-assessment, for any signed-in member of staff."""
    found = db.session.get(FrameworkAssessment, assessment_id) if user.is_active else None
    if found is None or found.framework not in loaded():
        raise NotFound(NOT_FOUND)
    return found


def latest_of(framework: str, *, before: int | None = None) -> FrameworkAssessment | None:
    query = select(FrameworkAssessment).where(FrameworkAssessment.framework == framework)
    if before is not None:
        query = query.where(FrameworkAssessment.id != before)
    return db.session.scalar(query.order_by(FrameworkAssessment.created_at.desc(), FrameworkAssessment.id.desc())
                             .limit(1))


def earlier_ones(limit: int = 50) -> list[FrameworkAssessment]:
    """What a new self-assessment may be compared with: the newest, of every framework."""
    return list(db.session.scalars(select(FrameworkAssessment).order_by(
        FrameworkAssessment.created_at.desc(), FrameworkAssessment.id.desc()).limit(limit)))


@dataclass(frozen=True)
class CriterionRow:
    criterion: Criterion
    now: FrameworkRating | None
    before: FrameworkRating | None

    @property
    def rating(self) -> str:
        return self.now.rating if self.now is not None else ""

    @property
    def previous_rating(self) -> str:
        return self.before.rating if self.before is not None else ""


@dataclass(frozen=True)
class ModuleRows:
    module: Module
    rows: list[CriterionRow]


def _ratings_of(assessment_id: int | None) -> dict[str, FrameworkRating]:
    if assessment_id is None:
        return {}
    return {r.criterion: r for r in db.session.scalars(
        select(FrameworkRating).where(FrameworkRating.assessment_id == assessment_id)
        .options(selectinload(FrameworkRating.links)))}


def compared(assessment: FrameworkAssessment) -> list[ModuleRows]:
    """Each module's criteria with this self-assessment's rating and the previous one's (if it has one):
    four queries, however many criteria are rated."""
    framework = framework_of(assessment)
    now = _ratings_of(assessment.id)
    before = _ratings_of(assessment.previous_id)
    return [ModuleRows(m, [CriterionRow(c, now.get(c.key), before.get(c.key)) for c in m.criteria])
            for m in framework.modules]


def gaps_of(assessment: FrameworkAssessment) -> list[CriterionRow]:
    """The criteria rated below what meets the framework, or not rated, in the framework's order."""
    framework = framework_of(assessment)
    return [row for group in compared(assessment) for row in group.rows if framework.is_gap(row.rating)]


def criterion_of(assessment: FrameworkAssessment, key: str) -> Criterion:
    criterion = framework_of(assessment).criteria.get(key)
    if criterion is None:
        raise NotFound(CRITERION_UNKNOWN)
    return criterion


def token_of(link: FrameworkEvidence) -> str:
    """How a linked thing is written (and typed): an EqIA's reference, PLAN-7, ACT-12."""
    if link.kind == EVIDENCE_PLAN:
        return f"{PLAN_PREFIX}{link.target_id}"
    if link.kind == EVIDENCE_ACTIVITY:
        return activities.reference(link.target_id)
    return link.reference


def latest_versions(references: set[str]) -> dict[str, int]:
    """The id of each reference's newest version (for a link to it): one query."""
    if not references:
        return {}
    return dict(db.session.execute(select(Assessment.reference, func.max(Assessment.id))
                                   .where(Assessment.reference.in_(sorted(references)))
                                   .group_by(Assessment.reference)).all())


# ------------------------------------------------------------------ making
@service_step
def create(user: User, fields: Mapping) -> FrameworkAssessment:
    """A new self-assessment of `framework` for `period`, compared with `previous` (an earlier self-assessment
    of the same framework; by default its latest, or NO_COMPARISON)."""
    _check_writer(user)
    problems: list[Problem] = []
    framework = loaded().get(fields.get("framework") or "")
    if framework is None:
        problems.append(Problem(FRAMEWORK_MISSING, field="framework"))
    period = checked_text(fields.get("period"), PERIOD_MAX, PERIOD_TOO_LONG, "period", problems)
    if not period and not any(p.field == "period" for p in problems):
        problems.append(Problem(PERIOD_MISSING, field="period"))
    previous = None
    chosen = fields.get("previous")
    if framework is None or chosen == NO_COMPARISON:
        pass
    elif chosen in (None, ""):
        previous = latest_of(framework.key)
    else:
        previous = db.session.get(FrameworkAssessment, chosen) if isinstance(chosen, int) \
            and 0 < chosen < 2**31 else None
        if previous is None or previous.framework != framework.key:
            problems.append(Problem(PREVIOUS_UNKNOWN, field="previous"))
    if framework is not None and period and db.session.scalar(
            select(FrameworkAssessment.id).where(FrameworkAssessment.framework == framework.key,
                                                 func.lower(FrameworkAssessment.period) == period.lower())):
        problems.append(Problem(PERIOD_TAKEN, field="period"))
    if problems:
        raise Invalid(*problems)
    now = utcnow()
    made = FrameworkAssessment(framework=framework.key, framework_version=framework.version, period=period,
                               previous_id=previous.id if previous else None, created_by_id=user.id,
                               created_at=now, updated_at=now)
    db.session.add(made)
    with refusing_clashes(lambda: Invalid(Problem(PERIOD_TAKEN, field="period"))):
        db.session.flush()  # another lead may have started the same one since the check
    _record(user, made, CREATED, previous=made.previous_id)
    return made


def _lock(assessment_id: int, expected_lock_version: int | None) -> FrameworkAssessment:
    found = db.session.execute(select(FrameworkAssessment).where(FrameworkAssessment.id == assessment_id)
                               .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if found is None or found.framework not in loaded():
        raise NotFound(NOT_FOUND)
    if expected_lock_version is not None and expected_lock_version != found.lock_version:
        raise Conflict(found, STALE)
    return found


def _links(value: object, problems: list[Problem]) -> list[tuple[str, int | None, str]]:
    """The things typed as evidence (one a line, or parted by commas or spaces): (kind, id, reference) each,
    every unknown one named; three queries at most, however many."""
    tokens = list(dict.fromkeys(t.upper() for t in re.split(r"[\s,;]+", value if isinstance(value, str) else "")
                                if t))
    if len(tokens) > LINKS_MAX:
        problems.append(Problem(TOO_MANY_LINKS, field="links"))
        return []
    plans_named = {int(m[1]): t for t in tokens if (m := PLAN_TOKEN.match(t))}
    activities_named = {int(m[1]): t for t in tokens if (m := ACTIVITY_TOKEN.match(t))}
    references = [t for t in tokens if t not in plans_named.values() and t not in activities_named.values()]
    known_plans = set(db.session.scalars(select(ActionPlan.id).where(ActionPlan.id.in_(list(plans_named))))) \
        if plans_named else set()
    known_activities = set(db.session.scalars(select(Activity.id).where(Activity.id.in_(list(activities_named))))) \
        if activities_named else set()
    usable = [r for r in references if len(r) <= REFERENCE_MAX and "\x00" not in r]
    known_references = set(db.session.scalars(select(Assessment.reference).where(
        Assessment.reference.in_(usable)).distinct())) if usable else set()
    out, unknown = [], []
    for token in tokens:
        shown = token[:REFERENCE_MAX].replace("\x00", "")
        if token in plans_named.values():
            number = int(PLAN_TOKEN.match(token)[1])
            if number not in known_plans:
                unknown.append(_("There is no action plan %(reference)s", reference=shown))
            out.append((EVIDENCE_PLAN, number, ""))
        elif token in activities_named.values():
            number = int(ACTIVITY_TOKEN.match(token)[1])
            if number not in known_activities:
                unknown.append(_("There is no activity %(reference)s in the register", reference=shown))
            out.append((EVIDENCE_ACTIVITY, number, ""))
        elif token not in known_references:
            unknown.append(_("There is no assessment with the reference %(reference)s", reference=shown))
        else:
            out.append((EVIDENCE_EQIA, None, token))
    if unknown:
        # One message naming every one: a page shows a field's first message only.
        problems.append(Problem("; ".join(unknown), field="links"))
    return out


@service_step
def rate(user: User, assessment_id: int, criterion_key: str, fields: Mapping, *,
         expected_lock_version: int | None = None) -> FrameworkRating:
    """Rate one criterion (or leave it not rated), with the evidence in words and the things it links to:
    `fields` are `rating` (a rating's key, or ""), `evidence` and `links` (references, PLAN-7, ACT-12)."""
    _check_writer(user)
    assessment = _lock(assessment_id, expected_lock_version)
    framework = framework_of(assessment)
    criterion = criterion_of(assessment, criterion_key)
    problems: list[Problem] = []
    rating = fields.get("rating") or ""
    if rating not in framework.rating_labels and rating != "":
        problems.append(Problem(RATING_UNKNOWN, field="rating"))
    evidence = checked_text(fields.get("evidence"), EVIDENCE_MAX, EVIDENCE_TOO_LONG, "evidence", problems)
    links = _links(fields.get("links"), problems)
    if problems:
        raise Invalid(*problems)
    row = db.session.scalar(select(FrameworkRating).where(FrameworkRating.assessment_id == assessment.id,
                                                          FrameworkRating.criterion == criterion.key))
    if row is None:
        row = FrameworkRating(assessment_id=assessment.id, criterion=criterion.key)
        db.session.add(row)
    row.rating, row.evidence, row.rated_by_id, row.rated_at = rating, evidence, user.id, utcnow()
    row.links = [FrameworkEvidence(kind=kind, target_id=target, reference=ref) for kind, target, ref in links]
    assessment.updated_at = utcnow()
    with refusing_clashes(lambda: Conflict(None, STALE)):
        db.session.flush()  # the self-assessment's lock version moves: whoever read it before must read it again
    _record(user, assessment, RATED, criterion=criterion.key, number=criterion.number, rating=rating,
            links=len(links))
    return row


# ------------------------------------------------------------------ gaps into an action plan
def draft_plans_for(user: User, limit: int = 50) -> list[ActionPlan]:
    """The action plans whose rows this user may change now (drafts), newest first."""
    if not may_write(user):
        return []
    definition = plan_workflows().current(PLAN_WORKFLOW)
    right = definition.rights.get(plans.EDIT_PLAN)
    states = sorted(right.states) if right else []
    found = db.session.scalars(select(ActionPlan).where(ActionPlan.state.in_(states))
                               .order_by(ActionPlan.created_at.desc(), ActionPlan.id.desc()).limit(limit))
    return [p for p in found if plans.may(user, p, plans.EDIT_PLAN)]


def gap_recommendation(assessment: FrameworkAssessment, row: CriterionRow) -> str:
    """The recommendation a gap becomes, in the language of the request (a plan's rows are its own words)."""
    framework = framework_of(assessment)
    meets = framework.rating_labels[framework.meets]
    if row.rating:
        return _("%(criterion)s: rated %(rating)s in the %(period)s self-assessment; reach %(meets)s",
                 criterion=row.criterion.label, rating=str(framework.rating_labels[row.rating]).lower(),
                 period=assessment.period, meets=str(meets).lower())
    return _("%(criterion)s: not rated in the %(period)s self-assessment; rate it and reach %(meets)s",
             criterion=row.criterion.label, period=assessment.period, meets=str(meets).lower())


@service_step
def gaps_to_plan(user: User, assessment_id: int, fields: Mapping, *,
                 expected_lock_version: int | None = None) -> tuple[ActionPlan, int]:
    """A row of a draft action plan for each gap (themed by its module), all in one step: `fields` are
    `plan` (a draft plan's id, or NEW_PLAN) and `title` (a new plan's). Returns the plan and the rows added."""
    _check_writer(user)
    assessment = _lock(assessment_id, expected_lock_version)
    gaps = gaps_of(assessment)
    if not gaps:
        raise NotPossible(NO_GAPS)
    chosen = fields.get("plan")
    if chosen == NEW_PLAN:
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            raise Invalid(Problem(PLAN_TITLE_MISSING, field="title"))
        framework = framework_of(assessment)
        plan = plans.create(user, {"title": title, "source": _(
            "Gaps found by the %(period)s self-assessment against the %(framework)s",
            period=assessment.period, framework=framework.title)},
            modules=tuple(m.key for m in framework.modules if m.key in _plan_modules()))
    else:
        plan = db.session.get(ActionPlan, chosen) if isinstance(chosen, int) and 0 < chosen < 2**31 else None
        if plan is None or plan not in draft_plans_for(user):
            raise Invalid(Problem(PLAN_UNKNOWN, field="plan"))
    rows, missing = [], []
    for gap in gaps:
        module = framework_of(assessment).module(gap.criterion.module)
        if plans.theme_named(plan, module.key) is not None:
            theme = module.key
        else:
            theme = str(module.title)
            if plans.theme_named(plan, theme) is None and theme not in missing:
                missing.append(theme)
        rows.append({"theme": theme, "number": gap.criterion.number,
                     "recommendation": gap_recommendation(assessment, gap)})
    made = plans.add_rows(user, plan.id, rows, themes=missing)
    _record(user, assessment, GAPS_PLANNED, plan=plan.id, title=plan.title, count=len(made))
    return plan, len(made)


def _plan_modules() -> frozenset[str]:
    from eqia.models import FRAMEWORK_MODULES

    return frozenset(FRAMEWORK_MODULES)
