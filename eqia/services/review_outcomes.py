"""At review: for each group the version reviewed assessed, the impact seen against the
one it predicted, the evidence for it, and what happens next.

The prediction is never copied: it is read from the version reviewed, which is signed
and never changes, so the two always sit side by side as they were written. What the
review says is stored as codes (eqia.models.REVIEW_ACTUALS, REVIEW_NEXT_STEPS) and put
into words when it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from eqia.i18n import stored_name
from eqia.audit_words import CHANGED
from eqia.assessments import sections
from eqia.loaded_definitions import characteristics
from eqia.models import REVIEW_ACTUALS, REVIEW_NEXT_STEPS, Assessment, ReviewOutcome, User
from eqia.services.assessments import Change, _edit, _reject_nul
from eqia.services.errors import Invalid, NotPossible
from eqia.workflow.errors import N_
from eqia.workflow.hooks import Problem

NOTHING_TO_REVIEW = N_("This is the first version: there is no earlier version to review")


@dataclass(frozen=True)
class ReviewInput:
    actuals: dict[str, tuple[str | None, str]]  # by the group's key: (a key of REVIEW_ACTUALS, evidence)
    next_step: str | None
    next_step_reason: str


@dataclass(frozen=True)
class GroupReview:
    """One group, as predicted by the version reviewed and as seen at review (words, for showing)."""

    key: str
    label: str
    predicted: str  # the impact predicted, in words ("" where none was given)
    severity: str
    actual_key: str | None
    actual: str  # in words ("" where not yet said)
    evidence: str


def update_review(assessment_id: int, user: User, lock_version: int, data: ReviewInput,
                  complete: bool | None) -> tuple[Assessment, list[Change]]:
    """Save the review of the version before, as far as it goes: a draft keeps whatever is
    given; marking it completed runs the section's checks."""

    def apply(assessment: Assessment) -> list[Change]:
        previous = assessment.previous_version
        if previous is None:
            raise NotPossible(NOTHING_TO_REVIEW)
        _reject_nul(data.next_step_reason, *(evidence for _, evidence in data.actuals.values()))
        problems = [Problem(sections.actual_missing(stored_name(i.characteristic_label)), sections.REVIEW_PAGE,
                            f"actual_{i.characteristic_key}")
                    for i in previous.impacts
                    if (data.actuals.get(i.characteristic_key) or (None, ""))[0] not in (None, *REVIEW_ACTUALS)]
        if data.next_step not in (None, *REVIEW_NEXT_STEPS):
            problems.append(Problem(sections.NEXT_STEP_MISSING, sections.REVIEW_PAGE, "next_step"))
        if problems:
            raise Invalid(*problems)
        rows = {row.characteristic_key: row for row in assessment.review_outcomes}
        changes = []
        for position, impact in enumerate(previous.impacts):
            key, name = impact.characteristic_key, impact.characteristic_label
            if key not in data.actuals:
                continue
            actual, evidence = data.actuals[key]
            row = rows.get(key)
            if row is None:
                if actual is None and not evidence:
                    continue  # nothing said of this group yet: no row to say nothing
                row = ReviewOutcome(characteristic_key=key, characteristic_label=name, position=position,
                                    actual_impact=None, evidence_seen="")
                assessment.review_outcomes.append(row)
            if row.actual_impact != actual:
                changes.append(Change(CHANGED, "actual_impact", group=name))
                row.actual_impact = actual
            if row.evidence_seen != evidence:
                changes.append(Change(CHANGED, "evidence_seen", group=name))
                row.evidence_seen = evidence
        if assessment.review_next_step != data.next_step:
            changes.append(Change(CHANGED, "review_next_step"))
            assessment.review_next_step = data.next_step
        if assessment.review_next_step_reason != data.next_step_reason:
            changes.append(Change(CHANGED, "review_next_step_reason"))
            assessment.review_next_step_reason = data.next_step_reason
        return changes

    return _edit(assessment_id, user, lock_version, sections.REVIEW_PAGE, apply, mark=sections.REVIEW_PAGE,
                 complete=complete)


def side_by_side(review: Assessment | None, reviewed: Assessment) -> list[GroupReview]:
    """Each group `reviewed` assessed, its prediction beside what `review` (the version that
    follows it, or None: not reviewed yet) says was seen."""
    chars = characteristics()
    seen = {row.characteristic_key: row for row in (review.review_outcomes if review is not None else [])}
    found = []
    for impact in reviewed.impacts:
        row = seen.get(impact.characteristic_key)
        actual = row.actual_impact if row is not None else None
        found.append(GroupReview(
            key=impact.characteristic_key, label=impact.characteristic_label,
            predicted=chars.label("impact", impact.impact) if impact.impact else "",
            severity=chars.label("severity", impact.severity) if impact.severity else "",
            actual_key=actual, actual=REVIEW_ACTUALS.get(actual, actual or ""),
            evidence=row.evidence_seen if row is not None else ""))
    return found


def next_step_words(assessment: Assessment) -> str:
    step = assessment.review_next_step
    return REVIEW_NEXT_STEPS.get(step, step or "")
