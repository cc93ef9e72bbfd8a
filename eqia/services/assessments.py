"""Creating assessments and saving their content.

Every save is one step of its caller's unit of work (eqia/unit_of_work.py):
lock the row, check the user may edit in this state, check the lock version the
user's page was built from, apply, audit, flush; the request or command commits.
A stale save is refused with the current content so the page can show what
changed while keeping the user's own text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from eqia.audit_words import ADDED, CHANGED, COMPLETED, EDIT, IN_PROGRESS, change_words
from eqia.extensions import db
from eqia.models import (
    SCREENING_PROPOSALS,
    Assessment,
    AuditEvent,
    CharacteristicImpact,
    Directorate,
    ReferenceCounter,
    ScreeningAnswer,
    SectionCompletion,
    User,
    utcnow,
)
from eqia.assessments.shape import REGISTER_FIELDS
from eqia.assessments import sections
from eqia.assessments.sections import N_
from eqia.loaded_definitions import characteristics, definition_for, workflows, DEFAULT_WORKFLOW
from eqia.local_time import LOCAL_ZONE
from eqia.services import access
from eqia.services.audit import append_event
from eqia.services.errors import NUL_REFUSED_SAID, Conflict, Forbidden, Invalid, NotFound, NotPossible
from eqia.services.workflow import CREATE_ACTION, EDIT_ACTION_PREFIX, NOT_FOUND, STALE, lock_assessment
from eqia.workflow.hooks import Problem
from eqia.unit_of_work import service_step, undo_step


# The importer and a view raise this one themselves, as text: English here, said in the reader's language
# (with _()) where this module refuses with it.
CANNOT_CREATE = N_("You do not have a role that can start an assessment.")
# Lazy: each is said in the language of the request it refuses, and made text (str) where a Problem is made.
# The ones with {state} keep str.format's braces: callers and tests fill them with .format().
OWN_DIRECTORATE_ONLY = _l("You can only start assessments for your own directorate.")
UNKNOWN_DIRECTORATE = _l("Select a directorate from the list")
ACTIVITY_KIND_UNKNOWN = _l("Select the kind of activity from the list")
NOT_EDITABLE = _l("This assessment cannot be changed while it is {state}.")
NOT_YOUR_EDIT = _l("You do not have a role that can change this assessment while it is {state}.")
SECTION_NOT_OPEN = _l("\u201c{title}\u201d cannot be started while the assessment is {state}.")


@dataclass(frozen=True)
class Change:
    """One thing a save changed, as facts: what happened (a code of eqia.audit_words) to
    what (`about`: a field, an item, a section), and the names and values its words need.
    The edit's audit event stores `facts()`; the words are written when it is read."""

    change: str
    about: str
    before: Any = None
    after: Any = None
    group: str | None = None  # the name of the group (characteristic) it concerns
    item: str | None = None  # the kind of item whose field changed ("evidence", "action")
    aim: str | None = None
    direction: str | None = None

    def facts(self) -> dict:
        facts = {"change": self.change, "about": self.about}
        facts.update({name: value for name in ("group", "item", "aim", "direction")
                      if (value := getattr(self, name)) is not None})
        # Dates are spelt out in full: changing the planned decision date must be visible on the
        # record (regard before decision).
        if isinstance(self.before, date) or isinstance(self.after, date):
            facts.update({"from": _iso(self.before), "to": _iso(self.after)})
        return facts

    @property
    def label(self) -> str:
        return change_words(self.facts())


def _iso(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)




def _reject_nul(*values: Any) -> None:
    """PostgreSQL cannot store NUL in text; refuse it here so every caller (form,
    API, import) gets a clear message instead of a database error."""
    for value in values:
        if isinstance(value, str) and "\x00" in value:
            raise Invalid(str(NUL_REFUSED_SAID))


def get_visible(assessment_id: int, user: User) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not access.can_view(user, assessment):
        raise NotFound(NOT_FOUND)
    return assessment


def check_directorate(user: User, directorate_id: Any) -> None:
    """Who may start or move an assessment in a directorate (the pages, the API and an import)."""
    found = db.session.get(Directorate, directorate_id) if isinstance(directorate_id, int) else None
    # A retired directorate keeps its assessments but takes no new ones (eqia.admin.directorates).
    if found is None or found.retired:
        raise Invalid(str(UNKNOWN_DIRECTORATE))
    if not user.roles & access.COUNCIL_WIDE_ROLES and directorate_id != user.directorate_id:
        raise Forbidden(str(OWN_DIRECTORATE_ONLY))


