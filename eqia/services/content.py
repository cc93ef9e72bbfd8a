"""Saving the full assessment: evidence, consultation, the analysis for each
group, intersectional effects, the outcome and the action plan.

Every function here is one save through `assessments._edit`: the row locked,
the state and role checked against the workflow definition, the lock version
compared, the change applied and audited, and everything committed once or not
at all. Items (evidence, consultations, actions) are checked whole on every
save; a section is checked whole only when the author marks it as completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from flask_babel import lazy_gettext as _l

from eqia.audit_words import ADDED, CHANGED, ITEM_LABELS, MOVED, REMOVED
from eqia.extensions import db
from eqia.models import (
    OUTCOMES,
    Action,
    Assessment,
    AssessmentOutcome,
    User,
)
from eqia.loaded_definitions import characteristics
from eqia.services import action_owners
from eqia.services.assessments import Change, _edit, _mark, _reject_nul
from eqia.services.errors import Invalid, NotFound
from eqia.assessments import sections, shape
from eqia.local_time import LOCAL_ZONE
from eqia.workflow.hooks import Problem
from eqia.models.types import utcnow

EVIDENCE_NOT_FOUND = _l("That piece of evidence is not part of this assessment")
CONSULTATION_NOT_FOUND = _l("That consultation is not part of this assessment")
ACTION_NOT_FOUND = _l("That action is not part of this assessment")
GROUP_NOT_FOUND = _l("That group is not part of this assessment")
CITED_NOT_FOUND = _l("Choose evidence from this assessment\u2019s list")
OUTCOME_UNKNOWN = _l("Choose outcomes from the list")


def _local_today() -> date:
    return utcnow().astimezone(LOCAL_ZONE).date()


# ----------------------------------------------------------- list sections

@dataclass(frozen=True)
class ItemKind:
    """A repeatable item of a section: evidence, a consultation, an action."""

    collection: str  # the Assessment relationship holding the items
    model: type
    fields: tuple[str, ...]  # the columns a save may set
    section: str
    key: str  # what the audit record calls it (eqia.audit_words.ITEM_LABELS)
    not_found: str
    check: Callable[[Any], list[Problem]]
    # What a save's values imply beyond what was given (values, the item changed or None) -> values.
    complete: Callable[[dict[str, Any], Any], dict[str, Any]] = lambda values, item: values

    @property
    def label(self) -> str:
        return ITEM_LABELS[self.key]


def _saved(items: shape.Items) -> tuple[str, ...]:
    """The fields of a row its page saves (the shape's edited ones)."""
    return tuple(f.key for f in items.fields if f.edited)


EVIDENCE = ItemKind(shape.EVIDENCE.items.collection, shape.EVIDENCE.items.model, _saved(shape.EVIDENCE.items),
                    "evidence", "evidence", EVIDENCE_NOT_FOUND,
                    lambda item: sections.evidence_item_problems(item, _local_today()))
CONSULTATION = ItemKind(shape.CONSULTATION.items.collection, shape.CONSULTATION.items.model,
                        _saved(shape.CONSULTATION.items),
                        "consultation", "consultation", CONSULTATION_NOT_FOUND, sections.consultation_item_problems)
ACTIONS = ItemKind(shape.ACTION_PLAN.items.collection, shape.ACTION_PLAN.items.model, _saved(shape.ACTION_PLAN.items),
                   "action_plan", "action", ACTION_NOT_FOUND,
                   lambda item: sections.action_item_problems(item) + action_owners.owner_problems(item),
                   action_owners.with_owner_name)


def find_item(assessment: Assessment, kind: ItemKind, item_id: int):
    item = next((i for i in getattr(assessment, kind.collection) if i.id == item_id), None)
    if item is None:
        raise NotFound(str(kind.not_found))
    return item


def save_item(kind: ItemKind, assessment_id: int, user: User, lock_version: int, item_id: int | None,
              values: dict[str, Any]) -> tuple[Assessment, list[Change]]:
    """Add an item (item_id None) or change one. Unknown keys are ignored."""
    given = {k: v for k, v in values.items() if k in kind.fields}

    def apply(assessment: Assessment) -> list[Change]:
        items = getattr(assessment, kind.collection)
        if item_id is None:
            values = kind.complete(given, None)
            item = kind.model(position=max((i.position for i in items), default=-1) + 1, **values)
            problems = kind.check(item)
            if problems:
                raise Invalid(*problems)
            _reject_nul(*values.values())
            items.append(item)
            return [Change(ADDED, kind.key)]
        item = find_item(assessment, kind, item_id)
        values = kind.complete(given, item)
        changes = [Change(CHANGED, k, getattr(item, k), v, item=kind.key)
                   for k, v in values.items() if getattr(item, k) != v]
        for k, v in values.items():
            setattr(item, k, v)
        problems = kind.check(item)
        if problems:
            raise Invalid(*problems)
        _reject_nul(*values.values())
        return changes

    return _edit(assessment_id, user, lock_version, kind.section, apply, mark=kind.section)


def remove_item(kind: ItemKind, assessment_id: int, user: User, lock_version: int,
                item_id: int) -> tuple[Assessment, list[Change]]:
    def apply(assessment: Assessment) -> list[Change]:
        items = getattr(assessment, kind.collection)
        items.remove(find_item(assessment, kind, item_id))
        for position, item in enumerate(items):
            item.position = position
        return [Change(REMOVED, kind.key)]

    return _edit(assessment_id, user, lock_version, kind.section, apply, mark=kind.section)


def move_action(assessment_id: int, user: User, lock_version: int, item_id: int,
                offset: int) -> tuple[Assessment, list[Change]]:
    """Move an action up (-1) or down (+1) the plan; at either end nothing moves."""

    def apply(assessment: Assessment) -> list[Change]:
        items = sorted(assessment.actions, key=lambda a: a.position)
        item = find_item(assessment, ACTIONS, item_id)
        index = items.index(item)
        other = index + offset
        if offset not in (-1, 1) or not 0 <= other < len(items):
            return []
        items[index], items[other] = items[other], items[index]
        for position, action in enumerate(items):
            action.position = position
        return [Change(MOVED, "action", direction="up" if offset < 0 else "down")]

    # The order is presentation, not content: it does not reopen a completed plan.
    return _edit(assessment_id, user, lock_version, "action_plan", apply)


def _set_fields(assessment: Assessment, values: dict[str, Any]) -> list[Change]:
    """values: column -> new value."""
    _reject_nul(*values.values())
    changes = []
    for column, value in values.items():
        if getattr(assessment, column) != value:
            changes.append(Change(CHANGED, column, getattr(assessment, column), value))
            setattr(assessment, column, value)
    return changes


def save_section_page(section: str, assessment_id: int, user: User, lock_version: int, complete: bool | None,
                      values: dict[str, Any] | None = None) -> tuple[Assessment, list[Change]]:
    """The page of a list section (evidence, consultation, action plan): its own
    few fields, and whether the author has finished the section."""
    return _edit(assessment_id, user, lock_version, section, lambda a: _set_fields(a, values or {}),
                 mark=section, complete=complete)


def save_consultation_page(assessment_id: int, user: User, lock_version: int, no_consultation_reason: str,
                           complete: bool | None) -> tuple[Assessment, list[Change]]:
    return save_section_page("consultation", assessment_id, user, lock_version, complete,
                             {"no_consultation_reason": no_consultation_reason})


def save_action_plan_page(assessment_id: int, user: User, lock_version: int, review_date: date | None,
                          complete: bool | None) -> tuple[Assessment, list[Change]]:
    return save_section_page("action_plan", assessment_id, user, lock_version, complete,
                             {"review_date": review_date})


# --------------------------------------------------------- each characteristic

@dataclass(frozen=True)
class ImpactInput:
    impact: str | None
    severity: str | None
    aims: frozenset[str]  # keys of the duty's aims judged relevant: "a", "b", "c", or the profile's others
    evidence_narrative: str
    cited_evidence_ids: frozenset[int]
    no_evidence_reason: str
    mitigation: str


def update_impact(assessment_id: int, user: User, lock_version: int, characteristic_key: str, data: ImpactInput,
                  complete: bool | None, *, gather: bool = False) -> tuple[Assessment, list[Change]]:
    """Save the analysis for one group. `gather` also adds the action to gather
    missing evidence, in the same save, so the author's unsaved text is kept."""
    chars = characteristics()
    impact_keys = [i.key for i in chars.scale("impact")]
    severity_keys = [i.key for i in chars.scale("severity")]
    negative = chars.keys_meaning("impact", "negative")

    def apply(assessment: Assessment) -> list[Change]:
        row = assessment.impact_for(characteristic_key)
        if row is None:
            raise NotFound(str(GROUP_NOT_FOUND))
        name = row.characteristic_label
        _reject_nul(data.evidence_narrative, data.no_evidence_reason, data.mitigation)
        if data.impact is not None and data.impact not in impact_keys:
            raise Invalid(Problem(sections.impact_missing(name), field="impact"))
        if data.severity is not None and data.severity not in severity_keys:
            raise Invalid(Problem(sections.severity_missing(name), field="severity"))
        allowed = sections.aims_for(characteristic_key, chars)
        if data.aims - set(allowed):
            # Section 149(7): marriage and civil partnership counts for aim (a) only; in Wales the
            # socio-economic and Welsh language groups have their own duties' aims, not section 149's.
            raise Invalid(Problem(sections.aim_not_applicable(name, [chars.aims[a] for a in allowed]),
                                  field="aims_relevant"))
        by_id = {item.id: item for item in assessment.evidence_items}
        if data.cited_evidence_ids - set(by_id):
            raise Invalid(Problem(str(CITED_NOT_FOUND), field="evidence"))
        # Severity describes a negative impact only; kept with any other it would mislead.
        severity = data.severity if data.impact in negative else None
        wanted = {
            "impact": data.impact, "severity": severity, "evidence_narrative": data.evidence_narrative,
            "no_evidence_reason": data.no_evidence_reason, "mitigation": data.mitigation,
        }
        changes = []
        for column, value in wanted.items():
            if getattr(row, column) != value:
                changes.append(Change(CHANGED, column, group=name))
                setattr(row, column, value)
        # Each aim that applies is relevant or not; one that does not apply (said under
        # another profile) is not said at all.
        aims = {key: key in data.aims if key in allowed else None for key in {*allowed, *row.aims}}
        for key in sorted(aims):
            if row.aim(key) != aims[key]:
                changes.append(Change(CHANGED, "aim", group=name, aim=key))
        row.set_aims(aims)
        cited = [by_id[i] for i in sorted(data.cited_evidence_ids)]
        if {e.id for e in row.evidence} != data.cited_evidence_ids:
            changes.append(Change(CHANGED, "cited_evidence", group=name))
            row.evidence = cited
        if gather:
            changes += _add_gathering(assessment, row)
        return changes

    return _edit(assessment_id, user, lock_version, "characteristics", apply,
                 mark=sections.completion_key("characteristics", characteristic_key), complete=complete)


def add_gathering_action(assessment_id: int, user: User, lock_version: int,
                         characteristic_key: str) -> tuple[Assessment, list[Change]]:
    """The one-click answer to "there is no evidence about this group": an action
    to gather it, owned by the lead officer until someone better is named."""

    def apply(assessment: Assessment) -> list[Change]:
        row = assessment.impact_for(characteristic_key)
        if row is None:
            raise NotFound(str(GROUP_NOT_FOUND))
        return _add_gathering(assessment, row)

    return _edit(assessment_id, user, lock_version, "action_plan", apply, mark="action_plan")


def _add_gathering(assessment: Assessment, row) -> list[Change]:
    key = row.characteristic_key
    if any(a.characteristic_key == key for a in assessment.actions):
        return []
    assessment.actions.append(Action(
        position=max((a.position for a in assessment.actions), default=-1) + 1,
        description=sections.gathering_action_description(row.characteristic_label),
        owner=assessment.lead_officer, status="not_started", characteristic_key=key,
    ))
    changes = [Change(ADDED, "gathering_action", group=row.characteristic_label)]
    # The plan has a new action without a due date or measure: it needs another look.
    return changes + _mark(assessment, None, "action_plan", None, True)


# ---------------------------------------------------- narratives and outcome

def update_intersectional(assessment_id: int, user: User, lock_version: int, text: str,
                          complete: bool | None) -> tuple[Assessment, list[Change]]:
    return _edit(assessment_id, user, lock_version, "intersectional",
                 lambda a: _set_fields(a, {"intersectional_effects": text}),
                 mark="intersectional", complete=complete)


def update_outcome(assessment_id: int, user: User, lock_version: int, outcomes: list[str], justification: str,
                   complete: bool | None) -> tuple[Assessment, list[Change]]:
    def apply(assessment: Assessment) -> list[Change]:
        if set(outcomes) - set(OUTCOMES):
            raise Invalid(Problem(str(OUTCOME_UNKNOWN), field="outcomes"))
        changes = _set_fields(assessment, {"outcome_justification": justification})
        current = {o.outcome for o in assessment.outcomes}
        if current != set(outcomes):
            changes.append(Change(CHANGED, "outcomes"))
            for row in [o for o in assessment.outcomes if o.outcome not in outcomes]:
                assessment.outcomes.remove(row)
            for key in [k for k in OUTCOMES if k in outcomes and k not in current]:
                assessment.outcomes.append(AssessmentOutcome(outcome=key))
            db.session.flush()  # removals before additions: (assessment, outcome) is unique
        return changes

    return _edit(assessment_id, user, lock_version, "outcome", apply, mark="outcome", complete=complete)
