"""The task list: which sections an assessment needs now, and how far each has got.

Which sections appear comes from the workflow definition alone: every section
some transition requires is a task; those not needed in the current state
(`WorkflowDefinition.sections_needed`) "cannot start yet" while the assessment
is being written, and are left out once it is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from eqia.i18n import stored_name
from eqia.models import Assessment, User
from eqia.loaded_definitions import characteristics, definition_for
from eqia.services import access
from eqia.workflow.hooks import Problem
from eqia.assessments.sections import (GROUPS, REVIEW_PAGE, SECTIONS, completion_key, parse_completion_key,
                                      problems_for, title_for)
from eqia.assessments.shape import review_recorded

NOT_STARTED, IN_PROGRESS, COMPLETED, CANNOT_START = "not_started", "in_progress", "completed", "cannot_start"
# Shown in the language of the page (lazy: this is read at import).
STATUS_LABELS = {NOT_STARTED: _l("Not yet started"), IN_PROGRESS: _l("In progress"), COMPLETED: _l("Completed"),
                 CANNOT_START: _l("Cannot start yet")}


@dataclass(frozen=True)
class Task:
    key: str  # the completion key: a section, or "characteristic:<key>"
    section: str
    title: str
    page: str  # the key of the page it is written on (eqia.views.pages serves it)
    args: dict
    status: str
    problems: tuple[Problem, ...]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class TaskGroup:
    title: str
    tasks: list[Task] = field(default_factory=list)


def _started(assessment: Assessment, key: str) -> bool:
    """Whether the author has written anything in a section yet."""
    if key == "register_details":
        return True  # it is begun when the assessment is
    if key == "screening":
        return bool(assessment.screening_proposal or assessment.screening_conclusion.strip()
                    or any(a.affects or a.reason.strip() for a in assessment.screening_answers))
    if key == "evidence":
        return bool(assessment.evidence_items)
    if key == "consultation":
        return bool(assessment.consultations or assessment.no_consultation_reason.strip())
    _, characteristic = parse_completion_key(key)
    if characteristic is not None:
        row = assessment.impact_for(characteristic)
        return row is not None and bool(row.impact or row.evidence_narrative.strip() or row.mitigation.strip()
                                        or row.evidence or row.no_evidence_reason.strip())
    if key == "intersectional":
        return bool(assessment.intersectional_effects.strip())
    if key == "outcome":
        return bool(assessment.outcomes or assessment.outcome_justification.strip())
    if key == "action_plan":
        return bool(assessment.actions or assessment.review_date)
    if key == REVIEW_PAGE:
        return review_recorded(assessment)
    raise KeyError(key)


def _status(assessment: Assessment, key: str, problems: list[Problem]) -> str:
    if assessment.is_completed(key) and not problems:
        return COMPLETED
    return IN_PROGRESS if _started(assessment, key) else NOT_STARTED


def task_list(assessment: Assessment, user: User) -> list[TaskGroup]:
    definition = definition_for(assessment)
    chars = characteristics()
    needed = set(definition.sections_needed(assessment.state))
    writing = bool(definition.editable_by(assessment.state))
    groups = {title: TaskGroup(title) for title in GROUPS}
    for name in definition.sections_in_use():
        section = SECTIONS[name]
        if (name not in needed and not writing) or not section.applies(assessment):
            continue
        if section.per_characteristic:
            entries = [(completion_key(name, row.characteristic_key), stored_name(row.characteristic_label),
                        {"characteristic": row.characteristic_key}) for row in assessment.impacts]
        else:
            entries = [(name, title_for(assessment, name) if name == REVIEW_PAGE
                        else chars.section_title(name, section.title), {})]
        for key, title, args in entries:
            if name in needed:
                problems = problems_for(assessment, key, chars)
                status = _status(assessment, key, problems)
            else:
                problems, status = [], CANNOT_START
            groups[section.group].tasks.append(Task(key, name, title, section.key, args, status,
                                                    tuple(problems)))
    return [g for g in groups.values() if g.tasks]


def all_completed(groups: list[TaskGroup]) -> bool:
    return all(t.status in (COMPLETED, CANNOT_START) for g in groups for t in g.tasks)


def needed_sections(assessment: Assessment) -> tuple[str, ...]:
    return tuple(name for name in definition_for(assessment).sections_needed(assessment.state)
                 if SECTIONS[name].applies(assessment))


def can_edit(user: User, assessment: Assessment) -> bool:
    return access.can_edit(user, assessment, definition_for(assessment))