def next_reference(year: int) -> str:
    counter = db.session.execute(
        select(ReferenceCounter).where(ReferenceCounter.year == year).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        counter = ReferenceCounter(year=year, last_number=0)
        db.session.add(counter)
    counter.last_number += 1
    db.session.flush()
    return f"EQIA-{year}-{counter.last_number:04d}"


def add_characteristic_rows(assessment: Assessment) -> None:
    for position, c in enumerate(characteristics().characteristics):
        assessment.screening_answers.append(ScreeningAnswer(characteristic_key=c.key, characteristic_label=c.name,
                                                            position=position))
        assessment.impacts.append(CharacteristicImpact(characteristic_key=c.key, characteristic_label=c.name,
                                                       position=position))


GROUP_NOT_OFFERED = _l("Select a group this assessment does not consider yet")


def missing_groups(assessment: Assessment) -> list:
    """The configured groups an assessment does not consider (one imported from
    a document that left them out, or written under another set)."""
    present = {row.characteristic_key for row in assessment.impacts} | {
        row.characteristic_key for row in assessment.screening_answers}
    return [c for c in characteristics().characteristics if c.key not in present]


def _listed(names: list[str]) -> str:
    if len(names) > 1:
        return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
    return "".join(names)


def groups_missing_note(names: list[str]) -> str:
    """What an import says of a document that leaves out configured groups: in English, as the API and
    the `flask` command say everything."""
    total = len(characteristics().characteristics)
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
    return (f"The document does not consider {len(names)} of the {total} groups this service assesses: "
            f"{listed}. Add them from the task list (\u201cAdd a group\u201d) while it is being "
            "written.")


def groups_missing_warning(names: list[str]) -> str:
    """The task list's warning while an assessment leaves out configured groups."""
    return ngettext("This assessment does not consider %(num)d of the groups this service assesses: %(groups)s. "
                    "Add each group the activity could affect.",
                    "This assessment does not consider %(num)d of the groups this service assesses: %(groups)s. "
                    "Add each group the activity could affect.", len(names), groups=_listed(names))


def add_group(assessment_id: int, user: User, lock_version: int,
              characteristic_key: str) -> tuple[Assessment, list[Change]]:
    """Add a configured group the assessment leaves out: a screening question and
    an analysis for it, so screening is in progress again until it is answered."""

    def apply(assessment: Assessment) -> list[Change]:
        group = next((c for c in missing_groups(assessment) if c.key == characteristic_key), None)
        if group is None:
            raise Invalid(Problem(str(GROUP_NOT_OFFERED), field="characteristic"))
        rows = (*assessment.screening_answers, *assessment.impacts)
        position = max([r.position for r in rows], default=-1) + 1
        named = {"characteristic_key": group.key, "characteristic_label": group.name, "position": position}
        assessment.screening_answers.append(ScreeningAnswer(**named))
        assessment.impacts.append(CharacteristicImpact(**named))
        return [Change(ADDED, "group", group=group.name)]

    return _edit(assessment_id, user, lock_version, "screening", apply, mark="screening")


@service_step
def create_assessment(user: User, details: dict[str, Any], workflow_name: str = DEFAULT_WORKFLOW) -> Assessment:
    try:
        definition = workflows().current(workflow_name)
        if not user.roles & definition.create_roles:
            raise Forbidden(_(CANNOT_CREATE))
        check_directorate(user, details.get("directorate_id"))
        _check_choice(details.get("activity_kind"), characteristics().activity_kinds, ACTIVITY_KIND_UNKNOWN,
                      "activity_kind")
        _reject_nul(*details.values())
        now = utcnow()
        profile = characteristics()
        assessment = Assessment(
            reference=next_reference(now.year), version_number=1, workflow_name=definition.name,
            workflow_version=definition.version, state=definition.initial, created_by_id=user.id,
            created_at=now, updated_at=now, profile_key=profile.key, profile_version=profile.version,
        )
        for field in REGISTER_FIELDS:
            if field in details:
                setattr(assessment, field, details[field])
        add_characteristic_rows(assessment)
        db.session.add(assessment)
        db.session.flush()
        role = access.held_role(user, definition.create_roles)
        append_event(action=CREATE_ACTION, actor=user, role=role, assessment=assessment,
                     to_state=assessment.state)
        db.session.flush()
        return assessment
    except Exception:
        undo_step()
        raise


def check_editable(user: User, assessment: Assessment) -> str:
    """Refuse (409) content changes in a state nobody may edit, then (403) a
    user without an editing role there. Returns the role the user edits in."""
    definition = definition_for(assessment)
    state_label = definition.states[assessment.state].phrase
    if not definition.editable_by(assessment.state):
        raise NotPossible(NOT_EDITABLE.format(state=state_label))
    role = access.editing_role(user, assessment, definition)
    if role is None:
        raise Forbidden(NOT_YOUR_EDIT.format(state=state_label))
    return role


def section_open(assessment: Assessment, section: str) -> bool:
    """Whether the workflow needs `section` in the assessment's state (a section
    not needed yet shows "Cannot start yet" and cannot be written)."""
    return (section in definition_for(assessment).sections_needed(assessment.state)
            and sections.SECTIONS[section].applies(assessment))


def check_section_open(assessment: Assessment, section: str) -> None:
    if not section_open(assessment, section):
        state_label = definition_for(assessment).states[assessment.state].phrase
        raise NotPossible(SECTION_NOT_OPEN.format(title=sections.SECTIONS[section].title, state=state_label))


def last_edit(assessment: Assessment) -> AuditEvent | None:
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.assessment_id == assessment.id, AuditEvent.kind == EDIT)
        .order_by(AuditEvent.seq.desc()).limit(1)
    ).scalar_one_or_none()


def _mark(assessment: Assessment, user: User | None, key: str, complete: bool | None, changed: bool) -> list[Change]:
    """Mark the section `key` completed (only if its checks pass) or, when the
    author says it is not finished or its content changed, in progress."""
    # A group's analysis is known by the group's name; a section by its title, found when read.
    group = sections.title_for(assessment, key) if key.startswith("characteristic:") else None
    done = next((c for c in assessment.completions if c.section_key == key), None)
    if complete:
        problems = sections.problems_for(assessment, key, characteristics())
        if problems:
            raise Invalid(*problems)
        if done is None:
            assessment.completions.append(SectionCompletion(section_key=key, completed_by_id=user.id,
                                                            completed_at=utcnow()))
            return [Change(COMPLETED, key, group=group)]
        return []
    if done is not None and (changed or complete is False):
        assessment.completions.remove(done)
        return [Change(IN_PROGRESS, key, group=group)]
    return []


@service_step
def _edit(assessment_id: int, user: User, lock_version: int, section: str,
          apply: Callable[[Assessment], list[Change]], *, mark: str | None = None,
          complete: bool | None = None) -> tuple[Assessment, list[Change]]:
    """One content save. `mark` is the completion key of the section the save
    belongs to: `complete=True` marks it completed after its checks pass,
    `False` marks it in progress, and `None` (an item added, changed or removed)
    leaves it alone unless the content changed, which needs a fresh look."""
    try:
        assessment = lock_assessment(assessment_id)
        if assessment is None or not access.can_view(user, assessment):
            raise NotFound(NOT_FOUND)
        role = check_editable(user, assessment)
        check_section_open(assessment, section)
        if lock_version != assessment.lock_version:
            raise Conflict(assessment, STALE)
        changes = apply(assessment)
        if changes:
            assessment.updated_at = utcnow()  # in the same UPDATE: one save, one new lock version
        if mark is not None:
            db.session.flush()
            db.session.refresh(assessment)  # collections in their stored order, as the checks will read them
            marked = _mark(assessment, user, mark, complete, bool(changes))
            if marked and not changes:
                assessment.updated_at = utcnow()
            changes += marked
        if not changes:
            return assessment, []
        db.session.flush()
        append_event(action=EDIT_ACTION_PREFIX + section, actor=user, role=role, assessment=assessment,
                     from_state=assessment.state, to_state=assessment.state, kind=EDIT,
                     details={"section": section, "changes": [c.facts() for c in changes]})
        db.session.flush()
        return assessment, changes
    except StaleDataError:
        undo_step()
        raise Conflict(db.session.get(Assessment, assessment_id), STALE) from None
    except Exception:
        undo_step()
        raise


UNKNOWN_SECTION = _l("There is no such section of this assessment")


def mark_section(assessment_id: int, user: User, lock_version: int, key: str,
                 complete: bool) -> tuple[Assessment, list[Change]]:
    """"Have you completed this section?" answered on its own, for a completion
    key ("evidence", "characteristic:age"): Yes runs the section's checks."""
    section, characteristic = sections.parse_completion_key(key)
    if section not in sections.SECTIONS or sections.SECTIONS[section].per_characteristic != (characteristic is not None):
        raise Invalid(Problem(str(UNKNOWN_SECTION), field="section"))

    def apply(assessment: Assessment) -> list[Change]:
        if characteristic is not None and assessment.impact_for(characteristic) is None:
            raise Invalid(Problem(str(UNKNOWN_SECTION), field="section"))
        return []

    return _edit(assessment_id, user, lock_version, section, apply, mark=key, complete=complete)


def update_register_details(assessment_id: int, user: User, details: dict[str, Any],
                            lock_version: int, complete: bool | None = None) -> tuple[Assessment, list[Change]]:
    def apply(assessment: Assessment) -> list[Change]:
        if "directorate_id" in details and details["directorate_id"] != assessment.directorate_id:
            check_directorate(user, details["directorate_id"])
        _check_choice(details.get("activity_kind"), characteristics().activity_kinds, ACTIVITY_KIND_UNKNOWN,
                      "activity_kind")
        _reject_nul(*details.values())
        changes = []
        for field in REGISTER_FIELDS:
            if field in details and details[field] != getattr(assessment, field):
                changes.append(Change(CHANGED, field, getattr(assessment, field), details[field]))
                setattr(assessment, field, details[field])
        return changes

    return _edit(assessment_id, user, lock_version, "register_details", apply, mark="register_details",
                 complete=complete)


@dataclass(frozen=True)
class ScreeningInput:
    # characteristic key -> (could it affect the group differently, reason, could it advance equality)
    answers: dict[str, tuple[str | None, str, str | None]]
    relevance: str | None
    conclusion: str
    proposal: str | None = None
    # The date a screen-out should be reviewed, kept in the assessment's review date. KEEP leaves it as it
    # is (a caller that does not ask about it, such as an import of an older file).
    review_date: date | None | str = "keep"


KEEP = "keep"


def _check_choice(value: str | None, allowed, message: str, field: str) -> None:
    if value is not None and value not in allowed:
        raise Invalid(Problem(str(message), field=field))


def update_screening(assessment_id: int, user: User, data: ScreeningInput,
                     lock_version: int, complete: bool | None = None) -> tuple[Assessment, list[Change]]:
    chars = characteristics()
    answer_keys = [i.key for i in chars.scale("screening_answer")]
    advances_keys = [i.key for i in chars.scale("advances_answer")]

    def apply(assessment: Assessment) -> list[Change]:
        _reject_nul(data.conclusion, *(reason for _, reason, _ in data.answers.values()))
        _check_choice(data.relevance, [i.key for i in chars.scale("relevance")], sections.RELEVANCE_MISSING,
                      "relevance")
        _check_choice(data.proposal, SCREENING_PROPOSALS, sections.PROPOSAL_MISSING, "proposal")
        changes = []
        for row in assessment.screening_answers:
            if row.characteristic_key not in data.answers:
                continue
            affects, reason, advances = data.answers[row.characteristic_key]
            name, key = row.characteristic_label, row.characteristic_key
            _check_choice(affects, answer_keys, sections.screening_answer_missing(name), f"answer_{key}")
            _check_choice(advances, advances_keys, sections.advances_missing(name), f"advances_{key}")
            if not sections.asks_about_advancing(key, chars):
                advances = None
            if (affects, reason, advances) != (row.affects, row.reason, row.advances_equality):
                changes.append(Change(CHANGED, "answer", group=name))
                row.affects, row.reason, row.advances_equality = affects, reason, advances
        if data.relevance != assessment.screening_relevance:
            changes.append(Change(CHANGED, "relevance"))
            assessment.screening_relevance = data.relevance
        if data.conclusion != assessment.screening_conclusion:
            changes.append(Change(CHANGED, "conclusion"))
            assessment.screening_conclusion = data.conclusion
        if data.proposal != assessment.screening_proposal:
            changes.append(Change(CHANGED, "proposal"))
            assessment.screening_proposal = data.proposal
        if data.review_date != KEEP and data.review_date != assessment.review_date:
            today = utcnow().astimezone(LOCAL_ZONE).date()
            for problem in sections.screening_review_date_problems(data.review_date, today, required=False):
                raise Invalid(problem)
            changes.append(Change(CHANGED, "review_date", assessment.review_date, data.review_date))
            assessment.review_date = data.review_date
        return changes

    return _edit(assessment_id, user, lock_version, "screening", apply, mark="screening", complete=complete)
